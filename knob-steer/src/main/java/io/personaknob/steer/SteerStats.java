package io.personaknob.steer;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.Provenance;
import io.personaknob.llm.Json;
import io.personaknob.llm.RunStore;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code knob steer stats}: the library's two aggregate tables (exact), plus the scores (HEAD or
 * six-factor), bootstrap intervals per cell, the many-facet Rasch calibration of the axis judges and the
 * adaptive-sweep simulation.
 */
public final class SteerStats {

  /** Settings. {@code sweepFull} ≤ 0 skips the simulation; {@code calibrate} false skips the Rasch fit. */
  public record Options(Scores.Kind score, int bootstrap, long seed, boolean calibrate, int sweepFull, int sweepStart, int sweepStep,
      int sweepReps, int axisJudges) {
    public static Options defaults() {
      return new Options(Scores.Kind.HEAD, 2000, 0, true, 12, 2, 2, 200, 2);
    }
  }

  /** All outputs. */
  public record Result(List<ExampleRow> examples, List<ObjectNode> pairStats, List<ObjectNode> templateStats,
      List<ObjectNode> cellScores, List<ObjectNode> templateScores, ObjectNode calibration, ObjectNode sweep) {}

  public static Result compute(Path examplesFile, Options o) {
    List<ExampleRow> rows = StatsTables.readExamples(examplesFile);
    List<ObjectNode> pair = StatsTables.templatePairStats(rows);
    List<ObjectNode> tmpl = StatsTables.templateStats(rows);
    List<ObjectNode> cells = Scores.cells(pair);
    if (o.bootstrap() > 0) Uncertainty.addIntervals(cells, rows, o.bootstrap(), o.seed());
    List<ObjectNode> ts = Scores.templates(pair, o.score());
    ObjectNode cal = null;
    if (o.calibrate()) {
      try {
        cal = Calibration.fit(StatsTables.readTable(examplesFile), tmpl);
      } catch (io.personaknob.core.UserException e) {
        // too little variation to calibrate (e.g. every judgment in one category): say so instead of failing the tables
        cal = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("skipped", e.getMessage());
      }
    }
    ObjectNode sweep = null;
    if (o.sweepFull() > 0) {
      double callsPerExample = 2 + 4.0 * o.axisJudges() + 2;
      sweep = Uncertainty.simulate(rows, o.sweepFull(), o.sweepStart(), o.sweepStep(), 1.96, o.sweepReps(), callsPerExample, o.seed())
          .toJson();
    }
    return new Result(rows, pair, tmpl, cells, ts, cal, sweep);
  }

  /** Writes the tables and the extras into {@code dir}, with a provenance file. */
  public static void write(Path dir, Result r, Provenance prov) {
    StatsTables.write(dir, r.pairStats(), r.templateStats());
    StatsTables.writeText(dir.resolve("template_pair_scores.jsonl"), StatsTables.jsonl(r.cellScores()));
    StatsTables.writeText(dir.resolve("template_scores.jsonl"), StatsTables.jsonl(r.templateScores()));
    if (r.calibration() != null) StatsTables.writeText(dir.resolve("calibration.json"), pretty(r.calibration()));
    if (r.sweep() != null) StatsTables.writeText(dir.resolve("adaptive_sweep.json"), pretty(r.sweep()));
    ObjectNode p = JsonNodeFactory.instance.objectNode();
    p.set("provenance", Json.MAPPER.valueToTree(RunStore.provenanceMap(prov)));
    StatsTables.writeText(dir.resolve("stats.provenance.json"), pretty(p));
  }

  static String pretty(ObjectNode o) {
    try {
      return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
