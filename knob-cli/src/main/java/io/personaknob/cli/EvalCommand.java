package io.personaknob.cli;

import io.personaknob.core.UserException;
import io.personaknob.eval.run.EvalConfig;
import io.personaknob.eval.run.EvalRunner;
import io.personaknob.eval.run.Samples;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code knob eval}: runs an evaluation and writes report.json and report.html into the run directory. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = {
      "Evaluate models on PersonaKnob and write a calibrated report (report.json, report.html).",
      "Selection and generation tasks on PersonaKnob, judges",
      "calibrated by a many-facet Rasch model, the 'are you sure?' sycophancy and",
      "XSTest refusal benchmarks, DPO implicit rewards. Writes report.json and a",
      "self-contained report.html into the run directory; an interrupted run resumes",
      "from its journal when started again with the same configuration.",
      "",
      "  knob eval --config eval.yaml",
      "  knob eval --sample --model ref=DIR --model dpo=DIR2 --reference ref --out runs/x",
      "",
      "See docs/eval.md for eval.yaml and the exact definition of every number."
    })
final class EvalCommand implements Callable<Integer> {

  @Option(names = "--config", paramLabel = "FILE", description = "The evaluation config (YAML or JSON): models, judges, tasks, data.")
  Path config;

  @Option(names = "--sample", description = "Evaluate on the bundled sample data with two offline reward-head judges.")
  boolean sample;

  @Option(names = "--model", paramLabel = "NAME=DIR", description = "A local model to evaluate (repeatable; with --sample).")
  List<String> models = new ArrayList<>();

  @Option(names = "--reference", paramLabel = "NAME", description = "With --sample: the reference model; the others get DPO implicit-reward metrics against it.")
  String reference;

  @Option(names = "--beta", defaultValue = "0.1", description = "β of the DPO implicit reward (with --sample; default ${DEFAULT-VALUE}).")
  double beta;

  @Option(names = "--out", paramLabel = "DIR", description = "The run directory (overrides the config's 'out').")
  Path out;

  @Option(names = "--tasks", split = ",", paramLabel = "TASK", description = "Only these tasks: selection, generation, sycophancy, refusal, dpo.")
  List<String> tasks;

  @Option(names = "--limit", paramLabel = "N", description = "At most N items per task (0 = all).")
  Integer limit;

  @Option(names = "--max-new-tokens", paramLabel = "N", description = "Answer length budget in tokens.")
  Integer maxNewTokens;

  @Option(names = "--monitor", paramLabel = "DIM=V.safetensors",
      description = "Activation monitor beside the judges: project each local model's answers on this steering vector "
          + "(from `knob steer vector`) and report its agreement with the judges in monitor.json (repeatable).")
  List<String> monitors = new ArrayList<>();

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    // Check every flag before anything is written: --sample materialises the bundled data into the run
    // directory, and a usage error or a missing model must not leave that behind.
    if (tasks != null) for (String x : tasks) if (!EvalConfig.TASKS.contains(x))
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--tasks: unknown task '" + x + "' (known: " + String.join(", ", EvalConfig.TASKS) + ")");
    if (limit != null && limit < 0)
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--limit must be >= 0, got " + limit);
    if (maxNewTokens != null && maxNewTokens < 1)
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--max-new-tokens must be >= 1, got " + maxNewTokens);
    EvalConfig cfg;
    if (config != null) {
      if (sample || !models.isEmpty()) throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "give either --config or --sample with --model, not both");
      cfg = EvalConfig.load(config);
    } else if (sample) {
      if (models.isEmpty()) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--sample needs at least one --model NAME=DIR");
      List<EvalConfig.ModelSpec> ms = new ArrayList<>();
      for (String m : models) {
        int i = m.indexOf('=');
        if (i <= 0 || i == m.length() - 1)
          throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--model expects NAME=DIR, got '" + m + "'");
        String name = m.substring(0, i);
        ms.add(new EvalConfig.ModelSpec(name, Path.of(m.substring(i + 1)), null,
            reference != null && !reference.equals(name) ? reference : null, beta));
      }
      if (reference != null && ms.stream().noneMatch(x -> x.name().equals(reference)))
        throw new UserException("--reference " + reference + ": no --model with that name");
      for (EvalConfig.ModelSpec x : ms)
        if (!Files.isDirectory(x.path())) throw new UserException(x.path() + ": no such model directory (model '" + x.name() + "')");
      Path o = out != null ? out : Path.of("runs", "eval");
      cfg = Samples.config(o, o, ms, maxNewTokens == null ? 48 : maxNewTokens);
    } else {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give --config FILE, or --sample with --model NAME=DIR");
    }
    if (out != null) cfg = cfg.withOut(out);
    if (tasks != null || limit != null || maxNewTokens != null) {
      var t = tasks == null ? cfg.tasks() : new LinkedHashSet<>(tasks);
      for (String x : t) if (!EvalConfig.TASKS.contains(x))
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--tasks: unknown task '" + x + "' (known: " + String.join(", ", EvalConfig.TASKS) + ")");
      var d = cfg.data();
      cfg = new EvalConfig(cfg.title(), cfg.out(), cfg.seed(),
          new EvalConfig.Data(d.personaknob(), d.split(), d.areYouSure(), d.xstest(), limit == null ? d.limit() : limit),
          cfg.models(), cfg.judges(), t, maxNewTokens == null ? cfg.maxNewTokens() : maxNewTokens, cfg.knobConfig(), cfg.validity());
    }
    var err = spec.commandLine().getErr();
    Map<io.personaknob.core.data.Dimension, io.personaknob.lm.steer.SteeringVector> vectors = new java.util.LinkedHashMap<>();
    for (String m : monitors) {
      int i = m.indexOf('=');
      var d = i <= 0 ? java.util.Optional.<io.personaknob.core.data.Dimension>empty() : io.personaknob.core.data.Dimension.parse(m.substring(0, i));
      if (d.isEmpty()) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--monitor expects DIM=FILE with DIM one of A, T, E, C, got '" + m + "'");
      vectors.put(d.get(), io.personaknob.lm.steer.SteeringVector.load(Path.of(m.substring(i + 1))));
    }
    EvalRunner.Result r = EvalRunner.run(cfg, line -> { err.println(line); err.flush(); });
    if (!vectors.isEmpty()) {
      var mon = io.personaknob.eval.run.EvalMonitor.run(r.runDir(), cfg, r.report(), vectors,
          dir -> io.personaknob.lm.LanguageModels.load(dir, "cpu"));
      err.println("activation monitor (Spearman rho with the judges' ratings per answer, pooled over models):");
      mon.pooledAnswerSpearman().forEach((d, rho) -> err.println("  " + d + ": " + (rho == null ? "n/a (fewer than 3 rated answers)" : String.format(java.util.Locale.ROOT, "%+.3f", rho))));
      err.println("  written to " + mon.file());
    }
    for (String l : io.personaknob.eval.report.Summary.lines(r.report())) err.println(l);
    err.flush();
    spec.commandLine().getOut().println(r.html());
    spec.commandLine().getOut().flush();
    return 0;
  }
}
