package io.personaknob.cli;

import picocli.CommandLine.Command;

/**
 * {@code knob steer ...}: persona steering. Prompt templates measured as in the persona-steering-template
 * library (run, stats, export; knob-steer). Activation vectors ({@code knob steer vector}, knob-lm) are added
 * to the subcommand list below with one line.
 */
@Command(
    name = "steer",
    mixinStandardHelpOptions = true,
    description = {
      "Persona steering: measure which prompt templates move a model along a persona axis and nothing else",
      "(template x persona-pair cells, blind A/B axis judges, style and confound judges, lexical audits; docs/steer.md)."
    },
    subcommands = {
      SteerRunCommand.class,
      SteerStatsCommand.class,
      SteerExportCommand.class,
    })
final class SteerCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
