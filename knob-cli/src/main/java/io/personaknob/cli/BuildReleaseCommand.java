package io.personaknob.cli;

import io.personaknob.build.Release;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code knob build release}. */
@Command(name = "release", mixinStandardHelpOptions = true,
    description = {"Write the accepted rows as a Hub-layout dataset: OUT/data/{train,test}-00000-of-00001.parquet"
        + " (seeded split, stratified by mask), OUT/README.md (dataset card with YAML front matter) and"
        + " OUT/release.provenance.json."})
final class BuildReleaseCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The build directory.")
  Path dir;

  @Option(names = "--out", paramLabel = "OUT", description = "Output folder (default: DIR/release).")
  Path out;

  @Option(names = "--test-fraction", defaultValue = "0.2", description = "Share of each mask for test (default ${DEFAULT-VALUE}).")
  double fraction;

  @Option(names = "--seed", paramLabel = "S", description = "Seed of the split (default: the build's seed).")
  Long seed;

  @Option(names = "--include-unreviewed", description = "Also release rows that passed the automatic checks but have no review yet.")
  boolean includeUnreviewed;

  @Option(names = "--license", defaultValue = "mit", description = "License in the card (default: ${DEFAULT-VALUE}).")
  String license;

  @Override
  public Integer call() {
    Release.Result r = Release.write(dir, out != null ? out : dir.resolve("release"), fraction, seed, includeUnreviewed, license);
    spec.commandLine().getOut().printf("released %d rows to %s: train %d, test %d%n", r.train() + r.test(), r.dir(), r.train(), r.test());
    return Knob.EXIT_OK;
  }
}
