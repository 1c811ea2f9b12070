package io.personaknob.steer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.PythonText;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The per-example protocol against the library's published v2_pilot_seed24 run: the seeded scenario
 * selection, the generation prompts, the eval ids, the blind A/B coin, and every example column recomputed
 * from the published responses and judge replies.
 */
class ProtocolReproductionTest {

  static List<ObjectNode> published() {
    return StatsTables.readTable(PublishedTablesTest.res("v2_pilot_seed24_examples.jsonl"));
  }

  @Test
  void seed24PicksThePilotScenarios() {
    List<Inputs.Scenario> s = Inputs.select(PublishedTablesTest.res("scenarios_v2_candidates.jsonl").toString(), 2, 24);
    assertEquals(List.of("moderation_policy_pressure", "community_grant_favor"), s.stream().map(Inputs.Scenario::id).toList());
    List<String> ids = published().stream().map(r -> r.get("row").asInt() + ":" + r.get("scenario_id").asText()).distinct().sorted().toList();
    assertEquals(List.of("1:moderation_policy_pressure", "2:community_grant_favor"), ids);
  }

  @Test
  void theLibraryCatalogLoadsWithItsStatuses() {
    List<Inputs.Template> cat = Inputs.readCatalog(PublishedTablesTest.res("template_catalog.yaml"));
    assertEquals(132, cat.size());
    Map<String, Long> byStatus = cat.stream().collect(Collectors.groupingBy(Inputs.Template::status, Collectors.counting()));
    assertEquals(Map.of("active", 100L, "catalog_only", 7L, "excluded", 25L), byStatus);
    List<String> active = Inputs.activeTemplates(cat, java.util.Set.of());
    assertEquals(100, active.size());
    assertTrue(active.stream().allMatch(t -> t.indexOf("{persona}") >= 0 && t.indexOf("{persona}") == t.lastIndexOf("{persona}")));
    // every template of the published pilot is an active catalog template in its runtime form
    assertTrue(active.containsAll(published().stream().map(r -> r.get("template").asText()).distinct().toList()));
    assertEquals(1, cat.get(0).line());
  }

