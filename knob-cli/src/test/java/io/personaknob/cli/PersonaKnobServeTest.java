package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.lm.serve.OpenAiServer;
import io.personaknob.llm.Json;
import io.personaknob.llm.RunStore;
import io.personaknob.persona.SyntheticPums;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 for PERSONA: {@code knob persona bench} and {@code knob persona feedback} with every LLM role on our
 * own {@code knob serve} running a tiny RANDOM Llama (byte-level tokenizer). The bench's answer and critic
 * calls send their JSON schema as response_format json_schema (knob.yaml's default); the server constrains
 * decoding, so a model that has never seen JSON answers every call with a parseable, schema-valid object on
 * the first request: no failed sample, no second request. PERSONA Bench has no repair path at all (a reply
 * that does not parse is a failed sample), so "no repair" is exactly "one request per call and none failed".
 * The feedback steps are free text by design (the released data's columns are text, nothing is parsed), so
 * they send no response_format and must come back as rows without an error. The LLM fill of {@code knob persona
 * sample} and its consistency judge are the third pipeline ({@link #fillAndJudgeRunOnKnobServeWithStructuredOutputs}).
 */
class PersonaKnobServeTest {

  /** Two short personas (few attributes keep the byte-level prompts short). */
  static final String POP = """
      {"id": "p1", "age": 34, "sex": "Female", "education": "Bachelor's degree", "income": "62000.0", "household language": "Spanish"}
      {"id": "p2", "age": 71, "sex": "Male", "education": "Regular high school diploma", "income": "18000.0", "household language": "English Only"}
      """;

  static final String QUESTIONS = """
      {"id": "q1", "question": "Should I rent or buy?"}
      {"id": "q2", "question": "What should I cook tonight?"}
      """;

  @Test
  void benchAndFeedbackRunOnKnobServeWithStructuredOutputs(@TempDir Path dir) throws Exception {
    Path pop = dir.resolve("pop.jsonl");
    Files.writeString(pop, POP);
    Path qs = dir.resolve("questions.jsonl");
    Files.writeString(qs, QUESTIONS);
    try (ServedTinyLlama served = ServedTinyLlama.start(dir, 4096, 11, new OpenAiServer.Options(8, 4, 24))) {
      // strings without a maxLength get 24 characters: the answers and the critics' four texts stay short
      OpenAiServer server = served.server();
      Path yaml = dir.resolve("knob.yaml");
      // the provider's response_format is left at its default (json_schema). max_tokens leaves ample room for a
      // byte-level model (a 24-character string may take several bytes a character, up to six as an escape),
      // so a reply ends because the schema's object closed, not at the limit. The two critics differ in
      // temperature, so their requests differ and neither is answered from the other's cache entry
      Files.writeString(yaml, """
          providers:
            serve: {base_url: %s, timeout_seconds: 300, max_retries: 1}
          models:
            answerer: {provider: serve, model: tiny-llama, max_tokens: 600, temperature: 1.0}
            critic-a: {provider: serve, model: tiny-llama, max_tokens: 1000, temperature: 0.7}
            critic-b: {provider: serve, model: tiny-llama, max_tokens: 1000, temperature: 1.0}
            writer: {provider: serve, model: tiny-llama, max_tokens: 12, temperature: 1.0}
          """.formatted(server.baseUrl()));
      Path store = dir.resolve("store.sqlite");

      // ---- PERSONA Bench: 2 modes x 2 pairs = 4 answers, each judged by 2 critics = 8 critiques
      Path out = dir.resolve("bench");
      String[] bench = {"persona", "bench", "--personas", pop.toString(), "--questions", qs.toString(), "--model", "answerer",
          "--critics", "critic-a,critic-b", "--modes", "baseline,chain_of_thought", "--evals", "main", "--n", "2",
          "--out", out.toString(), "--config", yaml.toString(), "--store", store.toString()};
      Cli b = Cli.run(bench);
      assertEquals(0, b.code(), b.toString());
      assertTrue(b.err().contains("8 samples (0 failed)"), b.err());
      assertEquals(12, server.requestCount(), "4 answers + 8 critiques, each on its first request");

      List<String> sampleLines = Files.readAllLines(out.resolve("samples.jsonl"));
      assertEquals(8, sampleLines.size(), "2 modes x 2 pairs x 2 critics");
      Map<String, int[]> passes = new HashMap<>(); // mode/critic -> {passes, n}, counted from the critiques themselves
      Set<String> answers = new java.util.HashSet<>();
      for (String l : sampleLines) {
        JsonNode s = Json.read(l);
        assertFalse(s.has("error"), l);
        String answer = s.path("answer").asText();
        assertFalse(answer.isBlank(), l);
        assertTrue(answer.codePointCount(0, answer.length()) <= 24, "the server's string bound (characters): " + l);
        answers.add(s.path("mode").asText() + "/" + s.path("pair").asInt() + "/" + answer);
        JsonNode c = s.path("critique");
        for (String k : List.of("chain_of_thought", "personalization_critic", "helpfulness_critic", "conclusion"))
          assertTrue(c.path(k).isTextual(), k + " in " + l);
        assertTrue(c.path("needs_revision").isBoolean(), l);
        double score = s.path("score").asDouble();
        assertEquals(c.path("needs_revision").asBoolean() ? 0.0 : 1.0, score, l);
        int[] pc = passes.computeIfAbsent(s.path("mode").asText() + "/" + s.path("critic").asText(), k -> new int[2]);
        pc[0] += (int) score;
        pc[1]++;
      }
      assertEquals(4, answers.size(), "both critics judged the same answer of each (mode, pair)");

      JsonNode res = Json.read(Files.readString(out.resolve("results.json")));
      for (String mode : List.of("baseline", "chain_of_thought")) {
        for (String critic : List.of("critic-a", "critic-b")) {
          JsonNode m = res.path("modes").path(mode).path("main").path(critic);
          int[] pc = passes.get(mode + "/" + critic);
          assertEquals(2, m.path("n").asInt(), m.toString());
          assertEquals(0, m.path("failed").asInt(), m.toString());
          assertEquals(pc[0], m.path("passes").asInt(), m.toString());
          assertEquals(pc[0] / 2.0, m.path("accuracy").asDouble(), 1e-12, m.toString());
        }
      }
      assertEquals(12, res.path("calls").path("made").asInt(), res.path("calls").toString());
      assertEquals(0, res.path("calls").path("failed").asInt(), res.path("calls").toString());

      try (RunStore rs = RunStore.open(store)) {
        var calls = rs.query("SELECT model_name, request, content, finish_reason, attempts FROM calls");
        assertEquals(12, calls.size());
        assertTrue(rs.query("SELECT id FROM call_failures").isEmpty(), "no failed call");
        for (var c : calls) {
          JsonNode req = Json.read((String) c.get("request"));
          JsonNode rf = req.path("response_format");
          assertEquals("json_schema", rf.path("type").asText(), req.toString());
          assertTrue(rf.path("json_schema").path("strict").asBoolean(), req.toString());
          assertEquals("stop", c.get("finish_reason"), "the JSON closed before max_tokens: " + c.get("content"));
          assertEquals(1, ((Number) c.get("attempts")).intValue());
          JsonNode reply = Json.read((String) c.get("content"));
          // exactly the schema's properties (additionalProperties false), every one present with its type
          JsonNode schema = rf.path("json_schema").path("schema");
          List<String> keys = new ArrayList<>();
          reply.fieldNames().forEachRemaining(keys::add);
          List<String> want = new ArrayList<>();
          schema.path("required").forEach(k -> want.add(k.asText()));
          assertEquals(want.stream().sorted().toList(), keys.stream().sorted().toList(), reply.toString());
          for (String k : want) {
            String type = schema.path("properties").path(k).path("type").asText();
            assertTrue(type.equals("boolean") ? reply.get(k).isBoolean() : reply.get(k).isTextual(), k + " in " + reply);
          }
        }
      }

      // re-running resumes from the store: the same samples, no request
      Cli b2 = Cli.run(bench);
      assertEquals(0, b2.code(), b2.toString());
      assertEquals(12, server.requestCount());
      assertEquals(sampleLines, Files.readAllLines(out.resolve("samples.jsonl")));

      // ---- persona feedback: 2 personas x 2 prompts = 4 items; the original answer does not see the persona, so
      // it is one request per prompt (2), then a critique and a revision per item (8)
      Path fb = dir.resolve("feedback.jsonl");
      String[] feedback = {"persona", "feedback", "--personas", pop.toString(), "--prompts", qs.toString(), "--model", "writer",
          "--critic", "writer", "--reviser", "writer", "--per-persona", "2", "--out", fb.toString(), "--config", yaml.toString(),
          "--store", store.toString()};
      Cli f = Cli.run(feedback);
      assertEquals(0, f.code(), f.toString());
      assertEquals(12 + 10, server.requestCount(), "2 originals + 4 critiques + 4 revisions");
      List<String> rows = Files.readAllLines(fb);
      assertEquals(4, rows.size());
      Map<String, String> originalOf = new HashMap<>();
      for (String l : rows) {
        JsonNode r = Json.read(l);
        assertFalse(r.has("error"), l);
        for (String k : List.of("original", "critique", "data")) assertTrue(r.path(k).isTextual(), k + " in " + l);
        String prev = originalOf.putIfAbsent(r.path("prompt_id").asText(), r.path("original").asText());
        if (prev != null) assertEquals(prev, r.path("original").asText(), "one original per prompt, shared by the personas");
      }
      assertEquals(Set.of("q1", "q2"), originalOf.keySet());
      try (RunStore rs = RunStore.open(store)) {
        var calls = rs.query("SELECT request FROM calls WHERE run_id LIKE 'persona-feedback-%'");
        assertEquals(10, calls.size());
        for (var c : calls) assertFalse(Json.read((String) c.get("request")).has("response_format"), "free text steps");
      }
      Cli f2 = Cli.run(feedback);
      assertEquals(0, f2.code(), f2.toString());
      assertEquals(22, server.requestCount(), "a re-run makes no request");
      assertEquals(rows, Files.readAllLines(fb));
    }
  }

  /**
   * {@code knob persona sample --fill --judge} on knob serve: the nine LLM attributes (strings, the big five as
   * five enums) and the judge's {consistent, problems} come back schema-valid on the first request, so with one
   * attempt each persona costs exactly one fill and one judge request; a persona the random judge calls
   * inconsistent is dropped for the judge's verdict, never for a reply that did not parse or met no rule.
   */
  @Test
  void fillAndJudgeRunOnKnobServeWithStructuredOutputs(@TempDir Path dir) throws Exception {
    Path persons = dir.resolve("psam_p.csv"), housing = dir.resolve("psam_h.csv"), dict = dir.resolve("dict.csv");
    SyntheticPums.write(persons, housing, 500, 3);
    SyntheticPums.writeDictionary(dict);
    try (ServedTinyLlama served = ServedTinyLlama.start(dir, 16384, 11, new OpenAiServer.Options(8, 4, 24))) { // nine strings of up to 600 characters, then the judge reads them
      OpenAiServer server = served.server();
      Path yaml = dir.resolve("knob.yaml");
      // a random model's strings run long (a few hundred characters of up to 600): max_tokens and the context
      // leave room for all nine at their bound, and for the judge reading them back
      Files.writeString(yaml, """
          providers:
            serve: {base_url: %s, timeout_seconds: 600, max_retries: 1}
          models:
            filler: {provider: serve, model: tiny-llama, max_tokens: 12000, temperature: 1.0}
            judge: {provider: serve, model: tiny-llama, max_tokens: 4000, temperature: 1.0}
          """.formatted(server.baseUrl()));
      Path store = dir.resolve("store.sqlite");
      Path out = dir.resolve("filled.jsonl");
      String[] args = {"persona", "sample", "--pums", persons.toString(), "--housing", housing.toString(), "--dictionary",
          dict.toString(), "--n", "2", "--seed", "7", "--min-age", "18", "--fill", "filler", "--judge", "judge",
          "--max-attempts", "1", "--out", out.toString(), "--config", yaml.toString(), "--store", store.toString()};
      Cli r = Cli.run(args);
      assertEquals(4, server.requestCount(), "one fill and one judge request per persona: " + r);
      try (RunStore rs = RunStore.open(store)) {
        var calls = rs.query("SELECT model_name, request, content, finish_reason FROM calls");
        assertEquals(4, calls.size());
        assertTrue(rs.query("SELECT id FROM call_failures").isEmpty(), "no failed call");
        for (var c : calls) {
          JsonNode req = Json.read((String) c.get("request"));
          assertEquals("json_schema", req.path("response_format").path("type").asText(), req.toString());
          assertEquals("stop", c.get("finish_reason"), "the object closed before max_tokens");
          JsonNode reply = Json.read((String) c.get("content"));
          if (c.get("model_name").equals("judge")) {
            assertTrue(reply.path("consistent").isBoolean() && reply.path("problems").isTextual(), reply.toString());
          } else {
            for (String k : List.of("detailed_job_description", "defining_quirks", "mannerisms", "personal_time", "lifestyle",
                "ideology", "political_views", "religion")) {
              String v = reply.path(k).asText();
              assertTrue(reply.path(k).isTextual() && !v.isEmpty() && v.codePointCount(0, v.length()) <= 600, k + " in " + reply);
            }
            for (String t : List.of("Openness", "Conscientiousness", "Extraversion", "Agreeableness", "Neuroticism"))
              assertTrue(List.of("Extremely Low", "Low", "Average", "High", "Extremely High")
                  .contains(reply.path("big_five_scores").path(t).asText()), t + " in " + reply);
          }
        }
      }
      // every persona is kept or dropped for the judge's verdict (the reasons are on stderr whatever the exit)
      List<String> drops = r.err().lines().filter(l -> l.startsWith("dropped ")).toList();
      for (String d : drops) assertTrue(d.matches("dropped p000[12] after 1 attempt\\(s\\): judge: .*"), d);
      if (drops.size() == 2) {
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("all dropped"), r.err());
      } else {
        assertEquals(0, r.code(), r.toString());
        assertEquals(2 - drops.size(), Files.readAllLines(out).size());
        assertEquals(0, Cli.run("persona", "check", out.toString()).code(), "kept personas pass every rule");
      }
      Cli again = Cli.run(args);
      assertEquals(r.code(), again.code(), again.toString());
      assertEquals(4, server.requestCount(), "a re-run makes no request");
    }
  }
}
