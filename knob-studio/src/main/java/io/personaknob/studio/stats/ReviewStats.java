package io.personaknob.studio.stats;

import io.personaknob.studio.stats.Agreement.Interval;
import io.personaknob.studio.stats.Agreement.Metric;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * Agreement per check and overall for a set of review verdicts: the numbers {@code knob review stats --json}
 * prints and the studio's agreement page shows (the same code, the same seed, so the same numbers).
 *
 * <p>JSON shape (documented in docs/studio.md): each statistic is an object {@code {"value", "ci_low",
 * "ci_high"}} (null members where undefined); {@code pass_rate} adds {@code passed} and {@code n}.
 */
public final class ReviewStats {
  private ReviewStats() {}

  /** One current verdict: pass/fail/unsure or an integer rating. */
  public record Rating(String item, String reviewer, String check, String value) {}

  /** When an item counts as accepted. */
  public enum AcceptRule {
    /** every check has more pass than other verdicts (strict majority of the reviewers who gave one) */
    MAJORITY,
    /** every reviewer gave pass on every check */
    ALL;

    public static AcceptRule parse(String s) {
      return switch (s == null ? "" : s.trim().toLowerCase()) {
        case "all" -> ALL;
        default -> MAJORITY;
      };
    }

    public String key() {
      return name().toLowerCase();
    }
  }

  public static final int DEFAULT_REPLICATES = 1000;
  public static final long SEED = 20260101L;

