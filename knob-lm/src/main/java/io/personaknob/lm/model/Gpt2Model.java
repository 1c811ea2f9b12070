package io.personaknob.lm.model;

import io.personaknob.lm.engine.Nd;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import java.util.ArrayList;
import java.util.List;

/**
 * GPT-2, as in Hugging Face's modeling_gpt2.py. Linear layers are Conv1D: weights stored (in, out).
 * Parameter names are those of the original GPT-2 checkpoint on the Hub ({@code h.0.attn.c_attn.weight},
 * {@code wte.weight}, …), which Hugging Face and Jlama both read; the loader also accepts the names
 * GPT2LMHeadModel.save_pretrained writes, with a {@code transformer.} prefix.
 *
 * <pre>
 * h = wte[ids] + wpe[pos]
 * for each block:
 *   q, k, v = split(c_attn(ln_1(h)))
 *   h = h + attn.c_proj(softmax(q kᵀ/√d + mask) v)
 *   h = h + mlp.c_proj(gelu_new(mlp.c_fc(ln_2(h))))
 * logits = ln_f(h) · wteᵀ                                 (always tied)
 * </pre>
 */
public final class Gpt2Model extends CausalLM {

  Gpt2Model(ModelConfig config, Device device) {
    super(config, device);
  }

  @Override
  public List<ParamSpec> parameterSpecs() {
    ModelConfig c = config;
    double std = c.raw().path("initializer_range").asDouble(0.02);
    double projStd = std / Math.sqrt(2.0 * c.numLayers());
    long h = c.hiddenSize();
    long f = c.intermediateSize();
    List<ParamSpec> s = new ArrayList<>();
    s.add(ParamSpec.normal("wte.weight", std, c.vocabSize(), h));
    s.add(ParamSpec.normal("wpe.weight", std, c.maxPositions(), h));
    for (int i = 0; i < c.numLayers(); i++) {
      String p = "h." + i + ".";
      s.add(ParamSpec.ones(p + "ln_1.weight", h));
      s.add(ParamSpec.zeros(p + "ln_1.bias", h));
      s.add(ParamSpec.normal(p + "attn.c_attn.weight", std, h, 3 * h));
      s.add(ParamSpec.zeros(p + "attn.c_attn.bias", 3 * h));
      s.add(ParamSpec.normal(p + "attn.c_proj.weight", projStd, h, h));
      s.add(ParamSpec.zeros(p + "attn.c_proj.bias", h));
      s.add(ParamSpec.ones(p + "ln_2.weight", h));
      s.add(ParamSpec.zeros(p + "ln_2.bias", h));
      s.add(ParamSpec.normal(p + "mlp.c_fc.weight", std, h, f));
      s.add(ParamSpec.zeros(p + "mlp.c_fc.bias", f));
      s.add(ParamSpec.normal(p + "mlp.c_proj.weight", projStd, f, h));
      s.add(ParamSpec.zeros(p + "mlp.c_proj.bias", h));
    }
    s.add(ParamSpec.ones("ln_f.weight", h));
    s.add(ParamSpec.zeros("ln_f.bias", h));
    return s;
  }

  @Override
  public List<String> linearLayers() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < config.numLayers(); i++) {
      String p = "h." + i + ".";
      out.add(p + "attn.c_attn");
      out.add(p + "attn.c_proj");
      out.add(p + "mlp.c_fc");
      out.add(p + "mlp.c_proj");
    }
    return out;
  }

  @Override
  public boolean transposedWeight(String linear) {
    return true;
  }

  /** Maps a checkpoint name (with or without "transformer.") to ours; null for buffers to skip. */
  static String canonicalName(String name) {
    if (name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias")) return null;
    if (name.equals("lm_head.weight")) return null; // tied to wte
    return name.startsWith("transformer.") ? name.substring("transformer.".length()) : name;
  }

  @Override
  protected NDArray body(NDArray ids, int[][] positions, NDArray bias, KvCache cache, boolean lastOnly) {
    ModelConfig c = config;
    int b = (int) ids.getShape().get(0);
    int t = (int) ids.getShape().get(1);
    int nh = c.numHeads();
    int hd = c.headDim();
    long[] pos = new long[b * t];
    for (int i = 0; i < b; i++) for (int j = 0; j < t; j++) pos[i * t + j] = positions[i][j];
    NDArray posIds = ids.getManager().create(pos, new Shape(b, t));
    NDArray h = Embedding.embedding(ids, param("wte.weight"), SparseFormat.DENSE).singletonOrThrow()
        .add(Embedding.embedding(posIds, param("wpe.weight"), SparseFormat.DENSE).singletonOrThrow());
    for (int i = 0; i < c.numLayers(); i++) {
      String p = "h." + i + ".";
      NDArray x = layerNorm(h, p + "ln_1");
      NDList qkv = linear(x, p + "attn.c_attn").split(3, 2);
      NDArray q = qkv.get(0).reshape(b, t, nh, hd).transpose(0, 2, 1, 3);
      NDArray k = qkv.get(1).reshape(b, t, nh, hd).transpose(0, 2, 1, 3);
      NDArray v = qkv.get(2).reshape(b, t, nh, hd).transpose(0, 2, 1, 3);
      if (cache != null) {
        NDArray[] kv = cache.append(i, k, v);
        k = kv[0];
        v = kv[1];
      }
      h = h.add(linear(attention(q, k, v, bias), p + "attn.c_proj"));
      x = layerNorm(h, p + "ln_2");
      h = afterLayer(i, h.add(linear(activation(linear(x, p + "mlp.c_fc")), p + "mlp.c_proj")));
    }
    if (lastOnly) h = lastPosition(h);
    h = layerNorm(h, "ln_f");
    return Linear.linear(h, param("wte.weight")).singletonOrThrow();
  }

  private NDArray layerNorm(NDArray x, String name) {
    return LayerNorm.layerNorm(x, new Shape(config.hiddenSize()), param(name + ".weight"), param(name + ".bias"),
        (float) config.normEps()).singletonOrThrow();
  }

  /** gelu_new / gelu_pytorch_tanh: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))); gelu: exact erf form. */
  private NDArray activation(NDArray x) {
    return switch (config.hiddenAct()) {
      case "gelu" -> Activation.gelu(x);
      case "relu" -> Activation.relu(x);
      default -> {
        NDArray inner = Nd.mul(x.add(Nd.mul(Nd.pow(x, 3), 0.044715)), Math.sqrt(2.0 / Math.PI));
        yield Nd.mul(x, 0.5).mul(Nd.add(inner.tanh(), 1));
      }
    };
  }
}
