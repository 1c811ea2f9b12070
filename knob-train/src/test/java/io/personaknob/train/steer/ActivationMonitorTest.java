package io.personaknob.train.steer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Spearman's ρ against hand-computed values (with and without ties). */
class ActivationMonitorTest {
  @Test
  void spearmanMatchesHandComputedValues() {
    // perfect monotone, not linear: ρ = 1
    assertEquals(1.0, ActivationMonitor.spearman(new double[] {1, 2, 3, 4}, new double[] {1, 8, 27, 64}), 1e-12);
    assertEquals(-1.0, ActivationMonitor.spearman(new double[] {1, 2, 3, 4}, new double[] {4, 3, 2, 1}), 1e-12);
    // no ties: ρ = 1 − 6Σd²/(n(n²−1)); ranks a = 1,2,3,4,5, b = 2,1,4,3,5 → Σd² = 4 → 1 − 24/120 = 0.8
    assertEquals(0.8, ActivationMonitor.spearman(new double[] {10, 20, 30, 40, 50}, new double[] {2, 1, 4, 3, 5}), 1e-12);
    // ties get average ranks: a = (1, 2.5, 2.5, 4), b = (1, 2, 3, 4): Pearson of the ranks
    // mean 2.5; a−m = (−1.5, 0, 0, 1.5), b−m = (−1.5, −.5, .5, 1.5): Σab = 4.5, Σaa = 4.5, Σbb = 5 → 4.5/√22.5 = 0.948683
    assertEquals(0.948683298, ActivationMonitor.spearman(new double[] {1, 5, 5, 9}, new double[] {1, 2, 3, 4}), 1e-9);
    assertTrue(Double.isNaN(ActivationMonitor.spearman(new double[] {1, 1, 1}, new double[] {1, 2, 3})), "constant input: undefined");
  }
}
