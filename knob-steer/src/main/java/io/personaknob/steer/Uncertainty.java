package io.personaknob.steer;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What the library does not report: how sure a cell's score is, and how many calls a sweep needs.
 *
 * <p><b>Bootstrap intervals.</b> A cell's HEAD score is re-computed on B resamples: its examples (scenarios)
 * drawn with replacement and, inside each drawn example, its axis judges drawn with replacement (the
 * example's axis delta is the mean of the drawn judges' deltas). Percentile 95% intervals of the score and
 * of the mean axis delta; {@code p_pass} = share of resamples at or above the pass line.
 *
 * <p><b>Pass line.</b> {@link #PASS_LINE} = the HEAD score of a cell exactly at the strict thresholds
 * (axis delta 3, off-axis problem 2): 100·(3/8)·(1−1/6) = 31.25.
 *
 * <p><b>Adaptive sweep.</b> A simulation calibrated on a run: each cell's "true" axis and off-axis values
 * are its observed means; a simulated example adds a within-cell residual drawn from the run's pooled
 * residuals (inflated by √(n/(n−1))). The full grid measures every cell on {@code full} scenarios; the
 * adaptive sweep starts every cell at {@code start}, and in rounds adds {@code step} scenarios only to cells
 * whose interval (mean ± z·pooled sd/√n on the score scale) still straddles the pass line, up to {@code full}.
 * Decisions (score ≥ line) are compared with the truth; calls = examples × calls per example.
 */
public final class Uncertainty {
  private Uncertainty() {}

  public static final double PASS_LINE = Scores.head(3.0, 2.0);

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** Cells of a run, keyed as the pair table (template, pair), in first-appearance order. */
  static Map<List<String>, List<ExampleRow>> cells(List<ExampleRow> rows) {
    Map<List<String>, List<ExampleRow>> g = new LinkedHashMap<>();
    for (ExampleRow r : rows) {
      if (!r.error()) g.computeIfAbsent(List.of(r.template(), r.pair()), k -> new ArrayList<>()).add(r);
    }
    return g;
  }

  /** Bootstrap interval of one cell: [score_lo, score_hi, axis_lo, axis_hi, p_pass]. */
  public static double[] bootstrap(List<ExampleRow> ex, int b, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int n = ex.size();
    double[] scores = new double[b];
    double[] axes = new double[b];
    int pass = 0;
    for (int k = 0; k < b; k++) {
      double sa = 0;
      double so = 0;
      for (int i = 0; i < n; i++) {
        ExampleRow e = ex.get(rnd.nextInt(n));
        double[] j = e.judgeAxisDeltas();
        double a;
        if (j.length == 0) {
          a = e.axisDelta();
        } else {
          a = 0;
          for (int q = 0; q < j.length; q++) a += j[rnd.nextInt(j.length)];
          a /= j.length;
        }
        sa += a;
        so += e.offAxisProblem();
      }
      axes[k] = sa / n;
      scores[k] = Scores.head(sa / n, so / n);
      if (scores[k] >= PASS_LINE) pass++;
    }
    Arrays.sort(scores);
    Arrays.sort(axes);
    return new double[] {pct(scores, 0.025), pct(scores, 0.975), pct(axes, 0.025), pct(axes, 0.975), (double) pass / b};
  }

  static double pct(double[] sorted, double q) {
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }

  /** Adds bootstrap columns to the cell score rows (matched by template and pair). */
  public static void addIntervals(List<ObjectNode> cellScores, List<ExampleRow> rows, int b, long seed) {
    Map<List<String>, List<ExampleRow>> g = cells(rows);
    for (ObjectNode c : cellScores) {
      List<ExampleRow> ex = g.get(List.of(c.get("template").asText(), c.get("persona_pair").asText()));
      double[] iv = bootstrap(ex, b, seed ^ c.get("template").asText().hashCode() * 31L ^ c.get("persona_pair").asText().hashCode());
      c.put("score_lo", Py.round(iv[0], 2));
      c.put("score_hi", Py.round(iv[1], 2));
      c.put("axis_delta_lo", Py.round(iv[2], 4));
      c.put("axis_delta_hi", Py.round(iv[3], 4));
      c.put("p_pass", Py.round(iv[4], 4));
      c.put("decided", iv[0] >= PASS_LINE ? "pass" : iv[1] < PASS_LINE ? "fail" : "uncertain");
    }
  }

  /** Result of the sweep simulation, averaged over replications. */
  public record Sweep(int cells, int full, int start, int step, int reps, double fullCalls, double adaptiveCalls,
      double fullAccuracy, double adaptiveAccuracy, double callsPerExample, double pooledAxisSd, double pooledOffSd) {
    public double savedFraction() { return 1 - adaptiveCalls / fullCalls; }

    public ObjectNode toJson() {
      ObjectNode o = F.objectNode();
      o.put("cells", cells);
      o.put("scenarios_full_grid", full);
      o.put("scenarios_start", start);
      o.put("scenarios_step", step);
      o.put("replications", reps);
      o.put("calls_per_example", callsPerExample);
      o.put("pooled_within_cell_sd_axis_delta", Py.round4(pooledAxisSd));
      o.put("pooled_within_cell_sd_off_axis", Py.round4(pooledOffSd));
      o.put("pass_line_score", PASS_LINE);
      o.put("full_grid_calls", Math.round(fullCalls));
      o.put("adaptive_calls_mean", Py.round(adaptiveCalls, 1));
      o.put("calls_saved_fraction", Py.round4(savedFraction()));
      o.put("full_grid_decision_accuracy", Py.round4(fullAccuracy));
      o.put("adaptive_decision_accuracy", Py.round4(adaptiveAccuracy));
      return o;
    }
  }

  /**
   * Simulates full grid vs adaptive sweep on cells calibrated from {@code rows}.
   *
   * @param callsPerExample LLM calls per example (2 generations + 4 per axis judge + style + confound)
   * @param z interval half-width in standard errors used to decide that a cell is settled
   */
  public static Sweep simulate(List<ExampleRow> rows, int full, int start, int step, double z, int reps, double callsPerExample,
      long seed) {
    Map<List<String>, List<ExampleRow>> g = cells(rows);
    int c = g.size();
    double[] tAxis = new double[c];
    double[] tOff = new double[c];
    List<double[]> resid = new ArrayList<>();
    int i = 0;
    for (List<ExampleRow> ex : g.values()) {
      double ma = ex.stream().mapToDouble(ExampleRow::axisDelta).average().orElse(0);
      double mo = ex.stream().mapToDouble(ExampleRow::offAxisProblem).average().orElse(1);
      tAxis[i] = ma;
      tOff[i] = mo;
      int n = ex.size();
      if (n > 1) {
        double inf = Math.sqrt((double) n / (n - 1));
        for (ExampleRow e : ex) resid.add(new double[] {(e.axisDelta() - ma) * inf, (e.offAxisProblem() - mo) * inf});
      }
      i++;
    }
    if (resid.isEmpty()) resid.add(new double[] {0, 0});
    double sa = Math.sqrt(resid.stream().mapToDouble(r -> r[0] * r[0]).average().orElse(0));
    double so = Math.sqrt(resid.stream().mapToDouble(r -> r[1] * r[1]).average().orElse(0));
    // the per-example score's sd around the cell, from simulated draws at the pooled residuals (for the interval)
    double scoreSd = scoreSd(tAxis, tOff, resid, new SplittableRandom(seed + 1));
    SplittableRandom rnd = new SplittableRandom(seed);
    double fullCalls = 0;
    double adCalls = 0;
    double fullOk = 0;
    double adOk = 0;
    for (int rep = 0; rep < reps; rep++) {
      for (int k = 0; k < c; k++) {
        boolean truth = Scores.head(tAxis[k], tOff[k]) >= PASS_LINE;
        double[][] draws = new double[full][];
        for (int d = 0; d < full; d++) {
          double[] r = resid.get(rnd.nextInt(resid.size()));
          draws[d] = new double[] {clamp(tAxis[k] + r[0], -8, 8), clamp(tOff[k] + r[1], 1, 7)};
        }
        fullCalls += full * callsPerExample;
        if ((score(draws, full) >= PASS_LINE) == truth) fullOk++;
        int n = Math.min(start, full);
        while (n < full) {
          double s = score(draws, n);
          double half = z * scoreSd / Math.sqrt(n);
          if (s - half >= PASS_LINE || s + half < PASS_LINE) break;
          n = Math.min(full, n + step);
        }
        adCalls += n * callsPerExample;
        if ((score(draws, n) >= PASS_LINE) == truth) adOk++;
      }
    }
    return new Sweep(c, full, start, step, reps, fullCalls / reps, adCalls / reps, fullOk / (reps * (double) c),
        adOk / (reps * (double) c), callsPerExample, sa, so);
  }

  private static double scoreSd(double[] tAxis, double[] tOff, List<double[]> resid, SplittableRandom rnd) {
    double ss = 0;
    int m = 0;
    for (int k = 0; k < tAxis.length; k++) {
      double base = Scores.head(tAxis[k], tOff[k]);
      for (int d = 0; d < 20; d++) {
        double[] r = resid.get(rnd.nextInt(resid.size()));
        double s = Scores.head(clamp(tAxis[k] + r[0], -8, 8), clamp(tOff[k] + r[1], 1, 7)) - base;
        ss += s * s;
        m++;
      }
    }
    return Math.sqrt(ss / Math.max(1, m));
  }

  private static double score(double[][] draws, int n) {
    double a = 0;
    double o = 0;
    for (int d = 0; d < n; d++) {
      a += draws[d][0];
      o += draws[d][1];
    }
    return Scores.head(a / n, o / n);
  }

  private static double clamp(double x, double lo, double hi) {
    return Math.max(lo, Math.min(hi, x));
  }
}
