package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.core.data.PersonaData;
import io.personaknob.llm.Json;
import io.personaknob.llm.testing.ScriptedOpenAiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code knob eval --limit/--tasks/--max-new-tokens} override those settings only: judge_validity stays as configured. */
class EvalCommandValidityTest {

  @Test
  void overridingTheLimitKeepsTheConfiguredJudgeValidity(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("rows.jsonl");
    PersonaData.write(data, EvalKnobServeTest.rows());
    try (ScriptedOpenAiServer server = new ScriptedOpenAiServer()) {
      server.script(r -> ScriptedOpenAiServer.Reply.content("Check it step by step."));
      Files.writeString(dir.resolve("knob.yaml"), "providers:\n  local: {base_url: " + server.baseUrl() + ", max_retries: 0}\n"
          + "models:\n  ans: {provider: local, model: scripted}\n");
      Path cfg = dir.resolve("eval.yaml");
      Files.writeString(cfg, "out: run\nknob_config: knob.yaml\ndata: {personaknob: " + data + "}\n"
          + "models:\n  - {name: api, endpoint: ans}\ntasks: [generation]\njudge_validity: {policy: flag, rows: 3}\n");
      Cli r = Cli.run("eval", "--config", cfg.toString(), "--limit", "2", "--max-new-tokens", "5");
      assertEquals(0, r.code(), r.toString());
      assertEquals(2, server.requests(), "--limit 2: two answers");
      JsonNode config = Json.read(Files.readString(dir.resolve("run/report.json"))).path("provenance").path("config");
      assertEquals(2, config.path("limit").asInt(), config.toString());
      assertEquals(5, config.path("max_new_tokens").asInt(), config.toString());
      assertEquals(3, config.path("judge_validity_rows").asInt(), "judge_validity.rows survives the overrides: " + config);
    }
  }
}
