package io.personaknob.irt;

import io.personaknob.core.Provenance;
import io.personaknob.core.UserException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Joint maximum likelihood estimation of a many-facet Rasch model (see docs/irt.md for the equations).
 *
 * <pre>{@code
 * RatingData data = RatingData.builder("model", "judge", "item").add(5, "m1", "j1", "q1")...build();
 * RaschFit fit = JmleEstimator.fit(data, RaschSpec.builder("model").ratingScale().build());
 * double theta = fit.measure("model", "m1");
 * }</pre>
 */
public final class JmleEstimator {

  /** Receives one call per iteration (for progress display). */
  public interface Progress {
    Progress NONE = (it, r, c) -> {};

    void iteration(int iteration, double maxScoreResidual, double maxLogitChange);
  }

  private static final boolean DEBUG = Boolean.getBoolean("knob.irt.debug");
  /**
   * 1: Anderson acceleration (default), 0: Aitken extrapolation along a stable direction, -1: plain Jacobi
   * (for tests and comparisons).
   */
  static volatile int ACCEL = Integer.getInteger("knob.irt.accel", 1);
  private static final int ANDERSON = Integer.getInteger("knob.irt.anderson", 3);

  private JmleEstimator() {}

  public static RaschFit fit(RatingData data, RaschSpec spec) {
    return fit(data, spec, Map.of(), Progress.NONE);
  }

