package io.personaknob.irt;

import io.personaknob.core.UserException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The compiled design and the parameters of a (possibly still iterating) fit: measures, extreme flags,
 * anchors, threshold groups with their active categories and thresholds. Package-private; the estimator
 * mutates it, results and residuals read it.
 */
final class FittedModel {
  /** Locations are clamped to this many logits (probabilities are saturated well before). */
  static final double ETA_LIMIT = 40.0;
  static final double TAU_LIMIT = 40.0;

  final RatingData data;
  final RaschSpec spec;
  final int nf;
  final int n;
  final int[][] idx;
  final byte[] x;
  final float[] w;
  final double[] sign;
  final int positive;
  final int groupFacet; // -1: one shared group
  final int groups;
  final int maxScore; // M = maxRating - minRating
  // paired comparisons (nc == 0: none)
  final int nc;
  final int pf; // the comparison facet, -1 if none
  final int[] pa;
  final int[] pb;
  final byte[] ph; // score of pa in halves
  final float[] pw;

  final double[][] measure;
  final boolean[][] extreme;
  final boolean[][] anchored;
  final boolean[] centred;
  final double[][] extremeInfo; // information at the adjusted estimate of extreme elements

  // threshold groups (dense over lo..hi)
  final int[] lo;
  final int[] hi;
  final double[][] tau; // [g][k], k = 1..len-1, meaningful where active[g][k]
  final boolean[][] active; // [g][k] category lo+k observed in the estimation data
  final boolean[][] tauAnchored;
  final double[][] coef; // [g][k] exp(-C_k), 0 for structural zeros
  final boolean[] groupFallback; // group had no non-extreme data: thresholds not estimated
  final List<String> warnings = new ArrayList<>();
  /** Weighted number of estimation (non-extreme) ratings per element, set by {@link #structure()}. */
  double[][] activeCount;

  FittedModel(RatingData data, RaschSpec spec) {
    this.data = data;
    this.spec = spec;
    this.nf = data.facetCount();
    this.n = data.size();
    this.idx = data.idx();
    this.x = data.scores();
    this.w = data.weights();
    this.positive = data.facetIndex(spec.positiveFacet());
    this.sign = new double[nf];
    for (int f = 0; f < nf; f++) sign[f] = f == positive ? 1.0 : -1.0;
    this.maxScore = data.maxRating() - data.minRating();
    this.nc = data.comparisonCount();
    this.pf = data.comparisonFacet();
    this.pa = data.compA();
    this.pb = data.compB();
    this.ph = data.compHalves();
    this.pw = data.compWeights();
    if (spec.scale() == RaschSpec.Scale.PCM) {
      groupFacet = data.facetIndex(spec.pcmFacet());
      groups = data.elementCount(groupFacet);
    } else {
      groupFacet = -1;
      groups = 1;
    }
    if (spec.scale() == RaschSpec.Scale.DICHOTOMOUS && (data.minRating() < 0 || data.maxRating() > 1)) {
      throw new UserException(where() + ": the dichotomous scale needs ratings 0 and 1, found "
          + data.minRating() + ".." + data.maxRating());
    }
    measure = new double[nf][];
    extreme = new boolean[nf][];
    anchored = new boolean[nf][];
    extremeInfo = new double[nf][];
    centred = new boolean[nf];
    for (int f = 0; f < nf; f++) {
      int m = data.elementCount(f);
      measure[f] = new double[m];
      extreme[f] = new boolean[m];
      anchored[f] = new boolean[m];
      extremeInfo[f] = new double[m];
    }
    lo = new int[groups];
    hi = new int[groups];
    tau = new double[groups][];
    active = new boolean[groups][];
    tauAnchored = new boolean[groups][];
    coef = new double[groups][];
    groupFallback = new boolean[groups];
  }

  String where() {
    return data.source() == null ? "ratings" : data.source();
  }

  int group(int row) {
    return groupFacet < 0 ? 0 : idx[groupFacet][row];
  }

  String groupLabel(int g) {
    return groupFacet < 0 ? null : data.label(groupFacet, g);
  }

  double weight(int row) {
    return w == null ? 1.0 : w[row];
  }

  boolean isActive(int row) {
    for (int f = 0; f < nf; f++) if (extreme[f][idx[f][row]]) return false;
    return true;
  }

  /** Is comparison c in the estimation (neither element extreme)? */
  boolean pairActive(int c) {
    return !extreme[pf][pa[c]] && !extreme[pf][pb[c]];
  }

  double pairWeight(int c) {
    return pw == null ? 1.0 : pw[c];
  }

  /** The observed score of the first element of comparison c: 0, ½ or 1. */
  double pairScore(int c) {
    return ph[c] * 0.5;
  }

