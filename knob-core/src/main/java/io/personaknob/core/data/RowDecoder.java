package io.personaknob.core.data;

import io.personaknob.core.data.Issue.Severity;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Turns raw records into {@link PersonaRow}s, applying the PersonaKnob rules and reporting every
 * problem of a row (never only the first).
 *
 * <p>Errors: mask missing, empty, not a list, unknown or duplicate letters; a text column of the wrong
 * type; prompt or golden empty; reject_X empty while X is active or non-empty while X is inactive; a
 * reject equal to the golden or to another reject; an id that is neither text nor an integer; a task
 * other than selection/generation. Warnings: a reject more than {@value #LENGTH_RATIO} times longer or
 * shorter than the golden; empty seed_scene/context/trigger; an unknown column (once per file).
 */
final class RowDecoder {

  /** Length ratio beyond which a reject is flagged as suspicious. */
  static final double LENGTH_RATIO = 3.0;
  /** Goldens shorter than this are too short for the length-ratio warning to mean anything. */
  static final int RATIO_MIN_CHARS = 40;

  static final List<String> TEXT_COLUMNS = List.of("seed_scene", "context", "trigger", "prompt", "golden");
  static final Set<String> KNOWN = Set.of(
      "id", "mask", "seed_scene", "context", "trigger", "prompt", "golden",
      "reject_A", "reject_T", "reject_E", "reject_C", "task", "split");

  private final String source;
  private final String idPrefix;
  private final String defaultSplit;
  private final Set<String> warnedUnknown = new HashSet<>();

  /**
   * @param source the file name used in messages
   * @param idPrefix prefix for synthesised ids of rows without one ("train" gives "train-17")
   * @param defaultSplit split given to rows without a split column (from a dataset folder), or null
   */
  RowDecoder(String source, String idPrefix, String defaultSplit) {
    this.source = source;
    this.idPrefix = idPrefix;
    this.defaultSplit = defaultSplit;
  }

  /** Decodes one record, sending every issue to {@code sink}; null when the row has an error. */
  PersonaRow decode(RecordSource.Record rec, Consumer<Issue> sink) {
    long line = rec.line();
    Map<String, Object> f = rec.fields();
    int[] errors = {0};
    Consumer<Issue> s = i -> {
      if (i.isError()) errors[0]++;
      sink.accept(i);
    };

    for (String k : f.keySet()) {
      if (!KNOWN.contains(k) && warnedUnknown.add(k)) {
        s.accept(warn(line, k, "unknown column, ignored"));
      }
    }

    String id = idOf(line, f.get("id"), s);
    if (id == null) id = idPrefix + "-" + rec.index();

    List<Dimension> mask = mask(line, f, s);

    Map<String, String> text = new java.util.HashMap<>();
    for (String col : TEXT_COLUMNS) text.put(col, string(line, col, f.get(col), s));
    for (String col : List.of("prompt", "golden")) {
      if (!f.containsKey(col)) s.accept(err(line, col, "missing"));
      else if (blank(text.get(col)) && isStringOrNull(f.get(col))) s.accept(err(line, col, "empty"));
    }
    for (String col : List.of("seed_scene", "context", "trigger")) {
      if (blank(text.get(col)) && isStringOrNull(f.get(col))) s.accept(warn(line, col, "empty"));
    }

    Map<Dimension, String> rejects = new EnumMap<>(Dimension.class);
    for (Dimension d : Dimension.values()) {
      String col = d.rejectColumn();
      Object raw = f.get(col);
      String r = string(line, col, raw, s);
      boolean typeOk = isStringOrNull(raw);
      boolean active = mask != null && mask.contains(d);
      if (mask == null) {
        if (!blank(r)) rejects.put(d, r);
        continue;
      }
      if (active && blank(r) && typeOk) {
        s.accept(err(line, col, f.containsKey(col) ? "empty but " + d + " is in the mask" : "missing but " + d + " is in the mask"));
      } else if (!active && !blank(r)) {
        s.accept(err(line, col, "non-empty but " + d + " is not in the mask " + mask));
      } else if (active && typeOk) {
        rejects.put(d, r); // a non-text value was reported above; the row is invalid, the checks go on
      }
    }

    String golden = text.get("golden");
    boolean hasGolden = !blank(golden);
    List<Dimension> present = new ArrayList<>(rejects.keySet());
    for (int i = 0; i < present.size(); i++) {
      Dimension d = present.get(i);
      String r = rejects.get(d);
      if (hasGolden && sameText(r, golden)) {
        s.accept(err(line, d.rejectColumn(), "equal to golden"));
      }
      for (int j = 0; j < i; j++) {
        if (sameText(r, rejects.get(present.get(j)))) {
          s.accept(err(line, d.rejectColumn(), "equal to " + present.get(j).rejectColumn()));
        }
      }
      if (hasGolden && golden.length() >= RATIO_MIN_CHARS) {
        double ratio = (double) r.length() / golden.length();
        if (ratio > LENGTH_RATIO) {
          s.accept(warn(line, d.rejectColumn(), String.format(Locale.ROOT, "%.1fx as long as golden", ratio)));
        } else if (ratio < 1 / LENGTH_RATIO) {
          s.accept(warn(line, d.rejectColumn(), String.format(Locale.ROOT, "%.2fx the length of golden", ratio)));
        }
      }
    }

    String task = string(line, "task", f.get("task"), s);
    if (blank(task)) {
      task = null;
    } else {
      String t = task.trim().toLowerCase(Locale.ROOT);
      if (t.equals("selection") || t.equals("generation")) task = t;
      else s.accept(err(line, "task", "unknown task '" + task + "' (expected selection or generation)"));
    }
    String split = string(line, "split", f.get("split"), s);
    if (blank(split)) split = defaultSplit;

    if (errors[0] > 0) return null;
    return new PersonaRow(id, mask, text.get("seed_scene"), text.get("context"), text.get("trigger"),
        text.get("prompt"), golden, rejects, task, split);
  }

  private String idOf(long line, Object v, Consumer<Issue> s) {
    if (v == null) return null;
    if (v instanceof String str) return str.isBlank() ? null : str;
    if (v instanceof Number n && (n instanceof Integer || n instanceof Long || n instanceof Short
        || n instanceof java.math.BigInteger)) {
      return n.toString();
    }
    s.accept(err(line, "id", "expected text or an integer, got " + typeName(v)));
    return null;
  }

  private List<Dimension> mask(long line, Map<String, Object> f, Consumer<Issue> s) {
    if (!f.containsKey("mask")) {
      s.accept(err(line, "mask", "missing"));
      return null;
    }
    Object v = f.get("mask");
    List<String> letters = new ArrayList<>();
    if (v == null) {
      s.accept(err(line, "mask", "null (expected a list such as [\"E\",\"A\"])"));
      return null;
    } else if (v instanceof List<?> l) {
      for (Object o : l) {
        if (!(o instanceof String str)) {
          s.accept(err(line, "mask", "expected a list of letters, found " + typeName(o) + " " + o));
          return null;
        }
        letters.add(str);
      }
    } else if (v instanceof String str) {
      letters.addAll(splitListString(str));
    } else {
      s.accept(err(line, "mask", "expected a list such as [\"E\",\"A\"], got " + typeName(v)));
      return null;
    }
    if (letters.isEmpty()) {
      s.accept(err(line, "mask", "empty (at least one of A, T, E, C)"));
      return null;
    }
    List<Dimension> dims = new ArrayList<>();
    boolean ok = true;
    for (String letter : letters) {
      var d = Dimension.parse(letter);
      if (d.isEmpty()) {
        s.accept(err(line, "mask", "unknown dimension '" + letter + "' (expected A, T, E or C)"));
        ok = false;
      } else if (dims.contains(d.get())) {
        s.accept(err(line, "mask", "duplicate dimension '" + d.get() + "'"));
        ok = false;
      } else {
        dims.add(d.get());
      }
    }
    return ok ? dims : null;
  }

  /**
   * Splits a list-like string as found in real exports: {@code ["E","A"]}, {@code ['E', 'A']},
   * {@code E,A}, {@code E A} or {@code [E, A]}.
   */
  static List<String> splitListString(String str) {
    String t = str.trim();
    if (t.startsWith("[") && t.endsWith("]")) t = t.substring(1, t.length() - 1);
    List<String> out = new ArrayList<>();
    for (String part : t.split("[,\\s]+")) {
      String p = part.trim();
      if (p.length() >= 2 && (p.charAt(0) == '\'' || p.charAt(0) == '"') && p.charAt(p.length() - 1) == p.charAt(0)) {
        p = p.substring(1, p.length() - 1).trim();
      }
      if (!p.isEmpty()) out.add(p);
    }
    return out;
  }

  private String string(long line, String col, Object v, Consumer<Issue> s) {
    if (v == null) return null;
    if (v instanceof String str) return str;
    s.accept(err(line, col, "expected text, got " + typeName(v)));
    return null;
  }

  private static boolean isStringOrNull(Object v) {
    return v == null || v instanceof String;
  }

  static String typeName(Object v) {
    if (v == null) return "null";
    if (v instanceof Number) return "a number";
    if (v instanceof Boolean) return "a boolean";
    if (v instanceof List) return "a list";
    if (v instanceof Map || v instanceof java.sql.Struct) return "an object";
    if (v instanceof String) return "text";
    return v.getClass().getSimpleName();
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  /**
   * Equality up to whitespace: leading and trailing whitespace ignored and every whitespace run
   * counted as one space ("a  b" equals " a b"). Compares in place without building strings.
   */
  static boolean sameText(String a, String b) {
    int i = skipWs(a, 0);
    int j = skipWs(b, 0);
    int n = a.length();
    int m = b.length();
    while (true) {
      if (i >= n || j >= m) return skipWs(a, i) >= n && skipWs(b, j) >= m;
      char ca = a.charAt(i);
      char cb = b.charAt(j);
      boolean wa = Character.isWhitespace(ca);
      boolean wb = Character.isWhitespace(cb);
      if (wa != wb) return false;
      if (wa) {
        i = skipWs(a, i);
        j = skipWs(b, j);
      } else {
        if (ca != cb) return false;
        i++;
        j++;
      }
    }
  }

  private static int skipWs(String s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
    return i;
  }

  private Issue err(long line, String field, String msg) {
    return new Issue(source, line, field, Severity.ERROR, msg);
  }

  private Issue warn(long line, String field, String msg) {
    return new Issue(source, line, field, Severity.WARNING, msg);
  }
}
