package io.personaknob.persona.bench;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.llm.Json;
import io.personaknob.llm.LlmClient;
import io.personaknob.llm.RunStore;
import io.personaknob.llm.testing.ScriptedOpenAiServer;
import io.personaknob.llm.testing.ScriptedOpenAiServer.Reply;
import io.personaknob.persona.Persona;
import io.personaknob.persona.PersonaKey;
import io.personaknob.persona.TestLlm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole bench against a scripted server whose answers and critiques are known in advance, so every
 * metric has a hand-computed value: the model answers generically in baseline mode and when the persona
 * lacks its age, personally otherwise (pass@k: only attempts 3 and 7 of 8); critic-a accepts the personal
 * answers except on question 4, critic-b accepts the personal answers to even questions.
 */
class PersonaBenchTest {

  static List<Persona> personas(int n) {
    List<Persona> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Map<PersonaKey, String> v = new EnumMap<>(PersonaKey.class);
      v.put(PersonaKey.AGE, Integer.toString(20 + i));
      v.put(PersonaKey.SEX, i % 2 == 0 ? "Female" : "Male");
      v.put(PersonaKey.RACE, "Two or More Races");
      out.add(new Persona("p" + i, null, 1, v));
    }
    return out;
  }

  static final Pattern Q = Pattern.compile("\\[Task\\]: Q(\\d+) ");

  static Reply script(ScriptedOpenAiServer.Request r) {
    if (r.model().equals("tiny-tested")) {
      String sys = r.system();
      boolean personal;
      if (sys.contains("personalise your answer for the user")) personal = false; // baseline
      else if (r.body().has("seed")) personal = r.body().get("seed").asLong() % 4 == 3; // pass_at_k attempts 3 and 7
      else personal = sys.contains("age: ");
      String keys = sys.contains("demographic_summary") ? "\"demographic_summary\": \"s\", " : sys.contains("(chain_of_thought)") ? "\"chain_of_thought\": \"c\", " : "";
      return Reply.content("{" + keys + "\"answer_to_question\": \"" + (personal ? "PERSONAL" : "GENERIC") + " <b>answer</b>\"}");
    }
    String u = r.user();
    boolean generic = u.contains("[Submission]: GENERIC");
    Matcher m = Q.matcher(u);
    assertTrue(m.find(), u);
    int q = Integer.parseInt(m.group(1));
    boolean needs = generic || r.model().equals("tiny-b") && q % 2 == 1 || r.model().equals("tiny-a") && q == 4;
    return Reply.content("{\"chain_of_thought\": \"t\", \"personalization_critic\": \"p\", \"helpfulness_critic\": \"h\","
        + " \"conclusion\": \"c\", \"needs_revision\": " + needs + "}");
  }

  @Test
  void everyEvaluationAgainstHandComputedValues(@TempDir Path dir) throws Exception {
    List<Persona> ps = personas(6);
    List<PersonaBench.Question> qs = new ArrayList<>();
    for (int i = 0; i < 6; i++) qs.add(new PersonaBench.Question("q" + i, "Q" + i + " what should I do about my <rent>?"));
    var inter = PersonaBench.intersections(Json.read("""
        [{"name": "women", "attributes": [{"attribute": "sex", "values": ["Female"]}]},
         {"attributes": [{"attribute": "sex", "values": ["Male"]}, {"attribute": "age", "values": [21, 23]}]}]"""), "x.json");
    var o = new PersonaBench.Options("tested", List.of("critic-a", "critic-b"), List.of(BenchMode.BASELINE, BenchMode.OUTPUT_ONLY),
        Set.of("main", "pass_at_k", "loo", "intersections"), 6, 8, 1.0, 6, List.of(PersonaKey.AGE, PersonaKey.SEX), inter);
    JsonNode res;
    try (ScriptedOpenAiServer s = new ScriptedOpenAiServer(); RunStore store = RunStore.open(dir.resolve("s.sqlite"))) {
      s.script(PersonaBenchTest::script);
      List<PersonaBench.Row> rows;
      try (LlmClient c = LlmClient.builder(TestLlm.config(s.baseUrl())).store(store).runId("b1").build()) {
        rows = PersonaBench.run(c, ps, qs, o, null);
      }
      int calls = s.requests();
      // generations: per mode main 6 + pass@k 48 + loo 6×4 + intersections 5 (persons 0,1,2,3,4 match; 5 is 25 and male)
      int gens = 2 * (6 + 48 + 24 + 5);
      assertEquals(gens * 2, rows.size(), "one row per generation and critic");
      assertTrue(calls < gens * 3, "identical requests (main, loo 'full', intersections) are made once: " + calls);
      res = BenchResults.compute(rows, o, 1);
      // a second run of the same bench makes no call: everything is in the cache
      try (LlmClient c = LlmClient.builder(TestLlm.config(s.baseUrl())).store(store).runId("b2").build()) {
        PersonaBench.run(c, ps, qs, o, null);
      }
      assertEquals(calls, s.requests(), "resumable: a re-run repeats no finished call");
      // the critic always sees the whole persona, even in baseline and LOO variants
      assertTrue(s.received().stream().filter(r -> !r.model().equals("tiny-tested")).allMatch(r -> r.user().contains("age: ")));
      // the tested model sees no persona in baseline
      assertTrue(s.received().stream().filter(r -> r.model().equals("tiny-tested") && r.system().contains("for the user"))
          .noneMatch(r -> r.system().contains("sex: ")));
    }
    JsonNode base = res.path("modes").path("baseline"), oo = res.path("modes").path("output_only");
    assertEquals(0.0, base.path("main").path("critic-a").path("accuracy").asDouble());
    assertEquals(5.0 / 6, oo.path("main").path("critic-a").path("accuracy").asDouble(), 1e-12);
    assertEquals(0.5, oo.path("main").path("critic-b").path("accuracy").asDouble(), "critic-b rejects q1, q3, q5");
    assertEquals(6, oo.path("main").path("critic-b").path("n").asInt());
    // Wilson for 3/6 at z = 1.959964: centre 0.5, half 1.959964/1.640243·√(1/24 + 3.841459/144) = 0.312384
    assertEquals(0.5 - 0.312384, oo.path("main").path("critic-b").path("wilson95").path(0).asDouble(), 1e-4);

    JsonNode pk = oo.path("pass_at_k").path("critic-a");
    double f = 5.0 / 6; // question 4 never passes with critic-a
    assertEquals(List.of(0.0, 0.0, 0.0, f, f, f, f, f), doubles(pk.path("any_of_first_k")));
    assertEquals(f * 0.25, pk.path("unbiased").get(0).asDouble(), 1e-12);
    assertEquals(f * (1 - 15.0 / 28), pk.path("unbiased").get(1).asDouble(), 1e-12);
    assertEquals(f, pk.path("unbiased").get(6).asDouble(), 1e-12, "n − c = 6 < 7");
    assertEquals(List.of(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0), doubles(base.path("pass_at_k").path("critic-a").path("any_of_first_k")));

    JsonNode loo = oo.path("loo").path("critic-a");
    assertEquals(5.0 / 6, loo.path("importance").path("age").asDouble(), 1e-12, "without age the answer turns generic");
    assertEquals(0.0, loo.path("importance").path("sex").asDouble());
    assertEquals(0.0, loo.path("variants").path("without:all").path("accuracy").asDouble());
    assertEquals(5.0 / 6, loo.path("variants").path("full").path("accuracy").asDouble(), 1e-12);

    JsonNode groups = oo.path("intersections").path("critic-b").path("subgroups");
    assertEquals("women", groups.get(0).path("name").asText());
    assertEquals(3, groups.get(0).path("n").asInt());
    assertEquals(1.0, groups.get(0).path("accuracy").asDouble(), "women are persons 0, 2, 4: even questions");
    assertEquals(2, groups.get(1).path("n").asInt(), "men aged 21 or 23");
    assertEquals(0.0, groups.get(1).path("accuracy").asDouble());

    JsonNode cal = res.path("calibration");
    assertFalse(cal.has("error"), cal.toString());
    double sevA = Double.NaN, sevB = Double.NaN;
    for (JsonNode c : cal.path("severity")) {
      if (c.path("critic").asText().equals("critic-a")) sevA = c.path("measure").asDouble();
      if (c.path("critic").asText().equals("critic-b")) sevB = c.path("measure").asDouble();
    }
    assertTrue(sevB > sevA, "the stricter critic is the more severe: " + sevA + " vs " + sevB);

    String html = BenchReport.html(Json.MAPPER.createObjectNode().put("model", "<script>alert(1)</script>")
        .setAll((com.fasterxml.jackson.databind.node.ObjectNode) res));
    assertFalse(html.contains("<script>"), "untrusted text is escaped");
    assertTrue(html.contains("&lt;script&gt;"));
    assertTrue(html.contains("<svg") && html.contains("Leave-one-out") && html.contains("Subgroups") && html.contains("critic critic-b"));
  }

  static List<Double> doubles(JsonNode a) {
    List<Double> l = new ArrayList<>();
    for (JsonNode x : a) l.add(x.asDouble());
    return l;
  }

  @Test
  void strictCriticParsingAndModeSchemas() {
    assertThrows(IllegalArgumentException.class, () -> Critique.parse("{\"chain_of_thought\":\"a\",\"personalization_critic\":\"b\","
        + "\"helpfulness_critic\":\"c\",\"conclusion\":\"d\",\"needs_revision\":\"no\"}"));
    assertEquals(1.0, Critique.parse("{\"chain_of_thought\":\"a\",\"personalization_critic\":\"b\",\"helpfulness_critic\":\"c\","
        + "\"conclusion\":\"d\",\"needs_revision\":false}").score());
    assertEquals(List.of("demographic_summary", "answer_to_question"), BenchMode.DEMOGRAPHIC_SUMMARY.keys());
    assertEquals(List.of("chain_of_thought", "answer_to_question"), BenchMode.CHAIN_OF_THOUGHT.keys());
    assertFalse(BenchMode.BASELINE.system("age: 3").contains("age: 3"), "baseline shows no persona");
    assertTrue(BenchMode.OUTPUT_ONLY.system("age: 3").contains("[Demographic]:\nage: 3"));
    assertTrue(BenchMode.OUTPUT_ONLY.system("x").contains("answer_to_question"), "the JSON format is in the prompt");
  }
}
