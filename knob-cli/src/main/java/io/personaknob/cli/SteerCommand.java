package io.personaknob.cli;

import picocli.CommandLine.Command;

/** {@code knob steer ...}: steering the persona — activation vectors (and template measurement). */
@Command(
    name = "steer",
    mixinStandardHelpOptions = true,
    description = "Steer a model's persona: extract, apply and monitor activation steering vectors.",
    subcommands = {
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
