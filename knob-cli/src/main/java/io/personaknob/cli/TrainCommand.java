package io.personaknob.cli;

import io.personaknob.core.UserException;
import io.personaknob.train.LagDpo;
import io.personaknob.train.LagDpoTrainer;
import io.personaknob.train.TrainConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code knob train}: Lag-DPO (multi-objective DPO balanced by Lagrange multipliers) and its baselines. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    subcommands = {TrainEvidenceCommand.class},
    sortOptions = false,
    description = {
      "Train a causal LM on PersonaKnob data with Lag-DPO or a baseline strategy (docs/lag-dpo.md).",
      "Settings come from --config FILE (YAML/JSON, keys as the flags without dashes, e.g. lora-r: 8) and",
      "the flags, which override the file. Writes OUT/metrics.jsonl, OUT/report.html, OUT/checkpoint-N/,",
      "and OUT/model (merged weights, Hub layout) or OUT/adapter (LoRA adapter)."
    })
public final class TrainCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML or JSON file with the same keys as the flags.")
  Path config;

  @Option(names = "--model", paramLabel = "DIR",
      description = "Model directory in Hub layout (llama, mistral, qwen2, qwen3 or gpt2, with tokenizer.json), e.g. from `knob model init`.")
  String model;
  @Option(names = "--init-model", paramLabel = "tiny|small|ARCH-SIZE",
      description = "Create a seeded random model with the byte-level tokenizer at --model first when the directory does not exist "
          + "(as `knob model init --tokenizer bytes`): tiny/small are GPT-2s; ARCH-SIZE e.g. llama-tiny, qwen2-small.")
  String initModel;
  @Option(names = "--data", paramLabel = "FILE", description = DATA_FORMATS) String data;
  @Option(names = "--eval-data", paramLabel = "FILE", description = "Rows for per-dimension evaluation loss (formats as --data).") String evalData;

  /** What --data accepts: what PersonaData.readAll reads (docs/lag-dpo.md, "Bad input", says the same). */
  static final String DATA_FORMATS = "PersonaKnob rows: a .jsonl, .json (an array of objects or one object) or .parquet file,"
      + " or a dataset folder (e.g. the Hub's data/train-00000-of-00001.parquet), read as knob data reads them.";
  @Option(names = "--out", paramLabel = "DIR", description = "Output directory.") String out;
  @Option(names = "--resume", description = "Continue the run in --out from its newest checkpoint, with the run's settings; "
      + "flags change them. What may change (lr, schedule, steps, save/eval cadence, lambda step size) is recorded; "
      + "what may not (model, data, objective, constraint, loss, beta, LoRA shape, ...) is refused (docs/lag-dpo.md §7).")
  boolean resume;

  @Option(names = "--objective", paramLabel = "NAME", description = "lagrangian (default), sum, weighted, pcgrad, mgda.") String objective;
  @Option(names = "--weights", paramLabel = "D=W", split = ",", description = "Fixed weights for --objective weighted, e.g. A=1,T=1,E=2,C=1.")
  Map<String, Double> weights;
  @Option(names = "--constraint", paramLabel = "FORM", description = "pairwise (default), reference, margin.") String constraint;
  @Option(names = "--eps", description = "Tolerance ε of the constraints (default 0.5).") Double eps;
  @Option(names = "--lambda-lr", description = "Dual step size η_λ (default 0.5).") Double lambdaLr;
  @Option(names = "--lambda-max", description = "Cap on each multiplier; 0 = none (default 10).") Double lambdaMax;
  @Option(names = "--lambda-warmup", description = "Optimiser steps before the multipliers move (default 0).") Integer lambdaWarmup;
  @Option(names = "--lambda-window", description = "Moving-average window of the violations, in steps (default 4).") Integer lambdaWindow;

  @Option(names = "--loss", paramLabel = "TYPE", description = "TRL loss_type: sigmoid (default), robust, hinge, ipo, exo_pair, bco_pair, sppo_hard, nca_pair, apo_zero, apo_down, discopop, sigmoid_norm.")
  String loss;
  @Option(names = "--beta", description = "DPO temperature β (default 0.1).") Double beta;
  @Option(names = "--label-smoothing", description = "Label smoothing for sigmoid/robust/exo_pair (default 0).") Double labelSmoothing;
  @Option(names = "--discopop-tau", description = "τ of discopop (default 0.05).") Double discopopTau;
  @Option(names = "--sft-weight", description = "Weight α of an SFT term on the golden (TRL rpo_alpha; default 0).") Double sftWeight;

  @Option(names = "--lr", description = "Peak learning rate (default 5e-4).") Double lr;
  @Option(names = "--lr-scheduler", description = "constant, linear (default), cosine.") String lrScheduler;
  @Option(names = "--warmup-steps", description = "Linear warm-up steps (default 0).") Integer warmupSteps;
  @Option(names = "--weight-decay", description = "AdamW decoupled weight decay (default 0).") Double weightDecay;
  @Option(names = "--max-grad-norm", description = "Clip the global gradient norm; 0 = off (default 1).") Double maxGradNorm;
  @Option(names = "--batch-size", description = "Rows per micro-batch (default 4).") Integer batchSize;
  @Option(names = "--grad-accum", description = "Micro-batches per optimiser step (default 1).") Integer gradAccum;
  @Option(names = "--steps", paramLabel = "N", description = "Optimiser steps (overrides --epochs).") Integer steps;
  @Option(names = "--epochs", paramLabel = "E", description = "Epochs over the rows when --steps is not given (default 1).") Double epochs;
  @Option(names = "--seed", description = "Seed of shuffling, PCGrad order, LoRA init and --init-model (default 42).") Long seed;
  @Option(names = "--max-length", description = "Max prompt+completion tokens (default: the model's context, at most 1024).") Integer maxLength;
  @Option(names = "--max-prompt-length", description = "Max prompt tokens, keeping the end (default: half of --max-length, at most 512).") Integer maxPromptLength;

  @Option(names = "--lora-r", description = "LoRA rank; 0 = full fine-tuning (default 0).") Integer loraR;
  @Option(names = "--lora-alpha", description = "LoRA alpha (default 16).") Double loraAlpha;
  @Option(names = "--lora-targets", split = ",", description = "Projections to adapt: all-linear (default) or name parts, e.g. c_attn,c_fc.")
  List<String> loraTargets;
  @Option(names = "--save", paramLabel = "merged|adapter", description = "Final model: merged weights (default) or the LoRA adapter.") String save;

  @Option(names = "--log-every", description = "Metrics every N steps (default 1).") Integer logEvery;
  @Option(names = "--save-every", description = "Checkpoint every N steps (default 50).") Integer saveEvery;
  @Option(names = "--keep-checkpoints", description = "Newest checkpoints kept (default 2).") Integer keepCheckpoints;
  @Option(names = "--cosine-every", description = "Per-dimension gradient cosines every N steps; 0 = off (default 10).") Integer cosineEvery;
  @Option(names = "--eval-every", description = "Evaluate on --eval-data every N steps; 0 = at the end only.") Integer evalEvery;
  @Option(names = "--diverge-loss", description = "Stop when a dimension's loss exceeds this or is not finite (default 1e4).") Double divergeLoss;
  @Option(names = "--ref-cache", paramLabel = "DIR", description = "Reference log-prob cache (default OUT/ref-cache).") String refCache;

  TrainConfig buildConfig() {
    // --resume starts from the run's own settings (its newest checkpoint), then the file's, then the flags
    TrainConfig c = null;
    if (resume) {
      String o = out != null ? out : config != null ? TrainConfig.read(config).out : null;
      if (o != null) c = LagDpoTrainer.savedConfig(Path.of(o));
    }
    if (c == null) c = new TrainConfig();
    if (config != null) c = TrainConfig.read(config, c);
    List<String> given = new ArrayList<>();
    for (var opt : spec.options()) if (spec.commandLine().getParseResult().hasMatchedOption(opt)) given.add(opt.longestName());
    if (model != null) c.model = model;
    if (initModel != null) c.initModel = initModel;
    if (data != null) c.data = data;
    if (evalData != null) c.evalData = evalData;
    if (out != null) c.out = out;
    if (objective != null) c.objective = objective;
    if (weights != null) c.weights = new TreeMap<>(weights);
    if (constraint != null) c.constraint = constraint;
    if (eps != null) c.eps = eps;
    if (lambdaLr != null) c.lambdaLr = lambdaLr;
    if (lambdaMax != null) c.lambdaMax = lambdaMax;
    if (lambdaWarmup != null) c.lambdaWarmup = lambdaWarmup;
    if (lambdaWindow != null) c.lambdaWindow = lambdaWindow;
    if (loss != null) c.loss = loss;
    if (beta != null) c.beta = beta;
    if (labelSmoothing != null) c.labelSmoothing = labelSmoothing;
    if (discopopTau != null) c.discopopTau = discopopTau;
    if (sftWeight != null) c.sftWeight = sftWeight;
    if (lr != null) c.lr = lr;
    if (lrScheduler != null) c.lrScheduler = lrScheduler;
    if (warmupSteps != null) c.warmupSteps = warmupSteps;
    if (weightDecay != null) c.weightDecay = weightDecay;
    if (maxGradNorm != null) c.maxGradNorm = maxGradNorm;
    if (batchSize != null) c.batchSize = batchSize;
    if (gradAccum != null) c.gradAccum = gradAccum;
    if (steps != null) c.steps = steps;
    if (epochs != null) c.epochs = epochs;
    if (seed != null) c.seed = seed;
    if (maxLength != null) c.maxLength = maxLength;
    if (maxPromptLength != null) c.maxPromptLength = maxPromptLength;
    if (loraR != null) c.loraR = loraR;
    if (loraAlpha != null) c.loraAlpha = loraAlpha;
    if (loraTargets != null) c.loraTargets = new ArrayList<>(loraTargets);
    if (save != null) c.save = save;
    if (logEvery != null) c.logEvery = logEvery;
    if (saveEvery != null) c.saveEvery = saveEvery;
    if (keepCheckpoints != null) c.keepCheckpoints = keepCheckpoints;
    if (cosineEvery != null) c.cosineEvery = cosineEvery;
    if (evalEvery != null) c.evalEvery = evalEvery;
    if (refCache != null) c.refCache = refCache;
    if (divergeLoss != null) c.divergeLoss = divergeLoss;
    try {
      c.validate();
    } catch (UserException e) {
      // "config KEY: message": a bad flag value is a usage error (exit 2), a bad file value a user error (exit 1)
      String key = e.getMessage().replaceFirst("^config ([a-z-]+):.*$", "$1");
      if (given.contains("--" + key)) throw new CommandLine.ParameterException(spec.commandLine(), "--" + e.getMessage().substring(7));
      throw config != null ? new UserException(config + ": " + e.getMessage()) : e;
    }
    return c;
  }

  @Override
  public Integer call() {
    TrainConfig c = buildConfig();
    LagDpoTrainer.Result r = LagDpo.train(c, resume, System.err);
    var o = spec.commandLine().getOut();
    o.println("trained " + r.steps() + " steps (" + c.objective + ", " + c.loss + ", β=" + c.beta + ")");
    for (String d : List.of("A", "T", "E", "C")) {
      Object l = r.last().get(d + "/loss");
      if (l != null) o.printf("  %s loss %.4f  margin %.4f%n", d, ((Number) l).doubleValue(),
          ((Number) r.last().get(d + "/rewards/margins")).doubleValue());
    }
    o.println("model:   " + r.model());
    o.println("metrics: " + r.metrics());
    o.println("report:  " + r.report());
    o.flush();
    return 0;
  }
}
