package io.personaknob.cli;

import io.personaknob.persona.Consistency;
import io.personaknob.persona.Persona;
import io.personaknob.persona.PersonaFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code knob persona check}: every consistency-rule violation as {@code id: rule: message}. */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {
      "Check personas against the consistency rules; exit 1 on any violation.",
      "The rules are the PUMS universes and a few plausibility checks (docs/persona.md); every violation is printed as",
      "'id: rule: message'. Unknown keys are warnings.",
    })
final class PersonaCheckCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "pop.jsonl", description = "Persona JSONL.") Path file;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
    List<Persona> ps = PersonaFile.read(file, w -> err.println("warning: " + w));
    List<Consistency.Violation> v = Consistency.check(ps);
    for (Consistency.Violation x : v) out.println(x);
    long bad = v.stream().map(Consistency.Violation::personaId).distinct().count();
    err.printf("knob persona check: %d personas, %d violations in %d personas (%d rules)%n", ps.size(), v.size(), bad,
        Consistency.RULES.size());
    out.flush();
    err.flush();
    return v.isEmpty() ? Knob.EXIT_OK : Knob.EXIT_USER;
  }
}
