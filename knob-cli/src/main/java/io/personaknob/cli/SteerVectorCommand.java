package io.personaknob.cli;

import io.personaknob.core.Provenance;
import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.LanguageModels;
import io.personaknob.lm.steer.Gguf;
import io.personaknob.lm.steer.HiddenStates;
import io.personaknob.lm.steer.VectorExtraction;
import io.personaknob.train.steer.ContrastPairs;
import io.personaknob.train.steer.VectorBuilder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code knob steer vector}: a steering direction per layer from contrastive pairs. */
@Command(
    name = "vector",
    mixinStandardHelpOptions = true,
    description = {
      "Extract a steering vector (one direction per layer) from contrastive pairs.",
      "Pairs: PersonaKnob data (golden vs reject_k for --dimension k), DPO pairs from `knob data pairs`, or JSONL",
      "{prompt, positive, negative}. Prints each layer's held-out separation (AUROC, pair accuracy) and writes the",
      "vector as safetensors (and llama.cpp's control-vector GGUF with --gguf)."
    })
final class SteerVectorCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory (Hugging Face layout).")
  Path model;

  @Option(names = "--pairs", required = true, paramLabel = "FILE", description = "PersonaKnob data, DPO pairs JSONL, or {prompt, positive, negative} JSONL.")
  Path pairs;

  @Option(names = "--dimension", paramLabel = "A|T|E|C", description = "The trait: golden vs reject_k for k (ignored for {prompt, positive, negative}).")
  String dimension;

  @Option(names = "--layers", defaultValue = "auto", paramLabel = "L1,L2|all|auto[:K]",
      description = "Blocks (0-based; -1 = last) whose output gets the vector; all; or auto:K, the K best by held-out AUROC (default: ${DEFAULT-VALUE}).")
  String layers;

  @Option(names = "--method", defaultValue = "mean-diff", description = "mean-diff (difference of means) or pca-diff (repeng) (default: ${DEFAULT-VALUE}).")
  String method;

  @Option(names = "--position", defaultValue = "answer-mean", description = "answer-mean, last or prompt-last (default: ${DEFAULT-VALUE}).")
  String position;

  @Option(names = "--holdout", defaultValue = "0.2", description = "Share of pairs held out to measure separation (default: ${DEFAULT-VALUE}).")
  double holdout;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the held-out split (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--batch-size", defaultValue = "8", description = "Texts per forward pass (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--max-length", defaultValue = "512", description = "Tokens per prompt + answer, at most the model's context (default: ${DEFAULT-VALUE}).")
  int maxLength;

  @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(names = "--out", required = true, paramLabel = "V.safetensors", description = "The vector file (written atomically).")
  Path out;

  @Option(names = "--gguf", paramLabel = "V.gguf", description = "Also write llama.cpp's control-vector GGUF (llama-cli --control-vector V.gguf).")
  Path gguf;

  @Option(names = "--json", description = "Print the per-layer report as JSON.")
  boolean json;

  @Override
  public Integer call() {
    CommandLine cl = spec.commandLine();
    if (batchSize < 1) throw new CommandLine.ParameterException(cl, "--batch-size must be >= 1");
    if (maxLength < 2) throw new CommandLine.ParameterException(cl, "--max-length must be >= 2");
    Dimension dim = null;
    if (dimension != null) {
      dim = Dimension.parse(dimension).orElseThrow(() -> new CommandLine.ParameterException(cl,
          "--dimension " + dimension + ": expected one of A, T, E, C"));
    }
    VectorBuilder.Options o = new VectorBuilder.Options(layers, VectorExtraction.Method.parse(method),
        HiddenStates.Position.parse(position), holdout, seed, batchSize, maxLength);
    List<ContrastPairs.Pair> ps = ContrastPairs.read(pairs, dim);
    PrintWriter err = cl.getErr();
    PrintWriter outw = cl.getOut();
    try (DjlLanguageModel lm = LanguageModels.load(model, device)) {
      Map<String, String> meta = new LinkedHashMap<>();
      meta.put("dimension", dim == null ? "" : dim.name());
      meta.put("pairs_file", pairs.getFileName().toString());
      meta.put("pairs_sha256", Files2.sha256(pairs));
      meta.put("knob_version", Provenance.knobVersion());
      int total = 2 * ps.size();
      err.println("knob: " + ps.size() + " pairs, " + total + " texts through " + lm.info().name());
      err.flush();
      int[] last = {0};
      VectorBuilder.Result r = VectorBuilder.build(lm, ps, o, meta, done -> {
        if (done - last[0] >= Math.max(1, total / 10) || done == total) {
          last[0] = done;
          err.println("knob: hidden states " + done + "/" + total);
          err.flush();
        }
      });
      r.vector().save(out);
      if (gguf != null) {
        if (r.chosen().contains(0)) err.println("knob: warning: llama.cpp never applies direction.0 (the output of block 0); that layer is written but ignored there");
        Gguf.writeControlVector(gguf, r.vector());
      }
      if (json) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model", lm.info().name());
        j.put("pairs", ps.size());
        j.put("method", o.method().label());
        j.put("position", o.position().label());
        j.put("chosen_layers", r.chosen());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (VectorExtraction.LayerResult lr : r.candidates()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("layer", lr.layer());
          m.put("auroc", finite(lr.auroc()));
          m.put("pair_accuracy", finite(lr.pairAccuracy()));
          m.put("train_pairs", lr.trainPairs());
          m.put("held_out_pairs", lr.heldOutPairs());
          m.put("in_sample", lr.inSample());
          m.put("mean_diff_norm", finite(lr.meanDiffNorm()));
          rows.add(m);
        }
        j.put("layers", rows);
        j.put("out", out.toString());
        if (gguf != null) j.put("gguf", gguf.toString());
        outw.println(CliJson.pretty(j));
      } else {
        outw.println("layer  auroc   pair_acc  |mean diff|  held-out");
        for (VectorExtraction.LayerResult lr : r.candidates()) {
          outw.println(String.format(Locale.ROOT, "%5d  %6.3f  %8.3f  %11.4f  %s%s", lr.layer(), lr.auroc(), lr.pairAccuracy(),
              lr.meanDiffNorm(), lr.inSample() ? "in-sample (too few pairs)" : lr.heldOutPairs() + " pairs",
              r.chosen().contains(lr.layer()) ? "  <- kept" : ""));
        }
        outw.println("wrote " + out + (gguf != null ? " and " + gguf : ""));
      }
      outw.flush();
    }
    return Knob.EXIT_OK;
  }

  private static Object finite(double x) {
    return Double.isFinite(x) ? x : null;
  }
}
