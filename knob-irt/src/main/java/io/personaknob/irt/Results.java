package io.personaknob.irt;

import java.util.ArrayList;
import java.util.List;

/** Turns the fitted parameters and the fit-statistics pass into the reported tables. */
final class Results {
  private final List<FacetResult> facets = new ArrayList<>();
  private final List<ThresholdStat> thresholds = new ArrayList<>();
  private final List<ThresholdStat> bottomCategories = new ArrayList<>();
  private final List<ComparisonStat> comparisons = new ArrayList<>();

  Results(FittedModel m, Passes.FitAcc fa, double[][] obsCat) {
    // raw counts and scores over all ratings (accumulated in the fit-statistics pass)
    double[][] cnt = fa.cnt;
    double[][] score = fa.score;
    double[][] allCat = fa.allCat;
    int minR = m.data.minRating();
    // facet means for fair averages
    double[] mean = new double[m.nf];
    for (int f = 0; f < m.nf; f++) {
      double s = 0;
      int c = 0;
      for (int j = 0; j < m.measure[f].length; j++) {
        if (m.extreme[f][j]) continue;
        s += m.measure[f][j];
        c++;
      }
      mean[f] = c == 0 ? 0 : s / c;
    }
    for (int f = 0; f < m.nf; f++) {
      List<ElementStat> els = new ArrayList<>();
      double[] s = fa.s[f];
      for (int j = 0; j < m.measure[f].length; j++) {
        int b = j * Passes.FitAcc.K;
        double infoJ = m.extreme[f][j] ? m.extremeInfo[f][j] : s[b + 1];
        double se = infoJ > 0 ? 1.0 / Math.sqrt(infoJ) : 0.0;
        double infit = 1;
        double outfit = 1;
        double inZ = 0;
        double outZ = 0;
        if (!m.extreme[f][j] && s[b] > 0 && s[b + 1] > 0) {
          infit = s[b + 2] / s[b + 1];
          outfit = s[b + 3] / s[b];
          double qIn = Math.sqrt(Math.max(0, s[b + 4]) / (s[b + 1] * s[b + 1]));
          double qOut = Math.sqrt(Math.max(0, s[b + 5]) / (s[b] * s[b]));
          inZ = wilsonHilferty(infit, qIn);
          outZ = wilsonHilferty(outfit, qOut);
        }
        double realSe = se * Math.sqrt(Math.max(1.0, infit));
        double fair = fairAverage(m, f, j, mean);
        double c = cnt[f][j];
        els.add(new ElementStat(m.data.label(f, j), m.measure[f][j], se, realSe, c, score[f][j],
            c > 0 ? score[f][j] / c : 0, fair, infit, outfit, inZ, outZ, m.extreme[f][j], m.anchored[f][j]));
      }
      facets.add(new FacetResult(m.data.facets().get(f), f == m.positive, m.centred[f], els,
          reliability(els)));
    }
    if (fa.pair != null) {
      String facet = m.data.facets().get(m.pf);
      for (int j = 0; j < m.measure[m.pf].length; j++) {
        int q = j * Passes.FitAcc.PK;
        double[] pr = fa.pair;
        if (pr[q] <= 0) continue;
        double infit = pr[q + 4] > 0 ? pr[q + 5] / pr[q + 4] : 1;
        double outfit = pr[q + 2] > 0 ? pr[q + 6] / pr[q + 2] : 1;
        comparisons.add(new ComparisonStat(facet, m.data.label(m.pf, j), pr[q], pr[q + 1], pr[q + 2], pr[q + 3],
            infit, outfit));
      }
    }
    // the dichotomous model has no thresholds to report (its one threshold is 0 by definition)
    for (int g = 0; g < (m.spec.scale() == RaschSpec.Scale.DICHOTOMOUS ? 0 : m.groups); g++) {
      String label = m.groupLabel(g);
      // the lowest category has no threshold below it; its count is reported beside the thresholds
      if (m.tau[g].length > 0) bottomCategories.add(new ThresholdStat(label, m.lo[g] + minR, null, null, allCat[g][m.lo[g]], false, false));
      for (int k = 1; k < m.tau[g].length; k++) {
        int raw = m.lo[g] + k + minR;
        double count = allCat[g][m.lo[g] + k];
        if (!m.active[g][k]) {
          thresholds.add(new ThresholdStat(label, raw, null, null, count, false, true));
          continue;
        }
        double info = fa.thrInfo[g][k];
        Double se = m.tauAnchored[g][k] || !(info > 0) ? null : 1.0 / Math.sqrt(info);
        thresholds.add(new ThresholdStat(label, raw, m.tau[g][k], se, count, m.tauAnchored[g][k], false));
      }
    }
  }

  List<FacetResult> facets() { return facets; }
  List<ThresholdStat> thresholds() { return thresholds; }
  List<ThresholdStat> bottomCategories() { return bottomCategories; }
  List<ComparisonStat> comparisons() { return comparisons; }

  /** Wilson–Hilferty cube-root transformation of a mean-square with model SD q (q ≤ √2, Winsteps). */
  static double wilsonHilferty(double ms, double q) {
    q = Math.min(q, Math.sqrt(2));
    if (!(q > 1e-12)) return 0;
    double z = (Math.cbrt(ms) - 1) * (3 / q) + q / 3;
    return Double.isFinite(z) ? z : 0;
  }

  private static double fairAverage(FittedModel m, int f, int j, double[] mean) {
    double eta = m.sign[f] * m.measure[f][j];
    for (int o = 0; o < m.nf; o++) if (o != f) eta += m.sign[o] * mean[o];
    int minR = m.data.minRating();
    if (m.groupFacet < 0) return minR + m.expected(0, eta);
    if (f == m.groupFacet) return minR + m.expected(j, eta);
    double s = 0;
    int c = 0;
    for (int g = 0; g < m.groups; g++) {
      if (m.groupFallback[g]) continue;
      s += m.expected(g, eta);
      c++;
    }
    return minR + (c == 0 ? 0 : s / c);
  }

  static Reliability reliability(List<ElementStat> els) {
    double s = 0;
    double s2 = 0;
    double mse = 0;
    int c = 0;
    for (ElementStat e : els) {
      if (e.extreme() || e.anchored()) continue;
      s += e.measure();
      s2 += e.measure() * e.measure();
      mse += e.se() * e.se();
      c++;
    }
    if (c < 2) return new Reliability(c == 1 ? Math.sqrt(mse) : 0, 0, 0, 1.0 / 3, 0);
    double mean = s / c;
    double var = Math.max(0, s2 / c - mean * mean);
    mse /= c;
    double trueVar = Math.max(0, var - mse);
    double rmse = Math.sqrt(mse);
    double g = rmse > 0 ? Math.sqrt(trueVar) / rmse : 0;
    double rel = var > 0 ? trueVar / var : 0;
    return new Reliability(rmse, Math.sqrt(trueVar), g, (4 * g + 1) / 3, rel);
  }
}