  /**
   * Fits the model.
   *
   * @param inputs files the data came from (hashed into the provenance); if empty, the data's content hash
   * @param progress called after every iteration
   */
  public static RaschFit fit(RatingData data, RaschSpec spec, Map<String, Path> inputs, Progress progress) {
    validate(data, spec);
    long tStart = System.nanoTime();
    FittedModel m = new FittedModel(data, spec);
    applyAnchors(m);
    int iterations = 0;
    boolean converged = false;
    double lastResid = Double.NaN;
    double lastChange = Double.NaN;
    try (Passes passes = new Passes(m, spec.threads())) {
      m.structure(passes);
      long tStructure = System.nanoTime();
      applyThresholdAnchors(m);
      setCentring(m);
      double[][] obsCat = startValues(m);
      long tStartValues = System.nanoTime();
      double damping = 1.0;
      double prevResid = Double.POSITIVE_INFINITY;
      double[] prevStep = null;
      List<double[]> histX = new ArrayList<>();
      List<double[]> histF = new ArrayList<>();
      double[] beforeJump = null;
      double residBeforeJump = 0;
      int lastJump = -10;
      for (int it = 1; it <= spec.maxIterations(); it++) {
        if (Thread.currentThread().isInterrupted()) throw new UserException("fit interrupted");
        Passes.EstAcc acc = passes.estimate();
        double maxResid = maxResidual(m, acc, obsCat);
        if (beforeJump != null) {
          // the last iteration extrapolated: keep it only if it did not make things worse
          if (maxResid > 1.5 * residBeforeJump) {
            m.restore(beforeJump);
            lastJump = it + (ACCEL == 1 ? 3 : 20); // no extrapolation for a while
            histX.clear();
            histF.clear();
            beforeJump = null;
            acc = passes.estimate();
            maxResid = maxResidual(m, acc, obsCat);
          }
          beforeJump = null;
        }
        if (maxResid > prevResid * 1.5 && it > 2) damping = Math.max(0.125, damping * 0.5);
        else if (damping < 1.0) damping = Math.min(1.0, damping * 1.25);
        prevResid = maxResid;
        double[] before = m.snapshot();
        double maxChange = update(m, acc, obsCat, damping);
        double[] after = m.snapshot();
        double[] step = new double[after.length];
        for (int i = 0; i < step.length; i++) step[i] = after[i] - before[i];
        iterations = it;
        lastResid = maxResid;
        lastChange = maxChange;
        progress.iteration(it, maxResid, maxChange);
        if (maxResid <= spec.maxScoreResidual() && maxChange <= spec.maxLogitChange()) {
          converged = true;
          break;
        }
        // Anderson acceleration (depth ANDERSON) of the Jacobi map x -> G(x): combine the last few
        // iterates so that the slow joint "stretch" of measures and thresholds is removed at once
        if (ACCEL == 1) {
          histX.add(before);
          histF.add(step);
          if (histX.size() > ANDERSON + 1) {
            histX.remove(0);
            histF.remove(0);
          }
          int k = histX.size() - 1;
          if (k >= 1 && it >= lastJump && damping == 1.0) {
            double[][] dF = new double[k][];
            double[][] dX = new double[k][];
            for (int i = 0; i < k; i++) {
              dF[i] = diff(histF.get(i + 1), histF.get(i));
              dX[i] = diff(histX.get(i + 1), histX.get(i));
            }
            double[] gamma = leastSquares(dF, step);
            if (gamma != null) {
              double[] next = after.clone();
              for (int i = 0; i < k; i++) {
                for (int q = 0; q < next.length; q++) next[q] -= gamma[i] * (dX[i][q] + dF[i][q]);
              }
              beforeJump = after;
              residBeforeJump = maxResid;
              m.restore(next);
              clampThresholds(m);
            }
          }
        } else if (ACCEL == 0 && prevStep != null && it - lastJump >= 3 && damping == 1.0) {
          // Aitken-type extrapolation along a stable step direction
          double ab = 0;
          double aa = 0;
          double bb = 0;
          for (int i = 0; i < step.length; i++) {
            ab += step[i] * prevStep[i];
            aa += prevStep[i] * prevStep[i];
            bb += step[i] * step[i];
          }
          double rho = aa > 0 ? ab / aa : 0;
          double cos = aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
          if (cos > 0.99 && rho > 0.3 && rho < 1) {
            double factor = Math.min(20, rho / (1 - rho));
            beforeJump = after;
            residBeforeJump = maxResid;
            double[] jumped = new double[after.length];
            for (int i = 0; i < after.length; i++) jumped[i] = after[i] + factor * step[i];
            m.restore(jumped);
            clampThresholds(m);
            lastJump = it;
          }
        }
        prevStep = step;
      }
      if (spec.biasCorrection()) biasCorrect(m);
      long t0 = System.nanoTime();
      new ExtremeEstimator(m).run();
      long t1 = System.nanoTime();
      Passes.FitAcc fa = passes.fitStats();
      long t2 = System.nanoTime();
      List<Subset> subsets = Connectivity.subsets(m, passes);
      long t3 = System.nanoTime();
      if (!subsets.isEmpty()) {
        m.warnings.add("the design is disconnected: " + subsets.size()
            + " disjoint subsets; measures in different subsets are not comparable");
      }
      Results res = new Results(m, fa, obsCat);
      long t4 = System.nanoTime();
      String hash = inputs.isEmpty() ? data.contentHash() : null;
      long t5 = System.nanoTime();
      if (DEBUG) {
        System.err.printf("knob-irt: structure %.3fs, start %.3fs, iterations %.3fs, extremes %.3fs, fit statistics"
            + " %.3fs, connectivity %.3fs, results %.3fs, hash %.3fs%n", (tStructure - tStart) / 1e9,
            (tStartValues - tStructure) / 1e9, (t0 - tStartValues) / 1e9, (t1 - t0) / 1e9, (t2 - t1) / 1e9,
            (t3 - t2) / 1e9, (t4 - t3) / 1e9, (t5 - t4) / 1e9);
      }
      Map<String, Object> config = new LinkedHashMap<>(spec.toConfig());
      config.put("facets", data.facets());
      config.put("ratings", data.size());
      if (data.comparisonCount() > 0) {
        config.put("comparisons", data.comparisonCount());
        config.put("comparison_facet", data.facets().get(data.comparisonFacet()));
      }
      Provenance prov;
      if (inputs.isEmpty()) {
        prov = new Provenance(Provenance.knobVersion(), Runtime.version().toString(),
            System.getProperty("os.name") + " " + System.getProperty("os.arch"), java.time.Instant.now(),
            config, Map.of("ratings", hash), Map.of());
      } else {
        prov = Provenance.of(config, inputs);
      }
      prov = prov.withVersions(Map.of("knob-irt", Provenance.knobVersion(), "estimator", "JMLE"));
      return new RaschFit(converged, iterations, finite(lastResid), finite(lastChange), res.facets(),
          res.thresholds(), res.bottomCategories(), res.comparisons(), subsets, List.of(), null, null, m.warnings, prov, m);
    }
  }

  /** Adds a bias/interaction analysis between two facets to a fit. */
  public static RaschFit withBias(RaschFit fit, String facetA, String facetB) {
    return fit.withBias(facetA, facetB, BiasAnalysis.run(fit.model(), facetA, facetB));
  }

  private static double finite(double v) {
    return Double.isFinite(v) ? v : 0.0;
  }

