package io.personaknob.train;

import io.personaknob.lm.engine.Nd;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personaknob.core.Provenance;
import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import io.personaknob.lm.engine.LmEngine;
import io.personaknob.train.PreferenceGroups.Group;
import io.personaknob.train.TrainConfig.Objective;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Runs one Lag-DPO training from a {@link TrainConfig}: data → groups, cached reference log-probs, the loss
 * family per dimension, the multi-objective strategy, AdamW with schedule, clipping and accumulation, LoRA or
 * full fine-tuning, atomic checkpoints with exact resume, metrics JSONL and an HTML chart page.
 *
 * <p>This class holds the run and its loop; the pieces it drives live beside it: {@link TrainableWeights}
 * (full or LoRA), {@link DataOrder} (which groups a micro-batch holds), {@link LogProbs} (batches, log-probs,
 * cached reference log-probs), {@link DimensionLosses} (per-dimension losses and weights), {@link Gradients}
 * (per-dimension gradients, PCGrad/MGDA), {@link StepStats} (a step's metrics), {@link Checkpoints} (save,
 * restore, final model, provenance) and {@link TrainFiles} (atomic file helpers).
 */
public final class LagDpoTrainer implements AutoCloseable {

  /** What a finished run produced. */
  public record Result(Path out, Path model, Path metrics, Path report, int steps, Map<String, Object> last,
      Provenance provenance) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final TrainConfig cfg;
  private final PrintStream progress;
  private final Objective objective;
  private final DpoLoss.Params lossParams;
  private final Path out;
  private TrainableLm model;
  private NDManager trainManager;
  private TrainableWeights weights;
  /** {@code weights.tensors()}: trainable tensors by name (full weights or LoRA A/B); empty before setup. */
  private LinkedHashMap<String, NDArray> trainable = new LinkedHashMap<>();
  private AdamW optimizer;
  private Lagrangian lagrangian;
  private DimensionLosses losses;
  private DpoLoss.RunningMoments bco = new DpoLoss.RunningMoments();
  private List<Group> groups;
  private DataOrder order;
  /** The dimensions with at least one pair in the training data (the D of docs/lag-dpo.md §5). */
  private final Set<Dimension> dataDimensions = EnumSet.noneOf(Dimension.class);
  private List<Group> evalGroups = List.of();
  private float[][] evalRef;
  private float[][] refLogps; // per group: [golden, rejects in mask order]
  private String dataHash;
  private String modelHash;
  private int step;
  private int totalSteps;
  private long tokensThisStep;
  /** What this resume changed, for the first metrics row written after it (null: nothing). */
  private Map<String, Object> resumeRecord;
  /** The state at the start of the last step whose forward passed the divergence checks (see {@link #diverged}). */
  private Checkpoints.State lastGood;
  private Provenance prov;
  private Checkpoints checkpoints;
  /** Stop after this many optimiser steps in this process (tests use it to simulate a kill); 0 = no limit. */
  private int stopAfter;

  public LagDpoTrainer(TrainConfig cfg, PrintStream progress) {
    cfg.validate();
    this.cfg = cfg;
    this.progress = progress;
    this.objective = Objective.parse(cfg.objective);
    this.lossParams = new DpoLoss.Params(DpoLossType.parse(cfg.loss), cfg.beta, cfg.labelSmoothing, cfg.discopopTau);
    this.out = Path.of(cfg.out);
  }

  /** For tests: end the process-local run after n optimiser steps, as if killed after its checkpoint. */
  public LagDpoTrainer stopAfter(int n) {
    this.stopAfter = n;
    return this;
  }

  // ---------------------------------------------------------------- the run

