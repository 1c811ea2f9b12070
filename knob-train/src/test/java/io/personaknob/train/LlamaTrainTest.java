package io.personaknob.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.LanguageModels;
import io.personaknob.lm.SequenceScore;
import io.personaknob.lm.safetensors.SafeTensors.FloatTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer on a knob-lm Llama in Hub layout (RoPE, GQA, RMSNorm, SwiGLU, untied lm_head, nn.Linear weights). */
class LlamaTrainTest {

  static Path llama;

  @BeforeAll
  static void model() throws Exception {
    TrainerTest.tinyModelAndDataOnce();
    llama = TrainerTest.shared.resolve("tiny-llama");
    if (!Files.isDirectory(llama)) HubLm.init("llama", "tiny", 11, llama); // = knob model init --arch llama --size tiny --tokenizer bytes
  }

  static TrainConfig cfg(Path out) {
    TrainConfig c = TrainerTest.cfg(out);
    c.model = llama.toString();
    c.objective = "lagrangian";
    c.steps = 3;
    c.cosineEvery = 0;
    c.saveEvery = 3;
    return c;
  }

  @Test
  void lagrangianRunSavesACheckpointThatLanguageModelsLoads(@TempDir Path out) throws Exception {
    var r = LagDpo.train(cfg(out));
    assertEquals(3, r.steps());
    try (DjlLanguageModel a = LanguageModels.load(r.model(), "cpu"); DjlLanguageModel b = LanguageModels.load(llama, "cpu")) {
      assertEquals("llama", a.model().config().modelType());
      assertEquals(b.model().parameters().keySet(), a.model().parameters().keySet());
      for (String k : List.of("model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight", "lm_head.weight"))
        assertFalse(java.util.Arrays.equals(a.model().parameterValues(k), b.model().parameterValues(k)), k + " moved");
      assertTrue(a.chatTemplate().isPresent(), "tokenizer and chat template are saved with the model");
      int[] p = a.tokenizer().encode("Hello", false), c = a.tokenizer().encode(" there", false);
      SequenceScore s = a.score(List.of(p), List.of(c)).get(0);
      assertTrue(Double.isFinite(s.sum()));
    }
  }

  @Test
  void loraMergedIsBasePlusScaledBaTransposedForLinearLayout(@TempDir Path out) throws Exception {
    TrainConfig c = cfg(out);
    c.steps = 2;
    c.saveEvery = 2;
    c.loraR = 4;
    c.loraAlpha = 8;
    c.loraTargets = new java.util.ArrayList<>(List.of("q_proj", "v_proj"));
    var r = LagDpo.train(c);
    Map<String, FloatTensor> ab = Tensors.read(out.resolve("checkpoint-2/trainable.safetensors"));
    assertEquals(8, ab.size()); // 2 layers × (q_proj, v_proj) × (A, B)
    Map<String, FloatTensor> base = Tensors.read(llama.resolve("model.safetensors"));
    Map<String, FloatTensor> merged = Tensors.read(r.model().resolve("model.safetensors"));
    assertArrayEquals(base.get("model.layers.0.self_attn.k_proj.weight").data(), merged.get("model.layers.0.self_attn.k_proj.weight").data());
    assertArrayEquals(base.get("lm_head.weight").data(), merged.get("lm_head.weight").data());
    // nn.Linear stores W as [out, in]: W'[o][i] = W[o][i] + (alpha/r)·Σ_q A[i][q]·B[q][o], in plain Java
    String k = "model.layers.1.self_attn.v_proj.weight";
    var a = ab.get(k + ".lora_A");
    var b = ab.get(k + ".lora_B");
    int in = (int) a.shape()[0], rr = (int) a.shape()[1], o = (int) b.shape()[1];
    assertArrayEquals(new long[] {o, in}, base.get(k).shape());
    double maxB = 0;
    for (float x : b.data()) maxB = Math.max(maxB, Math.abs(x));
    assertTrue(maxB > 0, "B moved away from its zero init");
    float[] w = base.get(k).data(), got = merged.get(k).data();
    for (int j = 0; j < o; j++)
      for (int i = 0; i < in; i++) {
        double d = 0;
        for (int q = 0; q < rr; q++) d += a.data()[i * rr + q] * b.data()[q * o + j];
        assertEquals(w[j * in + i] + 2.0 * d, got[j * in + i], 1e-5);
      }
    try (DjlLanguageModel m = LanguageModels.load(r.model(), "cpu")) {
      assertArrayEquals(got, m.model().parameterValues(k));
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void loraAdapterInPeftLayout(@TempDir Path out) throws Exception {
    TrainConfig c = cfg(out);
    c.steps = 2;
    c.saveEvery = 2;
    c.loraR = 4;
    c.loraAlpha = 8;
    c.loraTargets = new java.util.ArrayList<>(List.of("q_proj", "down_proj"));
    c.save = "adapter";
    var r = LagDpo.train(c);
    var t = Tensors.read(r.model().resolve("adapter_model.safetensors"));
    assertEquals(8, t.size());
    // tiny llama: hidden 64, 4 heads of 16 (q_proj 64 -> 64), MLP 128 (down_proj 128 -> 64)
    assertArrayEquals(new long[] {4, 64}, t.get("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape());
    assertArrayEquals(new long[] {64, 4}, t.get("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight").shape());
    assertArrayEquals(new long[] {4, 128}, t.get("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight").shape());
    assertArrayEquals(new long[] {64, 4}, t.get("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight").shape());
    Map<String, Object> ac = new ObjectMapper().readValue(r.model().resolve("adapter_config.json").toFile(), Map.class);
    assertEquals(false, ac.get("fan_in_fan_out"), "Llama weights are nn.Linear [out, in]");
    assertTrue(((List<String>) ac.get("target_modules")).contains("model.layers.1.mlp.down_proj"));
  }

  @Test
  void initModelNamesASizeOrAnArchitectureAndSize(@TempDir Path dir) throws Exception {
    assertArrayEquals(new String[] {"gpt2", "tiny"}, LagDpoTrainer.initModelSpec("tiny"));
    assertArrayEquals(new String[] {"gpt2", "small"}, LagDpoTrainer.initModelSpec("small"));
    assertArrayEquals(new String[] {"qwen2", "tiny"}, LagDpoTrainer.initModelSpec("qwen2-tiny"));
    var e = org.junit.jupiter.api.Assertions.assertThrows(io.personaknob.core.UserException.class,
        () -> LagDpoTrainer.initModelSpec("mamba-tiny"));
    assertTrue(e.getMessage().contains("llama, qwen2, qwen3, gpt2"), e.getMessage());
    // --init-model qwen2-tiny writes knob-lm's random Qwen2 (byte-level tokenizer, the tiny context 2048) and trains it
    TrainConfig c = cfg(dir.resolve("out"));
    c.model = dir.resolve("q").toString();
    c.initModel = "qwen2-tiny";
    c.steps = 1;
    c.saveEvery = 1;
    LagDpo.train(c);
    try (DjlLanguageModel m = LanguageModels.load(dir.resolve("q"), "cpu")) {
      assertEquals("qwen2", m.model().config().modelType());
      assertEquals(2048, m.contextLength());
      assertEquals(259, m.tokenizer().vocabSize());
    }
  }
}
