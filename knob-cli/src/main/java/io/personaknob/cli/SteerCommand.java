package io.personaknob.cli;

import picocli.CommandLine.Command;

/**
 * {@code knob steer ...}: persona steering. Prompt templates measured as in the persona-steering-template
 * library (run, stats, export; knob-steer); activation steering vectors (vector, monitor, sweep; knob-lm's
 * mechanics, knob-train's pairs and monitor, knob-eval's calibrated sweep).
 */
@Command(
    name = "steer",
    mixinStandardHelpOptions = true,
    description = {
      "Steer a persona: measure prompt templates, and extract, apply and monitor activation vectors.",
      "Templates: which ones move a model along a persona axis and nothing else",
      "(template x persona-pair cells, blind A/B axis judges, style and confound judges, lexical audits; docs/steer.md),",
      "and extract, apply and monitor activation steering vectors (docs/steer-vectors.md)."
    },
    subcommands = {
      SteerRunCommand.class,
      SteerStatsCommand.class,
      SteerExportCommand.class,
      SteerVectorCommand.class,
      SteerMonitorCommand.class,
      SteerSweepCommand.class,
    })
final class SteerCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
