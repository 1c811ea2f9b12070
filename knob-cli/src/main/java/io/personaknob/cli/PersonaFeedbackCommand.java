package io.personaknob.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.Provenance;
import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import io.personaknob.llm.Json;
import io.personaknob.persona.Feedback;
import io.personaknob.persona.Outputs;
import io.personaknob.persona.PersonaFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code knob persona feedback}: original → persona critique → revision, and DPO pairs. */
@Command(
    name = "feedback",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Persona-conditioned feedback (original, persona critique, revision) and DPO pairs.",
      "Each persona gets --per-persona prompts (seeded); for each, the generator",
      "answers (original), the critic critiques the answer as that persona (critique), the reviser applies the",
      "critique (data). Output JSONL columns persona, instruction, original, critique, data, ids and models.",
      "--pairs writes preference pairs (data preferred to original): trl, dpo, or knob (rows `knob train` reads).",
      "Calls are cached in the run store: re-running the same command resumes."
    })
final class PersonaFeedbackCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--personas", required = true, paramLabel = "pop.jsonl") Path personas;
  @Option(names = "--prompts", required = true, paramLabel = "FILE", description = "JSONL with prompt/question/instruction, or text lines.") Path prompts;
  @Option(names = "--per-persona", defaultValue = "200", description = "Prompts per persona (default: ${DEFAULT-VALUE}, as the paper).") int perPersona;
  @Option(names = "--seed", defaultValue = "0") long seed;
  @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Generator of the original answers (knob.yaml).") String model;
  @Option(names = "--critic", paramLabel = "MODEL", description = "Model that critiques as the persona (default: --model).") String critic;
  @Option(names = "--reviser", paramLabel = "MODEL", description = "Model that writes the revision (default: --model).") String reviser;
  @Option(names = "--out", required = true, paramLabel = "feedback.jsonl") Path out;
  @Option(names = "--pairs", paramLabel = "FILE", description = "Also write preference pairs.") Path pairs;
  @Option(names = "--pairs-format", defaultValue = "knob", paramLabel = "knob|trl|dpo", description = "Default: ${DEFAULT-VALUE}.") String pairsFormat;
  @Option(names = "--dimension", defaultValue = "E", paramLabel = "A|T|E|C",
      description = "knob format: the dimension slot that holds the single persona preference (default: ${DEFAULT-VALUE}).") String dimension;
  @Option(names = "--config", paramLabel = "FILE") Path config;
  @Option(names = "--store", paramLabel = "FILE") Path store;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    Feedback.PairFormat fmt;
    try {
      fmt = Feedback.PairFormat.valueOf(pairsFormat.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--pairs-format: use knob, trl or dpo");
    }
    Dimension slot = Dimension.parse(dimension).orElseThrow(() ->
        new CommandLine.ParameterException(spec.commandLine(), "--dimension: use A, T, E or C"));
    var ps = PersonaFile.read(personas, w -> err.println("warning: " + w));
    var qs = Feedback.readPrompts(prompts);
    var items = Feedback.assign(ps, qs, perPersona, seed);
    var models = new Feedback.Options(model, critic != null ? critic : model, reviser != null ? reviser : model);
    Map<String, Object> conf = new LinkedHashMap<>();
    conf.put("per_persona", perPersona);
    conf.put("seed", seed);
    conf.put("models", List.of(models.generator(), models.critic(), models.reviser()));
    Provenance prov = Provenance.of(conf, Map.of("personas", personas, "prompts", prompts));
    String run = "persona-feedback-" + Json.sha256(String.join("|", Provenance.sha256(personas), Provenance.sha256(prompts),
        Integer.toString(perPersona), Long.toString(seed), models.toString())).substring(0, 12);
    err.printf("knob persona feedback: %d personas x %d prompts = %d items (3 calls each), run %s%n", ps.size(), perPersona,
        items.size(), run);
    err.flush();
    try (PersonaLlm llm = new PersonaLlm(config, store, run, "persona-feedback", prov,
        new ArrayList<>(new LinkedHashSet<>(List.of(models.generator(), models.critic(), models.reviser()))))) {
      var rows = Feedback.run(llm.client, items, models, llm.progress(err, "feedback"));
      if (llm.client.isCancelled()) {
        err.println("knob persona feedback: interrupted; finished calls are stored. Re-run the same command to resume.");
        return 130;
      }
      if (!llm.client.downProviders().isEmpty())
        throw new UserException("provider " + String.join(", ", llm.client.downProviders()) + " went down; finished calls are"
            + " stored, no output written. Re-run the same command when it is back.");
      List<ObjectNode> lines = rows.stream().map(Feedback.Row::toJson).toList();
      Outputs.jsonl(out, lines);
      long failed = rows.stream().filter(r -> !r.ok()).count();
      ObjectNode extra = Json.MAPPER.createObjectNode();
      extra.put("rows", rows.size()).put("failed", failed);
      extra.set("calls", llm.callsJson());
      Outputs.provenance(out, prov.withVersions(io.personaknob.llm.RunStore.componentVersions()), extra);
      if (pairs != null) {
        List<ObjectNode> ps2 = new ArrayList<>();
        for (Feedback.Row r : rows) if (Feedback.usable(r)) ps2.add(Feedback.pair(r, fmt, slot));
        Outputs.jsonl(pairs, ps2);
        ObjectNode pe = Json.MAPPER.createObjectNode().put("pairs", ps2.size()).put("format", fmt.name().toLowerCase(Locale.ROOT))
            .put("skipped", rows.size() - ps2.size());
        Outputs.provenance(pairs, prov, pe);
        err.printf("knob persona feedback: wrote %d pairs (%s) to %s%n", ps2.size(), fmt.name().toLowerCase(Locale.ROOT), pairs);
      }
      err.printf("knob persona feedback: wrote %d rows (%d with an error) to %s; %s%n", rows.size(), failed, out, llm.summary());
      err.flush();
    }
    return Knob.EXIT_OK;
  }
}
