package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.llm.Json;
import io.personaknob.llm.RunStore;
import io.personaknob.lm.serve.OpenAiServer;
import io.personaknob.steer.Prompts;
import io.personaknob.steer.StatsTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code knob steer run} with EVERY call on our own {@code knob serve} (a tiny random Llama, in-process) and
 * structured outputs on: the generator writes both poles, and the axis judge (4 calls), the style judge and
 * the confound judge send their reply schemas as response_format json_schema, the server constrains
 * decoding, and the random model — which has never seen JSON — returns usable judgments (in range, axis on
 * the 0.1 grid) on the first call of each. Nothing is asked twice: the server sees exactly the grid's calls.
 */
class SteerStructuredKnobServeTest {

  static final int MAX_STRING = 16;

  @Test
  void generatorAndJudgesOnKnobServeWithStructuredOutputs(@TempDir Path dir) throws Exception {
    try (ServedTinyLlama served = ServedTinyLlama.start(dir, 8192, 11, new OpenAiServer.Options(8, 4, MAX_STRING))) { // the style and confound prompts and replies are ~2-3 KB each (bytes = tokens)
      OpenAiServer server = served.server();
      Path yaml = SteerCommandTest.setup(dir, "unused"); // its pairs and scenarios; its knob.yaml is replaced:
      Files.writeString(yaml, """
          providers:
            serve:
              base_url: %s
              timeout_seconds: 300
              max_retries: 0
          models:
            gen: {provider: serve, model: tiny-llama}
            judge: {provider: serve, model: tiny-llama}
            style: {provider: serve, model: tiny-llama}
          """.formatted(server.baseUrl()));
      Path out = dir.resolve("out");
      Path store = dir.resolve("s.sqlite");
      String[] args = {"steer", "run", "--config", yaml.toString(), "--store", store.toString(), "--templates",
          "You are a {persona} person.", "--pairs", dir.resolve("pairs.jsonl").toString(), "--scenarios",
          dir.resolve("scenarios.jsonl").toString(), "--n", "1", "--generator", "gen", "--axis-judges", "judge",
          "--judge", "style", "--gen-max-tokens", "12", "--out", out.toString()};
      Cli r = Cli.run(args);
      assertEquals(0, r.code(), r.toString());
      // 2 generations + 1 axis judge × {pos, neg target} × {forward, reverse} + style + confound; a judge reply
      // that did not parse would be asked again under a new sample index, i.e. one request more
      assertEquals(8, server.requestCount(), "each call once: no second attempt");

      List<ObjectNode> rows = StatsTables.readTable(out.resolve("examples.jsonl"));
      assertEquals(1, rows.size());
      ObjectNode row = rows.get(0);
      assertTrue(row.get("error").isNull(), row.toString());
      assertFalse(row.get("pos_response").asText().isEmpty() || row.get("neg_response").asText().isEmpty(), row.toString());

      // the axis judgments: 1.0..5.0 on the 0.1 grid; the row's numbers follow from them by the protocol's formulas
      JsonNode j = row.get("axis_judgments").get(0);
      assertEquals("judge", j.get("judge_model").asText());
      double s = row.get("pos_label").asText().equals("A") ? 1 : -1;
      double[] raw = new double[4];
      String[] keys = {"positive_axis_forward_judgment", "positive_axis_reverse_judgment", "negative_axis_forward_judgment",
          "negative_axis_reverse_judgment"};
      for (int i = 0; i < 4; i++) {
        JsonNode a = j.get(keys[i]);
        assertEquals(2, a.size(), "exactly the schema's properties: " + a);
        assertTrue(a.get("target_reason").isTextual() && a.get("target_reason").asText().length() <= MAX_STRING, a.toString());
        raw[i] = a.get("A_more_target_than_B").doubleValue();
        assertTrue(raw[i] >= 1 && raw[i] <= 5 && Math.abs(raw[i] * 10 - Math.rint(raw[i] * 10)) < 1e-9, a.toString());
      }
      double pf = s * (raw[0] - 3), pr = -s * (raw[1] - 3), nf = -s * (raw[2] - 3), nr = s * (raw[3] - 3);
      double axisDelta = 2 * ((pf + pr) / 2 + (nf + nr) / 2);
      assertEquals(axisDelta, row.get("axis_delta").doubleValue(), 1e-4, row.toString());

      // the style judgment: 40 ratings in 1..7 and four flags; the style deltas are pos side minus neg side
      JsonNode st = row.get("style_judgment");
      assertEquals(Prompts.styleSchema().get("properties").size(), st.size(), st.toString());
      String pl = row.get("pos_label").asText(), nl = pl.equals("A") ? "B" : "A";
      double maxStyle = 0;
      for (String d : Prompts.STYLE_DIMS.keySet()) {
        double p = st.get(d + "_" + pl).doubleValue(), n = st.get(d + "_" + nl).doubleValue();
        assertTrue(p >= 1 && p <= 7 && n >= 1 && n <= 7, d + ": " + st);
        assertEquals(p - n, row.get("style_delta_" + d + "_pos_minus_neg").doubleValue(), 1e-12);
        maxStyle = Math.max(maxStyle, Math.abs(p - n));
      }
      assertEquals(maxStyle, row.get("max_style_abs_delta").doubleValue(), 1e-12);
      for (String k : List.of("persona_echo_A", "persona_echo_B", "refusal_or_ai_break_A", "refusal_or_ai_break_B")) {
        assertTrue(st.get(k).isBoolean(), k + ": " + st);
      }

      // the confound judgment: 22 ratings in 1..7, the spurious axis (bounded string) and the usable flag
      JsonNode cf = row.get("confound_judgment");
      assertEquals(Prompts.confoundSchema().get("properties").size(), cf.size(), cf.toString());
      double maxOff = 0;
      for (String d : Prompts.OFF_AXIS_DIMS.keySet()) {
        double v = cf.get(d + "_likert").doubleValue();
        assertTrue(v >= 1 && v <= 7, d + ": " + cf);
        maxOff = Math.max(maxOff, v);
      }
      assertEquals(maxOff, row.get("max_off_axis_category_likert").doubleValue(), 1e-12);
      double off = cf.get("off_axis_problem_likert").doubleValue();
      assertTrue(off >= 1 && off <= 7, cf.toString());
      assertTrue(cf.get("likely_spurious_axis").asText().length() <= MAX_STRING && cf.get("usable_for_training").isBoolean(), cf.toString());
      assertEquals(cf.get("usable_for_training").booleanValue(), row.get("usable_for_training").booleanValue());

      // the store: the 6 judge calls went out with json_schema and the generations without; every judge reply
      // ended by itself (the document completed: "stop", never cut by max_tokens)
      try (RunStore rs = RunStore.open(store)) {
        List<Map<String, Object>> calls = rs.query("SELECT request, finish_reason FROM calls");
        assertEquals(8, calls.size());
        int schema = 0;
        for (Map<String, Object> c : calls) {
          JsonNode req = Json.read((String) c.get("request"));
          if (req.has("response_format")) {
            assertEquals("json_schema", req.path("response_format").path("type").asText(), req.toString());
            assertEquals("stop", c.get("finish_reason"), req.path("messages").toString());
            schema++;
          }
        }
        assertEquals(6, schema, "4 axis + style + confound");
      }

      String examples = Files.readString(out.resolve("examples.jsonl"));
      Cli again = Cli.run(args);
      assertEquals(0, again.code(), again.toString());
      assertEquals(8, server.requestCount(), "the re-run makes no request");
      assertEquals(examples, Files.readString(out.resolve("examples.jsonl")), "the re-run writes the same examples");
    }
  }
}
