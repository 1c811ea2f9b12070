package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personaknob.core.data.PersonaData;
import io.personaknob.core.data.PersonaRow;
import io.personaknob.core.data.SampleData;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.LanguageModels;
import io.personaknob.lm.steer.SteeringVector;
import io.personaknob.train.steer.ActivationMonitor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `knob eval --monitor A=V`: the activation monitor beside the judges. The mean projection it reports is
 * recomputed here from the run's own answers, and its agreement figures are Spearman values or absent.
 */
class EvalMonitorTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void evalReportsTheMonitorBesideTheJudges(@TempDir Path tmp) throws Exception {
    Path model = tmp.resolve("tiny");
    assertEquals(0, Cli.run("model", "init", "--arch", "llama", "--size", "tiny", "--seed", "4", "--context", "1024",
        "--out", model.toString()).code());
    Path train = SampleData.copyTo(tmp.resolve("data")).get("train");
    Path v = tmp.resolve("a.safetensors");
    Cli sv = Cli.run("steer", "vector", "--model", model.toString(), "--pairs", train.toString(), "--dimension", "A",
        "--layers", "1", "--out", v.toString(), "--max-length", "256");
    assertEquals(0, sv.code(), sv.toString());
    Path out = tmp.resolve("run");
    Cli ev = Cli.run("eval", "--sample", "--model", "m=" + model, "--out", out.toString(), "--tasks", "generation",
        "--limit", "5", "--max-new-tokens", "8", "--monitor", "A=" + v);
    assertEquals(0, ev.code(), ev.toString());
    assertTrue(ev.err().contains("activation monitor"), ev.err());
    JsonNode mon = JSON.readTree(out.resolve("monitor.json").toFile());
    JsonNode cell = mon.path("cells").get(0);
    assertEquals("m", cell.path("model").asText());
    assertEquals("A", cell.path("dimension").asText());

    // independent recomputation from the journal's answers
    Map<String, String> answers = new LinkedHashMap<>();
    for (String line : Files.readAllLines(out.resolve("journal.jsonl"))) {
      JsonNode n = JSON.readTree(line);
      String k = n.path("k").asText("");
      if (k.startsWith("gen|m|")) answers.put(k.substring("gen|m|".length()), n.path("v").asText());
    }
    assertEquals(answers.size(), cell.path("answers").asInt());
    Map<String, PersonaRow> rows = new LinkedHashMap<>();
    for (PersonaRow r : PersonaData.readAll(out.resolve("samples/persona"))) rows.put(r.id(), r);
    List<ActivationMonitor.Text> texts = new ArrayList<>();
    for (var e : answers.entrySet()) texts.add(new ActivationMonitor.Text(rows.get(e.getKey()).prompt(), e.getValue()));
    try (DjlLanguageModel lm = LanguageModels.load(model, "cpu")) {
      double[] s = ActivationMonitor.scores(lm, SteeringVector.load(v), texts, 3, 512, null);
      double mean = 0;
      for (double x : s) mean += x / s.length;
      assertEquals(mean, cell.path("meanProjection").asDouble(), 1e-6);
    }
    JsonNode rho = mon.path("answer_spearman_pooled").path("A");
    assertTrue(rho.isNull() || (rho.asDouble() >= -1 && rho.asDouble() <= 1), mon.toString());
    assertTrue(mon.path("model_spearman").path("A").isNull(), "one model: no model-level agreement");
  }
}
