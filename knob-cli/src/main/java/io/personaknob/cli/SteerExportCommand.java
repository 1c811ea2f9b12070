package io.personaknob.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.Provenance;
import io.personaknob.core.UserException;
import io.personaknob.steer.HubExport;
import io.personaknob.steer.Inputs;
import io.personaknob.steer.Scores;
import io.personaknob.steer.StatsTables;
import io.personaknob.steer.Uncertainty;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code knob steer export --hf DIR}: a Hub-layout dataset and an HTML results page of a steering run. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Export a steering run as a Hub-layout dataset: DIR/README.md (dataset card) and DIR/data/<split>.parquet for the"
          + " splits main, template_pair_cells, persona_pairs, examples and controls (nested values as JSON text),"
          + " plus DIR/results.html (self-contained: on-axis vs off-axis scatter with intervals, top templates, per-pair tables)."
    })
final class SteerExportCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--hf", required = true, paramLabel = "DIR", description = "Output dataset directory.")
  Path dir;

  @Option(names = "--examples", required = true, paramLabel = "FILE", description = "Examples JSONL (library schema).")
  Path examples;

  @Option(names = "--stats", paramLabel = "DIR",
      description = "Directory with template_pair_stats.jsonl and template_stats.jsonl (default: computed from --examples).")
  Path stats;

  @Option(names = "--pairs", paramLabel = "FILE", description = "Persona pairs JSONL (adds their definitions to persona_pairs).")
  Path pairs;

  @Option(names = "--controls", paramLabel = "FILE",
      description = "Examples of a control-template run (default: the control-template cells of --examples, if any).")
  Path controls;

  @Option(names = "--id", paramLabel = "NAME", description = "Measurement id (default: the examples file name).")
  String id;

  @Option(names = "--bootstrap", defaultValue = "2000", paramLabel = "B", description = "Bootstrap resamples per cell. Default: ${DEFAULT-VALUE}.")
  int bootstrap;

  @Override
  public Integer call() {
    var rows = StatsTables.readExamples(examples);
    List<ObjectNode> pairStats;
    List<ObjectNode> templateStats;
    if (stats != null) {
      Path p = stats.resolve("template_pair_stats.jsonl");
      Path t = stats.resolve("template_stats.jsonl");
      if (!Files.exists(p)) throw new UserException(p + ": no such file (run knob steer stats first, or leave out --stats)");
      pairStats = StatsTables.readTable(p);
      templateStats = StatsTables.readTable(t);
    } else {
      pairStats = StatsTables.templatePairStats(rows);
      templateStats = StatsTables.templateStats(rows);
    }
    List<ObjectNode> cells = Scores.cells(pairStats);
    if (bootstrap > 0) Uncertainty.addIntervals(cells, rows, bootstrap, 0);
    List<ObjectNode> controlRows = new ArrayList<>();
    if (controls != null) {
      controlRows.addAll(StatsTables.templatePairStats(StatsTables.readExamples(controls)));
    } else {
      for (ObjectNode p : pairStats) if (Inputs.CONTROL_TEMPLATES.contains(p.get("template").asText())) controlRows.add(p);
    }
    String mid = id != null ? id : examples.getFileName().toString().replaceFirst("(_examples)?\\.jsonl$", "");
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("measurement_id", mid);
    meta.put("score_formula", "100 * on_axis * (1 - off_axis)");
    meta.put("examples_file", examples.getFileName().toString());
    HubExport.Run run = new HubExport.Run(mid, StatsTables.readTable(examples), pairStats, templateStats, cells,
        Scores.templates(pairStats, Scores.Kind.HEAD), controlRows, pairs == null ? null : Inputs.readPairs(pairs), meta);
    Map<String, Path> inputs = new HashMap<>();
    inputs.put("examples", examples);
    if (pairs != null) inputs.put("pairs", pairs);
    if (controls != null) inputs.put("controls", controls);
    Map<String, Object> conf = new LinkedHashMap<>();
    conf.put("command", "steer export");
    conf.put("bootstrap", bootstrap);
    Map<String, Integer> counts = HubExport.write(dir, run, Provenance.of(conf, inputs));
    spec.commandLine().getErr().printf("knob steer export: %s -> %s/data/<split>.parquet, README.md, results.html%n", counts, dir);
    spec.commandLine().getErr().flush();
    return Knob.EXIT_OK;
  }
}
