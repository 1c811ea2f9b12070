package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.lm.serve.OpenAiServer;
import io.personaknob.llm.Json;
import io.personaknob.llm.RunStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code knob judge} against {@code knob serve} with structured outputs end to end: the judge sends its
 * rating schema as response_format json_schema (knob-llm's default), the server constrains decoding, and
 * a tiny RANDOM Llama — which has never seen JSON — answers every item with a valid rating on the first
 * call. No repair turn is allowed (--max-repairs 0) and none is needed.
 */
class JudgeStructuredKnobServeTest {

  @Test
  void judgeGetsValidRatingsFromARandomModelWithoutRepairs(@TempDir Path dir) throws Exception {
    try (ServedTinyLlama served = ServedTinyLlama.start(dir, 2048, 9, new OpenAiServer.Options(8, 4, 24))) { // the judge prompt is ~1,300 bytes
      OpenAiServer server = served.server();
      Path yaml = dir.resolve("knob.yaml");
      Files.writeString(yaml, """
          providers:
            serve:
              base_url: %s
              timeout_seconds: 300
          models:
            judge-tiny:
              provider: serve
              model: tiny-llama
              max_tokens: 200
              temperature: 1.0
          """.formatted(server.baseUrl()));
      Path in = dir.resolve("items.jsonl");
      Files.writeString(in, """
          {"id": "a", "prompt": "Sky?", "answer": "Blue."}
          {"id": "b", "prompt": "Two plus two?", "answer": "Four."}
          {"id": "c", "prompt": "Capital of France?", "answer": "Lyon."}
          """);
      Path out = dir.resolve("out.jsonl");
      Path store = dir.resolve("store.sqlite");
      String[] args = {"judge", "--config", yaml.toString(), "--store", store.toString(), "--judges", "judge-tiny",
          "--input", in.toString(), "--dimensions", "T", "--max-repairs", "0", "--out", out.toString(), "--run", "json"};
      var r = Cli.run(args);
      assertEquals(0, r.code(), r.err());
      List<JsonNode> lines = JudgeCommandTest.lines(out);
      assertEquals(3, lines.size());
      for (JsonNode l : lines) {
        assertTrue(!l.has("error") || l.get("error").isNull(), l.toString());
        int rating = l.path("rating").asInt();
        assertTrue(rating >= 1 && rating <= 7, l.toString());
      }
      assertEquals(3, server.requestCount(), "one request per item: no repair turn");
      try (RunStore rs = RunStore.open(store)) {
        var calls = rs.query("SELECT request, content, finish_reason FROM calls WHERE run_id = 'json'");
        assertEquals(3, calls.size());
        for (var c : calls) {
          JsonNode req = Json.read((String) c.get("request"));
          assertEquals("json_schema", req.path("response_format").path("type").asText(), req.toString());
          assertEquals("stop", c.get("finish_reason"));
          JsonNode reply = Json.read((String) c.get("content"));
          assertEquals(2, reply.size(), "exactly the schema's properties: " + reply);
          assertTrue(reply.path("reason").isTextual() && reply.path("rating").isIntegralNumber(), reply.toString());
        }
        for (var j : rs.judgments("json")) assertEquals(1, Json.read(j.rawResponse()).size(), "one reply, no repair");
      }
    }
  }
}
