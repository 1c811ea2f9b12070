package io.personaknob.cli;

import io.personaknob.build.BuildRow;
import io.personaknob.build.BuildState;
import io.personaknob.build.Review;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code knob build review}: import review verdicts (the contract shared with the studio / knob review). */
@Command(name = "review", mixinStandardHelpOptions = true,
    description = {"Stage 4: import review verdicts for the rows in DIR/review-queue.jsonl and accept or reject them.",
        "VERDICTS: JSONL or CSV with item_id (= build_id), reviewer, check, verdict (pass, fail, unsure or an integer"
            + " rating), optional comment and time. Checks: needs_all_traits, reject_fails_own:K,"
            + " reject_not_better_elsewhere:K, realistic."})
final class BuildReviewCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The build directory.")
  Path dir;

  @Option(names = "--verdicts", required = true, paramLabel = "FILE", description = "Review verdicts (JSONL or CSV).")
  Path verdicts;

  @Option(names = "--rule", defaultValue = "majority", paramLabel = "majority|all",
      description = "majority: every check a strict majority of its reviewers passed; all: every reviewer passed every check."
          + " Default: ${DEFAULT-VALUE}.")
  String rule;

  @Option(names = "--pass-rating", defaultValue = "4", description = "An integer verdict counts as pass from this rating (default: ${DEFAULT-VALUE}).")
  int passRating;

  @Override
  public Integer call() {
    BuildState.readSpec(dir);
    List<BuildRow> rows = BuildState.readRows(dir);
    Review.Outcome o = Review.apply(rows, verdicts, rule, passRating);
    BuildState.writeRows(dir, rows);
    Review.writeQueue(dir, rows);
    spec.commandLine().getOut().printf("%d verdicts: %d rows accepted, %d rejected, %d still waiting for review, %d verdicts"
        + " on rows not in review ignored%n", o.verdicts(), o.accepted(), o.rejected(), o.stillWaiting(), o.ignored());
    return Knob.EXIT_OK;
  }
}