  /** Runs (or resumes) the training to the end. */
  public Result train(boolean resume) throws IOException {
    setup();
    Path metricsFile = out.resolve("metrics.jsonl");
    if (resume) {
      Path ck = checkpoints.latest();
      if (ck == null) {
        say("no checkpoint in " + out + ": starting from step 0");
      } else {
        Checkpoints.Restored r = checkpoints.restore(ck, trainable, trainManager, optimizer, lagrangian);
        step = r.step();
        bco = r.bco();
        if (r.record() != null) {
          resumeRecord = r.record();
          if (progress != null) say(r.warning());
          else System.err.println("train: " + r.warning());
        }
        Checkpoints.truncateMetrics(metricsFile, step);
        say("resumed from " + ck.getFileName() + " (step " + step + "/" + totalSteps + ")");
      }
    } else if (checkpoints.latest() != null) {
      throw new UserException(out + ": holds checkpoints of an earlier run; pass --resume to continue it or choose another --out");
    } else {
      Files.deleteIfExists(metricsFile);
    }
    Path resultFile = out.resolve("train_result.json");
    Path finished = out.resolve("adapter".equals(cfg.save) ? "adapter" : "model");
    if (resume && step >= totalSteps && Files.isRegularFile(resultFile) && Files.isDirectory(finished)) {
      // Nothing left to train: hand back the finished run as it is. Re-saving would rewrite the final
      // model (new provenance time stamp) and make everything keyed on its hash redo its work.
      @SuppressWarnings("unchecked")
      Map<String, Object> done = JSON.readValue(resultFile.toFile(), Map.class);
      Object lastRow = done.get("last");
      @SuppressWarnings("unchecked")
      Map<String, Object> lastMap = lastRow instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
      return new Result(out, finished, metricsFile, out.resolve("report.html"), step, lastMap, checkpoints.provenance());
    }
    prov = checkpoints.provenance();
    long t0 = System.nanoTime();
    int startStep = step;
    Map<String, Object> last = Map.of();
    try (var metrics = Files.newBufferedWriter(metricsFile, StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND)) {
      while (step < totalSteps) {
        long ts = System.nanoTime();
        tokensThisStep = 0;
        Map<String, Object> row = trainStep();
        row.put("time/step_s", (System.nanoTime() - ts) / 1e9);
        row.put("tokens", tokensThisStep);
        step++;
        row.put("step", step);
        row.put("epoch", (double) step * cfg.batchSize * cfg.gradAccum / groups.size());
        if (!evalGroups.isEmpty() && ((cfg.evalEvery > 0 && step % cfg.evalEvery == 0) || step == totalSteps))
          row.putAll(evaluate());
        if (step % cfg.logEvery == 0 || step == totalSteps) {
          if (resumeRecord != null) {
            row.put("resume", resumeRecord);
            resumeRecord = null;
          }
          metrics.write(JSON.writeValueAsString(row));
          metrics.newLine();
          metrics.flush();
        }
        last = row;
        if (step % cfg.saveEvery == 0 || step == totalSteps) saveCheckpoint();
        progressBar(step, startStep, t0, row);
        if (stopAfter > 0 && step - startStep >= stopAfter && step < totalSteps) {
          if (step % cfg.saveEvery != 0) saveCheckpoint();
          return new Result(out, null, metricsFile, null, step, last, prov);
        }
      }
    }
    if (progress != null) progress.println();
    Path finalDir = checkpoints.saveFinal(prov, model, trainManager, trainable, weights.loraTargets(),
        weights::effective);
    Path report = out.resolve("report.html");
    Charts.writeReport(metricsFile, report, "Lag-DPO run: " + cfg.objective + " / " + cfg.loss, prov);
    Map<String, Object> res = new LinkedHashMap<>();
    res.put("steps", step);
    res.put("model", finalDir.toString());
    res.put("last", last);
    res.put("provenance", provMap(prov));
    TrainFiles.writeAtomic(resultFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(res));
    return new Result(out, finalDir, metricsFile, report, step, last, prov);
  }

  // ---------------------------------------------------------------- setup

