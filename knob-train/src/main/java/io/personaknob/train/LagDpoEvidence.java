package io.personaknob.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The evidence experiment of docs/lag-dpo.md: the same tiny model trained on the A-vs-E conflict dataset with
 * {@code sum} and with {@code lagrangian}; per-dimension losses on all rows every 10 steps, gradient cosines, and
 * multipliers, rendered as SVG charts and a Markdown table. Runs that already finished are reused (resume).
 */
public final class LagDpoEvidence {
  private LagDpoEvidence() {}

  public static final List<String> OBJECTIVES = List.of("sum", "lagrangian");

  /**
   * The configuration of one arm (identical except for the objective); {@code seed} seeds the model it creates
   * and the data order.
   */
  public static TrainConfig config(Path out, Path model, Path data, String objective, int steps, long seed) {
    TrainConfig c = new TrainConfig();
    c.model = model.toString();
    c.initModel = "tiny";
    c.seed = seed;
    c.data = data.toString();
    c.evalData = data.toString();
    c.objective = objective;
    c.steps = steps;
    c.batchSize = 2;
    c.lr = 1e-3;
    c.maxLength = 160;
    c.maxPromptLength = 96;
    c.cosineEvery = 10;
    c.evalEvery = 10;
    c.saveEvery = 25;
    c.out = out.resolve(objective).toString();
    c.refCache = out.resolve("ref-cache").toString();
    return c;
  }

  /**
   * Runs (or reuses) both arms and writes OUT/evidence/*.svg and OUT/evidence/summary.md; returns the summary.
   * With {@code data} null the bundled dataset of {@code kind}, with {@code model} null a tiny model made in
   * OUT/tiny-model.
   */
  public static String run(Path out, Path model, Path data, ConflictDataset.Kind kind, int steps, long seed,
      PrintStream progress) throws IOException {
    Files.createDirectories(out);
    if (data == null) data = ConflictDataset.writeTo(out.resolve(kind.file), kind);
    if (model == null) model = out.resolve("tiny-model");
    if (!Files.exists(model)) {
      // the GPT-2 tiny with context 512 that docs/lag-dpo.md §8 was measured with (the size's default context
      // is larger now, which would draw other random weights)
      Path tmp = model.resolveSibling("." + model.getFileName() + ".tmp");
      TrainFiles.deleteTree(tmp);
      HubLm.init("gpt2", "tiny", seed, 512, tmp);
      TrainFiles.moveAtomic(tmp, model);
    }
    for (String o : OBJECTIVES) {
      TrainConfig c = config(out, model, data, o, steps, seed);
      if (Files.isRegularFile(Path.of(c.out).resolve("train_result.json"))) continue;
      if (progress != null) progress.println("evidence: training with --objective " + o);
      LagDpo.train(c, Files.isDirectory(Path.of(c.out)), progress);
    }
    return render(out, config(out, model, data, "sum", steps, seed).eps);
  }

  static String render(Path out, double eps) throws IOException {
    Path ev = out.resolve("evidence");
    Files.createDirectories(ev);
    Map<String, Map<String, List<double[]>>> runs = new LinkedHashMap<>();
    for (String o : OBJECTIVES) runs.put(o, Charts.read(out.resolve(o).resolve("metrics.jsonl")));
    Map<String, List<double[]>> gaps = new LinkedHashMap<>();
    StringBuilder md = new StringBuilder();
    md.append("| objective | step | A | T | E | C | max gap | within ε = ").append(eps)
        .append(" | \\|A − E\\| | A, E within ε |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for (var e : runs.entrySet()) {
      Map<String, List<double[]>> s = e.getValue();
      Map<String, List<double[]>> dims = Charts.select(s, k -> k.matches("eval/[ATEC]/loss"));
      List<double[]> gap = new ArrayList<>();
      int n = dims.values().iterator().next().size();
      int within = 0, withinAe = 0;
      double sumAe = 0;
      for (int i = 0; i < n; i++) {
        double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
        for (List<double[]> v : dims.values()) {
          lo = Math.min(lo, v.get(i)[1]);
          hi = Math.max(hi, v.get(i)[1]);
        }
        gap.add(new double[] {dims.values().iterator().next().get(i)[0], hi - lo});
        if (hi - lo <= eps) within++;
        double ae = Math.abs(dims.get("eval/A/loss").get(i)[1] - dims.get("eval/E/loss").get(i)[1]);
        sumAe += ae;
        if (ae <= eps) withinAe++;
      }
      gaps.put(e.getKey(), gap);
      for (int i = 0; i < n; i++) {
        md.append("| ").append(e.getKey()).append(" | ").append((int) gap.get(i)[0]);
        for (String d : List.of("A", "T", "E", "C")) {
          List<double[]> v = dims.get("eval/" + d + "/loss");
          md.append(" | ").append(String.format("%.3f", v.get(i)[1]));
        }
        double ae = Math.abs(dims.get("eval/A/loss").get(i)[1] - dims.get("eval/E/loss").get(i)[1]);
        md.append(String.format(" | %.3f | %s | %.3f | %s |%n", gap.get(i)[1], gap.get(i)[1] <= eps ? "yes" : "**no**",
            ae, ae <= eps ? "yes" : "**no**"));
      }
      md.append(String.format("| %s | | | | | | | %d of %d evaluations | mean %.3f | %d of %d evaluations |%n",
          e.getKey(), within, n, sumAe / n, withinAe, n));
      Map<String, List<double[]>> named = new TreeMap<>();
      dims.forEach((k, v) -> named.put(k.substring(5, 6), v));
      Files.writeString(ev.resolve("loss-" + e.getKey() + ".svg"),
          Charts.svg("Per-dimension DPO loss on all rows: " + e.getKey(), named, null, null));
    }
    Files.writeString(ev.resolve("gap.svg"),
        Charts.svg("Largest gap between per-dimension losses (all rows)", gaps, eps, "ε = " + eps));
    Files.writeString(ev.resolve("cosine-sum.svg"), Charts.svg("Gradient cosine between dimensions (sum run)",
        Charts.select(runs.get("sum"), k -> k.startsWith("cos/")), 0.0, "0"));
    Files.writeString(ev.resolve("lambda-lagrangian.svg"), Charts.svg("Lagrange multipliers (lagrangian run)",
        Charts.select(runs.get("lagrangian"), k -> k.startsWith("lambda/") && runs.get("lagrangian").get(k).stream().anyMatch(p -> p[1] > 0)), null, null));
    Files.writeString(ev.resolve("summary.md"), md.toString());
    return md.toString();
  }
}
