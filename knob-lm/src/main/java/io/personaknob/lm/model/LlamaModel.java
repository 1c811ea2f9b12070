package io.personaknob.lm.model;

import io.personaknob.lm.engine.Nd;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Llama family, as in Hugging Face's modeling_llama.py / modeling_qwen2.py / modeling_qwen3.py:
 * Llama 2/3 (llama3 RoPE scaling), SmolLM2, Mistral (sliding-window attention), Qwen2/2.5 (q/k/v bias)
 * and Qwen3 (RMSNorm on q and k per head).
 *
 * <pre>
 * h = embed_tokens[ids]
 * for each layer:
 *   x = rmsnorm(h, input_layernorm)
 *   q, k, v = q_proj(x), k_proj(x), v_proj(x)            split into heads; Qwen3: q_norm, k_norm
 *   q, k = rope(q, pos), rope(k, pos)                    rotate-half convention
 *   h = h + o_proj(softmax(q kᵀ/√d + mask) v)            grouped-query: head i reads kv head i / (H/Hkv)
 *   x = rmsnorm(h, post_attention_layernorm)
 *   h = h + down_proj(silu(gate_proj(x)) * up_proj(x))
 * logits = lm_head(rmsnorm(h, norm))                      lm_head = embed_tokens when tied
 * </pre>
 */
public final class LlamaModel extends CausalLM {
  private final float[] invFreq;

  LlamaModel(ModelConfig config, Device device) {
    super(config, device);
    this.invFreq = inverseFrequencies(config);
  }

  @Override
  public List<ParamSpec> parameterSpecs() {
    ModelConfig c = config;
    double std = c.raw().path("initializer_range").asDouble(0.02);
    long h = c.hiddenSize();
    long q = (long) c.numHeads() * c.headDim();
    long kv = (long) c.numKvHeads() * c.headDim();
    long f = c.intermediateSize();
    List<ParamSpec> s = new ArrayList<>();
    s.add(ParamSpec.normal("model.embed_tokens.weight", std, c.vocabSize(), h));
    for (int i = 0; i < c.numLayers(); i++) {
      String p = "model.layers." + i + ".";
      s.add(ParamSpec.ones(p + "input_layernorm.weight", h));
      s.add(ParamSpec.normal(p + "self_attn.q_proj.weight", std, q, h));
      if (c.qkvBias()) s.add(ParamSpec.zeros(p + "self_attn.q_proj.bias", q));
      s.add(ParamSpec.normal(p + "self_attn.k_proj.weight", std, kv, h));
      if (c.qkvBias()) s.add(ParamSpec.zeros(p + "self_attn.k_proj.bias", kv));
      s.add(ParamSpec.normal(p + "self_attn.v_proj.weight", std, kv, h));
      if (c.qkvBias()) s.add(ParamSpec.zeros(p + "self_attn.v_proj.bias", kv));
      s.add(ParamSpec.normal(p + "self_attn.o_proj.weight", std, h, q));
      if (c.oBias()) s.add(ParamSpec.zeros(p + "self_attn.o_proj.bias", h));
      if (c.qkNorm()) {
        s.add(ParamSpec.ones(p + "self_attn.q_norm.weight", c.headDim()));
        s.add(ParamSpec.ones(p + "self_attn.k_norm.weight", c.headDim()));
      }
      s.add(ParamSpec.ones(p + "post_attention_layernorm.weight", h));
      s.add(ParamSpec.normal(p + "mlp.gate_proj.weight", std, f, h));
      if (c.mlpBias()) s.add(ParamSpec.zeros(p + "mlp.gate_proj.bias", f));
      s.add(ParamSpec.normal(p + "mlp.up_proj.weight", std, f, h));
      if (c.mlpBias()) s.add(ParamSpec.zeros(p + "mlp.up_proj.bias", f));
      s.add(ParamSpec.normal(p + "mlp.down_proj.weight", std, h, f));
      if (c.mlpBias()) s.add(ParamSpec.zeros(p + "mlp.down_proj.bias", h));
    }
    s.add(ParamSpec.ones("model.norm.weight", h));
    if (!c.tieWordEmbeddings()) s.add(ParamSpec.normal("lm_head.weight", std, c.vocabSize(), h));
    return s;
  }