  private void setup() throws IOException {
    Path modelDir = Path.of(cfg.model);
    boolean created = false;
    if (!Files.exists(modelDir)) {
      if (cfg.initModel == null) throw new UserException(modelDir + ": no such model directory");
      String[] as = initModelSpec(cfg.initModel);
      Path tmp = modelDir.resolveSibling("." + modelDir.getFileName() + ".tmp");
      TrainFiles.deleteTree(tmp);
      // the size's default context (tiny: 2048, which holds a PersonaKnob row in byte-level tokens)
      HubLm.init(as[0], as[1], cfg.seed, 0, tmp);
      TrainFiles.moveAtomic(tmp, modelDir);
      created = true;
    }
    try {
      setupWith(modelDir);
    } catch (IOException | RuntimeException e) {
      // a run that never started leaves nothing behind, not even the model --init-model made for it
      if (created) {
        if (model != null) model.close();
        model = null;
        TrainFiles.deleteTree(modelDir);
      }
      throw e;
    }
  }

  private void setupWith(Path modelDir) throws IOException {
    model = HubLm.load(modelDir);
    cfg.resolveLengths(model.contextLength());
    modelHash = Provenance.sha256(modelDir);
    Path dataPath = Path.of(cfg.data);
    groups = PreferenceGroups.build(dataPath, model.tokenizer(), model.chatTemplate(),
        cfg.maxLength, cfg.maxPromptLength);
    dataHash = Provenance.sha256(dataPath);
    for (var g : groups) dataDimensions.addAll(g.rejects().keySet());
    if (cfg.evalData != null)
      evalGroups = PreferenceGroups.build(Path.of(cfg.evalData), model.tokenizer(),
          model.chatTemplate(), cfg.maxLength, cfg.maxPromptLength);
    int perStep = cfg.batchSize * cfg.gradAccum;
    totalSteps = cfg.steps > 0 ? cfg.steps : (int) Math.ceil(cfg.epochs * groups.size() / perStep);
    order = new DataOrder(groups.size(), cfg.batchSize, cfg.seed);
    trainManager = LmEngine.get().newBaseManager();
    weights = new TrainableWeights(model, cfg, trainManager);
    trainable = weights.tensors();
    optimizer = new AdamW(cfg.adamBeta1, cfg.adamBeta2, cfg.adamEps, cfg.weightDecay);
    lagrangian = new Lagrangian(Lagrangian.Constraint.parse(cfg.constraint), cfg.eps, cfg.lambdaLr, cfg.lambdaMax,
        cfg.lambdaWarmup, cfg.lambdaWindow);
    Files.createDirectories(out);
    losses = new DimensionLosses(cfg, objective, lossParams, lagrangian, dataDimensions);
    refLogps = referenceLogps(groups, "train");
    checkpoints = new Checkpoints(cfg, out, dataHash, modelHash, totalSteps);
  }

  /**
   * {@code tiny}/{@code small} (a GPT-2) or {@code ARCH-SIZE} with ARCH one of knob-lm's random-model
   * architectures (llama, qwen2, qwen3, gpt2): [arch, size].
   */
  static String[] initModelSpec(String v) {
    String[] p = v.contains("-") ? v.split("-", 2) : new String[] {"gpt2", v};
    if (!io.personaknob.lm.model.ModelFactory.ARCHS.contains(p[0]) || !io.personaknob.lm.model.ModelFactory.SIZES.contains(p[1]))
      throw new UserException("config init-model: expected tiny, small or ARCH-SIZE (ARCH one of "
          + String.join(", ", io.personaknob.lm.model.ModelFactory.ARCHS) + "), got " + v);
    return p;
  }

  // ---------------------------------------------------------------- reference log-probs

  private float[][] referenceLogps(List<Group> src, String name) throws IOException {
    String srcHash = src == groups ? dataHash : Provenance.sha256(Path.of(cfg.evalData));
    return LogProbs.reference(model, trainManager, cfg, out, src, name, srcHash, modelHash, this::say);
  }

