package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCommandTest {
  @TempDir Path tmp;

  @Test
  void initIsDeterministicAndInfoDescribesIt() throws Exception {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    Path c = tmp.resolve("c");
    assertEquals(0, Cli.run("model", "init", "--arch", "qwen3", "--size", "tiny", "--seed", "5", "--out", a.toString()).code());
    assertEquals(0, Cli.run("model", "init", "--arch", "qwen3", "--size", "tiny", "--seed", "5", "--out", b.toString()).code());
    assertEquals(0, Cli.run("model", "init", "--arch", "qwen3", "--size", "tiny", "--seed", "6", "--out", c.toString()).code());
    for (String f : new String[] {"config.json", "model.safetensors", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "provenance.json"}) {
      assertTrue(Files.isRegularFile(a.resolve(f)), f);
    }
    assertArrayEquals(Files.readAllBytes(a.resolve("model.safetensors")), Files.readAllBytes(b.resolve("model.safetensors")));
    assertFalse(java.util.Arrays.equals(Files.readAllBytes(a.resolve("model.safetensors")), Files.readAllBytes(c.resolve("model.safetensors"))));
    Cli info = Cli.run("model", "info", a.toString(), "--json");
    assertEquals(0, info.code(), info.err());
    JsonNode j = new ObjectMapper().readTree(info.out());
    assertEquals("qwen3", j.get("model_type").asText());
    assertEquals(259, j.get("vocab_size").asInt());
    assertEquals(259, j.get("tokenizer_vocab").asInt());
    assertEquals(2, j.get("layers").asInt());
    assertTrue(j.get("chat_template").asBoolean());
    // parameters: embeddings 259·64 (tied) + 2 layers + final norm, counted by hand
    long layer = 64 * 64 + 2 * 64 * 32 + 64 * 64 + 2 * 16 + 3 * 64 * 128 + 2 * 64;
    assertEquals(259 * 64 + 2 * layer + 64, j.get("parameters").asLong());
  }

  @Test
  void tokenizerDirectorySizesTheVocabulary() throws Exception {
    Path qwen = Cli.repoDir().resolve("knob-lm/src/test/resources/reference/tokenizers/qwen3"); // in-repo copy (see its README)
    Path out = tmp.resolve("q");
    Cli r = Cli.run("model", "init", "--arch", "llama", "--tokenizer", qwen.toString(), "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    assertArrayEquals(Files.readAllBytes(qwen.resolve("tokenizer.json")), Files.readAllBytes(out.resolve("tokenizer.json")));
    JsonNode cfg = new ObjectMapper().readTree(out.resolve("config.json").toFile());
    assertEquals(151669, cfg.get("vocab_size").asInt());
    assertEquals(151645, cfg.get("eos_token_id").asInt()); // <|im_end|>
  }

  @Test
  void infoWithoutATokenizerSaysTheModelCannotGenerate() throws Exception {
    Path m = tmp.resolve("no-tok");
    assertEquals(0, Cli.run("model", "init", "--arch", "llama", "--size", "tiny", "--out", m.toString()).code());
    assertEquals(0, Cli.run("model", "info", m.toString()).code());
    Files.delete(m.resolve("tokenizer.json"));
    Cli r = Cli.run("model", "info", m.toString(), "--json");
    assertEquals(1, r.code(), r.toString());
    assertTrue(r.err().contains(m + ": no tokenizer.json: this model cannot generate"), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertFalse(j.get("can_generate").asBoolean());
    assertFalse(j.get("tokenizer_vocab").isNull(), "not a bare null");
    Cli text = Cli.run("model", "info", m.toString());
    assertEquals(1, text.code());
    assertFalse(text.out().contains("null"), text.out());
  }

  @Test
  void badInputExitsWithTheRightCodes() throws Exception {
    Path a = tmp.resolve("a");
    assertEquals(2, Cli.run("model", "init", "--arch", "mamba", "--out", a.toString()).code());
    assertEquals(2, Cli.run("model", "init", "--out", a.toString()).code());
    Files.createDirectories(a);
    Files.writeString(a.resolve("x"), "x");
    Cli r = Cli.run("model", "init", "--arch", "gpt2", "--out", a.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("not empty"), r.err());
    r = Cli.run("model", "info", tmp.resolve("none").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("no such model directory"), r.err());
    r = Cli.run("model", "init", "--arch", "gpt2", "--tokenizer", tmp.toString(), "--out", tmp.resolve("z").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("tokenizer.json"), r.err());
    assertFalse(Files.exists(tmp.resolve("z")), "no partial output");
    assertNotEquals(0, Cli.run("model", "info", a.toString()).code());
  }
}