  private static void validate(RatingData data, RaschSpec spec) {
    data.facetIndex(spec.positiveFacet());
    if (spec.pcmFacet() != null) data.facetIndex(spec.pcmFacet());
    if (spec.floatingFacet() != null) data.facetIndex(spec.floatingFacet());
    for (String f : spec.anchors().keySet()) data.facetIndex(f);
  }

  private static void applyAnchors(FittedModel m) {
    for (var e : m.spec.anchors().entrySet()) {
      int f = m.data.facetIndex(e.getKey());
      List<String> labels = m.data.labels(f);
      Map<String, Integer> pos = new java.util.HashMap<>();
      for (int j = 0; j < labels.size(); j++) pos.put(labels.get(j), j);
      for (var a : e.getValue().entrySet()) {
        Integer j = pos.get(a.getKey());
        if (j == null) {
          throw new UserException("anchor: element '" + a.getKey() + "' of facet '" + e.getKey()
              + "' does not occur in the ratings");
        }
        if (!Double.isFinite(a.getValue())) {
          throw new UserException("anchor: element '" + a.getKey() + "' has a non-finite measure");
        }
        m.anchored[f][j] = true;
        m.measure[f][j] = a.getValue();
      }
    }
  }

  private static void applyThresholdAnchors(FittedModel m) {
    for (var e : m.spec.thresholdAnchors().entrySet()) {
      int g;
      if (m.groupFacet < 0) {
        if (!e.getKey().isEmpty()) {
          throw new UserException("anchor: threshold group '" + e.getKey() + "' given, but the scale has one"
              + " shared set of thresholds (leave the group empty)");
        }
        g = 0;
      } else {
        g = m.data.labels(m.groupFacet).indexOf(e.getKey());
        if (g < 0) {
          throw new UserException("anchor: threshold group '" + e.getKey() + "' is not an element of facet '"
              + m.spec.pcmFacet() + "'");
        }
      }
      for (var a : e.getValue().entrySet()) {
        int k = a.getKey() - m.data.minRating() - m.lo[g];
        if (k < 1 || k >= m.tau[g].length || !m.active[g][k]) {
          throw new UserException("anchor: threshold for category " + a.getKey()
              + " is not a threshold of the observed scale");
        }
        if (!Double.isFinite(a.getValue())) throw new UserException("anchor: threshold has a non-finite value");
        m.tau[g][k] = a.getValue();
        m.tauAnchored[g][k] = true;
      }
    }
  }

  private static void setCentring(FittedModel m) {
    int floating = m.spec.floatingFacet() == null ? m.positive : m.data.facetIndex(m.spec.floatingFacet());
    for (int f = 0; f < m.nf; f++) {
      boolean anyAnchor = false;
      for (boolean a : m.anchored[f]) anyAnchor |= a;
      // with comparisons only, nothing but centring fixes the comparison facet's origin (with ratings the
      // rating scale does, so the facet may float)
      m.centred[f] = (f != floating || (m.n == 0 && f == m.pf)) && !anyAnchor;
    }
  }