  @Override
  public List<String> linearLayers() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < config.numLayers(); i++) {
      String p = "model.layers." + i + ".";
      for (String n : List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
          "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")) {
        out.add(p + n);
      }
    }
    if (!config.tieWordEmbeddings()) out.add("lm_head");
    return out;
  }

  @Override
  protected NDArray body(NDArray ids, int[][] positions, NDArray bias, KvCache cache, boolean lastOnly) {
    if (useInferencePath()) return inferenceBody(ids, positions, bias, cache, lastOnly);
    ModelConfig c = config;
    int b = (int) ids.getShape().get(0);
    int t = (int) ids.getShape().get(1);
    int hd = c.headDim();
    NDArray[] rope = ropeTables(ids, positions, false);
    NDArray h = Embedding.embedding(ids, param("model.embed_tokens.weight"), SparseFormat.DENSE).singletonOrThrow();
    for (int i = 0; i < c.numLayers(); i++) {
      String p = "model.layers." + i + ".";
      NDArray x = rmsNorm(h, param(p + "input_layernorm.weight"));
      NDArray q = linear(x, p + "self_attn.q_proj").reshape(b, t, c.numHeads(), hd);
      NDArray k = linear(x, p + "self_attn.k_proj").reshape(b, t, c.numKvHeads(), hd);
      NDArray v = linear(x, p + "self_attn.v_proj").reshape(b, t, c.numKvHeads(), hd);
      if (c.qkNorm()) {
        q = rmsNorm(q, param(p + "self_attn.q_norm.weight"));
        k = rmsNorm(k, param(p + "self_attn.k_norm.weight"));
      }
      if (rope.length == 1) { // one new token per row: rotation as one small matmul (fewer ops per step)
        q = q.transpose(0, 2, 1, 3).matMul(rope[0]);
        k = k.transpose(0, 2, 1, 3).matMul(rope[0]);
      } else {
        q = rotate(q.transpose(0, 2, 1, 3), rope[0], rope[1]);
        k = rotate(k.transpose(0, 2, 1, 3), rope[0], rope[1]);
      }
      v = v.transpose(0, 2, 1, 3);
      if (cache != null) {
        NDArray[] kv = cache.append(i, k, v);
        k = kv[0];
        v = kv[1];
      }
      NDArray a = attention(q, k, v, bias);
      h = h.add(linear(a, p + "self_attn.o_proj"));
      x = rmsNorm(h, param(p + "post_attention_layernorm.weight"));
      NDArray g = linear(x, p + "mlp.gate_proj");
      NDArray u = linear(x, p + "mlp.up_proj");
      h = afterLayer(i, h.add(linear(Activation.sigmoid(g).mul(g).mul(u), p + "mlp.down_proj")));
    }
    if (lastOnly) h = lastPosition(h);
    h = rmsNorm(h, param("model.norm.weight"));
    if (c.tieWordEmbeddings()) return Linear.linear(h, param("model.embed_tokens.weight")).singletonOrThrow();
    return linear(h, "lm_head");
  }

  // ------------------------------------------------------------ inference path (no gradients)

  /**
   * Per layer: {@code qkv} = [q_proj·s; k_proj; v_proj] with the columns scaled by input_layernorm's
   * weight (s = 1/√head_dim, or folded into {@code qk_norm} for Qwen3), {@code gate_up} = [gate_proj;
   * up_proj] scaled by post_attention_layernorm's weight; biases concatenated the same way; Qwen3's
   * {@code qk_norm} (H+Hkv, D) = [q_norm·s per q head; k_norm per k head]. Plus the scalars eps and -1/2.
   */
  @Override
  protected Map<String, NDArray> buildInferenceWeights(NDManager tmp) {
    ModelConfig c = config;
    double scale = 1.0 / Math.sqrt(c.headDim());
    NDArray s = tmp.full(new Shape(), (float) scale);
    Map<String, NDArray> w = new HashMap<>();
    for (int i = 0; i < c.numLayers(); i++) {
      String p = "model.layers." + i + ".";
      NDArray ln = in(tmp, param(p + "input_layernorm.weight").reshape(1, c.hiddenSize()));
      NDArray q = param(p + "self_attn.q_proj.weight");
      if (!c.qkNorm()) q = in(tmp, q.mul(s));
      NDArray qkv = in(tmp, NDArrays.concat(new NDList(q, param(p + "self_attn.k_proj.weight"), param(p + "self_attn.v_proj.weight")), 0));
      w.put(p + "qkv", in(tmp, qkv.mul(ln)));
      if (c.qkvBias()) {
        NDArray qb = param(p + "self_attn.q_proj.bias");
        if (!c.qkNorm()) qb = in(tmp, qb.mul(s));
        w.put(p + "qkv_bias", in(tmp, NDArrays.concat(new NDList(qb, param(p + "self_attn.k_proj.bias"), param(p + "self_attn.v_proj.bias")), 0)));
      }
      if (c.qkNorm()) {
        NDArray qn = in(tmp, in(tmp, param(p + "self_attn.q_norm.weight").mul(s)).broadcast(new Shape(c.numHeads(), c.headDim())));
        NDArray kn = in(tmp, param(p + "self_attn.k_norm.weight").broadcast(new Shape(c.numKvHeads(), c.headDim())));
        w.put(p + "qk_norm", in(tmp, NDArrays.concat(new NDList(qn, kn), 0)));
      }
      NDArray post = in(tmp, param(p + "post_attention_layernorm.weight").reshape(1, c.hiddenSize()));
      NDArray gu = in(tmp, NDArrays.concat(new NDList(param(p + "mlp.gate_proj.weight"), param(p + "mlp.up_proj.weight")), 0));
      w.put(p + "gate_up", in(tmp, gu.mul(post)));
      if (c.mlpBias()) {
        w.put(p + "gate_up_bias", in(tmp, NDArrays.concat(new NDList(param(p + "mlp.gate_proj.bias"), param(p + "mlp.up_proj.bias")), 0)));
      }
    }
    w.put("eps", tmp.full(new Shape(), (float) c.normEps()));
    w.put("-0.5", tmp.full(new Shape(), -0.5f));
    return w;
  }

  /**
   * The forward pass with the fused weights, for calls without gradients (generation, scoring): four
   * matrix products per layer instead of seven, norm weights and the attention scale folded into them,
   * in-place residual adds, and for one new token per row (decoding) q and k rotated together by one
   * small matrix product and the heads never transposed. Same results as {@link #body} up to float
   * rounding (FusedInferenceTest).
   */
  private NDArray inferenceBody(NDArray ids, int[][] positions, NDArray bias, KvCache cache, boolean lastOnly) {
    ModelConfig c = config;
    Map<String, NDArray> w = inferenceWeights();
    int b = (int) ids.getShape().get(0);
    int t = (int) ids.getShape().get(1);
    int hd = c.headDim();
    int nh = c.numHeads();
    int nkv = c.numKvHeads();
    int nqk = nh + nkv;
    int rep = nh / nkv;
    NDArray eps = w.get("eps");
    NDArray mhalf = w.get("-0.5");
    NDArray[] rope = ropeTables(ids, positions, true);
    NDArray h = Embedding.embedding(ids, param("model.embed_tokens.weight"), SparseFormat.DENSE).singletonOrThrow();
    for (int i = 0; i < c.numLayers(); i++) {
      String p = "model.layers." + i + ".";
      NDArray qkv = lin(normalized(h, eps, mhalf), w.get(p + "qkv"), w.get(p + "qkv_bias"));
      NDArray q;
      NDArray k;
      NDArray v;
      if (t == 1) {
        NDList parts = qkv.reshape(b, nqk + nkv, hd).split(new long[] {nqk}, 1);
        NDArray qk = parts.get(0);
        if (c.qkNorm()) qk = normalized(qk, eps, mhalf).muli(w.get(p + "qk_norm"));
        NDList r = qk.matMul(rope[0]).split(new long[] {nh}, 1); // (B,H+Hkv,D)·(B,D,D)
        q = r.get(0).reshape(b, nkv, rep, hd);
        k = r.get(1).reshape(b, nkv, 1, hd);
        v = parts.get(1).reshape(b, nkv, 1, hd);
      } else {
        NDArray heads = qkv.reshape(b, t, nqk + nkv, hd);
        NDList parts = heads.split(new long[] {nqk}, 2);
        NDArray qk = parts.get(0);
        if (c.qkNorm()) qk = normalized(qk, eps, mhalf).muli(w.get(p + "qk_norm"));
        NDList r = qk.transpose(0, 2, 1, 3).split(new long[] {nh}, 1);
        q = rotate(r.get(0), rope[0], rope[1]).reshape(b, nkv, rep * t, hd);
        k = rotate(r.get(1), rope[0], rope[1]);
        v = parts.get(1).transpose(0, 2, 1, 3);
      }
      if (cache != null) {
        NDArray[] kv = cache.append(i, k, v);
        k = kv[0];
        v = kv[1];
      }
      // q (B,Hkv,rep·T,D) is already scaled by 1/√D
      long s = k.getShape().get(2);
      NDArray scores = q.matMul(k.transpose(0, 1, 3, 2));
      if (bias != null) {
        scores = t == 1 ? scores.addi(bias) : scores.reshape(b, nh, t, s).addi(bias).reshape(b, nkv, rep * t, s);
      }
      NDArray o = scores.softmax(-1).matMul(v);
      NDArray a = t == 1 ? o.reshape(b, 1, nh * hd) : o.reshape(b, nh, t, hd).transpose(0, 2, 1, 3).reshape(b, t, nh * hd);
      h = h.addi(lin(a, param(p + "self_attn.o_proj.weight"), c.oBias() ? param(p + "self_attn.o_proj.bias") : null));
      NDList gu = lin(normalized(h, eps, mhalf), w.get(p + "gate_up"), w.get(p + "gate_up_bias")).split(2, 2);
      NDArray g = gu.get(0);
      NDArray act = Activation.sigmoid(g).muli(g).muli(gu.get(1));
      h = afterLayer(i, h.addi(lin(act, param(p + "mlp.down_proj.weight"), c.mlpBias() ? param(p + "mlp.down_proj.bias") : null)));
    }
    if (lastOnly) h = lastPosition(h);
    h = normalized(h, eps, mhalf).muli(param("model.norm.weight"));
    NDArray head = param(c.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight");
    return lin(h, head, null);
  }

  /** x · (mean(x²) + eps)^(-1/2) over the last axis (RMSNorm without its weight, folded elsewhere). */
  private static NDArray normalized(NDArray x, NDArray eps, NDArray mhalf) {
    NDArray r = x.square().mean(new int[] {-1}, true);
    r.addi(eps).powi(mhalf);
    return x.mul(r);
  }

  private static NDArray lin(NDArray x, NDArray w, NDArray b) {
    return (b == null ? Linear.linear(x, w) : Linear.linear(x, w, b)).singletonOrThrow();
  }

  /** x · rsqrt(mean(x²) + eps) · w over the last axis, in float32 (as LlamaRMSNorm). */
  private NDArray rmsNorm(NDArray x, NDArray w) {
    NDArray var = x.square().mean(new int[] {-1}, true);
    return x.div(Nd.add(var, config.normEps()).sqrt()).mul(w);
  }

  /**
   * cos and sin tables (B,1,T,D) for the position ids, rotate-half layout [f0..f(D/2-1), f0..f(D/2-1)];
   * for a single position per row (decoding), instead the rotation matrices R (B,1,D,D) with
   * x·R = x·cos + rotate_half(x)·sin ((B,D,D) when {@code rank3}).
   */
  private NDArray[] ropeTables(NDArray ids, int[][] positions, boolean rank3) {
    int b = positions.length;
    int t = positions[0].length;
    int d = config.headDim();
    int half = d / 2;
    if (t == 1) {
      float[] r = new float[b * d * d];
      for (int i = 0; i < b; i++) {
        float pos = positions[i][0];
        int base = i * d * d;
        for (int f = 0; f < half; f++) {
          float ang = pos * invFreq[f];
          float cs = (float) Math.cos(ang);
          float sn = (float) Math.sin(ang);
          r[base + f * d + f] = cs; // out[f] = x[f]·cos - x[f+half]·sin
          r[base + (f + half) * d + f] = -sn;
          r[base + (f + half) * d + f + half] = cs; // out[f+half] = x[f+half]·cos + x[f]·sin
          r[base + f * d + f + half] = sn;
        }
      }
      return new NDArray[] {ids.getManager().create(r, rank3 ? new Shape(b, d, d) : new Shape(b, 1, d, d))};
    }
    float[] cos = new float[b * t * d];
    float[] sin = new float[b * t * d];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < t; j++) {
        int base = (i * t + j) * d;
        float pos = positions[i][j];
        for (int f = 0; f < half; f++) {
          float ang = pos * invFreq[f];
          float cs = (float) Math.cos(ang);
          float sn = (float) Math.sin(ang);
          cos[base + f] = cs;
          cos[base + f + half] = cs;
          sin[base + f] = sn;
          sin[base + f + half] = sn;
        }
      }
    }
    var m = ids.getManager();
    return new NDArray[] {m.create(cos, new Shape(b, 1, t, d)), m.create(sin, new Shape(b, 1, t, d))};
  }

  /** x·cos + rotate_half(x)·sin with rotate_half([x1, x2]) = [-x2, x1]; x (B,H,T,D). */
  private static NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
    NDList halves = x.split(2, 3);
    NDArray rot = concatLast(halves.get(1).neg(), halves.get(0));
    return x.mul(cos).add(rot.mul(sin));
  }

  /**
   * RoPE inverse frequencies 1/θ^(2i/d), with "linear" (divide by factor) or "llama3" scaling (long
   * wavelengths divided by the factor, short ones kept, a smooth blend between), as in
   * transformers' _compute_llama3_parameters.
   */
  static float[] inverseFrequencies(ModelConfig c) {
    int d = c.headDim();
    float[] inv = new float[d / 2];
    for (int i = 0; i < d / 2; i++) {
      float exponent = (float) (2 * i) / d;
      inv[i] = (float) (1.0 / Math.pow(c.ropeTheta(), exponent));
    }
    ModelConfig.RopeScaling rs = c.ropeScaling();
    if (rs == null) return inv;
    if (rs.type().equals("linear")) {
      for (int i = 0; i < inv.length; i++) inv[i] = (float) (inv[i] / rs.factor());
      return inv;
    }
    double old = rs.originalMaxPositions();
    double lowWavelen = old / rs.lowFreqFactor();
    double highWavelen = old / rs.highFreqFactor();
    for (int i = 0; i < inv.length; i++) {
      double f = inv[i];
      double wavelen = 2 * Math.PI / f;
      double scaled = wavelen > lowWavelen ? f / rs.factor() : f;
      if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
        double smooth = (old / wavelen - rs.lowFreqFactor()) / (rs.highFreqFactor() - rs.lowFreqFactor());
        scaled = (1 - smooth) * scaled / rs.factor() + smooth * scaled;
      }
      inv[i] = (float) scaled;
    }
    return inv;
  }
}
