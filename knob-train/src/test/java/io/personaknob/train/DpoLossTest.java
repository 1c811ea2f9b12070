package io.personaknob.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

/**
 * Each TRL loss against (a) numbers written out by hand from the formula and (b) an independent scalar
 * implementation in plain double arithmetic written from docs/lag-dpo.md §2.
 */
class DpoLossTest {

  // policy chosen, policy rejected, ref chosen, ref rejected, chosen len, rejected len
  static final double[][] CASES = {
    {-10, -12, -11, -11, 5, 4},
    {-3.5, -2.0, -3.0, -2.5, 2, 7},
    {-20, -40, -25, -30, 10, 20},
    {-7, -7, -7, -7, 3, 3},
    {-1, -9, -4, -4, 1, 8},
  };

  static double sig(double x) { return 1 / (1 + Math.exp(-x)); }
  static double ls(double x) { return Math.log(sig(x)); }

  /** Independent scalar version of each loss (bco delta given). */
  static double scalar(DpoLossType t, double b, double s, double tau, double[] c, double delta) {
    double rc = c[0] - c[2], rr = c[1] - c[3], h = rc - rr;
    return switch (t) {
      case SIGMOID -> -(1 - s) * ls(b * h) - s * ls(-b * h);
      case ROBUST -> (-(1 - s) * ls(b * h) + s * ls(-b * h)) / (1 - 2 * s);
      case HINGE -> Math.max(0, 1 - b * h);
      case IPO -> Math.pow(rc / c[4] - rr / c[5] - 1 / (2 * b), 2);
      case EXO_PAIR -> {
        double e = s == 0 ? 1e-3 : s;
        yield sig(b * h) * (ls(b * h) - Math.log(1 - e)) + sig(-b * h) * (ls(-b * h) - Math.log(e));
      }
      case BCO_PAIR -> -ls(b * rc - delta) - ls(-(b * rr - delta));
      case SPPO_HARD -> Math.pow(rc - 0.5 / b, 2) + Math.pow(rr + 0.5 / b, 2);
      case NCA_PAIR -> -ls(b * rc) - 0.5 * ls(-b * rc) - 0.5 * ls(-b * rr);
      case APO_ZERO -> 1 - sig(b * rc) + sig(b * rr);
      case APO_DOWN -> sig(b * rc) + 1 - sig(b * h);
      case DISCOPOP -> {
        double m = sig(b * h / tau);
        yield -ls(b * h) * (1 - m) + Math.exp(-b * h) * m;
      }
      case SIGMOID_NORM -> -ls(b * (rc / c[4] - rr / c[5]));
    };
  }

  static double[] djl(DpoLossType t, double beta, double s, double tau, DpoLoss.RunningMoments bco) {
    try (NDManager m = NDManager.newBaseManager()) {
      int n = CASES.length;
      float[][] cols = new float[6][n];
      for (int i = 0; i < n; i++) for (int k = 0; k < 6; k++) cols[k][i] = (float) CASES[i][k];
      NDArray[] a = new NDArray[6];
      for (int k = 0; k < 6; k++) a[k] = m.create(cols[k]);
      var r = DpoLoss.compute(new DpoLoss.Params(t, beta, s, tau), a[0], a[1], a[2], a[3], a[4], a[5], bco);
      float[] f = r.losses().toFloatArray();
      double[] d = new double[n];
      for (int i = 0; i < n; i++) d[i] = f[i];
      return d;
    }
  }

  @Test
  void everyLossMatchesTheScalarImplementation() {
    for (DpoLossType t : DpoLossType.values()) {
      for (double beta : new double[] {0.1, 0.5}) {
        double s = (t == DpoLossType.SIGMOID || t == DpoLossType.ROBUST || t == DpoLossType.EXO_PAIR) ? 0.1 : 0;
        DpoLoss.RunningMoments bco = new DpoLoss.RunningMoments();
        double[] got = djl(t, beta, s, 0.05, bco);
        // delta for bco_pair: mean of all 2n rewards of this first batch
        double sum = 0;
        for (double[] c : CASES) sum += beta * (c[0] - c[2]) + beta * (c[1] - c[3]);
        double delta = sum / (2 * CASES.length);
        for (int i = 0; i < CASES.length; i++) {
          double want = scalar(t, beta, s, 0.05, CASES[i], delta);
          assertEquals(want, got[i], 1e-4 * Math.max(1, Math.abs(want)), t + " beta=" + beta + " case " + i);
        }
      }
    }
  }