  /** P(first element preferred) of comparison c: σ(s_f(μ_a − μ_b)), the location clamped like η. */
  double pairProb(int c) {
    double d = sign[pf] * (measure[pf][pa[c]] - measure[pf][pb[c]]);
    d = Math.max(-ETA_LIMIT, Math.min(ETA_LIMIT, d));
    return 1.0 / (1.0 + Math.exp(-d));
  }

  double eta(int row) {
    double e = 0;
    for (int f = 0; f < nf; f++) e += sign[f] * measure[f][idx[f][row]];
    return e;
  }

  /** Recomputes coef from tau for group g. */
  void refreshCoef(int g) {
    double[] c = coef[g];
    double cum = 0;
    c[0] = 1.0;
    for (int k = 1; k < c.length; k++) {
      if (active[g][k]) {
        cum += tau[g][k];
        c[k] = Math.exp(-cum);
      } else {
        c[k] = 0.0;
      }
    }
  }

  /**
   * Category probabilities of group g at location eta (dense over lo..hi) into p; returns nothing. Uses a
   * numerically safe log-sum-exp path (called outside the hot loops).
   */
  void probs(int g, double eta, double[] p) {
    double e = Math.max(-ETA_LIMIT, Math.min(ETA_LIMIT, eta));
    int len = coef[g].length;
    double max = Double.NEGATIVE_INFINITY;
    double cum = 0;
    boolean[] act = active[g];
    double[] t = tau[g];
    for (int k = 0; k < len; k++) {
      if (k > 0 && act[k]) cum += t[k];
      if (k == 0 || act[k]) {
        double a = k * e - cum;
        p[k] = a;
        if (a > max) max = a;
      }
    }
    double s = 0;
    for (int k = 0; k < len; k++) {
      double v = (k == 0 || act[k]) ? Math.exp(p[k] - max) : 0.0;
      p[k] = v;
      s += v;
    }
    double inv = 1.0 / s;
    for (int k = 0; k < len; k++) p[k] *= inv;
  }

  /**
   * {@link #probs} at (g, eta) into p, then the first two moments of the category index k (counted from
   * the group's lowest category) into {@code moments}: [0] = E[k] (the expected score), [1] = E[k²].
   * The variance of a rating is moments[1] − moments[0]².
   */
  void moments(int g, double eta, double[] p, double[] moments) {
    probs(g, eta, p);
    double ev = 0;
    double e2 = 0;
    for (int k = 0; k < coef[g].length; k++) {
      ev += k * p[k];
      e2 += (double) k * k * p[k];
    }
    moments[0] = ev;
    moments[1] = e2;
  }

  /** Flattened copy of all measures and thresholds (for extrapolation and rollback). */
  double[] snapshot() {
    int size = 0;
    for (double[] mm : measure) size += mm.length;
    for (double[] t : tau) size += t.length;
    double[] out = new double[size];
    int o = 0;
    for (double[] mm : measure) {
      System.arraycopy(mm, 0, out, o, mm.length);
      o += mm.length;
    }
    for (double[] t : tau) {
      System.arraycopy(t, 0, out, o, t.length);
      o += t.length;
    }
    return out;
  }

  void restore(double[] snap) {
    int o = 0;
    for (double[] mm : measure) {
      System.arraycopy(snap, o, mm, 0, mm.length);
      o += mm.length;
    }
    for (int g = 0; g < tau.length; g++) {
      System.arraycopy(snap, o, tau[g], 0, tau[g].length);
      o += tau[g].length;
      refreshCoef(g);
    }
  }

  /** Expected category score (0..M) of group g at eta. */
  double expected(int g, double eta) {
    double[] p = new double[coef[g].length];
    probs(g, eta, p);
    double e = 0;
    for (int k = 0; k < p.length; k++) e += k * p[k];
    return lo[g] + e;
  }

  /** Is the fast power path safe for group g (few categories)? */
  boolean fastPath(int g) {
    return coef[g].length <= 8;
  }

