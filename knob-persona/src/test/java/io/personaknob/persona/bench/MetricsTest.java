package io.personaknob.persona.bench;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Metrics against hand-computed values. */
class MetricsTest {

  @Test
  void wilsonIntervalOfEightOfTen() {
    // p = 0.8, z = 1.96: centre (0.8 + 1.9208/10)/1.38416 = 0.71674, half 1.41602·√(0.016 + 0.0096040) = 0.22658
    double[] w = Metrics.wilson(8, 10, 1.96);
    assertEquals(0.49016, w[0], 1e-4);
    assertEquals(0.94332, w[1], 1e-4);
    double[] all = Metrics.wilson(10, 10, 1.96); // upper bound 1, lower n/(n+z²) = 10/13.8416
    assertEquals(1.0, all[1], 1e-12);
    assertEquals(10 / 13.8416, all[0], 1e-4);
  }

  @Test
  void unbiasedPassAtK() {
    assertEquals(1 - 3.0 / 10, Metrics.passAtKUnbiased(5, 2, 2), 1e-12); // 1 − C(3,2)/C(5,2)
    assertEquals(0.25, Metrics.passAtKUnbiased(4, 1, 1), 1e-12);          // pass@1 = c/n
    assertEquals(0.0, Metrics.passAtKUnbiased(16, 0, 16), 1e-12);
    assertEquals(1.0, Metrics.passAtKUnbiased(3, 2, 2), 1e-12);           // n − c < k: every k-subset has a pass
    assertEquals(1 - 15.0 / 28, Metrics.passAtKUnbiased(8, 2, 2), 1e-12); // 1 − C(6,2)/C(8,2)
    assertThrows(IllegalArgumentException.class, () -> Metrics.passAtKUnbiased(3, 1, 4));
  }

  @Test
  void anyOfFirstKCountsEveryPairInTheDenominator() {
    List<Boolean[]> a = List.of(new Boolean[] {false, true, false}, new Boolean[] {false, false, false},
        new Boolean[] {null, null, true});
    assertEquals(0.0, Metrics.passAtKAny(a, 1), 1e-12);
    assertEquals(1.0 / 3, Metrics.passAtKAny(a, 2), 1e-12);
    assertEquals(2.0 / 3, Metrics.passAtKAny(a, 3), 1e-12);
    // unbiased mean: pairs (n=3, c=1), (3, 0), (3, 1) at k = 1: (1/3 + 0 + 1/3)/3
    assertEquals(2.0 / 9, Metrics.passAtKUnbiasedMean(a, 1), 1e-12);
  }

  @Test
  void bootstrapSeMatchesTheAnalyticStandardError() {
    double[] s = new double[100];
    for (int i = 0; i < 30; i++) s[i] = 1;
    assertEquals(0.3, Metrics.accuracy(s), 1e-12);
    // the bootstrap distribution of a mean of 0/1 scores has sd √(p(1−p)/n) = √(0.21/100) = 0.04583
    assertEquals(Math.sqrt(0.21 / 100), Metrics.bootstrapSe(s, 4000, 1), 0.003);
    assertEquals(Metrics.bootstrapSe(s, 500, 9), Metrics.bootstrapSe(s, 500, 9), "seeded");
    assertEquals(0.0, Metrics.bootstrapSe(new double[] {1, 1, 1}, 100, 1), 1e-12);
  }
}
