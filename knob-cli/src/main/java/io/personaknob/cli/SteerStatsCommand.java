package io.personaknob.cli;

import io.personaknob.core.Provenance;
import io.personaknob.steer.Scores;
import io.personaknob.steer.SteerStats;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code knob steer stats}: the library's aggregate tables from an examples file, plus scores and intervals. */
@Command(
    name = "stats",
    mixinStandardHelpOptions = true,
    description = {
      "Aggregate a steering examples file (the library's examples schema) into DIR/template_pair_stats.{jsonl,csv}"
          + " and DIR/template_stats.{jsonl,csv}: the library's columns, rounding and row order.",
      "Also writes DIR/template_pair_scores.jsonl (HEAD score, six-factor score, 95%% bootstrap interval, pass/fail/uncertain),"
          + " DIR/template_scores.jsonl (score, score_t, Hub score), DIR/calibration.json (many-facet Rasch fit of the axis"
          + " judges) and DIR/adaptive_sweep.json (calls an adaptive sweep saves)."
    })
final class SteerStatsCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--examples", required = true, paramLabel = "FILE", description = "Examples JSONL (library schema).")
  Path examples;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  Path out;

  @Option(names = "--score", defaultValue = "head", paramLabel = "KIND",
      description = "Template score: head (100 on-axis (1 - off-axis)) or six-factor (the older score). Default: ${DEFAULT-VALUE}.")
  String score;

  @Option(names = "--bootstrap", defaultValue = "2000", paramLabel = "B", description = "Bootstrap resamples per cell (0: none). Default: ${DEFAULT-VALUE}.")
  int bootstrap;

  @Option(names = "--seed", defaultValue = "0", description = "Seed of the bootstrap and the sweep simulation. Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--no-calibration", description = "Skip the Rasch fit of the axis judges.")
  boolean noCalibration;

  @Option(names = "--sweep-scenarios", defaultValue = "12", paramLabel = "N",
      description = "Scenarios per cell of the simulated full grid (0: no sweep simulation). Default: ${DEFAULT-VALUE}.")
  int sweepFull;

  @Override
  public Integer call() {
    Scores.Kind kind = switch (score) {
      case "head" -> Scores.Kind.HEAD;
      case "six-factor", "six_factor" -> Scores.Kind.SIX_FACTOR;
      default -> throw new CommandLine.ParameterException(spec.commandLine(), "--score: head or six-factor, not '" + score + "'");
    };
    if (bootstrap < 0) throw new CommandLine.ParameterException(spec.commandLine(), "--bootstrap must be ≥ 0");
    SteerStats.Options o = new SteerStats.Options(kind, bootstrap, seed, !noCalibration, sweepFull, 2, 2, 200, 2);
    long t0 = System.nanoTime();
    SteerStats.Result r = SteerStats.compute(examples, o);
    Map<String, Object> conf = new LinkedHashMap<>();
    conf.put("command", "steer stats");
    conf.put("score", kind.name().toLowerCase());
    conf.put("bootstrap", bootstrap);
    conf.put("seed", seed);
    conf.put("calibration", !noCalibration);
    conf.put("sweep_scenarios", sweepFull);
    SteerStats.write(out, r, Provenance.of(conf, Map.of("examples", examples)));
    long errors = r.examples().stream().filter(e -> e.error()).count();
    var err = spec.commandLine().getErr();
    err.printf("knob steer stats: %d examples (%d with an error, left out) -> %d template x pair rows, %d template rows in %s (%.1f s)%n",
        r.examples().size(), errors, r.pairStats().size(), r.templateStats().size(), out, (System.nanoTime() - t0) / 1e9);
    if (r.sweep() != null) {
      err.printf("adaptive sweep (simulated): %.1f%% of the full grid's calls saved; decision accuracy %.4f vs %.4f%n",
          100 * r.sweep().get("calls_saved_fraction").doubleValue(), r.sweep().get("adaptive_decision_accuracy").doubleValue(),
          r.sweep().get("full_grid_decision_accuracy").doubleValue());
    }
    err.flush();
    return Knob.EXIT_OK;
  }
}