  /** One pair through {@code compute}: [loss, chosen reward, rejected reward]. */
  static double[] one(DpoLossType t, double beta, double s, double tau, double[] c, DpoLoss.RunningMoments bco) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray[] a = new NDArray[6];
      for (int k = 0; k < 6; k++) a[k] = m.create(new float[] {(float) c[k]});
      var r = DpoLoss.compute(new DpoLoss.Params(t, beta, s, tau), a[0], a[1], a[2], a[3], a[4], a[5], bco);
      return new double[] {r.losses().toFloatArray()[0], r.chosenRewards().toFloatArray()[0], r.rejectedRewards().toFloatArray()[0]};
    }
  }

  /**
   * Every loss on one worked pair, each value obtained by plugging the numbers into TRL's formula by hand
   * (docs/lag-dpo.md §2 cites the TRL source lines). The pair: policy log-probs chosen −10, rejected −12;
   * reference −11 and −11.5; completion lengths 4 and 5 tokens; β = 0.5. So ρ⁺ = 1, ρ⁻ = −0.5, h = 1.5,
   * βh = 0.75, βρ⁺ = 0.5, βρ⁻ = −0.25. Constants used: e^−0.75 = 0.4723666, σ(0.75) = 0.6791787,
   * σ(0.5) = 0.6224593, σ(−0.25) = 0.4378235, log σ(−0.75) = −1.1368710, log σ(0.5) = −0.4740770,
   * log σ(−0.5) = −0.9740770, log σ(0.25) = −0.5759394.
   */
  @Test
  void handComputedValuesOfAllTwelveLosses() {
    double[] p = {-10, -12, -11, -11.5, 4, 5};
    java.util.Map<DpoLossType, Double> want = new java.util.EnumMap<>(DpoLossType.class);
    // sigmoid, s = 0: −log σ(0.75) = log(1 + e^−0.75) = log 1.4723666 = 0.3868710
    want.put(DpoLossType.SIGMOID, 0.3868710);
    // robust, s = 0 is plain DPO: 0.3868710 (s = 0.1 below)
    want.put(DpoLossType.ROBUST, 0.3868710);
    // hinge: max(0, 1 − 0.75) = 0.25
    want.put(DpoLossType.HINGE, 0.25);
    // ipo, length-averaged as TRL: h' = 1/4 − (−0.5)/5 = 0.25 + 0.1 = 0.35; (0.35 − 1/(2·0.5))² = (−0.65)² = 0.4225
    // (the summed h would give (1.5 − 1)² = 0.25)
    want.put(DpoLossType.IPO, 0.4225);
    // exo_pair, s = 0 → ε = 1e-3: σ(.75)·(log σ(.75) − log(0.999)) + σ(−.75)·(log σ(−.75) − log(0.001))
    //   = 0.6791787·(−0.3868710 + 0.0010005) + 0.3208213·(−1.1368710 + 6.9077553) = −0.2620750 + 1.8514226 = 1.5893476
    want.put(DpoLossType.EXO_PAIR, 1.5893476);
    // bco_pair, first batch: δ = mean(0.5, −0.25) = 0.125 (count 1e-24 + 1 ≈ 1);
    //   −log σ(0.5 − 0.125) − log σ(−(−0.25 − 0.125)) = 2·(−log σ(0.375)) = 2·0.5231233 = 1.0462465
    want.put(DpoLossType.BCO_PAIR, 1.0462465);
    // sppo_hard: (1 − 1/(2·0.5))² + (−0.5 + 1)² = 0 + 0.25
    want.put(DpoLossType.SPPO_HARD, 0.25);
    // nca_pair: −log σ(0.5) − ½ log σ(−0.5) − ½ log σ(0.25) = 0.4740770 + 0.4870385 + 0.2879697 = 1.2490852
    want.put(DpoLossType.NCA_PAIR, 1.2490852);
    // apo_zero: 1 − σ(0.5) + σ(−0.25) = 1 − 0.6224593 + 0.4378235 = 0.8153642
    want.put(DpoLossType.APO_ZERO, 0.8153642);
    // apo_down: σ(0.5) + 1 − σ(0.75) = 0.6224593 + 1 − 0.6791787 = 0.9432806
    want.put(DpoLossType.APO_DOWN, 0.9432806);
    // discopop, τ = 1 (so the blend is visible): m = σ(0.75) = 0.6791787;
    //   (1 − m)·0.3868710 + m·e^−0.75 = 0.1241165 + 0.3208213 = 0.4449378
    want.put(DpoLossType.DISCOPOP, 0.4449378);
    // sigmoid_norm: −log σ(0.5·(1/4 + 0.5/5)) = −log σ(0.175) = log(1 + e^−0.175) = log 1.8394570 = 0.6094704
    want.put(DpoLossType.SIGMOID_NORM, 0.6094704);
    assertEquals(DpoLossType.values().length, want.size());
    for (var e : want.entrySet()) {
      double tau = e.getKey() == DpoLossType.DISCOPOP ? 1.0 : 0.05;
      double[] r = one(e.getKey(), 0.5, 0, tau, p, new DpoLoss.RunningMoments());
      assertEquals(e.getValue(), r[0], 2e-6, e.getKey().trlName());
      // rewards as TRL logs them: β·ρ of the summed log-probs, for every loss
      assertEquals(0.5, r[1], 1e-6, e.getKey().trlName());
      assertEquals(-0.25, r[2], 1e-6, e.getKey().trlName());
    }
    // with label smoothing s = 0.1:
    // sigmoid: 0.9·0.3868710 + 0.1·1.1368710 = 0.3481839 + 0.1136871 = 0.4618710
    assertEquals(0.4618710, one(DpoLossType.SIGMOID, 0.5, 0.1, 0.05, p, null)[0], 2e-6);
    // robust: (0.9·0.3868710 − 0.1·1.1368710) / 0.8 = (0.3481839 − 0.1136871) / 0.8 = 0.2931210
    assertEquals(0.2931210, one(DpoLossType.ROBUST, 0.5, 0.1, 0.05, p, null)[0], 2e-6);
    // exo_pair, ε = 0.1: 0.6791787·(−0.3868710 + 0.1053605) + 0.3208213·(−1.1368710 + 2.3025851)
    //   = −0.1911959 + 0.3739859 = 0.1827900
    assertEquals(0.1827900, one(DpoLossType.EXO_PAIR, 0.5, 0.1, 0.05, p, null)[0], 2e-6);
    // discopop with its default τ = 0.05: m = σ(15) = 0.9999997 → ≈ e^−0.75 = 0.4723665
    assertEquals(0.4723665, one(DpoLossType.DISCOPOP, 0.5, 0, 0.05, p, null)[0], 2e-6);
  }

  /**
   * bco_pair's δ over two batches of different sizes, as TRL feeds RunningMoments one batch mean per call:
   * β = 1; batch 1 has ρ⁺ = (1, 2, 3), ρ⁻ = (0, −1, 1): mean reward 6/6 = 1. Batch 2 has one pair ρ⁺ = 4,
   * ρ⁻ = 2: mean 3. TRL's δ after batch 2 = 1 + (3 − 1)·1/(1 + 1 + 1e-24) = 2 (the mean of the two batch
   * means; weighting by rewards instead would give (6 + 6)/8 = 1.5). Batch 2's loss:
   * −log σ(4 − 2) − log σ(−(2 − 2)) = log(1 + e^−2) + ln 2 = 0.1269280 + 0.6931472 = 0.8200752.
   * Variance (population, of the batch means 1 and 3): 1; count 2.
   */
  @Test
  void bcoPairRunningMeanFollowsTrlRunningMoments() {
    DpoLoss.RunningMoments r = new DpoLoss.RunningMoments();
    try (NDManager m = NDManager.newBaseManager()) {
      var p = DpoLoss.Params.of(DpoLossType.BCO_PAIR, 1.0);
      NDArray z3 = m.zeros(new ai.djl.ndarray.types.Shape(3));
      NDArray l3 = m.create(new float[] {3, 3, 3});
      DpoLoss.compute(p, m.create(new float[] {1, 2, 3}), m.create(new float[] {0, -1, 1}), z3, z3, l3, l3, r);
      assertEquals(1.0, r.mean, 1e-9);
      NDArray z1 = m.zeros(new ai.djl.ndarray.types.Shape(1));
      NDArray l1 = m.create(new float[] {3});
      var b2 = DpoLoss.compute(p, m.create(new float[] {4}), m.create(new float[] {2}), z1, z1, l1, l1, r);
      assertEquals(2.0, r.mean, 1e-9);
      assertEquals(1.0, r.var, 1e-9);
      assertEquals(2.0, r.count, 1e-9);
      assertEquals(0.8200752, b2.losses().toFloatArray()[0], 2e-6);
    }
  }

  @Test
  void runningMomentsMergeAsTrlWithCounts() {
    // TRL's update with a batch of several values (its own use elsewhere): values 1, 2, 3 (mean 2, var 2/3, n 3)
    // into a fresh state (0, 1, 1e-24): mean 2, var ≈ (2/3·3)/3 = 2/3; then 10 (n 1): mean 2 + 8/4 = 4,
    // var = (2/3·3 + 64·3·1/4) / 4 = (2 + 48) / 4 = 12.5 (the population variance of 1, 2, 3, 10)
    DpoLoss.RunningMoments r = new DpoLoss.RunningMoments();
    r.update(2, 2.0 / 3, 3);
    r.update(10, 0, 1);
    assertEquals(4.0, r.mean, 1e-9);
    assertEquals(12.5, r.var, 1e-9);
    assertEquals(4.0, r.count, 1e-9);
  }
}
