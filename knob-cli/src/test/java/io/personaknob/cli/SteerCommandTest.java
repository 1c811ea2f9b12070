package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.data.ParquetTables;
import io.personaknob.llm.Json;
import io.personaknob.llm.testing.SchemaFaker;
import io.personaknob.llm.testing.ScriptedOpenAiServer;
import io.personaknob.llm.testing.ScriptedOpenAiServer.Reply;
import io.personaknob.steer.ExampleMath;
import io.personaknob.steer.Prompts;
import io.personaknob.steer.StatsTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code knob steer run|stats|export} end to end against the scripted OpenAI-compatible server playing the
 * generator and every judge: planted persona echoes and refusals must be caught by the audits, judge replies
 * out of range or not JSON must become recorded failures left out of the tables, a re-run must make no call,
 * and the export must write the five splits, the card and an escaped results page.
 */
class SteerCommandTest {

  static final String POS_B = "applies the stated rule to everyone even when it costs the speaker";
  static final String NEG_B = "bends the rule for convenience and explains the exception away";
  static final List<String> TEMPLATES = List.of("You are a {persona} person.", "Act as someone {persona} <b>now</b>.",
      "Echo as a {persona} person.", "Refuse {persona}.", "Range {persona}.", "Garbage {persona}.");

  static Path setup(Path dir, String baseUrl) throws Exception {
    Files.writeString(dir.resolve("knob.yaml"), """
        providers:
          scripted:
            base_url: %s
            max_retries: 1
            backoff_base_ms: 1
        models:
          gen: {provider: scripted, model: gen-model}
          judge-a: {provider: scripted, model: judge-a-model}
          judge-b: {provider: scripted, model: judge-b-model}
          style: {provider: scripted, model: style-model, input_price_per_mtok: 1.0, output_price_per_mtok: 2.0}
        """.formatted(baseUrl));
    Files.writeString(dir.resolve("pairs.jsonl"), Json.write(Json.MAPPER.createObjectNode().put("id", "principled_expedient")
        .put("pos", "principled").put("neg", "expedient").put("positive_behavior", POS_B).put("negative_behavior", NEG_B)) + "\n");
    Files.writeString(dir.resolve("scenarios.jsonl"), """
        {"id": "harbour_fee", "prompt": "A harbour master can waive a fee for a friend's boat. What happens next?"}
        {"id": "exam_grade", "question": "A teacher could round up a favourite student's grade. What should the teacher do?"}
        {"id": "budget_gap", "text": "A clinic manager finds a budget gap before an audit. What do they report?"}
        """);
    return dir.resolve("knob.yaml");
  }

  static final Pattern AXIS = Pattern.compile("Target behavior:\\n(.*?)\\n\\nResponse A:\\n(.*?)\\n\\nResponse B:\\n(.*?)\\n\\nAnswer", Pattern.DOTALL);

  /** The generator writes a marker per pole; judges read the markers; some templates get planted faults. */
  static Reply script(ScriptedOpenAiServer.Request r) {
    String u = r.user();
    SplittableRandom rnd = new SplittableRandom(r.seed());
    if (r.schema() == null) { // generation
      boolean pos = u.contains("principled");
      String filler = SchemaFaker.sentence(rnd, 12, 20) + " " + SchemaFaker.sentence(rnd, 12, 20);
      if (u.startsWith("Echo as a") && pos) return Reply.content("As a principled person, I keep to the steadfast rule. " + filler);
      if (u.startsWith("Refuse") && !pos) return Reply.content("I'm sorry, but I cannot provide advice on a shortcut here. " + filler);
      return Reply.content(pos ? "I apply the steadfast rule to every boat and every student. " + filler
          : "I take the shortcut and waive it quietly for my friend. " + filler);
    }
    if (r.schema().path("properties").has("A_more_target_than_B")) {
      if (u.contains("Range principled") || u.contains("Range expedient")) return null; // unreachable: judges do not see the template
      Matcher m = AXIS.matcher(u);
      if (!m.find()) throw new IllegalStateException("axis prompt not understood");
      String a = m.group(2);
      String b = m.group(3);
      if (a.contains("RANGE") || b.contains("RANGE")) return Reply.content("{\"target_reason\": \"x\", \"A_more_target_than_B\": 7.0}");
      if (a.contains("GARBAGE") || b.contains("GARBAGE")) return Reply.content("I think A is better, honestly.");
      String marker = m.group(1).equals(POS_B) ? "steadfast" : "shortcut";
      double v = a.contains(marker) && !b.contains(marker) ? 4.6 : b.contains(marker) && !a.contains(marker) ? 1.4 : 3.0;
      return Reply.content("{\"target_reason\": \"The marker decides.\", \"A_more_target_than_B\": " + v + "}");
    }
    if (r.schema().path("properties").has("style_reason")) {
      ObjectNode o = Json.MAPPER.createObjectNode().put("style_reason", "similar");
      for (String d : Prompts.STYLE_DIMS.keySet()) o.put(d + "_A", 2.0).put(d + "_B", 2.5);
      o.put("persona_echo_A", false).put("persona_echo_B", false).put("refusal_or_ai_break_A", false).put("refusal_or_ai_break_B", false);
      return Reply.content(Json.write(o));
    }
    ObjectNode o = Json.MAPPER.createObjectNode().put("confound_reason", "clean");
    for (String d : Prompts.OFF_AXIS_DIMS.keySet()) o.put(d + "_likert", 1.2);
    o.put("off_axis_problem_likert", 1.5).put("likely_spurious_axis", "none").put("usable_for_training", true);
    return Reply.content(Json.write(o));
  }