  /**
   * Computes the report.
   *
   * @param ratings the current verdicts
   * @param requiredChecks per item, the checks it must pass to be accepted (items absent here: the checks
   *     that have verdicts)
   */
  public static Map<String, Object> compute(List<Rating> ratings, Map<String, List<String>> requiredChecks, AcceptRule rule,
      int replicates) {
    // check -> item -> reviewer -> value
    Map<String, Map<String, Map<String, String>>> byCheck = new TreeMap<>();
    Map<String, Map<String, Map<String, String>>> byItem = new TreeMap<>(); // item -> check -> reviewer -> value
    for (Rating r : ratings) {
      byCheck.computeIfAbsent(r.check(), k -> new TreeMap<>()).computeIfAbsent(r.item(), k -> new TreeMap<>()).put(r.reviewer(), r.value());
      byItem.computeIfAbsent(r.item(), k -> new TreeMap<>()).computeIfAbsent(r.check(), k -> new TreeMap<>()).put(r.reviewer(), r.value());
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("accept_rule", rule.key());
    out.put("bootstrap_replicates", replicates);
    out.put("bootstrap_seed", SEED);
    Map<String, Object> checks = new LinkedHashMap<>();
    for (var e : byCheck.entrySet()) {
      List<List<Map<String, String>>> perItem = new ArrayList<>();
      for (Map<String, String> u : e.getValue().values()) perItem.add(List.of(u));
      Map<String, Object> block = block(perItem, replicates);
      block.put("pass_rate", checkPassRate(e.getValue().values()));
      checks.put(e.getKey(), block);
    }
    List<List<Map<String, String>>> perItem = new ArrayList<>();
    for (var it : byItem.values()) perItem.add(new ArrayList<>(it.values()));
    Map<String, Object> overall = block(perItem, replicates);
    overall.put("pass_rate", acceptRate(byItem, requiredChecks, rule));
    out.put("overall", overall);
    out.put("checks", checks);
    return out;
  }

  /** Whether an item is accepted: TRUE, FALSE, or null when some required check has no verdict yet. */
  public static Boolean accepted(Map<String, Map<String, String>> checks, List<String> required, AcceptRule rule) {
    List<String> req = required == null || required.isEmpty() ? new ArrayList<>(checks.keySet()) : required;
    if (req.isEmpty()) return null;
    boolean ok = true;
    for (String c : req) {
      Map<String, String> vs = checks.get(c);
      if (vs == null || vs.isEmpty()) return null;
      long pass = vs.values().stream().filter("pass"::equals).count();
      if (rule == AcceptRule.ALL ? pass < vs.size() : pass * 2 <= vs.size()) ok = false;
    }
    return ok;
  }

  private static Map<String, Object> acceptRate(Map<String, Map<String, Map<String, String>>> byItem, Map<String, List<String>> required,
      AcceptRule rule) {
    long decided = 0;
    long passed = 0;
    for (var e : byItem.entrySet()) {
      if (!passFail(e.getValue())) continue;
      Boolean a = accepted(e.getValue(), required.get(e.getKey()), rule);
      if (a == null) continue;
      decided++;
      if (a) passed++;
    }
    return rate(passed, decided);
  }

  private static boolean passFail(Map<String, Map<String, String>> checks) {
    for (var m : checks.values()) for (String v : m.values()) if (!(v.equals("pass") || v.equals("fail") || v.equals("unsure"))) return false;
    return true;
  }

  private static Map<String, Object> checkPassRate(java.util.Collection<Map<String, String>> units) {
    long n = 0;
    long passed = 0;
    for (Map<String, String> u : units) {
      if (!passFail(Map.of("c", u))) return rate(0, 0);
      n++;
      long pass = u.values().stream().filter("pass"::equals).count();
      if (pass * 2 > u.size()) passed++;
    }
    return rate(passed, n);
  }

  private static Map<String, Object> rate(long passed, long n) {
    Map<String, Object> m = new LinkedHashMap<>();
    Interval w = Agreement.wilson(passed, n, Agreement.Z95);
    m.put("value", n == 0 ? null : passed / (double) n);
    m.put("ci_low", num(w.low()));
    m.put("ci_high", num(w.high()));
    m.put("passed", passed);
    m.put("n", n);
    return m;
  }

  /** The agreement statistics of units grouped by item (the bootstrap resamples items). */
  private static Map<String, Object> block(List<List<Map<String, String>>> perItem, int replicates) {
    List<Map<String, String>> units = flat(perItem);
    List<String> coders = Agreement.coders(units);
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("n_items", perItem.size());
    b.put("n_reviewers", coders.size());
    b.put("n_verdicts", units.stream().mapToInt(Map::size).sum());
    b.put("percent_agreement", stat(perItem, Agreement::percentAgreement, replicates));
    if (coders.size() == 2) {
      String a = coders.get(0);
      String c = coders.get(1);
      b.put("cohen_kappa", stat(perItem, u -> Agreement.cohenKappa(u, a, c), replicates));
    } else {
      b.put("cohen_kappa", null);
    }
    b.put("fleiss_kappa", stat(perItem, Agreement::fleissKappa, replicates));
    b.put("krippendorff_alpha_nominal", stat(perItem, u -> Agreement.krippendorffAlpha(u, Metric.NOMINAL), replicates));
    if (Agreement.allIntegers(units)) {
      b.put("krippendorff_alpha_ordinal", stat(perItem, u -> Agreement.krippendorffAlpha(u, Metric.ORDINAL), replicates));
      b.put("krippendorff_alpha_interval", stat(perItem, u -> Agreement.krippendorffAlpha(u, Metric.INTERVAL), replicates));
    }
    List<Map<String, Object>> conf = new ArrayList<>();
    for (int i = 0; i < coders.size(); i++) {
      for (int j = i + 1; j < coders.size(); j++) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("a", coders.get(i));
        c.put("b", coders.get(j));
        c.put("table", Agreement.confusion(units, coders.get(i), coders.get(j)));
        conf.add(c);
      }
    }
    b.put("confusion", conf);
    return b;
  }

  private static Map<String, Object> stat(List<List<Map<String, String>>> perItem, ToDoubleFunction<List<Map<String, String>>> f,
      int replicates) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("value", num(f.applyAsDouble(flat(perItem))));
    Interval ci = Agreement.bootstrap(perItem, s -> f.applyAsDouble(flat(s)), replicates, SEED);
    m.put("ci_low", num(ci.low()));
    m.put("ci_high", num(ci.high()));
    return m;
  }

  private static List<Map<String, String>> flat(List<List<Map<String, String>>> perItem) {
    List<Map<String, String>> out = new ArrayList<>();
    for (List<Map<String, String>> l : perItem) out.addAll(l);
    return out;
  }

  private static Double num(double d) {
    return Double.isFinite(d) ? d : null;
  }
}
