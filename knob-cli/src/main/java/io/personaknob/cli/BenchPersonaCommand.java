package io.personaknob.cli;

import io.personaknob.persona.PopulationBenchmark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code knob bench persona}: population sampling speed and memory on a generated PUMS-format file. */
@Command(
    name = "persona",
    mixinStandardHelpOptions = true,
    description = {
      "Measure persona population sampling (rows/s, peak heap) on a generated PUMS-format file.",
      "Writes a PUMS-format person file of --rows rows (and its housing file),",
      "then draw --n personas by A-ES and by exact PPS, with and without the housing join (rows/s, peak heap).",
      "Run with a small heap to show that memory stays flat: KNOB_JAVA_OPTS=-Xmx64m ./knob bench persona --rows 3000000"
    })
final class BenchPersonaCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--rows", defaultValue = "3000000", description = "Person rows (default ${DEFAULT-VALUE}).") long rows;
  @Option(names = "--n", defaultValue = "1586", description = "Personas to draw (default ${DEFAULT-VALUE}, the paper's population).") int n;
  @Option(names = "--dir", paramLabel = "DIR", description = "Scratch folder (default: a temp folder, deleted after).") Path dir;

  @Override
  public Integer call() throws Exception {
    boolean temp = dir == null;
    Path d = temp ? Files.createTempDirectory("knob-bench-persona") : Files.createDirectories(dir);
    try {
      PopulationBenchmark.run(d, rows, n, spec.commandLine().getOut());
      return Knob.EXIT_OK;
    } finally {
      if (temp) {
        try (var walk = Files.walk(d)) {
          for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
      }
    }
  }
}