  static String[] runArgs(Path dir, Path cfg, String... extra) {
    List<String> a = new ArrayList<>(List.of("steer", "run", "--config", cfg.toString(), "--store", dir.resolve("store.sqlite").toString(),
        "--templates", String.join("||", TEMPLATES), "--pairs", dir.resolve("pairs.jsonl").toString(), "--scenarios",
        dir.resolve("scenarios.jsonl").toString(), "--n", "2", "--seed", "24", "--generator", "gen", "--axis-judges", "judge-a,judge-b",
        "--judge", "style"));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  /** The library's examples columns, in its order (export_persona_template_stats.py, _example_rows). */
  static final List<String> LIBRARY_HEAD = List.of("artifact", "eval_id", "template", "persona_pair", "scenario_id", "pos_persona",
      "neg_persona", "row", "source", "config", "prompt", "pos_generation_prompt", "neg_generation_prompt", "error", "strict_pass",
      "axis_judge_models", "axis_judgments", "axis_delta", "axis_delta_judge_mean", "axis_delta_judge_std",
      "axis_judge_mean_abs_disagreement", "positive_delta", "negative_delta", "off_axis_problem", "max_off_axis_category_likert",
      "usable_for_training", "likely_spurious_axis", "max_style_abs_delta", "word_delta_frac", "response_token_jaccard",
      "pos_repeated_token_frac", "neg_repeated_token_frac", "persona_echo", "judge_persona_echo", "pos_persona_echo_hits",
      "neg_persona_echo_hits", "pos_persona_overlap_tokens", "neg_persona_overlap_tokens", "refusal_or_ai_break",
      "judge_refusal_or_ai_break", "pos_refusal_phrase_hits", "neg_refusal_phrase_hits", "pos_response", "neg_response");

  @Test
  void runAuditsRecordsFailuresResumesAndExports(@TempDir Path dir) throws Exception {
    try (ScriptedOpenAiServer server = new ScriptedOpenAiServer()) {
      server.script(r -> {
        // plant judge faults on the answers of two templates: the generator marks them
        if (r.schema() == null && r.user().startsWith("Range ")) return Reply.content("RANGE answer with steadfast words.");
        if (r.schema() == null && r.user().startsWith("Garbage ")) return Reply.content("GARBAGE answer with shortcut words.");
        return script(r);
      });
      Path cfg = setup(dir, server.baseUrl());
      Path out = dir.resolve("out");

      Cli dry = Cli.run(runArgs(dir, cfg, "--dry-run"));
      assertEquals(0, dry.code(), dry.toString());
      assertTrue(dry.out().contains("= 12 examples"), dry.out());
      assertTrue(dry.out().contains("estimated cost: at most"), dry.out());
      assertEquals(0, server.requests(), "a dry run calls nothing");

      Cli r = Cli.run(runArgs(dir, cfg, "--out", out.toString()));
      assertEquals(0, r.code(), r.toString());
      List<ObjectNode> rows = StatsTables.readTable(out.resolve("examples.jsonl"));
      assertEquals(12, rows.size()); // 2 scenarios x 1 pair x 6 templates
      // seeded selection: the same two scenarios as Python's random.Random(24).shuffle on the three rows
      assertEquals(List.of("harbour_fee", "exam_grade"), rows.stream().map(x -> x.get("scenario_id").asText()).distinct().toList());
      int requestsAfterFirst = server.requests();
      for (ObjectNode row : rows) {
        String t = row.get("template").asText();
        List<String> keys = new ArrayList<>();
        row.fieldNames().forEachRemaining(keys::add);
        if (t.startsWith("Range") || t.startsWith("Garbage")) {
          assertEquals(LIBRARY_HEAD.subList(0, 14), keys, "error rows carry the library's first 14 columns");
          String e = row.get("error").asText();
          assertTrue(t.startsWith("Range") ? e.contains("'A_more_target_than_B' must be numeric 1.0-5.0, got 7.0")
              : e.contains("reply is not JSON") && e.contains("after 5 attempts"), e);
          continue;
        }
        assertTrue(row.get("error").isNull());
        assertEquals(LIBRARY_HEAD, keys.subList(0, LIBRARY_HEAD.size()), "the library's examples columns, in order");
        assertTrue(keys.contains("style_delta_warmth_pos_minus_neg") && keys.contains("off_axis_persona_echo"));
        assertEquals(ExampleMath.posIsA(24, "principled_expedient", t, row.get("row").asInt(), row.get("prompt").asText()) ? "A" : "B",
            row.get("pos_label").asText());
        assertEquals(6.4, row.get("axis_delta").asDouble(), 1e-9, "both judges see the marker: 2 x (1.6 + 1.6)");
        assertEquals(Math.abs(2.0 - 2.5), row.get("max_style_abs_delta").asDouble(), 1e-12);
        switch (t) {
          case "Echo as a {persona} person." -> {
            assertTrue(row.get("persona_echo").asBoolean());
            assertEquals("[\"\\\\bas an? principled\\\\b\"]", row.get("pos_persona_echo_hits").toString());
            assertFalse(row.get("strict_pass").asBoolean());
          }
          case "Refuse {persona}." -> {
            assertTrue(row.get("refusal_or_ai_break").asBoolean());
            assertEquals("[\"i'm sorry, but\",\"i cannot provide\"]", row.get("neg_refusal_phrase_hits").toString());
            assertFalse(row.get("strict_pass").asBoolean());
          }
          default -> {
            assertFalse(row.get("persona_echo").asBoolean(), row.toString());
            assertFalse(row.get("refusal_or_ai_break").asBoolean());
            assertTrue(row.get("strict_pass").asBoolean(), row.toString());
          }
        }
      }
      // generator settings as sent
      for (var req : server.received()) {
        if (req.schema() == null) {
          assertEquals(0.0, req.body().path("temperature").asDouble());
          assertEquals(260, req.body().path("max_tokens").asInt());
          assertEquals(24, req.body().path("seed").asInt());
        }
      }
      // failures are left out of the tables; the tables equal a recomputation from the examples
      List<ObjectNode> pair = StatsTables.readTable(out.resolve("template_pair_stats.jsonl"));
      assertEquals(4, pair.size());
      assertTrue(pair.stream().allMatch(p -> p.get("n").asInt() == 2));
      assertEquals(StatsTables.jsonl(StatsTables.templatePairStats(StatsTables.readExamples(out.resolve("examples.jsonl")))),
          Files.readString(out.resolve("template_pair_stats.jsonl")));
      JsonNode run = Json.read(Files.readString(out.resolve("run.json")));
      assertEquals(4, run.path("errors").asInt());
      assertTrue(run.path("calls").path("cost").asDouble() > 0);
      assertEquals(260, run.path("provenance").path("config").path("gen_max_tokens").asInt());

      // resumable: the same command again makes no call and writes the same examples
      String first = Files.readString(out.resolve("examples.jsonl"));
      Cli again = Cli.run(runArgs(dir, cfg, "--out", out.toString()));
      assertEquals(0, again.code(), again.toString());
      assertEquals(requestsAfterFirst, server.requests(), "the re-run is served from the run store");
      assertEquals(first, Files.readString(out.resolve("examples.jsonl")));

      // export
      Path hf = dir.resolve("hf");
      Cli ex = Cli.run("steer", "export", "--hf", hf.toString(), "--examples", out.resolve("examples.jsonl").toString(), "--stats",
          out.toString(), "--pairs", dir.resolve("pairs.jsonl").toString(), "--id", "scripted_run");
      assertEquals(0, ex.code(), ex.toString());
      for (String s : List.of("main", "template_pair_cells", "persona_pairs", "examples", "controls")) {
        assertTrue(Files.exists(hf.resolve("data/" + s + ".parquet")), s);
      }
      var examples = ParquetTables.read(hf.resolve("data/examples.parquet"));
      assertEquals(12, examples.size());
      long withJudges = examples.stream().filter(e -> e.get("axis_judge_models") != null).count();
      assertEquals(8, withJudges, "error rows have no judgments");
      for (var e : examples) {
        if (e.get("axis_judge_models") == null) continue;
        assertEquals("[\"judge-a\", \"judge-b\"]", e.get("axis_judge_models"), "nested values as JSON text");
        JsonNode aj = Json.read((String) e.get("axis_judgments"));
        assertEquals(2, aj.size());
        assertEquals(6.4, aj.get(0).path("axis_delta").asDouble() + aj.get(1).path("axis_delta").asDouble() - 6.4, 1e-9);
      }
      assertEquals(4, ParquetTables.read(hf.resolve("data/main.parquet")).size());
      var pairs = ParquetTables.read(hf.resolve("data/persona_pairs.parquet"));
      assertEquals(POS_B, pairs.get(0).get("positive_behavior"));
      String card = Files.readString(hf.resolve("README.md"));
      assertTrue(card.startsWith("---\nlicense: mit"));
      assertTrue(card.contains("path: data/template_pair_cells.parquet"));
      String html = Files.readString(hf.resolve("results.html"));
      assertTrue(html.contains("<svg") && html.contains("<circle"));
      assertTrue(html.contains("Act as someone {persona} &lt;b&gt;now&lt;/b&gt;."));
      assertFalse(html.contains("<b>now</b>"), "template text is escaped");
      assertFalse(html.contains("<script"));
    }
  }

  @Test
  void badInputNamesFileLineAndField(@TempDir Path dir) throws Exception {
    try (ScriptedOpenAiServer server = new ScriptedOpenAiServer()) {
      Path cfg = setup(dir, server.baseUrl());
      Path cat = dir.resolve("catalog.yaml");
      Files.writeString(cat, """
          - template_jinja: You are a {{ persona }} person.
            status: active
          - template_jinja: A {{ persona }} and a {{ persona }}.
            status: active
          """);
      Cli r = Cli.run(replace(runArgs(dir, cfg, "--out", dir.resolve("o").toString()), "--templates", cat.toString()));
      assertEquals(1, r.code(), r.toString());
      assertTrue(r.err().contains(cat + " line 3: field 'template_jinja': an active template needs exactly one {{ persona }} slot, found 2"),
          r.err());
      Files.writeString(cat, "- template_jinja: No slot here.\n  status: active\n");
      r = Cli.run(replace(runArgs(dir, cfg, "--out", dir.resolve("o").toString()), "--templates", cat.toString()));
      assertTrue(r.err().contains("line 1: field 'template_jinja': an active template needs exactly one {{ persona }} slot, found none"), r.err());
      r = Cli.run(replace(runArgs(dir, cfg, "--out", dir.resolve("o").toString()), "--templates", "Be {persona} and {persona}."));
      assertEquals(1, r.code());
      assertTrue(r.err().contains("--templates: field 'template': needs exactly one {persona} slot, found 2"), r.err());

      Path pairs = dir.resolve("pairs.jsonl");
      Files.writeString(pairs, "{\"id\": \"x\", \"pos\": \"kind\", \"neg\": \"cruel\", \"positive_behavior\": \"helps\"}\n");
      r = Cli.run(runArgs(dir, cfg, "--out", dir.resolve("o").toString()));
      assertEquals(1, r.code());
      assertTrue(r.err().contains(pairs + " line 1: field 'negative_behavior': missing"), r.err());

      setup(dir, server.baseUrl());
      Path sc = dir.resolve("scenarios.jsonl");
      Files.writeString(sc, "{\"id\": \"a\", \"prompt\": \"ok?\"}\n\n{\"id\": \"b\", \"title\": \"no text\"}\n");
      r = Cli.run(runArgs(dir, cfg, "--out", dir.resolve("o").toString()));
      assertEquals(1, r.code());
      assertTrue(r.err().contains(sc + " line 3: field 'prompt': missing (a scenario needs a non-empty prompt, question or text)"), r.err());
      assertFalse(r.err().contains("Exception"), "no stack trace");
      assertEquals(0, server.requests(), "bad input fails before any call");
      assertFalse(Files.exists(dir.resolve("o")), "no partial output");

      Path ex = dir.resolve("ex.jsonl");
      Files.writeString(ex, "{\"template\": \"t {persona}\", \"persona_pair\": \"p\", \"error\": null, \"axis_delta\": 1.0}\n");
      r = Cli.run("steer", "stats", "--examples", ex.toString(), "--out", dir.resolve("st").toString());
      assertEquals(1, r.code());
      assertTrue(r.err().contains(ex + " line 1: field 'positive_delta': missing"), r.err());
    }
  }

  @Test
  void everySteerHelpRendersCleanly() {
    for (String sub : List.of("", "run", "stats", "export")) {
      Cli.assertHelpRendersCleanly(sub.isEmpty() ? new String[] {"steer"} : new String[] {"steer", sub});
    }
    assertTrue(Cli.run("bench", "steer", "--help").out().contains("--rows"));
  }

  static String[] replace(String[] args, String opt, String value) {
    String[] a = args.clone();
    for (int i = 0; i < a.length - 1; i++) if (a[i].equals(opt)) a[i + 1] = value;
    return a;
  }

}
