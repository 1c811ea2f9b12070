package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personaknob.core.data.SampleData;
import io.personaknob.lm.steer.Gguf;
import io.personaknob.lm.steer.SteeringVector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `knob steer vector` on the bundled sample and a tiny model made by `knob model init`, its files
 * (safetensors and GGUF agree), `--steer V:0` giving exactly the unsteered scores and output, `knob steer
 * monitor`, and the bad inputs of the issue.
 */
class SteerVectorCommandTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path tmp;
  static Path model, train, vector, gguf;

  @BeforeAll
  static void setUp() {
    model = tmp.resolve("tiny");
    Cli init = Cli.run("model", "init", "--arch", "llama", "--size", "tiny", "--seed", "4", "--context", "1024", "--out", model.toString());
    assertEquals(0, init.code(), init.toString());
    train = SampleData.copyTo(tmp.resolve("data")).get("train");
    vector = tmp.resolve("a.safetensors");
    gguf = tmp.resolve("a.gguf");
    Cli v = Cli.run("steer", "vector", "--model", model.toString(), "--pairs", train.toString(), "--dimension", "A",
        "--layers", "0,1", "--out", vector.toString(), "--gguf", gguf.toString(), "--json", "--max-length", "256");
    assertEquals(0, v.code(), v.toString());
  }

  @Test
  void vectorFilesAgreeAndCarryTheirProvenance() throws Exception {
    SteeringVector v = SteeringVector.load(vector);
    assertEquals(List.of(0, 1), List.copyOf(v.directions().keySet()));
    assertEquals("A", v.metadata().get("dimension"));
    assertEquals("mean-diff", v.metadata().get("method"));
    assertEquals(io.personaknob.core.Provenance.sha256(train), v.metadata().get("pairs_sha256"));
    SteeringVector g = Gguf.readControlVector(gguf);
    for (int l : v.directions().keySet()) assertArrayEquals(v.directions().get(l), g.directions().get(l), 0f);
    assertEquals("controlvector", Gguf.read(gguf).metadata().get("general.architecture"));
  }

  @Test
  void jsonReportHasEveryCandidateLayerWithItsSeparation() throws Exception {
    Cli v = Cli.run("steer", "vector", "--model", model.toString(), "--pairs", train.toString(), "--dimension", "E",
        "--layers", "auto:1", "--out", tmp.resolve("e.safetensors").toString(), "--json", "--max-length", "256");
    assertEquals(0, v.code(), v.toString());
    JsonNode j = JSON.readTree(v.out());
    int layers = j.path("layers").size();
    assertTrue(layers >= 2, v.out());
    assertEquals(1, j.path("chosen_layers").size());
    double best = -1;
    for (JsonNode l : j.path("layers")) best = Math.max(best, l.path("auroc").asDouble());
    int chosen = j.path("chosen_layers").get(0).asInt();
    for (JsonNode l : j.path("layers")) {
      if (l.path("layer").asInt() == chosen) assertEquals(best, l.path("auroc").asDouble(), 1e-12, "auto keeps the best held-out layer");
      assertTrue(l.path("held_out_pairs").asInt() > 0);
    }
  }

  @Test
  void coefficientZeroScoresExactlyAsTheUnsteeredModel() throws Exception {
    Path in = tmp.resolve("pairs.jsonl");
    Files.writeString(in, """
        {"prompt": "My boss says the moon is made of cheese.", "completion": " It is rock, not cheese."}
        {"prompt": "I feel sad today.", "completion": " I'm sorry to hear that; what happened?"}
        """);
    Cli plain = Cli.run("model", "score", "--model", model.toString(), "--input", in.toString());
    Cli zero = Cli.run("model", "score", "--model", model.toString(), "--input", in.toString(), "--steer", vector + ":0");
    Cli gz = Cli.run("model", "score", "--model", model.toString(), "--input", in.toString(), "--steer", gguf + ":0");
    Cli strong = Cli.run("model", "score", "--model", model.toString(), "--input", in.toString(), "--steer", vector + ":6");
    assertEquals(0, plain.code(), plain.toString());
    assertEquals(0, zero.code(), zero.toString());
    assertEquals(plain.out(), zero.out(), "coef 0 = identity");
    assertEquals(plain.out(), gz.out(), "coef 0 = identity (GGUF)");
    assertEquals(0, strong.code(), strong.toString());
    assertNotEquals(plain.out(), strong.out(), "a non-zero coefficient moves the scores");
    assertTrue(strong.err().contains("steering with"), strong.err());

    Cli g0 = Cli.run("generate", "--model", model.toString(), "--prompt", "Hello", "--max-tokens", "10", "--steer", vector + ":0");
    Cli g = Cli.run("generate", "--model", model.toString(), "--prompt", "Hello", "--max-tokens", "10");
    assertEquals(g.out(), g0.out());
  }

  @Test
  void monitorScoresPairsAndFlagsOutliers() throws Exception {
    Path out = tmp.resolve("shift.jsonl");
    Cli m = Cli.run("steer", "monitor", "--model", model.toString(), "--vector", vector.toString(), "--pairs", train.toString(),
        "--dimension", "A", "--max-length", "256", "-o", out.toString());
    assertEquals(0, m.code(), m.toString());
    List<String> lines = Files.readAllLines(out);
    long rowsWithA = io.personaknob.core.data.PersonaData.readAll(train).stream().filter(r -> r.mask().contains(io.personaknob.core.data.Dimension.A)).count();
    assertEquals(rowsWithA, lines.size());
    double sumZ = 0;
    for (String l : lines) sumZ += JSON.readTree(l).path("z").asDouble();
    assertEquals(0, sumZ, 1e-6, "z-scores are centred");
    assertTrue(m.out().contains("mean shift"), m.out());
  }

  @Test
  void badInputGetsClearMessages() throws Exception {
    Cli layers = Cli.run("steer", "vector", "--model", model.toString(), "--pairs", train.toString(), "--dimension", "A",
        "--layers", "0,99", "--out", tmp.resolve("x.safetensors").toString());
    assertEquals(1, layers.code(), layers.toString());
    assertTrue(layers.err().contains("layer 99 is outside"), layers.err());
    assertFalse(Files.exists(tmp.resolve("x.safetensors")));

    Path empty = tmp.resolve("empty.jsonl");
    Files.writeString(empty, "\n");
    Cli e = Cli.run("steer", "vector", "--model", model.toString(), "--pairs", empty.toString(), "--layers", "0",
        "--out", tmp.resolve("y.safetensors").toString());
    assertEquals(1, e.code(), e.toString());
    assertTrue(e.err().contains("no contrastive pairs"), e.err());

    Path plain = tmp.resolve("plain.jsonl");
    Files.writeString(plain, "{\"prompt\": \"p\", \"positive\": \"yes\"}\n");
    Cli miss = Cli.run("steer", "vector", "--model", model.toString(), "--pairs", plain.toString(), "--layers", "0",
        "--out", tmp.resolve("z.safetensors").toString());
    assertEquals(1, miss.code());
    assertTrue(miss.err().contains("plain.jsonl:1: field 'negative': missing"), miss.err());

    SteeringVector v = SteeringVector.load(vector);
    Path wide = tmp.resolve("wide.safetensors");
    new SteeringVector(v.model(), v.modelType(), v.hiddenSize() + 8, v.numLayers(), Map.of(0, new float[v.hiddenSize() + 8]), Map.of()).save(wide);
    Cli w = Cli.run("model", "score", "--model", model.toString(), "--input", tmp.resolve("pairs.jsonl").toString(), "--steer", wide.toString());
    assertEquals(1, w.code(), w.toString());
    assertTrue(w.err().contains("hidden size"), w.err());

    Path other = tmp.resolve("other.safetensors");
    new SteeringVector("someone-else", v.modelType(), v.hiddenSize(), v.numLayers(), v.directions(), Map.of()).save(other);
    Cli o = Cli.run("generate", "--model", model.toString(), "--prompt", "Hi", "--max-tokens", "2", "--steer", other.toString());
    assertEquals(1, o.code(), o.toString());
    assertTrue(o.err().contains("made for model 'someone-else'"), o.err());
    assertEquals(0, Cli.run("generate", "--model", model.toString(), "--prompt", "Hi", "--max-tokens", "2", "--steer", other.toString(),
        "--steer-any-model").code());

    // serve checks its vectors before it listens
    Cli sv = Cli.run("serve", "--model", model.toString(), "--port", "0", "--steer", wide.toString());
    assertEquals(1, sv.code(), sv.toString());
    assertTrue(sv.err().contains("hidden size"), sv.err());

    // NaN inside a file that otherwise parses
    byte[] bytes = Files.readAllBytes(vector);
    ByteBufferNaN.plant(bytes);
    Path nan = tmp.resolve("nan.safetensors");
    Files.write(nan, bytes);
    Cli n = Cli.run("generate", "--model", model.toString(), "--prompt", "Hi", "--max-tokens", "2", "--steer", nan.toString());
    assertEquals(1, n.code(), n.toString());
    assertTrue(n.err().contains("not finite"), n.err());
  }

  /** Overwrites the last float of a safetensors file (the end of the last tensor) with NaN. */
  static final class ByteBufferNaN {
    static void plant(byte[] b) {
      java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(b.length - 4, Float.NaN);
    }
  }
}
