package io.personaknob.cli;

import picocli.CommandLine.Command;

/** {@code knob data ...}: the PersonaKnob data commands. */
@Command(
    name = "data",
    mixinStandardHelpOptions = true,
    description = {
      "Validate, describe, convert, split and download PersonaKnob preference data; write the bundled sample.",
      "FILE is a .jsonl, .json or .parquet file, or a dataset folder (Hub layout data/train-00000-of-00001.parquet,"
          + " or train.jsonl/test.jsonl) read split by split."
    },
    subcommands = {
      DataValidateCommand.class,
      DataStatsCommand.class,
      DataPairsCommand.class,
      DataConvertCommand.class,
      DataSplitCommand.class,
      DataPullCommand.class,
      DataSampleCommand.class,
    })
final class DataCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
