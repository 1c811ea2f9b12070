package io.personaknob.cli;

import picocli.CommandLine.Command;

/** {@code knob build ...}: build new PersonaKnob data with LLMs (knob-build). */
@Command(
    name = "build",
    mixinStandardHelpOptions = true,
    description = {
      "Build new PersonaKnob rows with LLMs in four stages: plan (masks, seed scenes, generators), synthesize"
          + " (structured generation + attribution check), verify (LLM verifier + partial-order judges) and"
          + " review (a queue, imported verdicts, then release as a Hub-layout dataset with a card).",
      "One --dir holds the build: build.json, rows.jsonl (every planned row with its stage, status and reasons),"
          + " review-queue.jsonl, store.sqlite (cached calls). Every command resumes: re-run it after a kill or an"
          + " outage and only unfinished or failed rows are processed; no successful call is repeated.",
      "Models are names from knob.yaml (--config, $KNOB_CONFIG or ./knob.yaml), as for knob judge. See docs/build.md."
    },
    subcommands = {
      BuildPlanCommand.class,
      BuildSynthesizeCommand.class,
      BuildVerifyCommand.class,
      BuildRunCommand.class,
      BuildReviewCommand.class,
      BuildReleaseCommand.class,
      BuildStatusCommand.class,
    })
final class BuildCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
