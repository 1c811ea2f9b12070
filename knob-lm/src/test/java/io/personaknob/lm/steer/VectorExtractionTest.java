package io.personaknob.lm.steer;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** A direction planted in synthetic activations is recovered by both methods; without one, AUROC is chance. */
class VectorExtractionTest {
  static final int C = 64, N = 200;

  /** pos_i = base_i + δ_i·u + ε, neg_i = base_i + ε' with δ_i ~ 3 + |N(0, 2)|, base_i ~ N(0, s²) shared by the pair. */
  static float[][][] planted(float[] u, long seed, boolean signal) {
    return planted(u, seed, signal, 0.5);
  }

  static float[][][] planted(float[] u, long seed, boolean signal, double baseStd) {
    Random r = new Random(seed);
    float[][] pos = new float[N][C], neg = new float[N][C];
    for (int i = 0; i < N; i++) {
      double delta = signal ? 3 + Math.abs(r.nextGaussian() * 2) : 0;
      for (int j = 0; j < C; j++) {
        double base = r.nextGaussian() * baseStd;
        pos[i][j] = (float) (base + delta * u[j] + r.nextGaussian() * 0.3);
        neg[i][j] = (float) (base + r.nextGaussian() * 0.3);
      }
    }
    return new float[][][] {pos, neg};
  }

  static float[] unitVector(long seed) {
    Random r = new Random(seed);
    float[] u = new float[C];
    double n = 0;
    for (int j = 0; j < C; j++) {
      u[j] = (float) r.nextGaussian();
      n += u[j] * u[j];
    }
    for (int j = 0; j < C; j++) u[j] /= (float) Math.sqrt(n);
    return u;
  }

  static double cosine(float[] a, float[] b) {
    double d = 0, na = 0, nb = 0;
    for (int j = 0; j < a.length; j++) {
      d += (double) a[j] * b[j];
      na += (double) a[j] * a[j];
      nb += (double) b[j] * b[j];
    }
    return d / Math.sqrt(na * nb);
  }

  @Test
  void plantedDirectionIsRecoveredWithTheRightSign() {
    float[] u = unitVector(7);
    float[][][] d = planted(u, 1, true);
    for (VectorExtraction.Method m : VectorExtraction.Method.values()) {
      VectorExtraction.LayerResult r = VectorExtraction.fit(3, d[0], d[1], m, 0.25, 42);
      double cos = cosine(r.direction(), u);
      // mean-diff averages the noise away; the top principal axis of 200 noisy differences is a little rougher
      assertTrue(cos > (m == VectorExtraction.Method.MEAN_DIFF ? 0.99 : 0.95), m + ": cosine with the planted direction " + cos);
      assertTrue(r.auroc() > 0.99 && r.pairAccuracy() > 0.99, m + ": held-out separation " + r.auroc());
      assertEquals(150, r.trainPairs());
      assertEquals(50, r.heldOutPairs());
      assertFalse(r.inSample());
    }
    VectorExtraction.LayerResult md = VectorExtraction.fit(3, d[0], d[1], VectorExtraction.Method.MEAN_DIFF, 0.25, 42);
    // the mean difference keeps its length: E[δ] = 3 + 2·√(2/π) ≈ 4.596 (half-normal mean), noise adds ~0.3·√(2C/N)
    assertEquals(3 + 2 * Math.sqrt(2 / Math.PI), md.meanDiffNorm(), 0.35);
    VectorExtraction.LayerResult pca = VectorExtraction.fit(3, d[0], d[1], VectorExtraction.Method.PCA_DIFF, 0.25, 42);
    double n = 0;
    for (float x : pca.direction()) n += x * x;
    assertEquals(1.0, Math.sqrt(n), 1e-6, "pca-diff directions are unit length, as repeng's");
    // var(δ) = 4(1 − 2/π) ≈ 1.454 along u against 2·0.3² = 0.18 per direction of noise:
    // 1.454 / (1.454 + 64·0.18) ≈ 0.112 (an isotropic axis would get 1/64 ≈ 0.016)
    assertEquals(0.112, pca.explainedVariance(), 0.03, "share of the differences' variance on the axis");
  }

  @Test
  void swappedPolesFlipTheSign() {
    float[] u = unitVector(7);
    float[][][] d = planted(u, 2, true);
    for (VectorExtraction.Method m : VectorExtraction.Method.values()) {
      VectorExtraction.LayerResult r = VectorExtraction.fit(0, d[1], d[0], m, 0.25, 42);
      assertTrue(cosine(r.direction(), u) < -0.95, m + ": positive means more of the trait of the first argument: " + cosine(r.direction(), u));
    }
  }

  @Test
  void pairAccuracyIgnoresWhatPairsShareButAurocDoesNot() {
    // a large content spread shared within each pair (the prompt) blurs the unpaired AUROC, not the pairs
    float[] u = unitVector(7);
    float[][][] d = planted(u, 5, true, 4.0);
    VectorExtraction.LayerResult r = VectorExtraction.fit(0, d[0], d[1], VectorExtraction.Method.MEAN_DIFF, 0.25, 42);
    assertTrue(r.pairAccuracy() > 0.99, "pairs still separate: " + r.pairAccuracy());
    assertTrue(r.auroc() < 0.95, "unpaired AUROC feels the spread: " + r.auroc());
  }

  @Test
  void noSignalMeansChanceSeparation() {
    float[][][] d = planted(unitVector(7), 3, false);
    VectorExtraction.LayerResult r = VectorExtraction.fit(0, d[0], d[1], VectorExtraction.Method.MEAN_DIFF, 0.5, 42);
    assertEquals(0.5, r.auroc(), 0.12, "AUROC near chance without a planted direction");
  }

  @Test
  void aurocIsTheMannWhitneyShare() {
    // hand-computed: a = {3, 1, 2}, b = {2, 0}: wins (3>2,3>0,1>0,2>0) = 4, tie (2=2) = 0.5, of 6 → 0.75
    assertEquals(0.75, VectorExtraction.auroc(new double[] {3, 1, 2}, new double[] {2, 0}), 1e-12);
  }

  @Test
  void tooFewPairsAreReportedAsInSample() {
    float[][][] d = planted(unitVector(7), 4, true);
    float[][] p = {d[0][0], d[0][1]}, q = {d[1][0], d[1][1]};
    VectorExtraction.LayerResult r = VectorExtraction.fit(0, p, q, VectorExtraction.Method.MEAN_DIFF, 0.2, 1);
    assertTrue(r.inSample());
    assertEquals(0, r.heldOutPairs());
  }
}
