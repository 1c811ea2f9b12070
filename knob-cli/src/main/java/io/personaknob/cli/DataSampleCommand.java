package io.personaknob.cli;

import io.personaknob.core.data.SampleData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code knob data sample DIR}: writes the bundled PersonaKnob sample, so the README's commands have data to run on. */
@Command(
    name = "sample",
    mixinStandardHelpOptions = true,
    description = {
      "Write the bundled PersonaKnob sample (48 train, 16 test rows) as DIR/train.jsonl and DIR/test.jsonl.",
      "The same files knob demo copies into its work folder; existing files are replaced."
    })
final class DataSampleCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "DIR", description = "Folder to write into (created if missing).")
  Path dir;

  @Override
  public Integer call() throws Exception {
    if (Files.exists(dir) && !Files.isDirectory(dir)) throw new io.personaknob.core.UserException(dir + ": not a folder");
    Files.createDirectories(dir);
    Map<String, Path> files = SampleData.copyTo(dir);
    for (var e : files.entrySet()) {
      spec.commandLine().getOut().printf("%s: %d rows -> %s%n", e.getKey(), SampleData.split(e.getKey()).size(), e.getValue());
    }
    spec.commandLine().getOut().flush();
    return Knob.EXIT_OK;
  }
}
