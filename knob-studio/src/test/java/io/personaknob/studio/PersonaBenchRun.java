package io.personaknob.studio;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.Provenance;
import io.personaknob.llm.Json;
import io.personaknob.llm.KnobConfig;
import io.personaknob.llm.LlmClient;
import io.personaknob.llm.RunStore;
import io.personaknob.llm.testing.ScriptedOpenAiServer;
import io.personaknob.persona.Persona;
import io.personaknob.persona.PersonaKey;
import io.personaknob.persona.bench.BenchMode;
import io.personaknob.persona.bench.BenchOutput;
import io.personaknob.persona.bench.PersonaBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A real PERSONA Bench run for the studio tests: knob-persona's bench against the scripted OpenAI-compatible
 * server (its default, schema-conforming replies), written by knob-persona's own run writer
 * ({@link BenchOutput}), exactly as {@code knob persona bench --out DIR} writes it.
 */
public final class PersonaBenchRun {
  private PersonaBenchRun() {}

  /** The subgroup name and second critic's name: untrusted text that must show as text. */
  public static final String EVIL = "<script>window.pwned=3</script>";

  /** Runs the bench (2 modes, all four evaluations, 2 critics) and writes the run directory {@code out}. */
  public static ObjectNode write(Path out, Path scratch) throws Exception {
    List<Persona> ps = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Map<PersonaKey, String> v = new EnumMap<>(PersonaKey.class);
      v.put(PersonaKey.AGE, Integer.toString(30 + i));
      v.put(PersonaKey.SEX, i % 2 == 0 ? "Female" : "Male");
      ps.add(new Persona("p" + i, null, 1, v));
    }
    List<PersonaBench.Question> qs = new ArrayList<>();
    for (int i = 0; i < 4; i++) qs.add(new PersonaBench.Question("q" + i, "Question " + i + ": how do I plan my week?"));
    var inter = PersonaBench.intersections(Json.read("[{\"name\": " + Json.MAPPER.writeValueAsString(EVIL)
        + ", \"attributes\": [{\"attribute\": \"sex\", \"values\": [\"Female\"]}]}]"), "inter.json");
    var o = new PersonaBench.Options("tested", List.of("critic-a", EVIL), List.of(BenchMode.BASELINE, BenchMode.OUTPUT_ONLY),
        Set.of("main", "pass_at_k", "loo", "intersections"), 4, 2, 1.0, 2, List.of(PersonaKey.AGE), inter);
    Files.createDirectories(scratch);
    try (ScriptedOpenAiServer s = new ScriptedOpenAiServer(); RunStore store = RunStore.open(scratch.resolve("store.sqlite"))) {
      KnobConfig conf = KnobConfig.parse("""
          providers:
            p:
              base_url: %s
              max_retries: 1
              timeout_seconds: 5
          models:
            tested: {provider: p, model: tiny-tested}
            critic-a: {provider: p, model: tiny-a}
            %s: {provider: p, model: tiny-b}
          """.formatted(s.baseUrl(), Json.MAPPER.writeValueAsString(EVIL)), Path.of("knob.yaml"));
      List<PersonaBench.Row> rows;
      try (LlmClient c = LlmClient.builder(conf).store(store).runId("studio-test").build()) {
        rows = PersonaBench.run(c, ps, qs, o, null);
      }
      ObjectNode res = BenchOutput.results(o.model(), o, rows, 1);
      BenchOutput.write(out, res, rows, Provenance.of(Map.of("test", "studio"), Map.of()));
      return res;
    }
  }
}
