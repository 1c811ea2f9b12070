package io.personaknob.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.GenerationResult;
import io.personaknob.lm.SamplingParams;
import io.personaknob.lm.SequenceScore;
import io.personaknob.lm.engine.LmEngine;
import io.personaknob.lm.model.CausalLM;
import io.personaknob.lm.model.Checkpoints;
import io.personaknob.lm.model.GenerationConfig;
import io.personaknob.lm.model.ModelConfig;
import io.personaknob.lm.model.ModelFactory;
import io.personaknob.lm.safetensors.SafeTensors;
import io.personaknob.lm.tokenizer.Tokenizers;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code knob bench lm}: language-model runtime performance. On one random checkpoint written to a
 * temporary directory, in one process: load time, generation and scoring tokens/s of our DJL runtime and
 * of Jlama (F32), forward+backward FLOP/s of the model at a given sequence length as a share of the fp32
 * matrix-multiply rate measured here, and peak memory. Jlama needs the JVM option
 * {@code --add-modules jdk.incubator.vector} (set KNOB_JAVA_OPTS); without it that column is skipped.
 */
@Command(
    name = "lm",
    mixinStandardHelpOptions = true,
    description = {
      "Benchmark the language-model runtime (results belong in docs/benchmarks.md, knob-lm section).",
      "For the Jlama comparison run with KNOB_JAVA_OPTS='--add-modules jdk.incubator.vector'."
    })
