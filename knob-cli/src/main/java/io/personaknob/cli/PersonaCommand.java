package io.personaknob.cli;

import picocli.CommandLine.Command;

/** {@code knob persona ...}: PERSONA populations, feedback data and PERSONA Bench (docs/persona.md). */
@Command(
    name = "persona",
    mixinStandardHelpOptions = true,
    description = {
      "Census-grounded persona populations (ACS PUMS), persona-conditioned feedback and PERSONA Bench (docs/persona.md)."
    },
    subcommands = {
      PersonaSampleCommand.class,
      PersonaCheckCommand.class,
      PersonaStatsCommand.class,
      PersonaFeedbackCommand.class,
      PersonaBenchCommand.class,
      PersonaFixtureCommand.class,
    })
final class PersonaCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
