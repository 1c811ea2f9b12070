package io.personaknob.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.LanguageModels;
import io.personaknob.lm.SamplingParams;
import io.personaknob.lm.engine.LmEngine;
import io.personaknob.lm.model.CausalLM;
import io.personaknob.lm.model.Checkpoints;
import io.personaknob.lm.model.ModelFactory;
import io.personaknob.lm.safetensors.SafeTensors;
import io.personaknob.lm.steer.HiddenStates;
import io.personaknob.lm.tokenizer.Tokenizers;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code knob bench vectors}: hidden-state extraction tokens/s, and greedy generation tokens/s with and
 * without steering (the fused inference path with the steering addition after every block), measured in
 * one process on a random model, interleaved round by round (the machine may be shared).
 */
@Command(name = "vectors", mixinStandardHelpOptions = true,
    description = "Hidden-state extraction tokens/s; generation tokens/s with and without a steering vector (docs/benchmarks.md).")
final class BenchVectorsCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--arch", defaultValue = "qwen2", description = "Architecture (default: ${DEFAULT-VALUE}).") String arch;
  @Option(names = "--size", defaultValue = "small", description = "tiny or small (default: ${DEFAULT-VALUE}).") String size;
  @Option(names = "--texts", defaultValue = "64", description = "Texts for the extraction (default: ${DEFAULT-VALUE}).") int texts;
  @Option(names = "--seq", defaultValue = "128", description = "Tokens per text (default: ${DEFAULT-VALUE}).") int seq;
  @Option(names = "--batch", defaultValue = "8", description = "Texts per forward pass (default: ${DEFAULT-VALUE}).") int batch;
  @Option(names = "--new-tokens", defaultValue = "64", description = "Greedy tokens per generation (default: ${DEFAULT-VALUE}).") int newTokens;
  @Option(names = "--repeats", defaultValue = "3", description = "Timed rounds after a warm-up; medians reported (default: ${DEFAULT-VALUE}).") int repeats;
  @Option(names = "--threads", defaultValue = "0", description = "PyTorch intra-op threads (default: one per core).") int threads;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    LmEngine.setThreads(threads);
    Path dir = Files.createTempDirectory("knob-bench-vectors");
    try {
      ObjectNode cfg = ModelFactory.config(arch, size, Tokenizers.BYTE_LEVEL_VOCAB, 256, 258, Math.max(1024, seq + newTokens + 40));
      try (CausalLM m = ModelFactory.random(cfg, 1, Device.cpu())) {
        Checkpoints.save(m, dir, SafeTensors.DType.F32, null);
      }
      Tokenizers.writeByteLevel(dir);
      try (DjlLanguageModel lm = LanguageModels.load(dir, "cpu")) {
        var c = lm.model().config();
        out.printf("# knob bench vectors: %s %s, %,d parameters, %d layers, hidden %d, %d cores, %d torch threads, Java %s%n",
            arch, size, lm.info().parameters(), c.numLayers(), c.hiddenSize(), Runtime.getRuntime().availableProcessors(),
            LmEngine.threads(), Runtime.version());
        Random rnd = new Random(3);
        List<HiddenStates.Text> ts = new ArrayList<>();
        for (int i = 0; i < texts; i++) ts.add(new HiddenStates.Text(BenchLmCommand.randomIds(rnd, 32), BenchLmCommand.randomIds(rnd, seq - 32)));
        Set<Integer> all = new HashSet<>();
        for (int l = 0; l < c.numLayers(); l++) all.add(l);
        Set<Integer> one = Set.of(c.numLayers() / 2);
        Map<Integer, float[]> steer = new TreeMap<>();
        for (int l = 0; l < c.numLayers(); l++) {
          float[] v = new float[c.hiddenSize()];
          for (int j = 0; j < v.length; j++) v[j] = (float) (rnd.nextGaussian() * 0.05);
          steer.put(l, v);
        }
        int[] prompt = BenchLmCommand.randomIds(rnd, 32);
        SamplingParams greedy = SamplingParams.greedy(newTokens);
        double[] ex1 = new double[repeats], exAll = new double[repeats], plain = new double[repeats], steered = new double[repeats];
        for (int r = -1; r < repeats; r++) { // r = -1: warm-up
          long t0 = System.nanoTime();
          HiddenStates.collect(lm, ts, one, HiddenStates.Position.ANSWER_MEAN, batch, null);
          double a = BenchLmCommand.secs(t0);
          t0 = System.nanoTime();
          HiddenStates.collect(lm, ts, all, HiddenStates.Position.ANSWER_MEAN, batch, null);
          double b = BenchLmCommand.secs(t0);
          lm.model().setSteering(null);
          t0 = System.nanoTime();
          int n0 = lm.generate(List.of(prompt), greedy).get(0).tokens().length;
          double g0 = n0 / BenchLmCommand.secs(t0);
          lm.model().setSteering(steer);
          t0 = System.nanoTime();
          int n1 = lm.generate(List.of(prompt), greedy).get(0).tokens().length;
          double g1 = n1 / BenchLmCommand.secs(t0);
          lm.model().setSteering(null);
          if (r >= 0) {
            ex1[r] = (double) texts * seq / a;
            exAll[r] = (double) texts * seq / b;
            plain[r] = g0;
            steered[r] = g1;
          }
        }
        out.printf("hidden states, 1 layer        %10.0f tokens/s  (%d texts × %d tokens, batch %d)%n", BenchLmCommand.median(ex1), texts, seq, batch);
        out.printf("hidden states, all %2d layers  %10.0f tokens/s%n", c.numLayers(), BenchLmCommand.median(exAll));
        out.printf("generation, batch 1, plain    %10.1f tokens/s%n", BenchLmCommand.median(plain));
        out.printf("generation, batch 1, steered  %10.1f tokens/s  (a vector at every one of %d layers; ratio %.3f)%n",
            BenchLmCommand.median(steered), c.numLayers(), BenchLmCommand.median(steered) / BenchLmCommand.median(plain));
        out.flush();
      }
    } finally {
      try (var s = Files.walk(dir)) {
        for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
      }
    }
    return Knob.EXIT_OK;
  }
}
