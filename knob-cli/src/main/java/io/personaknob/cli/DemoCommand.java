package io.personaknob.cli;

import io.personaknob.core.Provenance;
import io.personaknob.core.data.DataStats;
import io.personaknob.core.data.Issue;
import io.personaknob.core.data.PersonaData;
import io.personaknob.core.data.PersonaRow;
import io.personaknob.core.data.PreferencePair;
import io.personaknob.core.data.SampleData;
import io.personaknob.core.data.ValidationReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code knob demo}: the main job on the bundled sample, as a list of steps that each read and write
 * the work folder: sample → validate → stats → pairs → tiny model → Lag-DPO training → calibrated
 * evaluation and report → provenance. Everything runs offline on the bundled data and a random tiny model
 * that the demo makes itself, so the numbers show the machinery working, not a good persona.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Run the main job on the bundled PersonaKnob sample and print a readable summary.",
      "Steps: copy the sample (OUT/data/train.jsonl, test.jsonl), validate it, describe it (OUT/stats.json),"
          + " derive DPO preference pairs (OUT/pairs/train.jsonl, test.jsonl), make a tiny random Llama-family"
          + " model (OUT/models/reference), train it with Lag-DPO on the train split (OUT/train: metrics.jsonl,"
          + " report.html, the trained checkpoint), evaluate reference and trained model on the test split"
          + " (selection, generation rated by offline judges and calibrated with a many-facet Rasch model,"
          + " sycophancy and refusal benchmarks, DPO implicit rewards: OUT/eval/report.html), and record"
          + " provenance (OUT/provenance.json).",
      "A second run in the same folder reuses the finished model, training and evaluation."
    })
public final class DemoCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--out", defaultValue = "knob-demo", paramLabel = "DIR", description = "Work folder (default ./${DEFAULT-VALUE}).")
  Path out;

  /** What steps share: the work folder, the printer, and results by name. */
  public static final class Context {
    public final Path dir;
    public final PrintWriter out;
    public final Map<String, Object> results = new LinkedHashMap<>();
    public final Map<String, Path> inputs = new LinkedHashMap<>();

    Context(Path dir, PrintWriter out) {
      this.dir = dir;
      this.out = out;
    }
  }

  /** One step of the demo. */
  public interface Step {
    String title();

    void run(Context ctx);
  }

  static Step step(String title, java.util.function.Consumer<Context> body) {
    return new Step() {
      @Override
      public String title() {
        return title;
      }

      @Override
      public void run(Context ctx) {
        body.accept(ctx);
      }
    };
  }

  /** The steps, in order. */
  static List<Step> steps() {
    List<Step> s = new ArrayList<>();
    s.add(step("bundled sample", DemoCommand::sample));
    s.add(step("validate", DemoCommand::validate));
    s.add(step("stats", DemoCommand::stats));
    s.add(step("preference pairs", DemoCommand::pairs));
    s.add(step("tiny model", DemoPipeline::tinyModel));
    s.add(step("Lag-DPO training", DemoPipeline::train));
    s.add(step("evaluation and report", DemoPipeline::evaluate));
    s.add(step("provenance", DemoCommand::provenance));
    return s;
  }

  @Override
  public Integer call() {
    PrintWriter o = spec.commandLine().getOut();
    Context ctx = new Context(out, o);
    o.println("knob demo: work folder " + out.toAbsolutePath().normalize());
    List<Step> steps = steps();
    for (int i = 0; i < steps.size(); i++) {
      Step st = steps.get(i);
      o.printf(Locale.ROOT, "%n[%d/%d] %s%n", i + 1, steps.size(), st.title());
      o.flush();
      long t0 = System.nanoTime();
      st.run(ctx);
      o.printf(Locale.ROOT, "      (%.1f s)%n", (System.nanoTime() - t0) / 1e9);
      o.flush();
    }
    Object errors = ctx.results.get("errors");
    o.println();
    o.println("done: outputs in " + out);
    o.flush();
    return errors instanceof Long n && n > 0 ? Knob.EXIT_USER : Knob.EXIT_OK;
  }

  private static void sample(Context ctx) {
    Map<String, Path> files = SampleData.copyTo(ctx.dir.resolve("data"));
    ctx.inputs.putAll(files);
    files.forEach((split, p) -> ctx.out.printf("      %-5s %s%n", split, p));
  }

  private static void validate(Context ctx) {
    long errors = 0;
    for (var e : ctx.inputs.entrySet()) {
      List<Issue> issues = new ArrayList<>();
      ValidationReport r = PersonaData.scan(e.getValue(), issues::add, row -> {});
      issues.forEach(i -> ctx.out.println("      " + i.format()));
      ctx.out.println("      " + r.summary());
      errors += r.errors();
    }
    ctx.results.put("errors", errors);
    ctx.out.println(errors == 0 ? "      every rule holds" : "      " + errors + " errors: see above");
  }

  private static void stats(Context ctx) {
    Map<String, Object> all = new LinkedHashMap<>();
    for (var e : ctx.inputs.entrySet()) {
      DataStats s = new DataStats();
      PersonaData.readAll(e.getValue()).forEach(s::add);
      all.put(e.getKey(), s.toMap());
      ctx.out.println("      " + e.getKey() + ":");
      s.render().lines().forEach(l -> ctx.out.println("        " + l));
    }
    Path f = ctx.dir.resolve("stats.json");
    CliJson.write(f, all);
    ctx.out.println("      -> " + f);
  }

  private static void pairs(Context ctx) {
    for (var e : ctx.inputs.entrySet()) {
      List<PersonaRow> rows = PersonaData.readAll(e.getValue());
      List<PreferencePair> pairs = rows.stream().flatMap(r -> PersonaData.pairs(r).stream()).toList();
      Path f = ctx.dir.resolve("pairs").resolve(e.getKey() + ".jsonl");
      PersonaData.writePairs(f, pairs);
      Map<String, Long> perDim = new java.util.TreeMap<>();
      pairs.forEach(p -> perDim.merge(p.dimension().name(), 1L, Long::sum));
      ctx.out.printf("      %-5s %d rows -> %d pairs %s -> %s%n", e.getKey(), rows.size(), pairs.size(), perDim, f);
      ctx.results.put("pairs_" + e.getKey(), (long) pairs.size());
    }
    PreferencePair ex = PersonaData.pairs(PersonaData.readAll(ctx.inputs.get("train")).get(0)).get(0);
    ctx.out.println("      example pair (dimension " + ex.dimension() + ", " + ex.dimension().title() + "):");
    ctx.out.println("        prompt:   " + clip(ex.prompt()));
    String[] shown = PairExcerpt.of(ex.chosen(), ex.rejected(), 110); // from where they differ
    ctx.out.println("        chosen:   " + shown[0]);
    ctx.out.println("        rejected: " + shown[1]);
  }

  private static void provenance(Context ctx) {
    Map<String, Object> config = new LinkedHashMap<>(ctx.results);
    config.put("command", "demo");
    Provenance p = Provenance.of(config, new LinkedHashMap<>(ctx.inputs));
    Path f = ctx.dir.resolve("provenance.json");
    CliJson.write(f, CliJson.provenance(p));
    ctx.out.println("      knob " + p.version() + ", Java " + p.javaVersion() + " -> " + f);
  }

  private static String clip(String s) {
    String one = s.replaceAll("\\s+", " ").strip();
    return one.length() <= 110 ? one : one.substring(0, 107) + "...";
  }
}
