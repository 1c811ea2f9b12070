package io.personaknob.cli;

import io.personaknob.build.BuildSession;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code knob build plan}. */
@Command(name = "plan", mixinStandardHelpOptions = true, description = {"Stage 1: plan the rows (masks, seed scenes, generator per row) into DIR/rows.jsonl."},
    footer = {"", "Exit codes: 0 done (rows that failed are recorded in rows.jsonl), 1 bad input or configuration,"
        + " 2 usage error, 3 internal failure, 130 interrupted (re-run to resume)."})
final class BuildPlanCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin BuildStageOptions options;

  @Override
  public Integer call() {
    return options.run(spec, BuildSession.Stages.PLAN);
  }
}
