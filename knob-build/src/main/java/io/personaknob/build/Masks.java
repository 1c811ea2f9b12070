package io.personaknob.build;

import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * Masks: subsets of {A,T,E,C}, written canonically as their letters in A,T,E,C order ("AT", "ATEC").
 * PersonaKnob uses the 11 masks of size ≥ 2; masks of size 1 are allowed only on request.
 */
public final class Masks {
  private Masks() {}

  /** The canonical string of a mask: its letters in A,T,E,C order. */
  public static String canonical(List<Dimension> mask) {
    StringBuilder sb = new StringBuilder();
    for (Dimension d : Dimension.values()) if (mask.contains(d)) sb.append(d.name());
    return sb.toString();
  }

  /** The dimensions of a canonical mask string, in A,T,E,C order. */
  public static List<Dimension> dims(String canonical) {
    List<Dimension> out = new ArrayList<>();
    for (Dimension d : Dimension.values()) if (canonical.indexOf(d.name().charAt(0)) >= 0) out.add(d);
    return out;
  }

  /**
   * Every mask over {@code dims} with at least {@code minSize} dimensions, ordered by size then A,T,E,C
   * order (AT, AE, AC, TE, TC, EC, ATE, ATC, AEC, TEC, ATEC for all four and minSize 2).
   */
  public static List<String> all(List<Dimension> dims, int minSize) {
    List<String> out = new ArrayList<>();
    int n = Dimension.values().length;
    for (int size = Math.max(1, minSize); size <= n; size++) {
      for (int bits = 1; bits < (1 << n); bits++) {
        if (Integer.bitCount(bits) != size) continue;
        List<Dimension> m = new ArrayList<>();
        for (int i = 0; i < n; i++) if ((bits & (1 << i)) != 0) m.add(Dimension.values()[i]);
        if (dims.containsAll(m)) out.add(canonical(m));
      }
    }
    // order within a size: lexicographic by position in A,T,E,C (AT, AE, AC, TE, TC, EC)
    out.sort((a, b) -> a.length() != b.length() ? a.length() - b.length() : compareByOrder(a, b));
    return out;
  }

  private static int compareByOrder(String a, String b) {
    for (int i = 0; i < a.length(); i++) {
      int c = Integer.compare(order(a.charAt(i)), order(b.charAt(i)));
      if (c != 0) return c;
    }
    return 0;
  }

  private static int order(char c) {
    return "ATEC".indexOf(c);
  }

  /**
   * Parses a user-given mask or dimension list ("AT", "A,T", "a t") into its canonical string; a letter
   * outside {A,T,E,C} or a repeated one is a one-line error naming {@code what}.
   */
  public static String parse(String text, String what) {
    EnumSet<Dimension> set = EnumSet.noneOf(Dimension.class);
    for (char c : text.toCharArray()) {
      if (c == ',' || c == ' ' || c == '+' || c == '-') continue;
      Dimension d = Dimension.parse(String.valueOf(c)).orElseThrow(() -> new UserException(what + ": '" + text
          + "' has '" + c + "', which is not a dimension (use the letters A, T, E, C)"));
      if (!set.add(d)) throw new UserException(what + ": '" + text + "' names " + d + " twice");
    }
    if (set.isEmpty()) throw new UserException(what + ": empty mask");
    return canonical(new ArrayList<>(set));
  }
}
