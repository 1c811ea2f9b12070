package io.personaknob.cli;

import io.personaknob.build.BuildState;
import io.personaknob.build.Status;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code knob build status}. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Rows per stage and status, the plan's mask counts and the pass rate of each stage.")
final class BuildStatusCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The build directory.")
  Path dir;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() {
    BuildState.readSpec(dir);
    Status.print(dir, BuildState.readRows(dir), json, spec.commandLine().getOut());
    return Knob.EXIT_OK;
  }
}
