package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.lm.serve.OpenAiServer;
import io.personaknob.llm.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code knob build run} against our own {@code knob serve} with a tiny random Llama: real HTTP and real
 * generation. A random model does not write the generator's JSON, so every row must end recorded as failed at
 * synthesize with the reason, rows.jsonl must hold every planned row, and a re-run must be served from the
 * store without a request (the failure is the model's reply, not the call).
 */
class BuildKnobServeTest {

  /** A random tiny Llama (seed 11, byte-level tokenizer) with the given context, as `knob serve` loads it. */
  @Test
  void buildRunsEndToEndAgainstKnobServe(@TempDir Path dir) throws Exception {
    try (ServedTinyLlama served = ServedTinyLlama.start(dir, 2048, 11, OpenAiServer.Options.defaults())) {
      OpenAiServer server = served.server();
      Path yaml = dir.resolve("knob.yaml");
      Files.writeString(yaml, """
          providers:
            serve: {base_url: %s, response_format: none, timeout_seconds: 120, max_retries: 1}
          models:
            gen-tiny: {provider: serve, model: tiny-llama, max_tokens: 8}
            ver-tiny: {provider: serve, model: tiny-llama, max_tokens: 8, temperature: 0.5}
            judge-tiny: {provider: serve, model: tiny-llama, max_tokens: 8}
          """.formatted(server.baseUrl()));
      // short prompts keep the byte-level context small (the defaults are ~2,500 bytes)
      Path prompts = dir.resolve("prompts");
      Files.createDirectories(prompts);
      Files.writeString(prompts.resolve("generator.txt"), "=== user ===\nScene: {{seed_scene}}. Traits: {{mask}}. JSON please.\n");
      Path scenes = dir.resolve("scenes.jsonl");
      Files.writeString(scenes, "{\"text\": \"A late train.\"}\n{\"text\": \"A burnt cake.\"}\n");
      Path d = dir.resolve("b");
      String[] args = {"build", "run", "--config", yaml.toString(), "--dir", d.toString(), "--n", "2", "--seed", "1",
          "--seed-scenes", scenes.toString(), "--generators", "gen-tiny", "--verifier", "ver-tiny", "--judges", "judge-tiny",
          "--masks", "AT", "--max-repairs", "0", "--prompts", prompts.toString()};
      Cli r = Cli.run(args);
      assertEquals(0, r.code(), r.toString());
      List<String> lines = Files.readAllLines(d.resolve("rows.jsonl"));
      assertEquals(2, lines.size());
      for (String l : lines) {
        JsonNode n = Json.read(l);
        assertEquals("synthesize", n.path("stage").asText(), l);
        assertEquals("failed", n.path("status").asText(), l);
        assertTrue(n.path("reasons").get(0).asText().startsWith("generator gen-tiny: unusable reply after 1 attempt(s)"), l);
        assertTrue(n.path("prompt_versions").path("generator").asText().startsWith("generator.txt@"), l);
      }
      long requests = server.requestCount();
      assertEquals(2, requests, "one generator call per row, nothing after an unusable reply");
      Cli st = Cli.run("build", "status", "--dir", d.toString(), "--json");
      assertEquals(2, Json.read(st.out()).path("stages").path("synthesize").path("failed").asInt(), st.toString());
      // a re-run retries the failed rows from the cache: the same replies, no request
      Cli again = Cli.run(args);
      assertEquals(0, again.code(), again.toString());
      assertEquals(requests, server.requestCount());
      assertEquals(lines, Files.readAllLines(d.resolve("rows.jsonl")));
    }
  }
  /**
   * Issue 17: with structured outputs on (the provider's default json_schema), the same random model's
   * generator replies are decoded under the build's schema, so no row fails as an unusable reply and no
   * repair turn is ever sent: whatever happens to a row afterwards is a judgment of its content.
   */
  @Test
  void structuredOutputsCarryBuildThroughWithoutRepairs(@TempDir Path dir) throws Exception {
    try (ServedTinyLlama served = ServedTinyLlama.start(dir, 4096, 11, new OpenAiServer.Options(8, 8, 24))) {
      OpenAiServer server = served.server();
      Path yaml = dir.resolve("knob.yaml");
      Files.writeString(yaml, """
          providers:
            serve: {base_url: %s, timeout_seconds: 300, max_retries: 1}
          models:
            gen-tiny: {provider: serve, model: tiny-llama, max_tokens: 1500}
            ver-tiny: {provider: serve, model: tiny-llama, max_tokens: 600, temperature: 0.5}
            judge-tiny: {provider: serve, model: tiny-llama, max_tokens: 300}
          """.formatted(server.baseUrl()));
      Path prompts = dir.resolve("prompts");
      Files.createDirectories(prompts);
      Files.writeString(prompts.resolve("generator.txt"), "=== user ===\nScene: {{seed_scene}}. Traits: {{mask}}. JSON please.\n");
      Path scenes = dir.resolve("scenes.jsonl");
      Files.writeString(scenes, "{\"text\": \"A late train.\"}\n");
      Path d = dir.resolve("b");
      Cli r = Cli.run("build", "run", "--config", yaml.toString(), "--dir", d.toString(), "--n", "1", "--seed", "1",
          "--seed-scenes", scenes.toString(), "--generators", "gen-tiny", "--verifier", "ver-tiny", "--judges", "judge-tiny",
          "--masks", "AT", "--max-repairs", "0", "--prompts", prompts.toString());
      assertEquals(0, r.code(), r.toString());
      List<String> lines = Files.readAllLines(d.resolve("rows.jsonl"));
      assertEquals(1, lines.size());
      JsonNode n = Json.read(lines.get(0));
      for (JsonNode reason : n.path("reasons")) {
        assertFalse(reason.asText().contains("unusable reply"), "structured decoding leaves no unusable reply: " + lines.get(0));
      }
      // the reply parsed and met the schema, so the row was judged on its content (a random model's
      // attribution phrases are not in its trigger), never recorded as a failed call
      assertFalse("failed".equals(n.path("status").asText()), lines.get(0));
      assertTrue(server.requestCount() >= 1);
    }
  }
}
