package io.personaknob.lm.model;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.UserException;
import java.util.List;
import java.util.Locale;

/**
 * Deterministic random models in the shape of real families, the way the Hub's tiny random test models
 * are used: {@code tiny} (a few hundred thousand parameters, for tests) and {@code small} (≈30M
 * parameters in the transformer body, for benchmarks and demos).
 */
public final class ModelFactory {
  private ModelFactory() {}

  public static final List<String> ARCHS = List.of("llama", "qwen2", "qwen3", "gpt2");
  public static final List<String> SIZES = List.of("tiny", "small");

  /** The default context of a tiny model: room for the longest PersonaKnob sample row in byte-level tokens. */
  public static final int TINY_CONTEXT = 2048;

  /**
   * The config.json of a random model.
   *
   * @param contextLength max positions; 0 for the size's default: 2048 tiny (a PersonaKnob row in byte-level
   *     tokens is up to ~1,060 tokens; RoPE models pay nothing for the length, a GPT-2 64 floats per position),
   *     1024 small
   */
  public static ObjectNode config(String arch, String size, int vocabSize, Integer bos, Integer eos, int contextLength) {
    String a = arch.toLowerCase(Locale.ROOT);
    if (!ARCHS.contains(a)) throw new UserException("unknown architecture '" + arch + "'; supported: " + String.join(", ", ARCHS));
    if (!SIZES.contains(size)) throw new UserException("unknown size '" + size + "'; supported: " + String.join(", ", SIZES));
    boolean tiny = size.equals("tiny");
    int ctx = contextLength > 0 ? contextLength : tiny ? TINY_CONTEXT : 1024;
    ObjectNode c = JsonNodeFactory.instance.objectNode();
    if (a.equals("gpt2")) {
      c.putArray("architectures").add("GPT2LMHeadModel");
      c.put("model_type", "gpt2");
      c.put("vocab_size", vocabSize);
      c.put("n_embd", tiny ? 64 : 512);
      c.put("n_layer", tiny ? 2 : 10);
      c.put("n_head", tiny ? 4 : 8);
      c.putNull("n_inner");
      c.put("n_positions", ctx);
      c.put("n_ctx", ctx);
      c.put("activation_function", "gelu_new");
      c.put("layer_norm_epsilon", 1e-5);
      c.put("initializer_range", 0.02);
      c.put("tie_word_embeddings", true);
    } else {
      c.putArray("architectures").add(switch (a) {
        case "qwen2" -> "Qwen2ForCausalLM";
        case "qwen3" -> "Qwen3ForCausalLM";
        default -> "LlamaForCausalLM";
      });
      c.put("model_type", a);
      c.put("vocab_size", vocabSize);
      c.put("hidden_size", tiny ? 64 : 512);
      c.put("intermediate_size", tiny ? 128 : 2048);
      c.put("num_hidden_layers", tiny ? 2 : 8);
      c.put("num_attention_heads", tiny ? 4 : 8);
      c.put("num_key_value_heads", tiny ? 2 : 4);
      c.put("head_dim", tiny ? 16 : 64);
      c.put("max_position_embeddings", ctx);
      c.put("rms_norm_eps", 1e-6);
      c.put("rope_theta", a.equals("llama") ? 500000.0 : 1000000.0);
      c.put("hidden_act", "silu");
      c.put("initializer_range", 0.02);
      c.put("attention_bias", false);
      c.put("tie_word_embeddings", !a.equals("llama"));
      if (a.equals("llama")) {
        ObjectNode rs = c.putObject("rope_scaling");
        rs.put("rope_type", "llama3");
        rs.put("factor", 8.0);
        rs.put("low_freq_factor", 1.0);
        rs.put("high_freq_factor", 4.0);
        rs.put("original_max_position_embeddings", Math.max(8, ctx / 2));
      }
    }
    if (bos != null) c.put("bos_token_id", bos);
    if (eos != null) c.put("eos_token_id", eos);
    c.put("torch_dtype", "float32");
    return c;
  }

  /** A fresh random model (F32) for a config built by {@link #config}. */
  public static CausalLM random(ObjectNode config, long seed, Device device) {
    CausalLM m = CausalLM.create(ModelConfig.parse(config, "config"), device);
    try {
      m.initRandom(seed);
      return m;
    } catch (RuntimeException ex) {
      m.close();
      throw ex;
    }
  }
}
