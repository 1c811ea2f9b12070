package io.personaknob.studio;

import io.personaknob.core.data.Dimension;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The review checks of a PersonaKnob row (stage 4 of the PersonaKnob build: the partial order and realism).
 * For a mask M: {@code scenario_needs_traits}; for each k in M (in A,T,E,C order) {@code reject_k_fails_k}
 * and {@code reject_k_no_worse}; and {@code realistic}.
 */
public final class Checks {
  private Checks() {}

  public static final String SCENARIO = "scenario_needs_traits";
  public static final String REALISTIC = "realistic";
  public static final List<String> VERDICTS = List.of("pass", "fail", "unsure");

  /** The checks of a row with this mask, in display order. */
  public static List<String> of(Set<Dimension> mask) {
    List<String> out = new ArrayList<>();
    out.add(SCENARIO);
    for (Dimension d : Dimension.values()) {
      if (!mask.contains(d)) continue;
      out.add(fails(d));
      out.add(noWorse(d));
    }
    out.add(REALISTIC);
    return out;
  }

  public static List<String> of(List<Dimension> mask) {
    return of(mask.isEmpty() ? EnumSet.noneOf(Dimension.class) : EnumSet.copyOf(mask));
  }

  public static String fails(Dimension d) {
    return "reject_" + d.name() + "_fails_" + d.name();
  }

  public static String noWorse(Dimension d) {
    return "reject_" + d.name() + "_no_worse";
  }

  /** What a reviewer reads for a check. */
  public static String label(String check) {
    if (check.equals(SCENARIO)) return "The scenario needs every active trait";
    if (check.equals(REALISTIC)) return "The scenario is realistic";
    for (Dimension d : Dimension.values()) {
      if (check.equals(fails(d))) return "reject_" + d.name() + " fails " + d.name() + " (" + d.title() + ")";
      if (check.equals(noWorse(d))) return "reject_" + d.name() + " is no worse than golden on the other traits";
    }
    return check;
  }
}
