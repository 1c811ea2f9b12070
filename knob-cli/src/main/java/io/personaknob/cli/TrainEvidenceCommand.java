package io.personaknob.cli;

import io.personaknob.train.ConflictDataset;
import io.personaknob.train.LagDpoEvidence;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code knob train evidence}: the sum-vs-lagrangian experiment of docs/lag-dpo.md. */
@Command(name = "evidence", mixinStandardHelpOptions = true,
    description = {"Run the Lag-DPO evidence experiment: sum vs lagrangian on an A-vs-E conflict set.",
      "Trains a tiny model on a bundled A-vs-E conflict dataset with --objective sum and with",
      "lagrangian, then writes OUT/evidence/*.svg and summary.md (docs/lag-dpo.md §8). Finished arms are reused."})
final class TrainEvidenceCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.") Path out;
  @Option(names = "--steps", description = "Optimiser steps per arm (default 100 reducible, 200 irreducible).") int steps;
  @Option(names = "--conflict", paramLabel = "KIND", description = "Bundled dataset: reducible (default; the prompt "
      + "tells A from E) or irreducible (E rows ask A's questions with A's pair reversed).") String conflict = "reducible";
  @Option(names = "--data", paramLabel = "FILE", description = "Dataset (default: the bundled one of --conflict).") Path data;
  @Option(names = "--seed", description = "Seed of the model made in OUT/tiny-model and of the data order (default 42).")
  long seed = 42;
  @Option(names = "--model", paramLabel = "DIR", description = "Model (default: OUT/tiny-model, created with --seed).") Path model;

  @Override
  public Integer call() throws Exception {
    ConflictDataset.Kind kind = ConflictDataset.Kind.parse(conflict);
    if (steps == 0) steps = kind == ConflictDataset.Kind.IRREDUCIBLE ? 200 : 100;
    if (steps < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--steps must be >= 1");
    String md = LagDpoEvidence.run(out, model, data, kind, steps, seed, System.err);
    spec.commandLine().getOut().print(md);
    spec.commandLine().getOut().println("charts: " + out.resolve("evidence"));
    return 0;
  }
}
