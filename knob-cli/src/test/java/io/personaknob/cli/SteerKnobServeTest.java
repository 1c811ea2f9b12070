package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.llm.testing.ScriptedOpenAiServer;
import io.personaknob.lm.serve.OpenAiServer;
import io.personaknob.steer.StatsTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code knob steer run} with our own {@code knob serve} (a tiny random Llama, in-process) as the generator and
 * the scripted server as the judges: one template × one pair × one scenario, real HTTP generation of both poles.
 */
class SteerKnobServeTest {

  @Test
  void generatesBothPolesWithKnobServe(@TempDir Path dir) throws Exception {
    try (ServedTinyLlama served = ServedTinyLlama.start(dir, 1024, 11, OpenAiServer.Options.defaults()); ScriptedOpenAiServer judges = new ScriptedOpenAiServer()) {
      judges.script(SteerCommandTest::script);
      OpenAiServer server = served.server();
      Path yaml = dir.resolve("knob.yaml");
      SteerCommandTest.setup(dir, judges.baseUrl());
      Files.writeString(yaml, Files.readString(yaml).replace("providers:\n", """
          providers:
            serve:
              base_url: %s
              response_format: none
              timeout_seconds: 120
          """.formatted(server.baseUrl())).replace("gen: {provider: scripted, model: gen-model}",
          "gen: {provider: serve, model: tiny-llama}"));
      Path out = dir.resolve("out");
      String[] args = {"steer", "run", "--config", yaml.toString(), "--store", dir.resolve("s.sqlite").toString(), "--templates",
          "You are a {persona} person.", "--pairs", dir.resolve("pairs.jsonl").toString(), "--scenarios",
          dir.resolve("scenarios.jsonl").toString(), "--n", "1", "--generator", "gen", "--axis-judges", "judge-a",
          "--judge", "style", "--gen-max-tokens", "12", "--out", out.toString()};
      Cli r = Cli.run(args);
      assertEquals(0, r.code(), r.toString());
      assertEquals(2, server.requestCount(), "one generation per pole");
      List<ObjectNode> rows = StatsTables.readTable(out.resolve("examples.jsonl"));
      assertEquals(1, rows.size());
      ObjectNode row = rows.get(0);
      assertTrue(row.get("pos_generation_prompt").asText().startsWith("You are a principled person.\n\nScenario:\n"));
      // a random model writes bytes: either two non-empty answers that the judges then rate, or the library's empty-generation error
      assertTrue(row.get("error").isNull() ? !row.get("pos_response").asText().isEmpty() && row.has("axis_judgments")
          : row.get("error").asText().startsWith("empty generation"), row.toString());
      Cli again = Cli.run(args);
      assertEquals(0, again.code(), again.toString());
      assertEquals(2, server.requestCount(), "the re-run makes no request");
    }
  }
}
