package io.personaknob.persona.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.Provenance;
import io.personaknob.llm.Json;
import io.personaknob.persona.Outputs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The run directory of {@code knob persona bench}: {@code results.json} (+ its provenance), {@code samples.jsonl}
 * and the self-contained {@code report.html}, each written atomically. The studio finds bench runs by
 * {@link #RESULTS} beside {@link #REPORT} and renders their summary from {@code results.json}.
 */
public final class BenchOutput {
  private BenchOutput() {}

  public static final String RESULTS = "results.json";
  public static final String SAMPLES = "samples.jsonl";
  public static final String REPORT = "report.html";

  /** The results object: model, critics, then {@link BenchResults#compute} (modes, calibration). */
  public static ObjectNode results(String model, PersonaBench.Options o, List<PersonaBench.Row> rows, long seed) {
    ObjectNode res = Json.MAPPER.createObjectNode();
    res.put("model", model);
    var cs = res.putArray("critics");
    o.critics().forEach(cs::add);
    res.setAll(BenchResults.compute(rows, o, seed));
    return res;
  }

  /** One sample line per (task, critic). */
  public static ObjectNode sample(PersonaBench.Row r) {
    ObjectNode s = Json.MAPPER.createObjectNode();
    var t = r.task();
    s.put("eval", t.eval()).put("mode", t.mode().id()).put("pair", t.pair()).put("persona_id", t.persona().id())
        .put("question_id", t.question().id()).put("variant", t.variant()).put("attempt", t.attempt()).put("critic", r.critic())
        .put("answer", r.answer());
    if (r.score() != null) s.put("score", r.score());
    else s.putNull("score");
    if (r.critique() != null) s.set("critique", Json.MAPPER.valueToTree(Map.of("chain_of_thought", r.critique().chainOfThought(),
        "personalization_critic", r.critique().personalizationCritic(), "helpfulness_critic", r.critique().helpfulnessCritic(),
        "conclusion", r.critique().conclusion(), "needs_revision", r.critique().needsRevision())));
    if (r.error() != null) s.put("error", r.error());
    return s;
  }

  /** Writes the run directory {@code out}: samples, results with provenance, then the report. */
  public static void write(Path out, ObjectNode results, List<PersonaBench.Row> rows, Provenance prov) {
    List<ObjectNode> samples = new ArrayList<>();
    for (PersonaBench.Row r : rows) samples.add(sample(r));
    Outputs.jsonl(out.resolve(SAMPLES), samples);
    Outputs.json(out.resolve(RESULTS), results);
    Outputs.provenance(out.resolve(RESULTS), prov, null);
    Outputs.text(out.resolve(REPORT), BenchReport.html(results));
  }
}
