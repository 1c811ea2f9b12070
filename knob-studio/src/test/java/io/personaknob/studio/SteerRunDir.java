package io.personaknob.studio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.Provenance;
import io.personaknob.steer.Scores;
import io.personaknob.steer.SteerStats;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real steering-template run directory for the studio tests: the library's published v2 pilot examples of
 * three templates (test resource {@code steering/}, MIT) as {@code examples.jsonl}, aggregated by knob-steer's own
 * {@link SteerStats} exactly as {@code knob steer stats --examples EXAMPLES --out DIR} does. Optionally one
 * answer is replaced by untrusted markup first.
 */
public final class SteerRunDir {
  private SteerRunDir() {}

  public static final String EXAMPLES = "steering/v2_pilot_seed24_examples_3_templates.jsonl";
  /** Put into the first example's positive answer by {@link #write} when asked. */
  public static final String EVIL = "<script>window.pwned=4</script>";

  /** The published example rows (the resource's lines, parsed). */
  public static List<JsonNode> published() throws Exception {
    List<JsonNode> out = new ArrayList<>();
    try (InputStream in = SteerRunDir.class.getClassLoader().getResourceAsStream(EXAMPLES)) {
      for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"))
        if (!l.isBlank()) out.add(StudioDb.JSON.readTree(l));
    }
    return out;
  }

