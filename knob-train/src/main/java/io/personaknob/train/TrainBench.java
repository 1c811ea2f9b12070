package io.personaknob.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.personaknob.core.data.Dimension;
import io.personaknob.lm.engine.LmEngine;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training benchmark ({@code knob bench train}): step time, tokens/s and FLOP/s of real Lag-DPO steps as a
 * share of the fp32 matrix-multiply rate measured in the same process, peak memory, and the saving of the
 * shared golden pass (sequences forwarded per row 1+|mask| instead of 2·|mask|).
 */
public final class TrainBench {
  private TrainBench() {}

  /** One model size's measurements. */
  public record Row(String size, long parameters, int steps, double stepSeconds, double tokensPerStep,
      double tokensPerSecond, double flopsPerSecond, double matmulFlopsPerSecond, double share, long peakRssMiB,
      double sharedSeqPerRow, double pairSeqPerRow, double sharedSeconds, double pairSeconds) {}

  /** fp32 matrix-multiply rate (FLOP/s) of n×n by n×n, best of {@code reps}. */
  public static double matmulRate(int n, int reps) {
    try (NDManager m = LmEngine.get().newBaseManager()) {
      NDArray a = m.randomNormal(new ai.djl.ndarray.types.Shape(n, n));
      NDArray b = m.randomNormal(new ai.djl.ndarray.types.Shape(n, n));
      a.matMul(b).close();
      double best = Double.MAX_VALUE;
      for (int i = 0; i < reps; i++) {
        long t = System.nanoTime();
        NDArray c = a.matMul(b);
        c.toFloatArray(); // force completion
        best = Math.min(best, (System.nanoTime() - t) / 1e9);
        c.close();
      }
      return 2.0 * n * n * n / best;
    }
  }

  /** Peak resident set of this process (VmHWM), MiB; -1 where /proc is unavailable. */
  public static long peakRssMiB() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status")))
        if (l.startsWith("VmHWM:")) return Long.parseLong(l.replaceAll("\\D", "")) / 1024;
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  public static Row run(String size, int steps, int batchSize, PrintStream log) throws IOException {
    Path dir = Files.createTempDirectory("knob-bench-train");
    try {
      Path model = dir.resolve("model");
      // a byte-level GPT-2 from knob-lm's random models (knob model init --arch gpt2 --size S --tokenizer bytes);
      // tiny with the context of 256 docs/benchmarks.md was measured with (the tiny default is 2048 now)
      boolean small = size.equals("small");
      long params = HubLm.init("gpt2", small ? "small" : "tiny", 1, small ? 0 : 256, model).parameters();
      int layers, hidden;
      try (HubLm m = HubLm.load(model)) {
        layers = m.network().config().numLayers();
        hidden = m.network().config().hiddenSize();
      }
      Path data = ConflictDataset.writeTo(dir.resolve("conflict.jsonl"));
      TrainConfig c = new TrainConfig();
      c.model = model.toString();
      c.data = data.toString();
      c.out = dir.resolve("run").toString();
      c.objective = "lagrangian";
      c.steps = steps + 2;
      c.batchSize = batchSize;
      c.cosineEvery = 0;
      c.saveEvery = 1_000_000;
      c.maxLength = 160;
      c.maxPromptLength = 96;
      if (log != null) log.println("bench train: " + size + " (" + params + " parameters), " + c.steps + " steps");
      var r = LagDpo.train(c);
      var rows = Charts.read(r.metrics());
      List<double[]> times = rows.get("time/step_s");
      List<double[]> toks = rows.get("tokens");
      double t = 0, k = 0;
      for (int i = 2; i < times.size(); i++) {
        t += times.get(i)[1];
        k += toks.get(i)[1];
      }
      int n = times.size() - 2;
      double stepS = t / n, tokPerStep = k / n;
      // forward + backward ≈ 6·N FLOPs per token, plus attention scores and mixing (QKᵀ, AV): 3 × 4·L·T·d per token
      double seqLen = 130;
      double flopsPerToken = 6.0 * params + 3 * 4.0 * layers * seqLen * hidden;
      double flops = flopsPerToken * tokPerStep / stepS;
      double mm = matmulRate(512, 20);
      double[] golden = goldenSaving(model, data, batchSize, 5);
      return new Row(size, params, n, stepS, tokPerStep, tokPerStep / stepS, flops, mm, flops / mm, peakRssMiB(),
          golden[0], golden[1], golden[2], golden[3]);
    } finally {
      TrainFiles.deleteTree(dir);
    }
  }

  /**
   * Forward+backward time of the same rows laid out as groups (golden once per row) and as flat pairs (golden
   * once per reject): {sharedSeqPerRow, pairSeqPerRow, sharedSeconds, pairSeconds} (best of reps).
   */
  static double[] goldenSaving(Path modelDir, Path data, int rows, int reps) {
    try (HubLm m = HubLm.load(modelDir); NDManager base = LmEngine.get().newBaseManager()) {
      var groups = PreferenceGroups.build(data, m.tokenizer(), m.chatTemplate(), 160, 96);
      List<int[]> sp = new ArrayList<>(), sc = new ArrayList<>(), pp = new ArrayList<>(), pc = new ArrayList<>();
      int used = 0;
      for (int i = 0; i < groups.size() && used < rows; i += Math.max(1, groups.size() / rows), used++) {
        var g = groups.get(i);
        sp.add(g.prompt());
        sc.add(g.golden());
        for (Map.Entry<Dimension, int[]> e : g.rejects().entrySet()) {
          sp.add(g.prompt());
          sc.add(e.getValue());
          pp.add(g.prompt());
          pc.add(g.golden());
          pp.add(g.prompt());
          pc.add(e.getValue());
        }
      }
      Map<String, NDArray> w = new LinkedHashMap<>();
      m.parameters().forEach((k, v) -> {
        NDArray d = v.duplicate();
        d.attach(base);
        d.setRequiresGradient(true);
        w.put(k, d);
      });
      double bs = Double.MAX_VALUE, bp = Double.MAX_VALUE;
      for (int r = 0; r <= reps; r++) {
        double ts = fwdBwd(m, base, w, sp, sc);
        double tp = fwdBwd(m, base, w, pp, pc);
        if (r > 0) {
          bs = Math.min(bs, ts);
          bp = Math.min(bp, tp);
        }
      }
      return new double[] {(double) sp.size() / used, (double) pp.size() / used, bs, bp};
    }
  }

  private static double fwdBwd(TrainableLm m, NDManager base, Map<String, NDArray> w, List<int[]> p, List<int[]> c) {
    long t = System.nanoTime();
    try (NDManager s = base.newSubManager(); ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope();
        GradientCollector gc = LmEngine.get().newGradientCollector()) {
      NDArray lp = LogProbs.sequenceLogps(m, s, w, p, c);
      gc.backward(lp.sum());
    }
    for (NDArray a : w.values()) {
      NDArray g = a.getGradient();
      g.subi(g);
      g.close();
    }
    return (System.nanoTime() - t) / 1e9;
  }
}