  /**
   * Finds the extreme elements iteratively and sets up the threshold groups on the remaining data. Throws
   * UserException for data that cannot be calibrated.
   */
  void structure(Passes passes) {
    int m1 = maxScore + 1;
    double[][] catCount = new double[groups][m1];
    double[][] minS = new double[nf][];
    double[][] maxS = new double[nf][];
    double[][] obsS = new double[nf][];
    double[][] cnt = new double[nf][];
    int[] glo = new int[groups];
    int[] ghi = new int[groups];
    // overall categories
    boolean[] anyCat = new boolean[m1];
    for (int i = 0; i < n; i++) anyCat[x[i] & 0xFF] = true;
    int distinct = 0;
    for (boolean b : anyCat) if (b) distinct++;
    if (distinct < 2 && n > 0) {
      throw new UserException(where() + ": every rating is " + data.minRating()
          + ": a single observed category carries no information to calibrate");
    }
    // PCM groups with a single category over all data cannot be estimated
    if (groupFacet >= 0) {
      int[] gmin = new int[groups];
      int[] gmax = new int[groups];
      Arrays.fill(gmin, Integer.MAX_VALUE);
      Arrays.fill(gmax, -1);
      for (int i = 0; i < n; i++) {
        int g = idx[groupFacet][i];
        int s = x[i] & 0xFF;
        if (s < gmin[g]) gmin[g] = s;
        if (s > gmax[g]) gmax[g] = s;
      }
      for (int g = 0; g < groups; g++) {
        if (gmin[g] == gmax[g]) {
          throw new UserException(where() + ": element '" + groupLabel(g) + "' of the partial-credit facet '"
              + spec.pcmFacet() + "' has all its ratings in one category (" + (gmin[g] + data.minRating())
              + "): its thresholds cannot be estimated (use --scale rsm, or drop it)");
        }
      }
    }
    for (int round = 0; ; round++) {
      for (double[] c : catCount) Arrays.fill(c, 0);
      for (int f = 0; f < nf; f++) {
        int m = measure[f].length;
        minS[f] = new double[m];
        maxS[f] = new double[m];
        obsS[f] = new double[m];
        cnt[f] = new double[m];
      }
      if (groups == 1) {
        // one parallel pass: category counts, element counts and scores; the score range follows
        List<double[][]> parts = passes.run(() -> {
          double[][] a = new double[2 * nf + 1][];
          for (int f = 0; f < nf; f++) {
            a[2 * f] = new double[measure[f].length];
            a[2 * f + 1] = new double[measure[f].length];
          }
          a[2 * nf] = new double[m1];
          return a;
        }, (from, to, a) -> {
          for (int i = from; i < to; i++) {
            if (!isActive(i)) continue;
            double wt = weight(i);
            int s = x[i] & 0xFF;
            a[2 * nf][s] += wt;
            for (int f = 0; f < nf; f++) {
              int j = idx[f][i];
              a[2 * f][j] += wt * s;
              a[2 * f + 1][j] += wt;
            }
          }
        });
        for (double[][] a : parts) {
          for (int k = 0; k < m1; k++) catCount[0][k] += a[2 * nf][k];
          for (int f = 0; f < nf; f++) {
            for (int j = 0; j < measure[f].length; j++) {
              obsS[f][j] += a[2 * f][j];
              cnt[f][j] += a[2 * f + 1][j];
            }
          }
        }
        groupRange(catCount, glo, ghi, m1);
        for (int f = 0; f < nf; f++) {
          for (int j = 0; j < cnt[f].length; j++) {
            minS[f][j] = cnt[f][j] * glo[0];
            maxS[f][j] = cnt[f][j] * ghi[0];
          }
        }
      } else {
        for (int i = 0; i < n; i++) {
          if (!isActive(i)) continue;
          catCount[group(i)][x[i] & 0xFF] += weight(i);
        }
        groupRange(catCount, glo, ghi, m1);
        for (int i = 0; i < n; i++) {
          if (!isActive(i)) continue;
          int g = group(i);
          double wt = weight(i);
          int s = x[i] & 0xFF;
          for (int f = 0; f < nf; f++) {
            int j = idx[f][i];
            minS[f][j] += wt * glo[g];
            maxS[f][j] += wt * ghi[g];
            obsS[f][j] += wt * s;
            cnt[f][j] += wt;
          }
        }
      }
      // comparisons: the first element scores x of 1, the second 1 − x (counts and ranges add up)
      for (int c = 0; c < nc; c++) {
        if (!pairActive(c)) continue;
        double wt = pairWeight(c);
        double xa = pairScore(c);
        int a = pa[c];
        int b = pb[c];
        obsS[pf][a] += wt * xa;
        maxS[pf][a] += wt;
        cnt[pf][a] += wt;
        obsS[pf][b] += wt * (1 - xa);
        maxS[pf][b] += wt;
        cnt[pf][b] += wt;
      }
      boolean changed = false;
      for (int f = 0; f < nf; f++) {
        for (int j = 0; j < measure[f].length; j++) {
          if (extreme[f][j] || anchored[f][j]) continue;
          double tol = 1e-6 * Math.max(1, cnt[f][j]);
          if (cnt[f][j] == 0 || obsS[f][j] <= minS[f][j] + tol || obsS[f][j] >= maxS[f][j] - tol) {
            extreme[f][j] = true;
            changed = true;
          }
        }
      }
      if (!changed) break;
    }
    activeCount = cnt;
    boolean anyActive = false;
    for (int i = 0; i < n && !anyActive; i++) anyActive = isActive(i);
    for (int c = 0; c < nc && !anyActive; c++) anyActive = pairActive(c);
    if (!anyActive) {
      throw new UserException(where() + ": every element has an extreme score (all ratings at the bottom or top"
          + " of the scale once perfect scores are set aside): there is nothing left to calibrate");
    }
    // groups
    for (int g = 0; g < groups; g++) {
      if (n == 0) {
        // comparisons only: no rating scale, one empty category and no thresholds
        glo[g] = 0;
        ghi[g] = 0;
        groupFallback[g] = true;
      } else if (glo[g] < 0 || glo[g] == ghi[g]) {
        // no non-extreme data in this group: use its range over all data, thresholds not estimable
        int a = Integer.MAX_VALUE;
        int b = -1;
        for (int i = 0; i < n; i++) {
          if (group(i) != g) continue;
          int s = x[i] & 0xFF;
          a = Math.min(a, s);
          b = Math.max(b, s);
        }
        glo[g] = a;
        ghi[g] = b;
        groupFallback[g] = true;
        warnings.add("threshold group '" + groupLabel(g) + "' has no non-extreme ratings: its thresholds are"
            + " set to 0 and not estimated");
      }
      lo[g] = glo[g];
      hi[g] = ghi[g];
      int len = hi[g] - lo[g] + 1;
      tau[g] = new double[len];
      active[g] = new boolean[len];
      tauAnchored[g] = new boolean[len];
      coef[g] = new double[len];
      for (int k = 0; k < len; k++) active[g][k] = groupFallback[g] || catCount[g][lo[g] + k] > 0;
      String grp = groupLabel(g) == null ? "" : " of '" + groupLabel(g) + "'";
      for (int k = 1; k < len - 1; k++) {
        if (active[g][k]) continue;
        int end = k;
        while (end + 1 < len - 1 && !active[g][end + 1]) end++;
        int from = lo[g] + k + data.minRating();
        int to = lo[g] + end + data.minRating();
        if (end - k + 1 >= GAP && !data.declaredScale()) {
          // a run of empty categories on an undeclared scale: most likely a stray rating that widened it
          double below = 0;
          double above = 0;
          for (int q = 0; q < k; q++) below += catCount[g][lo[g] + q];
          for (int q = end + 1; q < len; q++) above += catCount[g][lo[g] + q];
          boolean highStray = above <= below;
          int sLo = highStray ? to + 1 : lo[g] + data.minRating();
          int sHi = highStray ? hi[g] + data.minRating() : from - 1;
          int rLo = highStray ? lo[g] + data.minRating() : to + 1;
          int rHi = highStray ? from - 1 : hi[g] + data.minRating();
          warnings.add(0, String.format(java.util.Locale.ROOT, "WARNING: the ratings%s run from %d to %d, but categories %d..%d"
              + " are never used: %s rating%s at %s lie%s far outside the other %s (%d..%d). A typo? Fix it, or declare the"
              + " scale with --min/--max (ratings outside it are then errors). The empty categories are kept as structural zeros.",
              grp, lo[g] + data.minRating(), hi[g] + data.minRating(), from, to, fmt(highStray ? above : below),
              (highStray ? above : below) == 1 ? "" : "s", sLo == sHi ? String.valueOf(sLo) : sLo + ".." + sHi,
              (highStray ? above : below) == 1 ? "s" : "", fmt(highStray ? below : above), rLo, rHi));
        } else {
          warnings.add((from == to ? "category " + from + grp + " is" : "categories " + from + ".." + to + grp + " are")
              + " unobserved between observed categories: kept as " + (from == to ? "a structural zero" : "structural zeros"));
        }
        k = end;
      }
    }
    if (spec.scale() == RaschSpec.Scale.DICHOTOMOUS) {
      // thresholds fixed at 0
      for (int g = 0; g < groups; g++) Arrays.fill(tauAnchored[g], true);
    }
  }

  /** Empty categories in a row, on a scale not declared with --min/--max, that make a scale-gap warning. */
  static final int GAP = 3;

  private static String fmt(double count) {
    return count == Math.rint(count) ? String.valueOf((long) count) : String.format(java.util.Locale.ROOT, "%.1f", count);
  }

  private void groupRange(double[][] catCount, int[] glo, int[] ghi, int m1) {
    for (int g = 0; g < groups; g++) {
      glo[g] = -1;
      ghi[g] = -1;
      for (int k = 0; k < m1; k++) {
        if (catCount[g][k] > 0) {
          if (glo[g] < 0) glo[g] = k;
          ghi[g] = k;
        }
      }
    }
  }

  /** The category score of row i, clamped into its group's range. */
  int clampedScore(int i, int g) {
    int s = x[i] & 0xFF;
    return Math.max(lo[g], Math.min(hi[g], s));
  }
}