  // ---------------------------------------------------------------- one step

  private Map<String, Object> trainStep() {
    try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
      return trainStepScoped();
    }
  }

  private Map<String, Object> trainStepScoped() {
    Map<String, Object> row = new LinkedHashMap<>();
    DpoLoss.RunningMoments bcoAtStart = bco.copy(); // this step's forward advances bco_pair's running mean
    double lr = AdamW.scheduledLr(cfg.lrScheduler, cfg.lr, step, cfg.warmupSteps, totalSteps);
    boolean perDim = objective == Objective.PCGRAD || objective == Objective.MGDA;
    boolean cosineStep = cfg.cosineEvery > 0 && (step % cfg.cosineEvery == 0);
    StepStats acc = new StepStats();
    Map<Dimension, Double> weightsUsed = new EnumMap<>(Dimension.class);
    try (NDManager stepScope = trainManager.newSubManager()) {
      Map<String, NDArray> grads;
      Map<Dimension, float[]> dimGradSum = new EnumMap<>(Dimension.class);
      double objectiveValue = 0;
      if (cosineStep && !perDim) {
        // diagnostic: per-dimension gradients of the first micro-batch, before (and separate from) the update
        var g = perDimensionGradients(order.microBatch((long) step * cfg.gradAccum), stepScope, 1.0, null);
        Gradients.cosines(g, row);
      }
      for (int a = 0; a < cfg.gradAccum; a++) {
        List<Integer> idx = order.microBatch((long) step * cfg.gradAccum + a);
        if (perDim) {
          Map<Dimension, Double> dimLosses = new EnumMap<>(Dimension.class);
          var g = perDimensionGradients(idx, stepScope, 1.0 / cfg.gradAccum, dimLosses);
          g.forEach((d, v) -> dimGradSum.merge(d, v, (x, y) -> {
            for (int i = 0; i < x.length; i++) x[i] += y[i];
            return x;
          }));
        }
        // statistics (and, for the single-backward strategies, the gradient) from the shared golden forward
        LogProbs.Batch b = LogProbs.batch(idx, groups, null);
        for (int i = 0; i < b.prompts().size(); i++) tokensThisStep += b.prompts().get(i).length + b.comps().get(i).length;
        try (NDManager s = trainManager.newSubManager();
            GradientCollector gc = perDim ? null : LmEngine.get().newGradientCollector()) {
          NDArray lp = LogProbs.sequenceLogps(model, s, weights.effective(), b.prompts(), b.comps());
          Map<Dimension, DimensionLosses.Stats> st = losses.of(s, b, lp, refLogps, bco);
          Map<Dimension, Double> w = losses.weights(st.keySet());
          NDArray total = null;
          for (var e : st.entrySet()) {
            DimensionLosses.Stats x = e.getValue();
            double l = x.loss().getFloat();
            acc.add(e.getKey(), l, x);
            weightsUsed.merge(e.getKey(), w.get(e.getKey()) / cfg.gradAccum, Double::sum);
            objectiveValue += w.get(e.getKey()) * l / cfg.gradAccum;
            NDArray term = Nd.mul(losses.objectiveOf(x), w.get(e.getKey()) / cfg.gradAccum);
            total = total == null ? term : total.add(term);
          }
          if (!perDim && total != null) gc.backward(total);
        }
      }
      if (perDim) {
        if (cosineStep) Gradients.cosines(dimGradSum, row);
        float[] combined = Gradients.combine(objective, dimGradSum, cfg.seed * 31 + step, weightsUsed);
        grads = Gradients.unflatten(combined, trainable, stepScope);
      } else {
        grads = Gradients.readAndZeroGrads(trainable, stepScope);
      }
      // divergence guard before any update
      double gnorm = 0;
      for (NDArray g : grads.values()) gnorm += g.square().sum().getFloat();
      gnorm = Math.sqrt(gnorm);
      Map<Dimension, Double> stepLoss = acc.meanLoss();
      Map<Dimension, Double> stepMargin = acc.meanMargin();
      for (var e : stepLoss.entrySet())
        if (!Double.isFinite(e.getValue()) || e.getValue() > cfg.divergeLoss) diverged(e.getKey() + "/loss", e.getValue());
      if (!Double.isFinite(gnorm)) diverged("grad_norm", gnorm);
      if (cfg.maxGradNorm > 0 && gnorm > cfg.maxGradNorm) {
        double c = cfg.maxGradNorm / (gnorm + 1e-6);
        for (NDArray g : grads.values()) g.muli(c);
      }
      // this state passed the checks: a divergence at a later step rolls back to it
      if (lastGood != null) lastGood.close();
      lastGood = Checkpoints.capture(step, trainable, optimizer, lagrangian, bcoAtStart);
      optimizer.step(trainable, grads, lr);
      if (objective == Objective.LAGRANGIAN) lagrangian.update(stepLoss, stepMargin);
      row.put("loss", objectiveValue);
      row.put("lr", lr);
      row.put("grad_norm", gnorm);
      acc.putInto(row, weightsUsed);
      if (objective == Objective.LAGRANGIAN) {
        new TreeMap<>(lagrangian.lambdas()).forEach((k, v) -> row.put("lambda/" + k, v));
        new TreeMap<>(lagrangian.violations()).forEach((k, v) -> row.put("violation/" + k, v));
      }
    }
    return row;
  }

  /** Per-dimension flat gradients of L_d (plus SFT term) over the given groups, one forward/backward each. */
  private Map<Dimension, float[]> perDimensionGradients(List<Integer> idx, NDManager step, double scale,
      Map<Dimension, Double> lossOut) {
    Set<Dimension> present = EnumSet.noneOf(Dimension.class);
    for (int gi : idx) present.addAll(groups.get(gi).rejects().keySet());
    Map<Dimension, float[]> res = new EnumMap<>(Dimension.class);
    for (Dimension d : present) {
      LogProbs.Batch b = LogProbs.batch(idx, groups, EnumSet.of(d));
      try (NDManager s = trainManager.newSubManager();
          GradientCollector gc = LmEngine.get().newGradientCollector()) {
        NDArray lp = LogProbs.sequenceLogps(model, s, weights.effective(), b.prompts(), b.comps());
        // the diagnostic passes must not advance bco's running mean: use a copy
        DimensionLosses.Stats st = losses.of(s, b, lp, refLogps, bco.copy()).get(d);
        if (lossOut != null) lossOut.put(d, (double) st.loss().getFloat());
        gc.backward(Nd.mul(losses.objectiveOf(st), scale));
      }
      res.put(d, Gradients.flatten(Gradients.readAndZeroGrads(trainable, step)));
    }
    return res;
  }

  // ---------------------------------------------------------------- divergence, evaluation, checkpoints

  /**
   * Stops a diverging run. The loss that fails the check was computed from the current weights, which the
   * previous update made, so resuming from them with a lower learning rate would fail the same way: the state
   * saved is the one before that update ({@link #lastGood}), and the message ends with the command that redoes
   * the update with a tenth of the learning rate (the learning rate may change on resume).
   */
  private void diverged(String what, double value) {
    String head = "training diverged at step " + (step + 1) + ": " + what + " = " + value
        + " (--diverge-loss " + cfg.divergeLoss + ", and values must be finite)";
    if (lastGood == null)
      throw new UserException(head + (step == 0 ? ", before any update: the model as loaded fails the check"
          : ": the checkpoint-" + step + " this run resumed from fails the check already")
          + "; nothing new was saved. Check the data, --beta and --diverge-loss.");
    Path ck = out.resolve("checkpoint-" + lastGood.step());
    try {
      checkpoints.rollBackTo(lastGood, prov);
    } catch (IOException e) {
      throw new UserException(out + ": cannot save the checkpoint before stopping: " + e.getMessage());
    }
    String lower = java.math.BigDecimal.valueOf(cfg.lr).divide(java.math.BigDecimal.TEN).stripTrailingZeros().toPlainString();
    throw new UserException(head + "; the update of step " + step + " led there. Saved " + ck
        + " (the state before that update). To redo it with a tenth of the learning rate, run: knob train --out "
        + TrainFiles.shellWord(cfg.out) + " --resume --lr " + lower);
  }

  /** Per-dimension loss on the evaluation rows with the current weights (no gradient). */
  private Map<String, Object> evaluate() throws IOException {
    float[][] ref = evalRef != null ? evalRef : (evalRef = referenceLogps(evalGroups, "eval"));
    Map<Dimension, double[]> acc = new EnumMap<>(Dimension.class);
    for (int i = 0; i < evalGroups.size(); i += cfg.batchSize) {
      List<Integer> idx = new ArrayList<>();
      for (int j = i; j < Math.min(evalGroups.size(), i + cfg.batchSize); j++) idx.add(j);
      LogProbs.Batch b = LogProbs.batch(idx, evalGroups, null);
      try (NDManager s = trainManager.newSubManager(); ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
        NDArray lp = LogProbs.sequenceLogps(model, s, weights.effective(), b.prompts(), b.comps());
        losses.of(s, b, lp, ref, bco.copy()).forEach((d, st) -> {
          double[] v = acc.computeIfAbsent(d, k -> new double[3]);
          v[0] += st.loss().getFloat() * st.pairs();
          v[1] += st.margin() * st.pairs();
          v[2] += st.pairs();
        });
      }
    }
    Map<String, Object> r = new LinkedHashMap<>();
    acc.forEach((d, v) -> {
      r.put("eval/" + d + "/loss", v[0] / v[2]);
      r.put("eval/" + d + "/rewards/margins", v[1] / v[2]);
    });
    return r;
  }

  private void saveCheckpoint() throws IOException {
    checkpoints.write(new Checkpoints.State(step, trainable, optimizer.m, optimizer.v, optimizer.t, lagrangian.state(),
        bco, null), prov);
  }

  /**
   * The settings of the newest checkpoint in {@code out} (what {@code knob train --resume} starts from before
   * its flags), or null when there is none.
   */
  public static TrainConfig savedConfig(Path out) {
    return Checkpoints.savedConfig(out);
  }

  /** Provenance as a JSON-ready map. */
  public static Map<String, Object> provMap(Provenance p) {
    return Checkpoints.provMap(p);
  }

  // ---------------------------------------------------------------- utilities

  private void progressBar(int s, int start, long t0, Map<String, Object> row) {
    if (progress == null) return;
    int width = 30;
    int filled = (int) ((long) width * s / totalSteps);
    double per = (System.nanoTime() - t0) / 1e9 / Math.max(1, s - start);
    long eta = Math.round(per * (totalSteps - s));
    progress.printf("\rtrain [%s%s] %d/%d loss %.4f  %.2f s/step  ETA %dm%02ds ", "#".repeat(filled),
        ".".repeat(width - filled), s, totalSteps, ((Number) row.get("loss")).doubleValue(), per, eta / 60, eta % 60);
    progress.flush();
  }

  private void say(String msg) {
    if (progress != null) progress.println("train: " + msg);
  }

  /** The current trainable tensors (full weights or LoRA A/B) as float arrays, for tests and diagnostics. */
  public Map<String, float[]> trainableSnapshot() {
    Map<String, float[]> m = new LinkedHashMap<>();
    trainable.forEach((k, v) -> m.put(k, v.toFloatArray()));
    return m;
  }

  @Override
  public void close() {
    if (lastGood != null) lastGood.close();
    if (optimizer != null) optimizer.close();
    if (trainManager != null) trainManager.close();
    if (model != null) model.close();
  }
}
