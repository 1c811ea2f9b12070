package io.personaknob.cli;

import io.personaknob.build.BuildOptions;
import io.personaknob.build.BuildSession;
import io.personaknob.core.UserException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options shared by knob build plan, synthesize, verify and run (a picocli mixin), and how they run. */
final class BuildStageOptions {
  @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The build directory.")
  Path dir;

  @Option(names = "--config", paramLabel = "FILE", description = "Configuration (default: $KNOB_CONFIG, then ./knob.yaml).")
  Path config;

  @Option(names = "--store", paramLabel = "FILE", description = "Run store (default: DIR/store.sqlite).")
  Path store;

  @Option(names = "--n", paramLabel = "N", description = "Rows to plan (needed for a new build).")
  Integer n;

  @Option(names = "--seed", paramLabel = "S", description = "Seed of the plan, draws, judge order and split (default 0).")
  Long seed;

  @Option(names = "--sampler", defaultValue = "quota", paramLabel = "NAME",
      description = "quota (exact counts per mask, then a seeded shuffle) or uniform (seeded draws). Default: ${DEFAULT-VALUE}.")
  String sampler;

  @Option(names = "--masks", split = ",", paramLabel = "MASKS", description = "Masks to plan, e.g. AT,ATE (default: all of size >= 2).")
  List<String> masks;

  @Option(names = "--dims", split = ",", paramLabel = "DIMS", description = "Restrict the masks to these dimensions, e.g. A,T,E.")
  List<String> dims;

  @Option(names = "--allow-single-masks", description = "Allow masks of one dimension.")
  boolean allowSingleMasks;

  @Option(names = "--seed-scenes", paramLabel = "FILE", description = "Seed scenes: JSONL, CSV or Parquet with a text column (optional source column).")
  Path seedScenes;

  @Option(names = "--text-column", defaultValue = "text", paramLabel = "NAME", description = "Text column of --seed-scenes (default: ${DEFAULT-VALUE}).")
  String textColumn;

  @Option(names = "--topics", paramLabel = "FILE|LIST",
      description = "Draw seed scenes with the first generator from these topics (a file of one topic per line, or a comma list).")
  String topics;

  @Option(names = "--generators", split = ",", paramLabel = "NAMES", description = "Generator pool (drawn per row, seeded).")
  List<String> generators;

  @Option(names = "--verifier", split = ",", paramLabel = "NAMES",
      description = "Verifier model(s); a row gets the first that is not its generator.")
  List<String> verifiers;

  @Option(names = "--judges", split = ",", paramLabel = "NAMES", description = "Judges of the partial-order check.")
  List<String> judges;

  @Option(names = "--order-dims", defaultValue = "all", paramLabel = "all|mask",
      description = "Dimensions on which reject_k must not beat the golden: all four or the active ones (default: ${DEFAULT-VALUE}).")
  String orderDims;

  @Option(names = "--max-repairs", defaultValue = "2", description = "Repair turns for an unusable reply (default: ${DEFAULT-VALUE}).")
  int maxRepairs;

  @Option(names = "--allow-self-verify", description = "Let a generator verify its own rows when no other verifier is given.")
  boolean allowSelfVerify;

  @Option(names = "--prompts", paramLabel = "DIR", description = "Prompt overrides (NAME.txt), before DIR/prompts/ and the defaults.")
  Path prompts;

  @Option(names = "--concurrency", defaultValue = "16", description = "Rows processed at once (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--dry-run", description = "Print the calls and the estimated cost per stage; call nothing.")
  boolean dryRun;

  @Option(names = "--resample-failed",
      description = "Retry failed rows with new calls instead of their cached replies (for unusable replies).")
  boolean resampleFailed;

  BuildOptions toOptions() {
    BuildOptions o = new BuildOptions();
    o.dir = dir;
    o.config = config;
    o.store = store;
    o.n = n;
    o.seed = seed;
    o.sampler = sampler;
    o.masks = masks;
    o.dims = dims;
    o.allowSingleMasks = allowSingleMasks;
    o.seedScenes = seedScenes;
    o.textColumn = textColumn;
    o.topics = topics == null ? null : topicList(topics);
    o.generators = generators;
    o.verifiers = verifiers;
    o.judges = judges;
    o.orderDims = orderDims;
    o.maxRepairs = maxRepairs;
    o.allowSelfVerify = allowSelfVerify;
    o.prompts = prompts;
    o.concurrency = concurrency;
    o.dryRun = dryRun;
    o.resampleFailed = resampleFailed;
    return o;
  }

  private static List<String> topicList(String t) {
    Path p = Path.of(t);
    if (Files.isRegularFile(p)) {
      try {
        List<String> l = Files.readAllLines(p).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (l.isEmpty()) throw new UserException(p + ": no topics");
        return l;
      } catch (IOException e) {
        throw new UserException(p + ": cannot read: " + e.getMessage());
      }
    }
    return List.of(t.split(",")).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  /** Runs the stages; Ctrl-C / SIGTERM stops the calls, keeps finished rows and exits 130. */
  int run(CommandLine.Model.CommandSpec spec, BuildSession.Stages stages) {
    BuildSession s = new BuildSession(toOptions(), spec.commandLine().getOut(), spec.commandLine().getErr());
    try (StopOnSignal signal = StopOnSignal.install(!dryRun, s::stop)) {
      return s.execute(stages);
    }
  }
}