  /** Sets the start values; returns the observed counts per group and category (same pass). */
  private static double[][] startValues(FittedModel m) {
    double[][] obsCat = new double[m.groups][];
    for (int g = 0; g < m.groups; g++) obsCat[g] = new double[m.coef[g].length];
    double[][] minS = new double[m.nf][];
    double[][] maxS = new double[m.nf][];
    double[][] obsS = new double[m.nf][];
    for (int f = 0; f < m.nf; f++) {
      minS[f] = new double[m.measure[f].length];
      maxS[f] = new double[m.measure[f].length];
      obsS[f] = new double[m.measure[f].length];
    }
    for (int i = 0; i < m.n; i++) {
      if (!m.isActive(i)) continue;
      int g = m.group(i);
      double wt = m.weight(i);
      int s = m.clampedScore(i, g);
      obsCat[g][s - m.lo[g]] += wt;
      for (int f = 0; f < m.nf; f++) {
        int j = m.idx[f][i];
        minS[f][j] += wt * m.lo[g];
        maxS[f][j] += wt * m.hi[g];
        obsS[f][j] += wt * s;
      }
    }
    // comparisons: the first element scores x out of 1, the second 1 − x
    for (int c = 0; c < m.nc; c++) {
      if (!m.pairActive(c)) continue;
      double wt = m.pairWeight(c);
      double xa = m.pairScore(c);
      maxS[m.pf][m.pa[c]] += wt;
      obsS[m.pf][m.pa[c]] += wt * xa;
      maxS[m.pf][m.pb[c]] += wt;
      obsS[m.pf][m.pb[c]] += wt * (1 - xa);
    }
    for (int f = 0; f < m.nf; f++) {
      for (int j = 0; j < m.measure[f].length; j++) {
        if (m.anchored[f][j] || m.extreme[f][j]) continue;
        double v = Math.log((obsS[f][j] - minS[f][j] + 0.5) / (maxS[f][j] - obsS[f][j] + 0.5));
        m.measure[f][j] = m.sign[f] * Math.max(-3, Math.min(3, v));
      }
    }
    // warm start: a previous fit's measures where it knows the element
    for (var e : m.spec.startMeasures().entrySet()) {
      int f = m.data.facets().indexOf(e.getKey());
      if (f < 0) continue;
      List<String> labels = m.data.labels(f);
      for (int j = 0; j < labels.size(); j++) {
        Double v = e.getValue().get(labels.get(j));
        if (v != null && !m.anchored[f][j] && !m.extreme[f][j]) m.measure[f][j] = v;
      }
    }
    centre(m);
    for (int g = 0; g < m.groups; g++) {
      if (!m.groupFallback[g]) {
        Map<Integer, Double> warm = m.spec.startThresholds().get(m.groupLabel(g) == null ? "" : m.groupLabel(g));
        int prev = 0;
        for (int k = 1; k < m.tau[g].length; k++) {
          if (!m.active[g][k] || m.tauAnchored[g][k]) {
            if (m.active[g][k]) prev = k;
            continue;
          }
          Double w = warm == null ? null : warm.get(m.lo[g] + k + m.data.minRating());
          m.tau[g][k] = w != null ? w : Math.log(obsCat[g][prev] / obsCat[g][k]);
          prev = k;
        }
        centreThresholds(m, g);
      }
      m.refreshCoef(g);
    }
    return obsCat;
  }

  private static void centre(FittedModel m) {
    for (int f = 0; f < m.nf; f++) {
      if (!m.centred[f]) continue;
      double s = 0;
      int c = 0;
      for (int j = 0; j < m.measure[f].length; j++) {
        if (m.extreme[f][j]) continue;
        s += m.measure[f][j];
        c++;
      }
      if (c == 0) continue;
      double mean = s / c;
      for (int j = 0; j < m.measure[f].length; j++) if (!m.extreme[f][j]) m.measure[f][j] -= mean;
    }
  }

  private static void centreThresholds(FittedModel m, int g) {
    double s = 0;
    int c = 0;
    for (int k = 1; k < m.tau[g].length; k++) {
      if (!m.active[g][k]) continue;
      if (m.tauAnchored[g][k]) return;
      s += m.tau[g][k];
      c++;
    }
    if (c == 0) return;
    double mean = s / c;
    for (int k = 1; k < m.tau[g].length; k++) if (m.active[g][k]) m.tau[g][k] -= mean;
  }

