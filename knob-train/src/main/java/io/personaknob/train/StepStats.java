package io.personaknob.train;

import io.personaknob.core.data.Dimension;
import java.util.EnumMap;
import java.util.Map;

/**
 * The per-dimension statistics of one optimiser step, summed over its micro-batches: their means are what the
 * Lagrangian's update reads and what the step's metrics row reports.
 */
final class StepStats {

  /** Per dimension: loss, chosen reward, rejected reward, margin, accuracy, pairs, micro-batches (sums). */
  private final Map<Dimension, double[]> acc = new EnumMap<>(Dimension.class);

  /** Adds a micro-batch's statistics {@code x} of dimension {@code d}, whose loss read out is {@code loss}. */
  void add(Dimension d, double loss, DimensionLosses.Stats x) {
    double[] v = acc.computeIfAbsent(d, k -> new double[7]);
    v[0] += loss;
    v[1] += x.chosen();
    v[2] += x.rejected();
    v[3] += x.margin();
    v[4] += x.accuracy();
    v[5] += x.pairs();
    v[6] += 1;
  }

  /** The mean loss of each dimension seen. */
  Map<Dimension, Double> meanLoss() {
    return mean(0);
  }

  /** The mean reward margin of each dimension seen. */
  Map<Dimension, Double> meanMargin() {
    return mean(3);
  }

  private Map<Dimension, Double> mean(int i) {
    Map<Dimension, Double> m = new EnumMap<>(Dimension.class);
    acc.forEach((d, v) -> m.put(d, v[i] / v[6]));
    return m;
  }

  /** The metrics of every dimension: its means, pairs and weight, or "skipped/D" when no pair of it was seen. */
  void putInto(Map<String, Object> row, Map<Dimension, Double> weightsUsed) {
    for (Dimension d : Dimension.values()) {
      double[] v = acc.get(d);
      if (v == null) {
        row.put("skipped/" + d, 1);
        continue;
      }
      row.put(d + "/loss", v[0] / v[6]);
      row.put(d + "/rewards/chosen", v[1] / v[6]);
      row.put(d + "/rewards/rejected", v[2] / v[6]);
      row.put(d + "/rewards/margins", v[3] / v[6]);
      row.put(d + "/rewards/accuracies", v[4] / v[6]);
      row.put(d + "/pairs", (int) v[5]);
      row.put("weight/" + d, weightsUsed.getOrDefault(d, 0.0));
    }
  }
}
