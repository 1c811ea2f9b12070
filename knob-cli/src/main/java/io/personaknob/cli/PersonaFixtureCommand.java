package io.personaknob.cli;

import io.personaknob.persona.SyntheticPums;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code knob persona fixture}: a synthetic PUMS-format person/housing file pair and the dictionary excerpt. */
@Command(
    name = "fixture",
    mixinStandardHelpOptions = true,
    description = {
      "Write synthetic PUMS-format files and the data-dictionary excerpt, to try the commands.",
      "A synthetic population in the ACS PUMS CSV layout (DIR/psam_p.csv, DIR/psam_h.csv) and the bundled",
      "data-dictionary excerpt in the Census CSV layout (DIR/PUMS_Data_Dictionary_excerpt.csv), to try the commands",
      "without downloading real PUMS files. Not census data: weights favour women (about 68 % of the weight)."
    })
final class PersonaFixtureCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--out", required = true, paramLabel = "DIR") Path out;
  @Option(names = "--rows", defaultValue = "100000", description = "Person rows (default ${DEFAULT-VALUE}).") long rows;
  @Option(names = "--seed", defaultValue = "1") long seed;

  @Override
  public Integer call() throws Exception {
    Files.createDirectories(out);
    SyntheticPums.write(out.resolve("psam_p.csv"), out.resolve("psam_h.csv"), rows, seed);
    SyntheticPums.writeDictionary(out.resolve("PUMS_Data_Dictionary_excerpt.csv"));
    spec.commandLine().getErr().printf("knob persona fixture: wrote %,d person rows and their households to %s%n", rows, out);
    return Knob.EXIT_OK;
  }
}
