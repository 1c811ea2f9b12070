package io.personaknob.core;

import java.math.BigDecimal;

/**
 * Text exactly as CPython writes it, for outputs that must match Python byte for byte: {@code repr(float)}
 * (also what {@code json.dumps} writes for a float) and a JSON string literal as {@code json.dumps} writes
 * it, with or without {@code ensure_ascii}. Used by knob-lm's {@code tojson} filter for chat templates and
 * by knob-steer's reproduction of the steering library's hash keys and tables.
 */
public final class PythonText {
  private PythonText() {}

  /**
   * {@code repr(x)}: the shortest digits that round-trip, in fixed notation for 1e-4 ≤ |x| < 1e16 and as
   * {@code d.ddde±XX} otherwise; {@code -0.0} keeps its sign. NaN and infinities are written as
   * {@code json.dumps} writes them ({@code NaN}, {@code Infinity}, {@code -Infinity}).
   */
  public static String repr(double x) {
    if (Double.isNaN(x)) return "NaN";
    if (Double.isInfinite(x)) return x > 0 ? "Infinity" : "-Infinity";
    if (x == 0) return (1 / x < 0) ? "-0.0" : "0.0";
    // Java ≥ 19 prints the shortest digits that round-trip, as Python does.
    BigDecimal bd = new BigDecimal(Double.toString(Math.abs(x))).stripTrailingZeros();
    String digits = bd.unscaledValue().toString();
    int decpt = digits.length() - bd.scale(); // value = 0.DIGITS × 10^decpt
    StringBuilder sb = new StringBuilder(x < 0 ? "-" : "");
    if (decpt <= -4 || decpt > 16) {
      sb.append(digits.charAt(0));
      if (digits.length() > 1) sb.append('.').append(digits, 1, digits.length());
      int e = decpt - 1;
      sb.append('e').append(e < 0 ? '-' : '+');
      String es = Integer.toString(Math.abs(e));
      if (es.length() < 2) sb.append('0');
      sb.append(es);
    } else if (decpt <= 0) {
      sb.append("0.").append("0".repeat(-decpt)).append(digits);
    } else if (decpt >= digits.length()) {
      sb.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
    } else {
      sb.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
    }
    return sb.toString();
  }

  /**
   * Appends {@code s} as a JSON string literal the way {@code json.dumps} does: quote, backslash and the
   * short escapes, other control characters as {@code \\uXXXX}; with {@code ensureAscii} also everything
   * outside printable ASCII (UTF-16 units, so a character beyond the BMP becomes its surrogate pair).
   */
  public static void jsonString(StringBuilder sb, String s, boolean ensureAscii) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || (ensureAscii && c > 0x7e)) sb.append(String.format("\\u%04x", (int) c));
          else sb.append(c);
        }
      }
    }
    sb.append('"');
  }
}
