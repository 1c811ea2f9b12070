package io.personaknob.llm;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.llm.testing.SchemaFaker;
import io.personaknob.llm.testing.ScriptedOpenAiServer;
import io.personaknob.llm.testing.ScriptedOpenAiServer.Reply;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scripted test server: schema-conforming varied defaults, scripted replies and faults, through LlmClient. */
class ScriptedServerTest {

  static final String SCHEMA = """
      {"type":"object","required":["context","rating","dims","verdict","nested","ok","score"],
       "properties":{
         "context":{"type":"string","maxLength":120},
         "rating":{"type":"integer","minimum":1,"maximum":7},
         "dims":{"type":"array","items":{"type":"string","enum":["A","T","E","C"]},"minItems":2,"maxItems":4},
         "verdict":{"enum":["pass","fail"]},
         "nested":{"type":"object","properties":{"why":{"type":"string","minLength":30}}},
         "ok":{"type":"boolean"},
         "score":{"type":"number","minimum":1.0,"maximum":5.0}}}""";

  /** An independent check of the subset (written from the JSON Schema spec, not from SchemaFaker). */
  static void assertConforms(JsonNode schema, JsonNode v, String at) {
    if (schema.has("enum")) {
      boolean in = false;
      for (JsonNode e : schema.get("enum")) in |= e.equals(v);
      assertTrue(in, at + ": " + v + " not in enum");
      return;
    }
    switch (schema.path("type").asText()) {
      case "object" -> {
        assertTrue(v.isObject(), at);
        for (JsonNode r : schema.path("required")) assertTrue(v.has(r.asText()), at + ": missing " + r);
        schema.path("properties").fields().forEachRemaining(e -> {
          if (v.has(e.getKey())) assertConforms(e.getValue(), v.get(e.getKey()), at + "/" + e.getKey());
        });
      }
      case "array" -> {
        assertTrue(v.isArray(), at);
        assertTrue(v.size() >= schema.path("minItems").asInt(0) && v.size() <= schema.path("maxItems").asInt(Integer.MAX_VALUE), at);
        for (JsonNode x : v) assertConforms(schema.get("items"), x, at + "[]");
      }
      case "string" -> {
        assertTrue(v.isTextual(), at);
        assertTrue(v.asText().length() >= schema.path("minLength").asInt(0), at);
        assertTrue(v.asText().length() <= schema.path("maxLength").asInt(Integer.MAX_VALUE), at);
      }
      case "integer" -> {
        assertTrue(v.isIntegralNumber(), at);
        assertTrue(v.asLong() >= schema.get("minimum").asLong() && v.asLong() <= schema.get("maximum").asLong(), at);
      }
      case "number" -> assertTrue(v.isNumber() && v.asDouble() >= 1.0 && v.asDouble() <= 5.0, at);
      case "boolean" -> assertTrue(v.isBoolean(), at);
      default -> fail(at + ": unexpected type in test schema");
    }
  }

  @Test
  void fakerConformsAndVaries() throws Exception {
    JsonNode schema = Json.read(SCHEMA);
    Set<String> contexts = new HashSet<>();
    for (long seed = 0; seed < 200; seed++) {
      JsonNode v = SchemaFaker.fake(schema, seed);
      assertConforms(schema, v, "seed " + seed);
      contexts.add(v.get("context").asText());
      assertEquals(v, SchemaFaker.fake(schema, seed), "deterministic");
    }
    assertTrue(contexts.size() > 190, "texts vary: " + contexts.size());
  }

  @Test
  void fakerKeepsAPowerOfTenMultipleOf() throws Exception {
    JsonNode schema = Json.read("""
        {"type":"object","properties":{"r":{"type":"number","minimum":1,"maximum":5,"multipleOf":0.1}},"required":["r"]}""");
    Set<Double> seen = new HashSet<>();
    for (long seed = 0; seed < 300; seed++) {
      double r = SchemaFaker.fake(schema, seed).get("r").doubleValue();
      assertTrue(r >= 1 && r <= 5 && Math.abs(r * 10 - Math.rint(r * 10)) < 1e-9, "seed " + seed + ": " + r);
      seen.add(r);
    }
    assertTrue(seen.size() > 30, "ratings vary: " + seen);
  }

  @Test
  void defaultsScriptsAndFaultsThroughTheClient(@TempDir Path dir) throws Exception {
    try (ScriptedOpenAiServer s = new ScriptedOpenAiServer(); RunStore store = RunStore.open(dir.resolve("s.sqlite"))) {
      KnobConfig cfg = TestSupport.fastConfig(s.baseUrl(), null);
      try (LlmClient c = LlmClient.builder(cfg).store(store).build()) {
        ChatRequest base = ChatRequest.of("judge-a", List.of(Message.system("sys"), Message.user("write one")))
            .withJsonSchema(Json.read(SCHEMA));
        var r1 = c.call(base);
        assertTrue(r1.ok(), r1.error());
        assertConforms(Json.read(SCHEMA), Json.read(r1.response().content()), "reply");
        var r2 = c.call(base.withMessages(List.of(Message.system("sys"), Message.user("write two"))));
        assertNotEquals(r1.response().content(), r2.response().content(), "different requests, different texts");

        s.script(req -> req.user().contains("plant") ? Reply.content("{\"rating\": 99}") : null);
        var r3 = c.call(ChatRequest.of("judge-a", List.of(Message.user("plant this"))));
        assertEquals("{\"rating\": 99}", r3.response().content());

        // a 500 on first sight, then the default: the client's retry gets through
        s.script(req -> req.user().contains("flaky") && req.seen() == 1 ? Reply.error(500, "boom") : null);
        var r4 = c.call(ChatRequest.of("judge-a", List.of(Message.user("flaky one"))));
        assertTrue(r4.ok(), r4.error());
        assertEquals(2, r4.attempts());

        s.script(req -> Reply.malformed());
        var r5 = c.call(ChatRequest.of("judge-a", List.of(Message.user("broken"))));
        assertFalse(r5.ok());
        assertTrue(s.received().stream().anyMatch(q -> q.user().equals("plant this") && q.model().equals("tiny-a")),
            "requests are recorded with their provider-side model name");
      }
    }
  }
}
