package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personaknob.core.Provenance;
import io.personaknob.core.data.SampleData;
import io.personaknob.lm.LanguageModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole offline loop of {@code knob demo}, in-process: data → tiny model → Lag-DPO → evaluation and
 * report; then a second run in the same folder that must reuse everything.
 */
class DemoTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void demoRunsTheWholeLoopAndASecondRunReusesIt(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("demo");
    Cli c = Cli.run("demo", "--out", out.toString());
    assertEquals(0, c.code(), c.toString());
    assertTrue(c.out().contains("every rule holds"), c.out());
    assertTrue(c.out().contains("[8/8] provenance"), c.out());

    // data steps
    long expectedPairs = SampleData.train().stream().mapToInt(r -> r.mask().size()).sum();
    assertEquals(expectedPairs, Files.readAllLines(out.resolve("pairs/train.jsonl")).size());
    JsonNode stats = JSON.readTree(out.resolve("stats.json").toFile());
    assertEquals(SampleData.test().size(), stats.at("/test/rows").asInt());

    // training: one metrics line per step, a trained model that loads and differs from the reference
    Path ref = out.resolve("models/reference");
    Path trained = out.resolve("train/model");
    assertEquals(DemoPipeline.TRAIN_STEPS, Files.readAllLines(out.resolve("train/metrics.jsonl")).size());
    try (var a = LanguageModels.load(ref, "cpu"); var b = LanguageModels.load(trained, "cpu")) {
      assertEquals("llama", a.info().modelType());
      assertFalse(Arrays.equals(a.model().parameterValues("model.embed_tokens.weight"),
          b.model().parameterValues("model.embed_tokens.weight")), "training moved the weights");
    }

    // evaluation: both models in report.json, a self-contained HTML report with charts
    JsonNode report = JSON.readTree(out.resolve("eval/report.json").toFile());
    String json = report.toString();
    assertTrue(json.contains("\"reference\"") && json.contains("\"lag-dpo\""), json.substring(0, Math.min(400, json.length())));
    String html = Files.readString(out.resolve("eval/report.html"));
    assertTrue(html.contains("<svg"), "charts");
    assertFalse(html.contains("<script src") || html.contains("<link "), "self-contained");
    // the demo's models are random (or barely trained): their answers are byte gibberish or one repeated letter.
    // They are detected before judging, shown, and scored at the bottom — never as a good calibrated score
    // (before issue 16 the reward heads rated such gibberish 6-7 of 7 on A: a calibrated A of +3.85)
    int allDegenerate = 0;
    for (JsonNode d : report.get("degenerate")) {
      if (d.get("degenerate").asInt() < d.get("answers").asInt()) continue;
      allDegenerate++;
      String model = d.get("model").asText();
      assertTrue(html.contains(model + ": " + d.get("answers").asInt() + " of " + d.get("answers").asInt() + " answers degenerate"), model);
      for (JsonNode s : report.get("calibrated")) {
        if (!s.get("model").asText().equals(model)) continue;
        assertEquals(1.0, s.get("raw_mean").asDouble(), 1e-12, s.toString());
        if (s.hasNonNull("relative")) assertTrue(s.get("relative").asDouble() < 0, "below the goldens: " + s);
      }
      for (JsonNode comp : report.get("composites"))
        if (comp.get("model").asText().equals(model) && comp.hasNonNull("dignity")) assertTrue(comp.get("dignity").asDouble() < 0, comp.toString());
    }
    assertTrue(allDegenerate > 0, "a random tiny model writes gibberish (the premise): " + report.get("degenerate"));
    assertTrue(report.get("judge_validity").size() > 0, "every judge is scored for validity");
    assertTrue(html.contains("Judge validity"));

    JsonNode prov = JSON.readTree(out.resolve("provenance.json").toFile());
    assertEquals(Provenance.sha256(out.resolve("data/train.jsonl")), prov.at("/data_sha256/train").asText());

    // a second run reuses model, training and evaluation: nothing is recomputed, the model is untouched
    String modelHash = Provenance.sha256(trained);
    Cli again = Cli.run("demo", "--out", out.toString());
    assertEquals(0, again.code(), again.toString());
    assertTrue(again.out().contains("reusing " + ref), again.out());
    assertTrue(again.out().contains("0 units computed"), again.out());
    assertEquals(modelHash, Provenance.sha256(trained));
    List<String> lines = again.out().lines().filter(l -> l.contains("lag-dpo: A ")).toList();
    assertEquals(c.out().lines().filter(l -> l.contains("lag-dpo: A ")).toList(), lines, "same scores on the re-run");
  }
}
