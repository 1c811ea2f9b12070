package io.personaknob.steer;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The library's scores over the template × pair table. HEAD (since 849b1de): per cell
 * {@code on = clamp01(mean_axis_delta/8)}, {@code off = clamp01((mean_off_axis_problem−1)/6)},
 * {@code score = 100·on·(1−off)}; per template the mean of the unrounded cell scores and
 * {@code score_t = mean/(sample std/√n)} (0 when mean = sem = 0, 10⁶ when only sem = 0), and the Hub
 * {@code main} variant (mean of 1-dp cell scores, best cell). The older six-factor score (6a19b65):
 * {@code 100·pass·clamp01(axis/8)·clamp01((7−off)/6)·clamp01((6−style)/6)·(1−echo)·(1−refusal)}, 1 dp.
 */
public final class Scores {
  private Scores() {}

  /** Which cell score a template summary averages. */
  public enum Kind { HEAD, SIX_FACTOR }

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  static double clamp01(double x) {
    return Math.max(0.0, Math.min(1.0, x));
  }

  public static double onAxis(double meanAxisDelta) {
    return clamp01(meanAxisDelta / 8.0);
  }

  public static double offAxis(double meanOffAxisProblem) {
    return clamp01((meanOffAxisProblem - 1.0) / 6.0);
  }

  /** HEAD cell score, unrounded. */
  public static double head(double meanAxisDelta, double meanOffAxisProblem) {
    return 100.0 * onAxis(meanAxisDelta) * (1.0 - offAxis(meanOffAxisProblem));
  }

  /** HEAD cell score from a stats row, unrounded. */
  public static double head(ObjectNode row) {
    return head(row.get("mean_axis_delta").doubleValue(), row.get("mean_off_axis_problem").doubleValue());
  }

  private static double orDefault(ObjectNode row, String k, double d) {
    var v = row.get(k);
    // Python's `x or default`: a missing, null or zero value takes the default
    return v == null || v.isNull() || v.doubleValue() == 0.0 ? d : v.doubleValue();
  }

  /** The six-factor score (6a19b65), rounded to 1 dp, with its {@code or} defaults. */
  public static double sixFactor(ObjectNode row) {
    double pass = orDefault(row, "strict_pass_rate", 0);
    double axis = orDefault(row, "mean_axis_delta", 0);
    double off = orDefault(row, "mean_off_axis_problem", 7);
    double style = orDefault(row, "mean_max_style_abs_delta", 6);
    double echo = orDefault(row, "persona_echo_rate", 0);
    double refusal = orDefault(row, "refusal_or_ai_break_rate", 0);
    return Py.round(100 * pass * clamp01(axis / 8) * clamp01((7 - off) / 6) * clamp01((6 - style) / 6) * (1 - echo) * (1 - refusal), 1);
  }

  /** The Hub build's per-cell values: on/off at 4 dp (0 / 7 substituted for missing or zero), score at 1 dp. */
  public static double[] hubCell(ObjectNode row) {
    double on = Py.round4(onAxis(orDefault(row, "mean_axis_delta", 0)));
    double off = Py.round4(offAxis(orDefault(row, "mean_off_axis_problem", 7)));
    return new double[] {on, off, Py.round(100.0 * on * (1.0 - off), 1)};
  }

  static double mean(List<Double> xs) {
    double s = 0;
    for (double x : xs) s += x;
    return s / xs.size();
  }

  /** Sample standard deviation (statistics.stdev), 0 for one value. */
  static double stdev(List<Double> xs) {
    if (xs.size() < 2) return 0.0;
    return Math.sqrt(ExampleMath.pstdev(xs) * ExampleMath.pstdev(xs) * xs.size() / (xs.size() - 1));
  }

  public static double scoreT(List<Double> scores) {
    double sem = stdev(scores) / Math.sqrt(scores.size());
    double m = mean(scores);
    if (sem == 0.0) return m == 0.0 ? 0.0 : 1_000_000.0;
    return m / sem;
  }

  /** One row per cell: the HEAD and six-factor scores and the Hub's rounded on/off/score. */
  public static List<ObjectNode> cells(List<ObjectNode> pairStats) {
    List<ObjectNode> out = new ArrayList<>();
    for (ObjectNode r : pairStats) {
      ObjectNode o = F.objectNode();
      o.set("template", r.get("template"));
      o.set("persona_pair", r.get("persona_pair"));
      o.set("n", r.get("n"));
      double[] hub = hubCell(r);
      o.put("on_axis", hub[0]);
      o.put("off_axis", hub[1]);
      o.put("score", hub[2]);
      o.put("score_unrounded", head(r));
      o.put("six_factor_score", sixFactor(r));
      o.set("mean_axis_delta", r.get("mean_axis_delta"));
      o.set("mean_off_axis_problem", r.get("mean_off_axis_problem"));
      o.set("strict_pass_rate", r.get("strict_pass_rate"));
      o.set("recommended", r.get("recommended"));
      out.add(o);
    }
    return out;
  }

  /**
   * One row per template (docs_results.py): score_t (2 dp), score (1 dp) and score_mean (2 dp) of the cell
   * scores, on/off of the mean axis and off-axis values, judge_std, n_cells, and the Hub main's
   * {@code hub_score} (mean of 1-dp cell scores, 1 dp) and {@code best_score}; sorted by score_t, descending.
   */
  public static List<ObjectNode> templates(List<ObjectNode> pairStats, Kind kind) {
    Map<String, List<ObjectNode>> g = new LinkedHashMap<>();
    for (ObjectNode r : pairStats) g.computeIfAbsent(r.get("template").asText(), k -> new ArrayList<>()).add(r);
    List<ObjectNode> out = new ArrayList<>();
    for (var e : g.entrySet()) {
      List<ObjectNode> rs = e.getValue();
      List<Double> scores = new ArrayList<>();
      List<Double> hub = new ArrayList<>();
      List<Double> axis = new ArrayList<>();
      List<Double> off = new ArrayList<>();
      List<Double> jstd = new ArrayList<>();
      for (ObjectNode r : rs) {
        scores.add(kind == Kind.HEAD ? head(r) : sixFactor(r));
        hub.add(kind == Kind.HEAD ? hubCell(r)[2] : sixFactor(r));
        axis.add(r.get("mean_axis_delta").doubleValue());
        off.add(r.get("mean_off_axis_problem").doubleValue());
        jstd.add(r.get("mean_axis_delta_judge_std").doubleValue());
      }
      ObjectNode o = F.objectNode();
      o.put("template", e.getKey());
      o.put("score_kind", kind == Kind.HEAD ? "head" : "six_factor");
      o.put("score_t", Py.round(scoreT(scores), 2));
      o.put("score", Py.round(mean(scores), 1));
      o.put("score_mean", Py.round(mean(scores), 2));
      o.put("on_axis", clamp01(mean(axis) / 8.0));
      o.put("off_axis", clamp01((mean(off) - 1.0) / 6.0));
      o.put("axis_delta", Py.round(mean(axis), 2));
      o.put("off_axis_problem", Py.round(mean(off), 2));
      o.put("judge_std", Py.round(mean(jstd), 2));
      o.put("n_cells", rs.size());
      o.put("hub_score", Py.round(mean(hub), 1));
      o.put("best_score", hub.stream().mapToDouble(Double::doubleValue).max().orElse(0));
      out.add(o);
    }
    out.sort(Comparator.comparingDouble((ObjectNode o) -> o.get("score_t").doubleValue()).reversed());
    return out;
  }
}