  private static double[] diff(double[] a, double[] b) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) d[i] = a[i] - b[i];
    return d;
  }

  /** argmin_γ |f − Σ γ_i cols_i|² by the normal equations (k ≤ a few), or null if singular. */
  static double[] leastSquares(double[][] cols, double[] f) {
    int k = cols.length;
    double[][] a = new double[k][k + 1];
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < k; j++) {
        double s = 0;
        for (int q = 0; q < f.length; q++) s += cols[i][q] * cols[j][q];
        a[i][j] = s;
      }
      double s = 0;
      for (int q = 0; q < f.length; q++) s += cols[i][q] * f[q];
      a[i][k] = s;
    }
    double scale = 0;
    for (int i = 0; i < k; i++) scale = Math.max(scale, a[i][i]);
    if (!(scale > 0)) return null;
    for (int i = 0; i < k; i++) a[i][i] += 1e-10 * scale;
    // Gaussian elimination with partial pivoting
    for (int c = 0; c < k; c++) {
      int p = c;
      for (int r = c + 1; r < k; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
      double[] t = a[c];
      a[c] = a[p];
      a[p] = t;
      if (Math.abs(a[c][c]) < 1e-300) return null;
      for (int r = c + 1; r < k; r++) {
        double fct = a[r][c] / a[c][c];
        for (int q = c; q <= k; q++) a[r][q] -= fct * a[c][q];
      }
    }
    double[] g = new double[k];
    for (int r = k - 1; r >= 0; r--) {
      double s = a[r][k];
      for (int q = r + 1; q < k; q++) s -= a[r][q] * g[q];
      g[r] = s / a[r][r];
      if (!Double.isFinite(g[r])) return null;
    }
    return g;
  }

  private static double maxResidual(FittedModel m, Passes.EstAcc acc, double[][] obsCat) {
    double maxResid = 0;
    for (int f = 0; f < m.nf; f++) {
      for (int j = 0; j < m.measure[f].length; j++) {
        if (m.extreme[f][j] || m.anchored[f][j]) continue;
        maxResid = Math.max(maxResid, Math.abs(acc.resid[f][j]));
      }
    }
    for (int g = 0; g < m.groups; g++) {
      if (m.groupFallback[g]) continue;
      for (int k = 0; k < obsCat[g].length; k++) {
        if (m.active[g][k]) maxResid = Math.max(maxResid, Math.abs(obsCat[g][k] - acc.expCat[g][k]));
      }
    }
    return maxResid;
  }

  private static void clampThresholds(FittedModel m) {
    for (int g = 0; g < m.groups; g++) {
      for (int k = 1; k < m.tau[g].length; k++) {
        m.tau[g][k] = Math.max(-FittedModel.TAU_LIMIT, Math.min(FittedModel.TAU_LIMIT, m.tau[g][k]));
      }
      m.refreshCoef(g);
    }
  }

  /** Applies one Newton/threshold update; returns the largest change. */
  private static double update(FittedModel m, Passes.EstAcc acc, double[][] obsCat, double damping) {
    double maxChange = 0;
    double[][] before = new double[m.nf][];
    for (int f = 0; f < m.nf; f++) before[f] = m.measure[f].clone();
    for (int f = 0; f < m.nf; f++) {
      for (int j = 0; j < m.measure[f].length; j++) {
        if (m.extreme[f][j] || m.anchored[f][j]) continue;
        double info = acc.info[f][j];
        if (!(info > 1e-12)) continue;
        double step = acc.resid[f][j] / info;
        step = Math.max(-1, Math.min(1, step)) * damping;
        m.measure[f][j] += step;
      }
    }
    centre(m);
    for (int f = 0; f < m.nf; f++) {
      for (int j = 0; j < m.measure[f].length; j++) {
        maxChange = Math.max(maxChange, Math.abs(m.measure[f][j] - before[f][j]));
      }
    }
    for (int g = 0; g < m.groups; g++) {
      if (m.groupFallback[g]) continue;
      double[] old = m.tau[g].clone();
      int prev = 0;
      for (int k = 1; k < m.tau[g].length; k++) {
        if (!m.active[g][k]) continue;
        if (!m.tauAnchored[g][k]) {
          double step = Math.log(obsCat[g][prev] / obsCat[g][k])
              - Math.log(acc.expCat[g][prev] / acc.expCat[g][k]);
          if (!Double.isFinite(step)) step = 0;
          step = Math.max(-1, Math.min(1, step)) * damping;
          m.tau[g][k] = Math.max(-FittedModel.TAU_LIMIT, Math.min(FittedModel.TAU_LIMIT, m.tau[g][k] + step));
        }
        prev = k;
      }
      centreThresholds(m, g);
      for (int k = 1; k < old.length; k++) maxChange = Math.max(maxChange, Math.abs(m.tau[g][k] - old[k]));
      m.refreshCoef(g);
    }
    return maxChange;
  }

  private static void biasCorrect(FittedModel m) {
    double s = 0;
    int c = 0;
    int[] counts = new int[m.measure[m.positive].length];
    for (int i = 0; i < m.n; i++) if (m.isActive(i)) counts[m.idx[m.positive][i]]++;
    for (int j = 0; j < counts.length; j++) {
      if (m.extreme[m.positive][j]) continue;
      s += counts[j];
      c++;
    }
    if (c == 0) return;
    double len = s / c;
    if (len <= 1) return;
    double factor = (len - 1) / len;
    for (int f = 0; f < m.nf; f++) {
      for (int j = 0; j < m.measure[f].length; j++) if (!m.anchored[f][j]) m.measure[f][j] *= factor;
    }
    for (int g = 0; g < m.groups; g++) {
      for (int k = 1; k < m.tau[g].length; k++) if (!m.tauAnchored[g][k]) m.tau[g][k] *= factor;
      m.refreshCoef(g);
    }
    m.warnings.add(String.format(java.util.Locale.ROOT,
        "measures multiplied by (L-1)/L = %.4f for JMLE bias (L = %.1f)", factor, len));
  }
}
