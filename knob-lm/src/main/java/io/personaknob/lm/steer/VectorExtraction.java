package io.personaknob.lm.steer;

import io.personaknob.core.UserException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Directions from contrastive activations: for pairs i with positive activation p_i (shows the trait)
 * and negative n_i (does not), d_i = p_i − n_i.
 *
 * <pre>
 * mean-diff:  v = (1/n) Σ d_i                                  (persona vectors; kept at its length, so
 *                                                              coefficient 1 adds the mean difference)
 * pca-diff:   v = first principal axis of the d_i, centred     (repeng's pca_diff: scikit-learn's PCA
 *             (top eigenvector of Σ (d_i − d̄)(d_i − d̄)ᵀ),       centres its input), unit length
 *             sign: flipped when more pairs have p_i·v &lt; n_i·v than p_i·v &gt; n_i·v (repeng's rule)
 * </pre>
 *
 * <p>Separation: the direction is fitted on a seeded training share of the pairs and judged on the
 * held-out rest by the AUROC of the projections (P(p·v &gt; n·v) over all held-out positive/negative
 * pairings, ties ½: the Mann–Whitney statistic) and the pair accuracy (share of held-out pairs with
 * p_i·v &gt; n_i·v). The saved direction is then fitted on all pairs.
 */
public final class VectorExtraction {
  private VectorExtraction() {}

  public enum Method {
    MEAN_DIFF, PCA_DIFF;

    public static Method parse(String s) {
      return switch (s) {
        case "mean-diff" -> MEAN_DIFF;
        case "pca-diff", "pca" -> PCA_DIFF;
        default -> throw new UserException("method '" + s + "': expected mean-diff or pca-diff");
      };
    }

    public String label() {
      return this == MEAN_DIFF ? "mean-diff" : "pca-diff";
    }
  }

  /** A layer's result: the direction (fitted on all pairs) and its held-out separation. */
  public record LayerResult(int layer, float[] direction, double auroc, double pairAccuracy, int trainPairs,
      int heldOutPairs, boolean inSample, double meanDiffNorm, double explainedVariance) {}

  /** Fits one layer. {@code pos[i]} and {@code neg[i]} are pair i's activations. */
  public static LayerResult fit(int layer, float[][] pos, float[][] neg, Method method, double holdout, long seed) {
    int n = pos.length;
    if (n == 0) throw new UserException("no contrastive pairs");
    if (neg.length != n) throw new IllegalArgumentException(n + " positives, " + neg.length + " negatives");
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < n; i++) idx.add(i);
    Collections.shuffle(idx, new Random(seed));
    int held = (int) Math.floor(n * holdout);
    boolean inSample = held < 1 || n - held < 2;
    List<Integer> train = inSample ? idx : idx.subList(held, n);
    List<Integer> test = inSample ? idx : idx.subList(0, held);
    float[] v = direction(pos, neg, train, method);
    double[] sep = separation(pos, neg, test, v);
    float[] all = direction(pos, neg, idx, method);
    double[] md = meanDiff(pos, neg, idx);
    double ev = method == Method.PCA_DIFF ? explained(pos, neg, idx, all) : Double.NaN;
    return new LayerResult(layer, all, sep[0], sep[1], train.size(), inSample ? 0 : test.size(), inSample, norm(md), ev);
  }

  /** The direction from the pairs {@code use}. */
  public static float[] direction(float[][] pos, float[][] neg, List<Integer> use, Method method) {
    double[] md = meanDiff(pos, neg, use);
    double[] v;
    if (method == Method.MEAN_DIFF) {
      v = md;
    } else {
      v = principalAxis(pos, neg, use, md);
      // repeng's sign rule: majority of pairs must project higher on the positive side
      int smaller = 0, larger = 0;
      for (int i : use) {
        double d = dot(pos[i], v) - dot(neg[i], v);
        if (d < 0) smaller++;
        else if (d > 0) larger++;
      }
      if (smaller > larger) for (int j = 0; j < v.length; j++) v[j] = -v[j];
    }
    float[] f = new float[v.length];
    for (int j = 0; j < v.length; j++) f[j] = (float) v[j];
    return f;
  }

  static double[] meanDiff(float[][] pos, float[][] neg, List<Integer> use) {
    int c = pos[use.get(0)].length;
    double[] m = new double[c];
    for (int i : use) for (int j = 0; j < c; j++) m[j] += (double) pos[i][j] - neg[i][j];
    for (int j = 0; j < c; j++) m[j] /= use.size();
    return m;
  }

  /**
   * The top eigenvector of the covariance of the centred differences, by power iteration on
   * Dcᵀ(Dc v) without forming the C×C matrix; deterministic start. Unit length.
   */
  static double[] principalAxis(float[][] pos, float[][] neg, List<Integer> use, double[] mean) {
    int c = mean.length;
    int n = use.size();
    double[][] d = new double[n][c];
    for (int r = 0; r < n; r++) {
      int i = use.get(r);
      for (int j = 0; j < c; j++) d[r][j] = (double) pos[i][j] - neg[i][j] - mean[j];
    }
    double[] v = new double[c];
    Random rnd = new Random(12345);
    for (int j = 0; j < c; j++) v[j] = rnd.nextGaussian();
    normalize(v);
    double[] proj = new double[n];
    for (int it = 0; it < 1000; it++) {
      for (int r = 0; r < n; r++) proj[r] = dot(d[r], v);
      double[] w = new double[c];
      for (int r = 0; r < n; r++) for (int j = 0; j < c; j++) w[j] += proj[r] * d[r][j];
      double nw = norm(w);
      if (nw == 0) return v; // no variance at all: any direction is as good
      for (int j = 0; j < c; j++) w[j] /= nw;
      double diff = 0;
      for (int j = 0; j < c; j++) diff = Math.max(diff, Math.abs(w[j] - v[j]));
      v = w;
      if (diff < 1e-10) break;
    }
    return v;
  }

  /** Share of the centred differences' variance along v (for pca-diff). */
  static double explained(float[][] pos, float[][] neg, List<Integer> use, float[] v) {
    double[] m = meanDiff(pos, neg, use);
    double total = 0, along = 0;
    double nv = 0;
    for (float x : v) nv += (double) x * x;
    nv = Math.sqrt(nv);
    for (int i : use) {
      double p = 0;
      for (int j = 0; j < m.length; j++) {
        double d = (double) pos[i][j] - neg[i][j] - m[j];
        total += d * d;
        p += d * v[j];
      }
      along += (p / nv) * (p / nv);
    }
    return total == 0 ? 0 : along / total;
  }

  /** {AUROC, pair accuracy} of the projections on v over the pairs {@code use}. */
  public static double[] separation(float[][] pos, float[][] neg, List<Integer> use, float[] v) {
    int n = use.size();
    double[] p = new double[n];
    double[] q = new double[n];
    int correct = 0;
    for (int r = 0; r < n; r++) {
      p[r] = dot(pos[use.get(r)], v);
      q[r] = dot(neg[use.get(r)], v);
      if (p[r] > q[r]) correct++;
    }
    return new double[] {auroc(p, q), n == 0 ? Double.NaN : (double) correct / n};
  }

  /** P(a > b) over all (a, b) pairings, ties counted ½ (the Mann–Whitney U / (|a|·|b|)). */
  public static double auroc(double[] a, double[] b) {
    if (a.length == 0 || b.length == 0) return Double.NaN;
    double wins = 0;
    for (double x : a) for (double y : b) wins += x > y ? 1 : x == y ? 0.5 : 0;
    return wins / ((double) a.length * b.length);
  }

  public static double dot(float[] a, double[] v) {
    double s = 0;
    for (int j = 0; j < a.length; j++) s += a[j] * v[j];
    return s;
  }

  public static double dot(float[] a, float[] v) {
    double s = 0;
    for (int j = 0; j < a.length; j++) s += (double) a[j] * v[j];
    return s;
  }

  static double dot(double[] a, double[] v) {
    double s = 0;
    for (int j = 0; j < a.length; j++) s += a[j] * v[j];
    return s;
  }

  static double norm(double[] v) {
    return Math.sqrt(dot(v, v));
  }

  static void normalize(double[] v) {
    double n = norm(v);
    for (int j = 0; j < v.length; j++) v[j] /= n;
  }
}
