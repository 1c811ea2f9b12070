package io.personaknob.eval.steer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.personaknob.core.data.Dimension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sweep's summary arithmetic, by hand. */
class SteeringSweepTest {
  @Test
  void driftIsTheMeanAbsoluteChangeOffTheAxis() {
    Map<String, Double> base = Map.of("A", 0.0, "T", 1.0, "E", -1.0, "C", 0.5);
    Map<String, Double> v = Map.of("A", 2.0, "T", 1.5, "E", -2.0, "C", 0.5);
    // off A: |0.5| + |−1| + |0| = 1.5 over 3
    assertEquals(0.5, SteeringSweep.drift(v, base, Dimension.A), 1e-12);
  }

  @Test
  void steeringCounterpartInterpolatesAlongTheCurveAtEqualDrift() {
    List<SteeringSweep.Variant> curve = List.of(
        new SteeringSweep.Variant("base", Dimension.E, 0, Map.of(), 0.0, 0.0, 0),
        new SteeringSweep.Variant("E+8", Dimension.E, 8, Map.of(), 1.0, 0.2, 0),
        new SteeringSweep.Variant("E+16", Dimension.E, 16, Map.of(), 1.6, 0.6, 0),
        new SteeringSweep.Variant("E-8", Dimension.E, -8, Map.of(), -1.0, 0.1, 0));
    // drift 0.4 lies halfway between 0.2 and 0.6 on the non-negative side: 1.0 + 0.5·0.6 = 1.3
    assertEquals(1.3, SteeringSweep.atDrift(curve, Dimension.E, 0.4), 1e-12);
    assertEquals(0.5, SteeringSweep.atDrift(curve, Dimension.E, 0.1), 1e-12);
    assertNull(SteeringSweep.atDrift(curve, Dimension.E, 0.9), "outside the sweep");
    assertNull(SteeringSweep.atDrift(curve, Dimension.A, 0.1), "no curve for A");
  }
}
