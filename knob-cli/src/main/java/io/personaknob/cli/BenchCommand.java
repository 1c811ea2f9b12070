package io.personaknob.cli;

import picocli.CommandLine.Command;

/**
 * {@code knob bench AREA}: performance measurements whose results go to docs/benchmarks.md. Each area
 * registers its own subcommand class here.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Measure performance (results belong in docs/benchmarks.md).",
    subcommands = {
      BenchDataCommand.class,
      IrtBenchCommand.class,
      BenchLmCommand.class,
      BenchServeCommand.class,
      BenchLlmCommand.class,
      BenchTrainCommand.class,
      BenchPersonaCommand.class,
      BenchSteerCommand.class,
      BenchVectorsCommand.class,
      BenchBuildCommand.class,
    })
final class BenchCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
