package io.personaknob.steer;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.core.PythonText;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The Python behaviours the steering library's numbers depend on: {@code round(x, n)} (half-even on the
 * exact binary value), {@code statistics.mean} (exact), {@code json.dumps} (floats and strings as knob-core's
 * {@link PythonText} writes them)
 * (separators ", " and ": ", optional key sorting and ASCII escaping), and the md5 hash keys built from
 * that JSON text. Reproducing the published tables to the last digit needs all of them.
 */
public final class Py {
  private Py() {}

  /** {@code round(x, digits)}: half-even on the exact binary value of x. */
  public static double round(double x, int digits) {
    if (Double.isNaN(x) || Double.isInfinite(x)) return x;
    if (digits >= 0 && digits <= 8 && Math.abs(x) * POW10[Math.max(0, Math.min(8, digits))] < 1e9) {
      // fast path, exact when x·10^d is not within 1e-6 of a half: the integer is then the correctly rounded
      // one, and k / 10^d is the double nearest to that decimal (IEEE division), which is what Python returns
      double p = POW10[digits];
      double y = x * p;
      double fl = Math.floor(y);
      double frac = y - fl;
      if (Math.abs(frac - 0.5) > 1e-6) {
        double r = (frac < 0.5 ? fl : fl + 1) / p;
        return r == 0.0 ? Math.copySign(0.0, x) : r;
      }
    }
    double r = new BigDecimal(x).setScale(digits, RoundingMode.HALF_EVEN).doubleValue();
    return r == 0.0 && (x < 0 || (x == 0 && 1 / x < 0)) ? -0.0 : r;
  }

  private static final double[] POW10 = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};

  /** {@code round(statistics.mean(xs[0..n)), 4)}: the plain double mean unless it lies near a rounding tie. */
  public static double meanRound4(double[] xs, int n) {
    if (n == 0) throw new IllegalArgumentException("mean of no values");
    double s = 0;
    double max = 0;
    for (int i = 0; i < n; i++) {
      s += xs[i];
      max = Math.max(max, Math.abs(xs[i]));
    }
    double m = s / n;
    double y = m * 1e4;
    double frac = y - Math.floor(y);
    // the plain sum's error is below n·2^-52·max; far from a tie at 4 dp it cannot change the rounded value
    if (Math.abs(frac - 0.5) > 1e-6 && n * max * 1e4 < 1e9) return round(m, 4);
    return round(mean(xs, n), 4);
  }

  /** {@code round(x, 4)}. */
  public static double round4(double x) {
    return round(x, 4);
  }

  /** {@code statistics.mean(xs)} for floats: the exact mean, correctly rounded to a double. */
  public static double mean(double[] xs, int n) {
    if (n == 0) throw new IllegalArgumentException("mean of no values");
    BigDecimal s = BigDecimal.ZERO;
    for (int i = 0; i < n; i++) s = s.add(new BigDecimal(xs[i]));
    return s.divide(BigDecimal.valueOf(n), new MathContext(200, RoundingMode.HALF_EVEN)).doubleValue();
  }

  /** {@code statistics.mean} over a list. */
  public static double mean(List<Double> xs) {
    double[] a = new double[xs.size()];
    for (int i = 0; i < a.length; i++) a[i] = xs.get(i);
    return mean(a, a.length);
  }

  /** {@code json.dumps(node, sort_keys=sortKeys, ensure_ascii=ascii)} with the default separators. */
  public static String dumps(JsonNode n, boolean sortKeys, boolean ascii) {
    StringBuilder sb = new StringBuilder();
    write(sb, n, sortKeys, ascii);
    return sb.toString();
  }

  private static void write(StringBuilder sb, JsonNode n, boolean sortKeys, boolean ascii) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      sb.append("null");
    } else if (n.isBoolean()) {
      sb.append(n.booleanValue() ? "true" : "false");
    } else if (n.isIntegralNumber()) {
      sb.append(n.bigIntegerValue());
    } else if (n.isNumber()) {
      sb.append(PythonText.repr(n.doubleValue()));
    } else if (n.isTextual()) {
      PythonText.jsonString(sb, n.textValue(), ascii);
    } else if (n.isArray()) {
      sb.append('[');
      boolean first = true;
      for (JsonNode e : n) {
        if (!first) sb.append(", ");
        first = false;
        write(sb, e, sortKeys, ascii);
      }
      sb.append(']');
    } else if (n.isObject()) {
      List<String> keys = new ArrayList<>();
      for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) keys.add(it.next());
      if (sortKeys) keys.sort(null); // Python sorts str by code point; Java by UTF-16 unit (same for BMP)
      sb.append('{');
      boolean first = true;
      for (String k : keys) {
        if (!first) sb.append(", ");
        first = false;
        PythonText.jsonString(sb, k, ascii);
        sb.append(": ");
        write(sb, n.get(k), sortKeys, ascii);
      }
      sb.append('}');
    } else {
      throw new IllegalArgumentException("not JSON: " + n.getNodeType());
    }
  }


  /** The library's {@code _hkey}: md5 hex (first 20 characters) of the sorted-key ASCII JSON text. */
  public static String hkey(JsonNode n) {
    try {
      byte[] d = MessageDigest.getInstance("MD5").digest(dumps(n, true, true).getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder();
      for (byte b : d) sb.append(String.format("%02x", b));
      return sb.substring(0, 20);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The value as Python's {@code str()} prints it in a CSV cell (floats by repr, booleans True/False). */
  public static String csvText(JsonNode v) {
    if (v == null || v.isNull()) return "";
    if (v.isBoolean()) return v.booleanValue() ? "True" : "False";
    if (v.isTextual()) return v.textValue();
    if (v.isContainerNode()) return dumps(v, false, false);
    if (v.isIntegralNumber()) return v.bigIntegerValue().toString();
    return PythonText.repr(v.doubleValue());
  }

  /** One CSV field as Python's csv module (excel dialect, QUOTE_MINIMAL) writes it. */
  public static String csvField(String s) {
    boolean quote = false;
    for (int i = 0; i < s.length() && !quote; i++) {
      char c = s.charAt(i);
      quote = c == ',' || c == '"' || c == '\n' || c == '\r';
    }
    return quote ? '"' + s.replace("\"", "\"\"") + '"' : s;
  }
}