  @Test
  void tagsSelectTemplatesAndSelfContainedScenariosKeepTheirOwnQuestion(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws IOException {
    java.nio.file.Path cat = dir.resolve("c.yaml");
    Files.writeString(cat, """
        - template_jinja: "You are a {{ persona }} person."
          tags: [short, identity]
        - template_jinja: "Write as a {{persona}} writer."
          tags: [style]
        - template_jinja: "Two {{ persona }} and {{ other }}."
          status: catalog_only
        """);
    assertEquals(List.of("Write as a {persona} writer."), Inputs.activeTemplates(Inputs.readCatalog(cat), java.util.Set.of("style")));
    assertEquals(2, Inputs.templates(cat.toString(), java.util.Set.of()).size());
    Inputs.Scenario sc = Inputs.readScenarios(PublishedTablesTest.res("scenarios_w2s_character_3p.jsonl").toString()).get(0);
    assertTrue(sc.selfContained());
    assertEquals("You are a kind person.\n\n" + sc.prompt()
        + "\n\nDo not mention the persona instruction or label yourself as the persona. Output only the answer.",
        Prompts.generation("You are a kind person.", sc.prompt(), true, false));
    assertTrue(Prompts.generation("P", "S", false, true).startsWith("/no_think\nP\n\nScenario:\nS\n\n"));
  }

  @Test
  void pythonRandomMatchesCPython() {
    // CPython 3.11: random.Random(24).random() and random.Random("abc").random()
    assertEquals(0.7123429878269185, new PyRandom(24).random());
    assertEquals(0.7720246314157545, new PyRandom("abc").random());
    List<Integer> xs = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
    new PyRandom(0).shuffle(xs);
    assertEquals(List.of(7, 8, 1, 5, 3, 4, 2, 0, 9, 6), xs); // random.Random(0).shuffle(list(range(10)))
  }

  @Test
  void everyExampleIsRecomputedFromItsResponsesAndJudgments() throws Exception {
    Map<String, Inputs.PersonaPair> pairs = Inputs.readPairs(PublishedTablesTest.res("persona_pairs_pilot_two.jsonl")).stream()
        .collect(Collectors.toMap(Inputs.PersonaPair::id, Function.identity()));
    Map<String, Inputs.Scenario> scen = Inputs.readScenarios(PublishedTablesTest.res("scenarios_v2_candidates.jsonl").toString())
        .stream().collect(Collectors.toMap(Inputs.Scenario::id, Function.identity()));
    List<String> judges = List.of("google/gemini-3.1-flash-lite-preview", "deepseek/deepseek-v4-flash");
    String judgeKey = String.join(",", judges) + "|google/gemini-3.1-flash-lite-preview";
    int checked = 0;
    int coinBForWorkedExample = 0;
    double maxStyleErr = 0;
    for (ObjectNode r : published()) {
      Inputs.PersonaPair p = pairs.get(r.get("persona_pair").asText());
      Inputs.Scenario s = scen.get(r.get("scenario_id").asText());
      String t = r.get("template").asText();
      int rowI = r.get("row").asInt();
      String pp = Prompts.persona(p, t, true);
      String np = Prompts.persona(p, t, false);
      assertEquals(r.get("pos_generation_prompt").asText(), Prompts.generation(pp, s.prompt(), false, false));
      assertEquals(r.get("neg_generation_prompt").asText(), Prompts.generation(np, s.prompt(), false, false));
      String id = ExampleMath.evalId(24, rowI, s.id(), s.prompt(), p.id(), t, "qwen/qwen3.5-27b", judgeKey, 0.0);
      assertEquals(r.get("eval_id").asText(), id, "eval_id of " + t);
      boolean posIsA = ExampleMath.posIsA(24, p.id(), t, rowI, s.prompt());
      if (t.equals("You are a {persona} person thinking through the situation.") && p.id().equals("principled_expedient")
          && rowI == 1) {
        assertTrue(!posIsA, "worked example: coin 0.8985 puts pos at B");
        coinBForWorkedExample++;
      }
      // rebuild the judges' replies from the row (style and confound from their deltas and likerts)
      List<ExampleMath.AxisReplies> axis = new ArrayList<>();
      for (JsonNode j : r.get("axis_judgments")) {
        axis.add(new ExampleMath.AxisReplies(j.get("judge_model").asText(), (ObjectNode) j.get("positive_axis_forward_judgment"),
            (ObjectNode) j.get("positive_axis_reverse_judgment"), (ObjectNode) j.get("negative_axis_forward_judgment"),
            (ObjectNode) j.get("negative_axis_reverse_judgment")));
      }
      String pl = posIsA ? "A" : "B";
      String nl = posIsA ? "B" : "A";
      ObjectNode style = JsonNodeFactory.instance.objectNode();
      for (String d : Prompts.STYLE_DIMS.keySet()) {
        double delta = r.get("style_delta_" + d + "_pos_minus_neg").asDouble();
        style.put(d + "_" + pl, delta >= 0 ? 1.0 + delta : 1.0);
        style.put(d + "_" + nl, delta >= 0 ? 1.0 : 1.0 - delta);
      }
      boolean je = r.get("judge_persona_echo").asBoolean();
      style.put("persona_echo_" + pl, je);
      style.put("persona_echo_" + nl, false);
      boolean jr = r.get("judge_refusal_or_ai_break").asBoolean();
      style.put("refusal_or_ai_break_" + pl, jr);
      style.put("refusal_or_ai_break_" + nl, false);
      ObjectNode conf = JsonNodeFactory.instance.objectNode();
      for (String d : Prompts.OFF_AXIS_DIMS.keySet()) conf.set(d + "_likert", r.get("off_axis_" + d));
      conf.set("off_axis_problem_likert", r.get("off_axis_problem"));
      conf.set("likely_spurious_axis", r.get("likely_spurious_axis"));
      conf.set("usable_for_training", r.get("usable_for_training"));
      var in = new ExampleMath.Inputs(r.get("artifact").asText(), id, t, p, s, rowI, pp, np,
          r.get("pos_generation_prompt").asText(), r.get("neg_generation_prompt").asText(), 0);
      ObjectNode ours = ExampleMath.example(in, posIsA, r.get("pos_response").asText(), r.get("neg_response").asText(), axis, style, conf);
      for (String col : PublishedTablesTest.names(r)) {
        JsonNode want = r.get(col);
        JsonNode got = ours.get(col);
        if (col.startsWith("style_delta_") || col.equals("max_style_abs_delta")) {
          maxStyleErr = Math.max(maxStyleErr, Math.abs(want.asDouble() - got.asDouble()));
        } else if (want.isNumber()) {
          assertEquals(want.asDouble(), got.asDouble(), 0.0, col + " of " + id);
        } else {
          assertEquals(want, got, col + " of " + id);
        }
      }
      checked++;
    }
    assertEquals(240, checked);
    assertEquals(1, coinBForWorkedExample);
    assertTrue(maxStyleErr < 1e-12, "style deltas rebuilt through 1.0 + d: " + maxStyleErr);
  }

  @Test
  void auditsCatchEchoAndRefusal() {
    assertEquals(List.of("\\bas an? principled\\b", "verbatim_persona_instruction"),
        Audits.personaEchoHits("As a principled person, I refuse. You are a principled person.", "principled", "You are a principled person."));
    assertEquals(List.of("\\bi'm an? open\\ minded\\b"), Audits.personaEchoHits("Well, I'm an open-minded sort.", "open-minded", "x"));
    assertEquals(List.of("as an ai", "i'm sorry, but"), Audits.refusalHits("I'm sorry, but as an AI I cannot."));
    assertEquals(0.0, Audits.repeatedTokenFrac("a an the"));
    assertEquals(1.0, Audits.tokenJaccard("", "it is"));
    assertEquals(Py.round4(2.0 / 3.0), Py.round4(Audits.wordDeltaFrac("one two three four", "one two")));
  }

  @Test
  void pythonReprAndRounding() throws IOException {
    assertEquals("0.0001", PythonText.repr(0.0001));
    assertEquals("1e-05", PythonText.repr(0.00001));
    assertEquals("1e+16", PythonText.repr(1e16));
    assertEquals("1000000000000000.0", PythonText.repr(1e15));
    assertEquals("-0.0", PythonText.repr(-0.0));
    assertEquals("0.1", PythonText.repr(0.1));
    assertEquals(2.675 > 2.67 ? 2.67 : 0, Py.round(2.675, 2)); // 2.675 is 2.67499999... in binary
    assertEquals(0.125, Py.round(0.125, 3));
    assertEquals(0.12, Py.round(0.125, 2)); // half-even on an exact tie
    assertTrue(Files.exists(PublishedTablesTest.res("LICENSE")));
    assertEquals(0.0312, Py.round4(0.03125)); // an exact binary tie: half-even
    assertEquals(0.0313, Py.meanRound4(new double[] {0.0312, 0.0313, 0.03145}, 3)); // near-tie goes the exact way
    // the fast paths agree with the exact BigDecimal route on values like the tables' (0.1 grids, means of few)
    java.util.SplittableRandom r = new java.util.SplittableRandom(5);
    for (int i = 0; i < 20_000; i++) {
      int n = 1 + r.nextInt(6);
      double[] xs = new double[n];
      for (int k = 0; k < n; k++) xs[k] = (r.nextInt(161) - 80) / (r.nextBoolean() ? 10.0 : 40.0) + (r.nextInt(4) == 0 ? r.nextDouble() : 0);
      double exact = new java.math.BigDecimal(Py.mean(xs, n)).setScale(4, java.math.RoundingMode.HALF_EVEN).doubleValue();
      assertEquals(exact, Py.meanRound4(xs, n), 0.0);
      double x = xs[0] * 1.37;
      assertEquals(new java.math.BigDecimal(x).setScale(4, java.math.RoundingMode.HALF_EVEN).doubleValue(), Py.round4(x), 0.0);
    }
  }
}
