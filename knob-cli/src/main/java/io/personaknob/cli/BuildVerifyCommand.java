package io.personaknob.cli;

import io.personaknob.build.BuildSession;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code knob build verify}. */
@Command(name = "verify", mixinStandardHelpOptions = true, description = {"Stage 3: LLM verifier, then the partial order by judges (pairwise, blind, swapped)."},
    footer = {"", "Exit codes: 0 done (rows that failed are recorded in rows.jsonl), 1 bad input or configuration,"
        + " 2 usage error, 3 internal failure, 130 interrupted (re-run to resume)."})
final class BuildVerifyCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin BuildStageOptions options;

  @Override
  public Integer call() {
    return options.run(spec, BuildSession.Stages.VERIFY);
  }
}
