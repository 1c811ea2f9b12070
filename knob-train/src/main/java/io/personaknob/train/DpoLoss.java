package io.personaknob.train;

import io.personaknob.lm.engine.Nd;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * The per-pair DPO losses on DJL arrays (shape [n]), following Hugging Face TRL's {@code DPOTrainer.dpo_loss}.
 * Pure computation: differentiable in the policy log-probabilities, everything else is a constant.
 *
 * <p>Notation (docs/lag-dpo.md §2): ρ⁺ = policyChosen − refChosen, ρ⁻ = policyRejected − refRejected,
 * h = ρ⁺ − ρ⁻.
 */
public final class DpoLoss {

  /** Hyper-parameters of the loss. */
  public record Params(DpoLossType type, double beta, double labelSmoothing, double discopopTau) {
    public Params {
      if (!(beta > 0)) throw new IllegalArgumentException("beta must be > 0, got " + beta);
      if (labelSmoothing < 0 || labelSmoothing >= 0.5)
        throw new IllegalArgumentException("label smoothing must be in [0, 0.5), got " + labelSmoothing);
      if (!(discopopTau > 0)) throw new IllegalArgumentException("discopop tau must be > 0");
    }

    public static Params of(DpoLossType type, double beta) {
      return new Params(type, beta, 0.0, 0.05);
    }
  }

  /** Per-pair losses and the (detached) implicit rewards β·ρ. */
  public record Result(NDArray losses, NDArray chosenRewards, NDArray rejectedRewards) {}

  /**
   * The running moments behind {@code bco_pair}'s δ, as TRL's {@code RunningMoments} (trl/trainer/utils.py,
   * v0.28.0, lines 183-221) is fed by {@code DPOTrainer.dpo_loss}: each loss call passes ONE number, the mean
   * of the call's chosen and rejected rewards ({@code torch.cat((chosen_rewards, rejected_rewards)).mean()}),
   * so every batch counts once, whatever its size. The update is TRL's Welford-style merge of the batch's
   * (mean, variance 0, count 1) into (mean, var, count), starting from (0, 1, 1e-24). Part of the trainer
   * state; δ = {@link #mean}.
   */
  public static final class RunningMoments {
    public double mean = 0;
    public double var = 1;
    public double count = 1e-24;

    public RunningMoments() {}

    public RunningMoments(double mean, double var, double count) {
      this.mean = mean;
      this.var = var;
      this.count = count;
    }

    public RunningMoments copy() {
      return new RunningMoments(mean, var, count);
    }

    /** Merges one batch (its values' mean and population variance, and how many values it counts as). */
    public void update(double xsMean, double xsVar, double xsCount) {
      double delta = xsMean - mean;
      double tot = count + xsCount;
      double newSum = xsVar * xsCount;
      double oldSum = var * count + delta * delta * count * xsCount / tot;
      mean += delta * xsCount / tot;
      var = (oldSum + newSum) / tot;
      count = tot;
    }

    /** What TRL's bco_pair does with a batch's rewards: their mean, as one value. */
    public void updateWithBatchMean(float[] rewards) {
      if (rewards.length == 0) return;
      double s = 0;
      for (float x : rewards) s += x;
      update(s / rewards.length, 0, 1);
    }
  }

  private DpoLoss() {}

  static NDArray logSigmoid(NDArray x) {
    return Activation.softPlus(x.neg()).neg();
  }

  /**
   * Computes the losses. {@code chosenLen}/{@code rejectedLen} (completion token counts, float) are used by
   * {@code ipo} and {@code sigmoid_norm}, which compare length-averaged log-ratios as TRL does; {@code bco}
   * (may be null otherwise) by {@code bco_pair}, which updates it with this batch's mean reward before use,
   * as TRL does. The rewards returned are β·ρ of the summed log-probabilities for every loss (TRL logs them so).
   */
  public static Result compute(Params p, NDArray policyChosen, NDArray policyRejected, NDArray refChosen,
      NDArray refRejected, NDArray chosenLen, NDArray rejectedLen, RunningMoments bco) {
    double beta = p.beta();
    double s = p.labelSmoothing();
    NDArray rc = policyChosen.sub(refChosen);
    NDArray rr = policyRejected.sub(refRejected);
    NDArray h = rc.sub(rr);
    NDArray bh = Nd.mul(h, beta);
    NDArray losses = switch (p.type()) {
      case SIGMOID -> Nd.mul(logSigmoid(bh), -(1 - s)).sub(Nd.mul(logSigmoid(bh.neg()), s));
      case ROBUST -> Nd.div(Nd.mul(logSigmoid(bh), -(1 - s)).add(Nd.mul(logSigmoid(bh.neg()), s)), 1 - 2 * s);
      case HINGE -> Nd.maximum(Nd.add(bh.neg(), 1), 0);
      case IPO -> {
        // TRL divides each sequence's summed log-probs (policy and reference) by its completion length for ipo
        NDArray hn = rc.div(Nd.maximum(chosenLen, 1)).sub(rr.div(Nd.maximum(rejectedLen, 1)));
        yield Nd.sub(hn, 1 / (2 * beta)).square();
      }
      case EXO_PAIR -> {
        double e = s == 0 ? 1e-3 : s;
        yield Activation.sigmoid(bh).mul(Nd.sub(logSigmoid(bh), Math.log(1 - e)))
            .add(Activation.sigmoid(bh.neg()).mul(Nd.sub(logSigmoid(bh.neg()), Math.log(e))));
      }
      case BCO_PAIR -> {
        NDArray cr = Nd.mul(rc, beta);
        NDArray rj = Nd.mul(rr, beta);
        float[] a = cr.toFloatArray();
        float[] b = rj.toFloatArray();
        float[] all = new float[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        bco.updateWithBatchMean(all);
        double delta = bco.mean;
        yield logSigmoid(Nd.sub(cr, delta)).neg().sub(logSigmoid(Nd.sub(rj, delta).neg()));
      }
      case SPPO_HARD -> Nd.sub(rc, 0.5 / beta).square().add(Nd.add(rr, 0.5 / beta).square());
      case NCA_PAIR -> {
        NDArray cr = Nd.mul(rc, beta);
        NDArray rj = Nd.mul(rr, beta);
        yield logSigmoid(cr).neg().sub(Nd.mul(logSigmoid(cr.neg()), 0.5)).sub(Nd.mul(logSigmoid(rj.neg()), 0.5));
      }
      case APO_ZERO -> Nd.add(Activation.sigmoid(Nd.mul(rc, beta)).neg(), 1).add(Activation.sigmoid(Nd.mul(rr, beta)));
      case APO_DOWN -> Activation.sigmoid(Nd.mul(rc, beta)).add(Nd.add(Activation.sigmoid(bh).neg(), 1));
      case DISCOPOP -> {
        NDArray m = Activation.sigmoid(Nd.div(bh, p.discopopTau()));
        yield logSigmoid(bh).neg().mul(Nd.add(m.neg(), 1)).add(bh.neg().exp().mul(m));
      }
      case SIGMOID_NORM -> {
        NDArray d = rc.div(Nd.maximum(chosenLen, 1)).sub(rr.div(Nd.maximum(rejectedLen, 1)));
        yield logSigmoid(Nd.mul(d, beta)).neg();
      }
    };
    return new Result(losses, Nd.mul(rc, beta).stopGradient(), Nd.mul(rr, beta).stopGradient());
  }
}