  /**
   * Writes {@code examplesDir/examples.jsonl} and the stats tables into {@code statsDir} (the same directory for
   * the layout of {@code knob steer run}, a subdirectory for {@code knob steer stats --out RUN/stats}).
   */
  public static SteerStats.Result write(Path examplesDir, Path statsDir, boolean evil) throws Exception {
    List<JsonNode> rows = published();
    StringBuilder b = new StringBuilder();
    try (InputStream in = SteerRunDir.class.getClassLoader().getResourceAsStream(EXAMPLES)) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      if (!evil) b.append(text);
      else {
        ObjectNode first = (ObjectNode) rows.get(0);
        first.put("pos_response", EVIL + " " + first.get("pos_response").asText());
        String[] lines = text.split("\n");
        lines[0] = StudioDb.JSON.writeValueAsString(first);
        b.append(String.join("\n", lines)).append("\n");
      }
    }
    Files.createDirectories(examplesDir);
    Path ex = examplesDir.resolve("examples.jsonl");
    Files.writeString(ex, b.toString(), StandardCharsets.UTF_8);
    SteerStats.Options o = new SteerStats.Options(Scores.Kind.HEAD, 200, 0, false, 0, 2, 2, 0, 2);
    SteerStats.Result r = SteerStats.compute(ex, o);
    SteerStats.write(statsDir, r, Provenance.of(Map.of("command", "steer stats"), Map.of("examples", ex)));
    return r;
  }

  static final String POS_B = "applies one standard to everyone, even when it costs them";
  static final String NEG_B = "bends the rule for convenience and explains the exception away";
  /** The style and confound judges' reasons in {@link #runScripted}: untrusted text. */
  public static final String STYLE_REASON = "Same <b>tone</b> on both sides.";
  public static final String CONFOUND_REASON = "Clean & <i>narrow</i>.";

  /**
   * {@code knob steer run --out out} as the command does it: knob-steer's runner (generator, 2 axis judges, style
   * and confound judge) against the scripted OpenAI-compatible server, which writes a marker word per pole (the
   * positive answer also carries {@link #EVIL}) and judges by the marker; then the stats tables beside the examples.
   */
  public static void runScripted(Path out, Path scratch) throws Exception {
    var pair = new io.personaknob.steer.Inputs.PersonaPair("principled_expedient", "principled", "expedient", POS_B, NEG_B, null, null);
    var sc = new io.personaknob.steer.Inputs.Scenario("harbour_fee", "A harbour master can waive a fee for a friend's boat. What happens next?",
        "test", "test", false, "test");
    var cells = io.personaknob.steer.SteerRun.plan(List.of(sc), List.of(pair), List.of("You are a {persona} person.", "Act as a {persona} person."));
    java.util.regex.Pattern axis = java.util.regex.Pattern.compile("Target behavior:\\n(.*?)\\n\\nResponse A:\\n(.*?)\\n\\nResponse B:\\n(.*?)\\n\\nAnswer",
        java.util.regex.Pattern.DOTALL);
    Files.createDirectories(scratch);
    try (io.personaknob.llm.testing.ScriptedOpenAiServer s = new io.personaknob.llm.testing.ScriptedOpenAiServer();
         io.personaknob.llm.RunStore store = io.personaknob.llm.RunStore.open(scratch.resolve("store.sqlite"))) {
      s.script(r -> {
        String u = r.user();
        if (r.schema() == null) return io.personaknob.llm.testing.ScriptedOpenAiServer.Reply.content(u.contains("principled")
            ? EVIL + " I apply the steadfast rule to every boat, my friend's too, and log the fee." : "I take the shortcut and waive it quietly for my friend.");
        ObjectNode o = StudioDb.JSON.createObjectNode();
        if (r.schema().path("properties").has("A_more_target_than_B")) {
          var m = axis.matcher(u);
          if (!m.find()) throw new IllegalStateException("axis prompt not understood");
          String marker = m.group(1).equals(POS_B) ? "steadfast" : "shortcut";
          double v = m.group(2).contains(marker) ? 4.6 : m.group(3).contains(marker) ? 1.4 : 3.0;
          o.put("target_reason", "The " + marker + " answer is more target-like.").put("A_more_target_than_B", v);
        } else if (r.schema().path("properties").has("style_reason")) {
          o.put("style_reason", STYLE_REASON);
          for (String d : io.personaknob.steer.Prompts.STYLE_DIMS.keySet()) o.put(d + "_A", 2.0).put(d + "_B", 2.5);
          o.put("persona_echo_A", false).put("persona_echo_B", false).put("refusal_or_ai_break_A", false).put("refusal_or_ai_break_B", false);
        } else {
          o.put("confound_reason", CONFOUND_REASON);
          for (String d : io.personaknob.steer.Prompts.OFF_AXIS_DIMS.keySet()) o.put(d + "_likert", 1.2);
          o.put("off_axis_problem_likert", 1.5).put("likely_spurious_axis", "none").put("usable_for_training", true);
        }
        return io.personaknob.llm.testing.ScriptedOpenAiServer.Reply.content(io.personaknob.llm.Json.write(o));
      });
      io.personaknob.llm.KnobConfig conf = io.personaknob.llm.KnobConfig.parse("""
          providers:
            p: {base_url: %s, max_retries: 1, timeout_seconds: 5}
          models:
            gen: {provider: p, model: gen-model}
            judge-a: {provider: p, model: judge-a-model}
            judge-b: {provider: p, model: judge-b-model}
            style: {provider: p, model: style-model}
          """.formatted(s.baseUrl()), Path.of("knob.yaml"));
      Path ex = out.resolve("examples.jsonl");
      var o = new io.personaknob.steer.SteerRun.Options(24, "gen", List.of("judge-a", "judge-b"), "style", 0.0, 260, 0.0, 5, false, ex.toString());
      io.personaknob.steer.SteerRun.Result res;
      try (io.personaknob.llm.LlmClient c = io.personaknob.llm.LlmClient.builder(conf).store(store).runId("studio-steer").build()) {
        res = new io.personaknob.steer.SteerRun(c, o).run(cells, (d, t) -> {});
      }
      io.personaknob.steer.StatsTables.writeText(ex, io.personaknob.steer.StatsTables.jsonl(res.rows()));
      SteerStats.write(out, SteerStats.compute(ex, new SteerStats.Options(Scores.Kind.HEAD, 100, 0, false, 0, 2, 2, 0, 2)),
          Provenance.of(Map.of("command", "steer run"), Map.of()));
    }
  }

  /** {@code knob steer export --hf hfDir} of a run written by {@link #write}: Parquet splits, card, results.html. */
  public static void export(Path examplesDir, Path hfDir, SteerStats.Result r) throws Exception {
    Path ex = examplesDir.resolve("examples.jsonl");
    var run = new io.personaknob.steer.HubExport.Run("studio-test", io.personaknob.steer.StatsTables.readTable(ex), r.pairStats(),
        r.templateStats(), r.cellScores(), r.templateScores(), List.of(), null, Map.of("measurement_id", "studio-test"));
    io.personaknob.steer.HubExport.write(hfDir, run, Provenance.of(Map.of("command", "steer export"), Map.of("examples", ex)));
  }
}
