package io.personaknob.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.personaknob.core.data.Dimension;
import io.personaknob.lm.engine.Nd;
import io.personaknob.train.TrainConfig.Objective;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The per-dimension side of the Lag-DPO objective: the loss family's statistics of each dimension's pairs in
 * one forward, the weight each dimension gets in a micro-batch under the multi-objective strategy, and the
 * optional SFT term added to each dimension's loss.
 */
final class DimensionLosses {

  private final TrainConfig cfg;
  private final Objective objective;
  private final DpoLoss.Params lossParams;
  private final Lagrangian lagrangian;
  /** The dimensions with at least one pair in the training data (the D of docs/lag-dpo.md §5). */
  private final Set<Dimension> dataDimensions;

  DimensionLosses(TrainConfig cfg, Objective objective, DpoLoss.Params lossParams, Lagrangian lagrangian,
      Set<Dimension> dataDimensions) {
    this.cfg = cfg;
    this.objective = objective;
    this.lossParams = lossParams;
    this.lagrangian = lagrangian;
    this.dataDimensions = dataDimensions;
  }

  /** Per-dimension statistics of one forward. */
  record Stats(NDArray loss, NDArray sft, int pairs, double chosen, double rejected, double margin,
      double accuracy) {}

  /**
   * The statistics of each dimension's pairs in {@code b} from the policy's summed log-probs {@code logps} and
   * the reference's {@code ref} (per group); {@code bcoState} is bco_pair's running mean, which this advances.
   */
  Map<Dimension, Stats> of(NDManager s, LogProbs.Batch b, NDArray logps, float[][] ref,
      DpoLoss.RunningMoments bcoState) {
    Map<Dimension, Stats> res = new EnumMap<>(Dimension.class);
    for (var e : b.pairs().entrySet()) {
      List<int[]> ps = e.getValue();
      int n = ps.size();
      long[] ci = new long[n], ri = new long[n];
      float[] rc = new float[n], rr = new float[n], cl = new float[n], rl = new float[n];
      for (int i = 0; i < n; i++) {
        int[] p = ps.get(i);
        ci[i] = p[1];
        ri[i] = p[2];
        rc[i] = ref[p[0]][0];
        rr[i] = ref[p[0]][p[3]];
        cl[i] = b.comps().get(p[1]).length;
        rl[i] = b.comps().get(p[2]).length;
      }
      NDArray chosen = logps.take(s, s.create(ci));
      NDArray rejected = logps.take(s, s.create(ri));
      NDArray clen = s.create(cl);
      var r = DpoLoss.compute(lossParams, chosen, rejected, s.create(rc), s.create(rr), clen, s.create(rl), bcoState);
      float[] cr = r.chosenRewards().toFloatArray();
      float[] rj = r.rejectedRewards().toFloatArray();
      double mc = 0, mr = 0, acc = 0;
      for (int i = 0; i < n; i++) {
        mc += cr[i];
        mr += rj[i];
        acc += cr[i] > rj[i] ? 1 : 0;
      }
      NDArray sft = chosen.div(clen).neg().mean();
      res.put(e.getKey(), new Stats(r.losses().mean(), sft, n, mc / n, mr / n, (mc - mr) / n, acc / n));
    }
    return res;
  }

  /**
   * The weight of each dimension {@code present} in a micro-batch: the Lagrangian's (normalised over the
   * dimensions of the data), the configured weights renormalised, or equal weights.
   */
  Map<Dimension, Double> weights(Set<Dimension> present) {
    Map<Dimension, Double> w = new EnumMap<>(Dimension.class);
    switch (objective) {
      case LAGRANGIAN -> w.putAll(lagrangian.weights(present, dataDimensions));
      case WEIGHTED -> {
        double tot = 0;
        for (Dimension d : present) tot += cfg.weights.getOrDefault(d.name(), 0.0);
        for (Dimension d : present) w.put(d, tot > 0 ? cfg.weights.getOrDefault(d.name(), 0.0) / tot : 1.0 / present.size());
      }
      default -> present.forEach(d -> w.put(d, 1.0 / present.size()));
    }
    return w;
  }

  /** A dimension's term of the objective: its loss, plus the SFT term when {@code sft-weight} is set. */
  NDArray objectiveOf(Stats st) {
    return cfg.sftWeight > 0 ? st.loss().add(Nd.mul(st.sft(), cfg.sftWeight)) : st.loss();
  }
}