final class BenchLmCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--arch", defaultValue = "qwen2", description = "Architecture of the random model (default: ${DEFAULT-VALUE}; Jlama reads llama-without-llama3-scaling, qwen2, gpt2).")
  String arch;

  @Option(names = "--size", defaultValue = "small", description = "tiny or small (~30M; default: ${DEFAULT-VALUE}).")
  String size;

  @Option(names = "--prompt-tokens", defaultValue = "32", description = "Prompt length for generation (default: ${DEFAULT-VALUE}).")
  int promptTokens;

  @Option(names = "--new-tokens", defaultValue = "128", description = "Greedy tokens generated (default: ${DEFAULT-VALUE}).")
  int newTokens;

  @Option(names = "--score-batch", defaultValue = "8", description = "Sequences per scoring call (default: ${DEFAULT-VALUE}).")
  int scoreBatch;

  @Option(names = "--seq", defaultValue = "256", description = "Sequence length for scoring and training (default: ${DEFAULT-VALUE}).")
  int seq;

  @Option(names = "--train-batch", defaultValue = "4", description = "Batch for the forward+backward measurement (default: ${DEFAULT-VALUE}).")
  int trainBatch;

  @Option(names = "--repeats", defaultValue = "3", description = "Timed repetitions after one warm-up; the median is reported (default: ${DEFAULT-VALUE}).")
  int repeats;

  @Option(names = "--threads", defaultValue = "0", description = "PyTorch intra-op threads (default: the cores the load leaves free, at least 1).")
  int threads;

  @Option(names = "--gen-batch", defaultValue = "4", description = "Prompts per batched generation call, ours only (default: ${DEFAULT-VALUE}).")
  int genBatch;

  @Option(names = "--no-train", description = "Skip the forward+backward measurement.")
  boolean noTrain;

  @Option(names = "--no-jlama", description = "Skip the Jlama comparison.")
  boolean noJlama;

  private PrintWriter out;

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
    LmEngine.setThreads(threads);
    Path dir = Files.createTempDirectory("knob-bench-lm");
    try {
      ObjectNode cfg = ModelFactory.config(arch, size, Tokenizers.BYTE_LEVEL_VOCAB, 256, 258, Math.max(1024, seq + 8));
      cfg.remove("rope_scaling"); // Jlama implements only linear scaling; the cost is the same
      try (CausalLM m = ModelFactory.random(cfg, 1, Device.cpu())) {
        Checkpoints.save(m, dir, SafeTensors.DType.F32, null);
      }
      Tokenizers.writeByteLevel(dir);
      ModelConfig mc = ModelConfig.read(dir);
      out.printf("# knob bench lm: %s %s, %,d parameters, vocab %d, %d cores, %d torch threads, max heap %d MiB, Java %s, DJL %s, PyTorch %s%n",
          arch, size, mc.parameterCount(), mc.vocabSize(), Runtime.getRuntime().availableProcessors(), LmEngine.threads(),
          Runtime.getRuntime().maxMemory() >> 20, Runtime.version(), LmEngine.djlVersion(), LmEngine.pytorchVersion());
      out.flush();

      Random rnd = new Random(7);
      int[] prompt = randomIds(rnd, promptTokens);
      List<int[]> sp = new ArrayList<>();
      List<int[]> sc = new ArrayList<>();
      for (int i = 0; i < scoreBatch; i++) {
        sp.add(randomIds(rnd, 32));
        sc.add(randomIds(rnd, seq - 32));
      }
      long scoredTokens = (long) scoreBatch * seq;

      // ---- load times
      double[] loads = new double[repeats];
      for (int r = 0; r < repeats; r++) {
        long t0 = System.nanoTime();
        try (CausalLM m = Checkpoints.load(dir, Device.cpu())) {
          loads[r] = secs(t0);
        }
      }
      double oursLoad = median(loads);
      boolean jlamaOk = !noJlama && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
      String jlamaNote = noJlama ? "skipped (--no-jlama)" : jlamaOk ? "" : "skipped: run with KNOB_JAVA_OPTS='--add-modules jdk.incubator.vector'";

      // ---- generation and scoring, ours and Jlama's interleaved round by round (the machine is shared)
      SamplingParams greedy = SamplingParams.greedy(newTokens);
      List<int[]> batchPrompts = new ArrayList<>();
      for (int i = 0; i < genBatch; i++) batchPrompts.add(randomIds(rnd, promptTokens));
      double[] ob = new double[repeats];
      double[] og = new double[repeats];
      double[] os = new double[repeats];
      double[] jg = new double[repeats];
      double[] js = new double[repeats];
      double jlLoad = 0;
      boolean sameTokens = false;
      double scoreDiff = 0;
      long rssAfterLoad;
      try (DjlLanguageModel lm = new DjlLanguageModel(Checkpoints.load(dir, Device.cpu()), null, null,
              new GenerationConfig(null, List.of(), null, null, null, null, null, null), "bench", "float32");
          JlamaBench jl = jlamaOk ? new JlamaBench(dir) : null) {
        rssAfterLoad = rssPeakKiB();
        int[] ours = lm.generate(List.of(prompt), greedy).get(0).tokens(); // warm-up
        List<SequenceScore> oursScores = lm.score(sp, sc);
        if (jl != null) {
          jlLoad = jl.loadSeconds;
          sameTokens = Arrays.equals(ours, jl.generate(prompt, newTokens));
          double[] theirs = jl.score(sp, sc);
          for (int i = 0; i < theirs.length; i++) scoreDiff = Math.max(scoreDiff, Math.abs(theirs[i] - oursScores.get(i).sum()));
        }
        for (int r = 0; r < repeats; r++) {
          long t0 = System.nanoTime();
          GenerationResult g = lm.generate(List.of(prompt), greedy).get(0);
          og[r] = secs(t0);
          if (g.tokens().length != newTokens) throw new IllegalStateException("generation stopped early");
          t0 = System.nanoTime();
          lm.score(sp, sc);
          os[r] = secs(t0);
          t0 = System.nanoTime();
          lm.generate(batchPrompts, greedy);
          ob[r] = secs(t0);
          if (jl != null) {
            t0 = System.nanoTime();
            jl.generate(prompt, newTokens);
            jg[r] = secs(t0);
            t0 = System.nanoTime();
            jl.score(sp, sc);
            js[r] = secs(t0);
          }
        }
      }
      double oursGen = newTokens / median(og);
      double oursScore = scoredTokens / median(os);
      double oursBatch = (double) genBatch * newTokens / median(ob);
      out.printf("ours:  load %.3f s, generate %.1f tok/s (batch %d: %.1f tok/s), score %.0f tok/s%n", oursLoad, oursGen, genBatch, oursBatch, oursScore);
      if (jlamaOk) {
        out.printf("jlama: load %.3f s, generate %.1f tok/s, score %.0f tok/s; greedy tokens identical: %s; max |score diff| %.2g%n",
            jlLoad, newTokens / median(jg), scoredTokens / median(js), sameTokens ? "yes" : "NO", scoreDiff);
      } else {
        out.println("jlama: " + jlamaNote);
      }
      out.flush();

      // ---- training throughput against the matmul rate
      double matmul = matmulRate();
      double[] tr = {Double.NaN, Double.NaN};
      if (!noTrain) {
        try (CausalLM m = Checkpoints.load(dir, Device.cpu())) {
          tr = trainStep(m);
        }
      }
      double trainStep = tr[0];
      double trainFlops = tr[1];
      double frac = trainFlops / trainStep / matmul;
      if (noTrain) out.printf("fp32 matmul (1024^3): %.2f GFLOP/s; forward+backward not measured (--no-train)%n", matmul / 1e9);
      else out.printf("fp32 matmul (1024^3): %.2f GFLOP/s; forward+backward B=%d T=%d: %.3f s/step, %.2f GFLOP/s = %.0f%% of matmul%n",
          matmul / 1e9, trainBatch, seq, trainStep, trainFlops / trainStep / 1e9, 100 * frac);
      long rssEnd = rssPeakKiB();
      out.printf("peak RSS: %d MiB after loading both runtimes, %d MiB at the end%s; JVM heap used now %d MiB%n",
          rssAfterLoad >> 10, rssEnd >> 10, noTrain ? "" : " (incl. training)",
          (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
      out.printf("%n| measure | ours (DJL/PyTorch, %d thread(s)) | Jlama 0.8.4 (F32) | ours/Jlama |%n|---|---|---|---|%n", LmEngine.threads());
      if (jlamaOk) {
        out.printf("| load | %.3f s | %.3f s | %.2f× faster |%n", oursLoad, jlLoad, jlLoad / oursLoad);
        out.printf("| generate (batch 1, %d+%d tokens, greedy) | %.1f tok/s | %.1f tok/s | %.2f |%n", promptTokens, newTokens, oursGen, newTokens / median(jg), oursGen / (newTokens / median(jg)));
        out.printf("| generate (batch %d, total) | %.1f tok/s | (no batched API) | %.2f |%n", genBatch, oursBatch, oursBatch / (newTokens / median(jg)));
        out.printf("| score (%d × %d tokens) | %.0f tok/s | %.0f tok/s | %.2f |%n", scoreBatch, seq, oursScore, scoredTokens / median(js), oursScore / (scoredTokens / median(js)));
      } else {
        out.printf("| load | %.3f s | – | – |%n| generate | %.1f tok/s | – | – |%n| score | %.0f tok/s | – | – |%n", oursLoad, oursGen, oursScore);
      }
      if (!noTrain) out.printf("| forward+backward %d × %d | %.3f s/step = %.2f GFLOP/s = **%.0f%%** of fp32 matmul (%.2f GFLOP/s) | | |%n",
          trainBatch, seq, trainStep, trainFlops / trainStep / 1e9, 100 * frac, matmul / 1e9);
      out.flush();
      return 0;
    } finally {
      try (var s = Files.walk(dir)) {
        for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
      }
    }
  }

  static int[] randomIds(Random r, int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) a[i] = r.nextInt(256);
    return a;
  }

  static double secs(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  double[] time(Runnable r) {
    r.run(); // warm-up
    double[] t = new double[repeats];
    for (int i = 0; i < repeats; i++) {
      long t0 = System.nanoTime();
      r.run();
      t[i] = secs(t0);
    }
    return t;
  }

  static double median(double[] a) {
    double[] b = a.clone();
    Arrays.sort(b);
    return b.length % 2 == 1 ? b[b.length / 2] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2;
  }

  /** fp32 GEMM rate of PyTorch here: 1024×1024 by 1024×1024, best of several. */
  double matmulRate() {
    int n = 1024;
    double best = 0;
    try (NDManager m = LmEngine.get().newBaseManager(Device.cpu())) {
      NDArray a = m.randomNormal(new Shape(n, n));
      NDArray b = m.randomNormal(new Shape(n, n));
      for (int i = 0; i < 3; i++) a.matMul(b).close();
      for (int r = 0; r < Math.max(5, repeats); r++) {
        long t0 = System.nanoTime();
        int reps = 8;
        for (int i = 0; i < reps; i++) {
          NDArray c = a.matMul(b);
          c.getFloat(0, 0); // force completion
          c.close();
        }
        best = Math.max(best, reps * 2.0 * n * n * n / secs(t0));
      }
    }
    return best;
  }

  /**
   * Median seconds of one forward+backward step (loss = mean next-token NLL) and the FLOPs it performs:
   * 3 × forward, forward = 2·(matmul weights incl. the output head)·tokens + 4·layers·B·heads·T²·headDim
   * (the full T×T score and value products, as computed).
   */
  double[] trainStep(CausalLM model) {
    ModelConfig c = model.config();
    model.setTrainable(n -> true);
    int b = trainBatch;
    int t = seq;
    Random rnd = new Random(3);
    long[] ids = new long[b * t];
    for (int i = 0; i < ids.length; i++) ids[i] = rnd.nextInt(256);
    long h = c.hiddenSize();
    long q = (long) c.numHeads() * c.headDim();
    long kv = (long) c.numKvHeads() * c.headDim();
    long perLayer = c.isGpt2() ? 12 * h * h : h * q + 2 * h * kv + q * h + 3 * h * c.intermediateSize();
    long matmulParams = c.numLayers() * perLayer + (long) c.vocabSize() * h;
    double fwd = 2.0 * matmulParams * b * t + 4.0 * c.numLayers() * b * c.numHeads() * (double) t * t * c.headDim();
    Runnable step = () -> {
      try (NDManager s = model.newStepManager(); GradientCollector gc = LmEngine.get().newGradientCollector()) {
        NDArray x = s.create(ids, new Shape(b, t));
        NDArray logp = model.forward(x, (NDArray) null, null).logSoftmax(2);
        NDArray tgt = x.get(":, 1:").toType(DataType.INT64, false).expandDims(2);
        NDArray picked = logp.get(":, :-1, :").gather(tgt, 2);
        gc.backward(picked.mean().neg());
      }
      model.zeroGradients();
    };
    double[] times = time(step);
    model.setTrainable(n -> false);
    return new double[] {median(times), 3 * fwd};
  }

  /** Peak resident set size of this process (VmHWM), KiB; 0 where /proc is unavailable. */
  static long rssPeakKiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    } catch (Exception ignored) {
      // not Linux
    }
    return 0;
  }
}
