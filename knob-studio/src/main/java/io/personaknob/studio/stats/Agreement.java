package io.personaknob.studio.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * Inter-rater agreement statistics on reliability data: a list of units (items), each a map from coder
 * (reviewer) to the value that coder gave. Coders who did not rate a unit are simply absent (missing data).
 * Plain Java, no web or database dependency. The formulas are stated in docs/studio.md and tested against
 * published worked examples (Krippendorff 2011, Fleiss 1971, Cohen's κ textbook example, Newcombe 1998).
 *
 * <p>Every statistic returns {@code NaN} where it is undefined (no pairable unit, or no variation so that
 * the chance term is degenerate); JSON writers turn that into {@code null}.
 */
public final class Agreement {
  private Agreement() {}

  /** Levels of measurement of Krippendorff's α: the difference function δ² used. */
  public enum Metric { NOMINAL, ORDINAL, INTERVAL }

  /** A two-sided interval. */
  public record Interval(double low, double high) {
    public static final Interval NONE = new Interval(Double.NaN, Double.NaN);
  }

  // ------------------------------------------------------------------ percent agreement

  /**
   * Mean pairwise percent agreement: for each unit with m ≥ 2 values, the share of its m(m−1)/2 coder pairs
   * that gave the same value; averaged over those units. With two coders this is the plain proportion of
   * units on which they agree.
   */
  public static double percentAgreement(List<Map<String, String>> units) {
    double sum = 0;
    int n = 0;
    for (Map<String, String> u : units) {
      int m = u.size();
      if (m < 2) continue;
      Map<String, Integer> counts = counts(u);
      double agree = 0;
      for (int c : counts.values()) agree += c * (c - 1) / 2.0;
      sum += agree / (m * (m - 1) / 2.0);
      n++;
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  // ------------------------------------------------------------------ Cohen's kappa

  /**
   * Cohen's κ for coders a and b over the units both rated: κ = (p_o − p_e)/(1 − p_e), p_o the observed
   * share of agreement, p_e = Σ_c p_a(c)·p_b(c) from each coder's own marginal distribution.
   */
  public static double cohenKappa(List<Map<String, String>> units, String a, String b) {
    Map<String, Map<String, Integer>> t = confusion(units, a, b);
    int n = 0;
    int agree = 0;
    Map<String, Integer> ra = new HashMap<>();
    Map<String, Integer> rb = new HashMap<>();
    for (var row : t.entrySet()) {
      for (var cell : row.getValue().entrySet()) {
        int c = cell.getValue();
        n += c;
        if (row.getKey().equals(cell.getKey())) agree += c;
        ra.merge(row.getKey(), c, Integer::sum);
        rb.merge(cell.getKey(), c, Integer::sum);
      }
    }
    if (n == 0) return Double.NaN;
    double po = agree / (double) n;
    double pe = 0;
    for (var e : ra.entrySet()) pe += (e.getValue() / (double) n) * (rb.getOrDefault(e.getKey(), 0) / (double) n);
    if (pe >= 1 - 1e-12) return Double.NaN;
    return (po - pe) / (1 - pe);
  }

  /**
   * The confusion table of coders a (rows) and b (columns) over the units both rated: value of a → value
   * of b → count. Rows and columns are sorted (numerically when every value is a number).
   */
  public static Map<String, Map<String, Integer>> confusion(List<Map<String, String>> units, String a, String b) {
    List<String> values = sortedValues(units);
    Map<String, Map<String, Integer>> t = new LinkedHashMap<>();
    for (String v : values) {
      Map<String, Integer> row = new LinkedHashMap<>();
      for (String w : values) row.put(w, 0);
      t.put(v, row);
    }
    for (Map<String, String> u : units) {
      String va = u.get(a);
      String vb = u.get(b);
      if (va == null || vb == null) continue;
      t.get(va).merge(vb, 1, Integer::sum);
    }
    return t;
  }

  // ------------------------------------------------------------------ Fleiss' kappa

  /**
   * Fleiss' κ (1971): κ = (P̄ − P̄_e)/(1 − P̄_e) with P_i = (Σ_j n_ij² − n_i)/(n_i(n_i − 1)) the agreement
   * within unit i, P̄ their mean, p_j the share of all assignments to category j and P̄_e = Σ_j p_j².
   * Units with fewer than two values are left out. With a fixed number of coders per unit this is exactly
   * Fleiss' statistic; with varying numbers it is its usual generalisation (p_j over all assignments).
   */
  public static double fleissKappa(List<Map<String, String>> units) {
    double sumP = 0;
    int n = 0;
    Map<String, Double> totals = new HashMap<>();
    double all = 0;
    for (Map<String, String> u : units) {
      int m = u.size();
      if (m < 2) continue;
      Map<String, Integer> counts = counts(u);
      double s = 0;
      for (var e : counts.entrySet()) {
        s += e.getValue() * (double) e.getValue();
        totals.merge(e.getKey(), (double) e.getValue(), Double::sum);
      }
      all += m;
      sumP += (s - m) / (m * (m - 1.0));
      n++;
    }
    if (n == 0) return Double.NaN;
    double pBar = sumP / n;
    double pe = 0;
    for (double t : totals.values()) pe += (t / all) * (t / all);
    if (pe >= 1 - 1e-12) return Double.NaN;
    return (pBar - pe) / (1 - pe);
  }

  /** Fleiss' κ from a table of counts: counts[i][j] = coders who put unit i in category j. */
  public static double fleissKappa(int[][] counts) {
    List<Map<String, String>> units = new ArrayList<>();
    for (int[] row : counts) {
      Map<String, String> u = new LinkedHashMap<>();
      int coder = 0;
      for (int j = 0; j < row.length; j++) for (int k = 0; k < row[j]; k++) u.put("c" + coder++, Integer.toString(j + 1));
      units.add(u);
    }
    return fleissKappa(units);
  }

  // ------------------------------------------------------------------ Krippendorff's alpha

  /**
   * Krippendorff's α = 1 − D_o/D_e from the coincidence matrix (Krippendorff 2011). Every unit with m_u ≥ 2
   * values adds 1/(m_u − 1) to o_ck for each ordered pair of values (c, k) from different coders; n_c = Σ_k
   * o_ck, n = Σ_c n_c. D_o = Σ o_ck δ²_ck / n and D_e = Σ n_c n_k δ²_ck / (n(n − 1)). Differences: nominal
   * δ² = [c ≠ k]; ordinal δ² = (Σ_{g=c..k} n_g − (n_c + n_k)/2)²; interval δ² = (c − k)². Ordinal and interval
   * need numeric values.
   */
  public static double krippendorffAlpha(List<Map<String, String>> units, Metric metric) {
    List<String> values = sortedValues(units);
    int v = values.size();
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < v; i++) index.put(values.get(i), i);
    double[][] o = new double[v][v];
    for (Map<String, String> u : units) {
      int m = u.size();
      if (m < 2) continue;
      int[] idx = u.values().stream().mapToInt(index::get).toArray();
      for (int i = 0; i < m; i++) for (int j = 0; j < m; j++) if (i != j) o[idx[i]][idx[j]] += 1.0 / (m - 1);
    }
    double[] nc = new double[v];
    double n = 0;
    for (int c = 0; c < v; c++) {
      for (int k = 0; k < v; k++) nc[c] += o[c][k];
      n += nc[c];
    }
    if (n <= 1) return Double.NaN;
    double[] num = null;
    if (metric != Metric.NOMINAL) {
      num = new double[v];
      for (int i = 0; i < v; i++) {
        try {
          num[i] = Double.parseDouble(values.get(i));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("Krippendorff's alpha " + metric.name().toLowerCase() + " needs numeric values, got '" + values.get(i) + "'");
        }
      }
    }
    double dObs = 0;
    double dExp = 0;
    for (int c = 0; c < v; c++) {
      for (int k = 0; k < v; k++) {
        if (c == k) continue;
        double d2 = delta2(metric, c, k, nc, num);
        dObs += o[c][k] * d2;
        dExp += nc[c] * nc[k] * d2;
      }
    }
    dObs /= n;
    dExp /= n * (n - 1);
    if (dExp <= 0) return Double.NaN;
    return 1 - dObs / dExp;
  }

  private static double delta2(Metric metric, int c, int k, double[] nc, double[] num) {
    return switch (metric) {
      case NOMINAL -> 1.0;
      case INTERVAL -> (num[c] - num[k]) * (num[c] - num[k]);
      case ORDINAL -> {
        int lo = Math.min(c, k);
        int hi = Math.max(c, k);
        double s = 0;
        for (int g = lo; g <= hi; g++) s += nc[g];
        s -= (nc[c] + nc[k]) / 2.0;
        yield s * s;
      }
    };
  }

  // ------------------------------------------------------------------ pass rate

  /**
   * Wilson score interval for a binomial proportion x/n at the normal quantile z (1.959964 for 95 %):
   * (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n).
   */
  public static Interval wilson(long x, long n, double z) {
    if (n <= 0) return Interval.NONE;
    double p = x / (double) n;
    double z2 = z * z;
    double denom = 1 + z2 / n;
    double centre = p + z2 / (2.0 * n);
    double half = z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
    return new Interval(Math.max(0, (centre - half) / denom), Math.min(1, (centre + half) / denom));
  }

  /** The 97.5 % normal quantile. */
  public static final double Z95 = 1.959963984540054;

  // ------------------------------------------------------------------ bootstrap

  /**
   * Percentile bootstrap 95 % interval over units: {@code replicates} resamples of the units with
   * replacement (seeded, so the same data always give the same interval), the statistic on each, and the
   * 2.5 % and 97.5 % quantiles (linear interpolation) of the finite values. NaN replicates are dropped;
   * with fewer than 20 finite replicates the interval is undefined.
   */
  public static <T> Interval bootstrap(List<T> units, ToDoubleFunction<List<T>> statistic, int replicates, long seed) {
    if (units.isEmpty() || replicates <= 0) return Interval.NONE;
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] vals = new double[replicates];
    int k = 0;
    List<T> sample = new ArrayList<>(units.size());
    for (int r = 0; r < replicates; r++) {
      sample.clear();
      for (int i = 0; i < units.size(); i++) sample.add(units.get(rnd.nextInt(units.size())));
      double s = statistic.applyAsDouble(sample);
      if (Double.isFinite(s)) vals[k++] = s;
    }
    if (k < 20) return Interval.NONE;
    double[] v = Arrays.copyOf(vals, k);
    Arrays.sort(v);
    return new Interval(quantile(v, 0.025), quantile(v, 0.975));
  }

  static double quantile(double[] sorted, double q) {
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }

  // ------------------------------------------------------------------ helpers

  /** Every coder that rated at least one unit, sorted. */
  public static List<String> coders(List<Map<String, String>> units) {
    TreeSet<String> s = new TreeSet<>();
    for (Map<String, String> u : units) s.addAll(u.keySet());
    return List.copyOf(s);
  }

  /** Whether every value is an integer (then ordinal and interval α apply). */
  public static boolean allIntegers(List<Map<String, String>> units) {
    boolean any = false;
    for (Map<String, String> u : units) {
      for (String v : u.values()) {
        if (!v.matches("-?\\d+")) return false;
        any = true;
      }
    }
    return any;
  }

  private static Map<String, Integer> counts(Map<String, String> u) {
    Map<String, Integer> counts = new HashMap<>();
    for (String v : u.values()) counts.merge(v, 1, Integer::sum);
    return counts;
  }

  /** The distinct values, numerically sorted when all are numbers, else lexicographically. */
  static List<String> sortedValues(List<Map<String, String>> units) {
    TreeSet<String> s = new TreeSet<>();
    for (Map<String, String> u : units) s.addAll(u.values());
    boolean numeric = s.stream().allMatch(x -> x.matches("-?\\d+(\\.\\d+)?"));
    if (!numeric) return List.copyOf(s);
    TreeMap<Double, String> byNum = new TreeMap<>();
    for (String x : s) byNum.put(Double.parseDouble(x), x);
    return List.copyOf(byNum.values());
  }
}
