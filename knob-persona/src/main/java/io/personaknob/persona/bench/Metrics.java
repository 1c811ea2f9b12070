package io.personaknob.persona.bench;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The bench's statistics, as pure functions: accuracy, its bootstrap standard error and Wilson interval,
 * and pass@k in both forms (B.8 of the spec).
 */
public final class Metrics {
  private Metrics() {}

  public static double accuracy(double[] scores) {
    if (scores.length == 0) return Double.NaN;
    double s = 0;
    for (double x : scores) s += x;
    return s / scores.length;
  }

  /**
   * Bootstrap standard error of the mean: the standard deviation (n−1 denominator) of the means of
   * {@code b} resamples with replacement, seeded. (inspect_ai's {@code bootstrap_std} is the same idea.)
   */
  public static double bootstrapSe(double[] scores, int b, long seed) {
    int n = scores.length;
    if (n == 0 || b < 2) return Double.NaN;
    SplittableRandom r = new SplittableRandom(seed);
    double[] means = new double[b];
    for (int i = 0; i < b; i++) {
      double s = 0;
      for (int j = 0; j < n; j++) s += scores[r.nextInt(n)];
      means[i] = s / n;
    }
    double m = accuracy(means), v = 0;
    for (double x : means) v += (x - m) * (x - m);
    return Math.sqrt(v / (b - 1));
  }

  /** The Wilson score interval for {@code passes} out of {@code n} at normal quantile z (1.96 for 95 %). */
  public static double[] wilson(long passes, long n, double z) {
    if (n == 0) return new double[] {Double.NaN, Double.NaN};
    double p = (double) passes / n, z2 = z * z;
    double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
    double half = z / (1 + z2 / n) * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
    return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
  }

  /**
   * pass@k, "any of the first k": per pair, 1 if any of its first k attempts passed. {@code attempts.get(i)}
   * holds pair i's attempt outcomes in order (true pass, false fail, null no valid answer/critique). Every
   * pair is in the denominator: a pair with fewer than k valid attempts just has fewer chances (the
   * reference divides by the pairs that reached k attempts instead).
   */
  public static double passAtKAny(List<Boolean[]> attempts, int k) {
    if (attempts.isEmpty()) return Double.NaN;
    int hit = 0;
    for (Boolean[] a : attempts) {
      for (int i = 0; i < Math.min(k, a.length); i++) {
        if (Boolean.TRUE.equals(a[i])) {
          hit++;
          break;
        }
      }
    }
    return (double) hit / attempts.size();
  }

  /**
   * The unbiased estimator of Chen et al. (2021) for one pair with n attempts of which c passed:
   * 1 − C(n−c, k)/C(n, k), computed as 1 − Π_{i=n−c+1..n} (1 − k/i) for numerical stability. Needs n ≥ k.
   */
  public static double passAtKUnbiased(int n, int c, int k) {
    if (k < 1 || n < k) throw new IllegalArgumentException("pass@k needs 1 <= k <= n (n=" + n + ", k=" + k + ")");
    if (c < 0 || c > n) throw new IllegalArgumentException("c must be in 0..n");
    if (n - c < k) return 1.0;
    double prod = 1;
    for (int i = n - c + 1; i <= n; i++) prod *= 1.0 - (double) k / i;
    return 1.0 - prod;
  }

  /**
   * The mean unbiased pass@k over pairs: each pair's n = its number of attempts (a failed attempt counts as a
   * failing sample, so n is the same for every pair), c = its passes.
   */
  public static double passAtKUnbiasedMean(List<Boolean[]> attempts, int k) {
    if (attempts.isEmpty()) return Double.NaN;
    double s = 0;
    for (Boolean[] a : attempts) {
      int c = 0;
      for (Boolean b : a) if (Boolean.TRUE.equals(b)) c++;
      s += passAtKUnbiased(a.length, c, k);
    }
    return s / attempts.size();
  }
}
