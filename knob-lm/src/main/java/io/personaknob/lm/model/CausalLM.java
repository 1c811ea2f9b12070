package io.personaknob.lm.model;

import io.personaknob.lm.engine.Nd;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.personaknob.core.UserException;
import io.personaknob.lm.engine.LmEngine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;

/**
 * A decoder-only transformer held as named DJL {@link NDArray}s, one per checkpoint tensor, with the
 * forward pass written out op by op (the families live in {@link LlamaModel} and {@link Gpt2Model}).
 *
 * <p>Training API (used by knob-train, documented in docs/lm.md): {@link #parameters()} by checkpoint
 * name, {@link #forward} returning logits (B×T×V, F32) under a DJL {@code GradientCollector},
 * {@link #setTrainable}, {@link #zeroGradients}, {@link #addLora}, {@link #mergeLora}.
 *
 * <p>Memory: every intermediate array of a forward pass is attached to the manager of the
 * {@code inputIds} array (ops never start from a parameter), so callers scope a step by creating the
 * ids in a sub-manager ({@link #newStepManager()}) and closing it afterwards.
 */
public abstract sealed class CausalLM implements AutoCloseable permits LlamaModel, Gpt2Model {
  /** Additive mask value for positions a query must not see; finite so fully masked rows stay NaN-free. */
  static final float MASKED = -1e9f;

  protected final ModelConfig config;
  protected final NDManager manager;
  protected final Device device;
  private final Map<String, NDArray> params = new LinkedHashMap<>();
  private final Map<String, Lora> lora = new LinkedHashMap<>();
  private LoraConfig loraConfig;

  /** One LoRA adapter on a linear layer. */
  record Lora(NDArray a, NDArray b, float scale) {}

  protected CausalLM(ModelConfig config, Device device) {
    this.config = config;
    this.device = device;
    this.manager = LmEngine.get().newBaseManager(device);
  }

  /** The model for a config: {@link Gpt2Model} for gpt2, {@link LlamaModel} for the Llama family. */
  public static CausalLM create(ModelConfig config, Device device) {
    return config.isGpt2() ? new Gpt2Model(config, device) : new LlamaModel(config, device);
  }

  public ModelConfig config() {
    return config;
  }

  public Device device() {
    return device;
  }

  /** A manager for one step's arrays: create inputs in it and close it when the step is done. */
  public NDManager newStepManager() {
    return manager.newSubManager(device);
  }

  /** The tensors a checkpoint of this architecture holds (tied lm_head excluded). */
  public abstract List<ParamSpec> parameterSpecs();

  /**
   * All parameters by checkpoint name (e.g. {@code model.layers.0.self_attn.q_proj.weight}), in
   * checkpoint order, followed by LoRA tensors ({@code <linear>.lora_A.weight}, {@code .lora_B.weight})
   * when adapters are attached. Unmodifiable view; the arrays are the live weights.
   */
  public Map<String, NDArray> parameters() {
    Map<String, NDArray> all = new LinkedHashMap<>(params);
    for (var e : lora.entrySet()) {
      all.put(e.getKey() + ".lora_A.weight", e.getValue().a());
      all.put(e.getKey() + ".lora_B.weight", e.getValue().b());
    }
    return Collections.unmodifiableMap(all);
  }

  /** Parameters that currently require gradients. */
  public Map<String, NDArray> trainableParameters() {
    Map<String, NDArray> out = new LinkedHashMap<>();
    parameters().forEach((k, v) -> {
      if (v.hasGradient()) out.put(k, v);
    });
    return out;
  }

  /** Total number of elements over {@link #parameters()}. */
  public long parameterCount() {
    long n = 0;
    for (NDArray a : parameters().values()) n += a.size();
    return n;
  }

  /** Sets a parameter from float values (shape must match the spec). Used by loading and init. */
  public void setParameter(String name, long[] shape, float[] data) {
    NDArray old = params.get(name);
    NDArray a = manager.create(data, new Shape(shape));
    a.setName(name);
    params.put(name, a);
    if (old != null) old.close();
    invalidateInferenceWeights();
  }

  /** Float values of a parameter (for saving and tests). */
  public float[] parameterValues(String name) {
    NDArray a = parameters().get(name);
    if (a == null) throw new IllegalArgumentException("no parameter " + name);
    return a.toFloatArray();
  }

  /** Fills every parameter of the spec with seeded random values (normal / ones / zeros). */
  public void initRandom(long seed) {
    Random rnd = new Random(seed);
    for (ParamSpec s : parameterSpecs()) {
      float[] d = new float[Math.toIntExact(s.elements())];
      switch (s.init()) {
        case NORMAL -> {
          for (int i = 0; i < d.length; i++) d[i] = (float) (rnd.nextGaussian() * s.std());
        }
        case ONES -> Arrays.fill(d, 1f);
        case ZEROS -> { }
      }
      setParameter(s.name(), s.shape(), d);
    }
  }

  /** Checks that every expected parameter is present (after loading). */
  void checkComplete(String where) {
    for (ParamSpec s : parameterSpecs()) {
      if (!params.containsKey(s.name())) throw new UserException(where + ": missing tensor '" + s.name() + "'");
    }
  }

  /**
   * Marks which parameters require gradients (all others are frozen). Freshly loaded models are frozen.
   * LoRA tensors count as parameters here, by their names.
   */
  public void setTrainable(Predicate<String> trainable) {
    boolean any = false;
    for (var e : parameters().entrySet()) {
      boolean t = trainable.test(e.getKey());
      e.getValue().setRequiresGradient(t);
      any |= t;
    }
    anyTrainable = any;
    invalidateInferenceWeights();
  }

  // ---------------------------------------------------------------- inference weights

  /** Fused/folded copies of weights for the inference path (family-defined), or null until built. */
  private Map<String, NDArray> inference;
  private NDManager inferenceManager;
  private boolean inferenceFusion = !"false".equals(System.getProperty("knob.lm.fused"));
  private boolean anyTrainable;

  /**
   * Whether forward passes without gradients use the inference path: weights fused at first use (q/k/v
   * into one matrix, gate/up into one, norm weights and the attention scale folded in; see
   * docs/lm.md). On by default; {@code -Dknob.lm.fused=false} turns it off process-wide.
   */
  public void setInferenceFusion(boolean on) {
    inferenceFusion = on;
    invalidateInferenceWeights();
  }

  /**
   * Drops the fused inference copies; they are rebuilt from the parameters at the next inference forward.
   * Called by {@link #setParameter}, {@link #setTrainable}, {@link #addLora} and {@link #mergeLora}; code
   * that changes a parameter array in place while the model is frozen must call it too.
   */
  public synchronized void invalidateInferenceWeights() {
    if (inferenceManager != null) inferenceManager.close();
    inferenceManager = null;
    inference = null;
  }

  /**
   * Whether this forward may use the fused inference weights: grad mode off (so nothing trains through the
   * copies), no substituted weights, no LoRA adapters and no parameter marked trainable.
   */
  protected final boolean useInferencePath() {
    return inferenceFusion && overrides == null && lora.isEmpty() && !anyTrainable && !JniUtils.isGradMode();
  }

  /** Whether fused inference weights are currently built (for tests). */
  synchronized boolean hasInferenceWeights() {
    return inference != null;
  }

  /** The fused inference weights, built on first use after an invalidation. */
  protected final synchronized Map<String, NDArray> inferenceWeights() {
    if (inference == null) {
      NDManager m = manager.newSubManager(device);
      try (NDManager tmp = manager.newSubManager(device)) {
        Map<String, NDArray> w = buildInferenceWeights(tmp);
        for (NDArray a : w.values()) a.attach(m);
        inference = w;
        inferenceManager = m;
      } catch (RuntimeException e) {
        m.close();
        throw e;
      }
    }
    return inference;
  }

  /**
   * The family's inference weights, computed from {@link #param} without gradients. Intermediate arrays
   * may be left in {@code tmp} (closed afterwards); the returned ones are moved to their own manager.
   */
  protected Map<String, NDArray> buildInferenceWeights(NDManager tmp) {
    return Map.of();
  }

  /** Moves an array made from parameters (attached to the model's manager) into {@code tmp}. */
  protected static NDArray in(NDManager tmp, NDArray a) {
    a.attach(tmp);
    return a;
  }

  /** Zeroes the gradients of all trainable parameters (PyTorch accumulates them across backward passes). */
  public void zeroGradients() {
    for (NDArray a : parameters().values()) {
      if (a.hasGradient()) JniUtils.zeroGrad((PtNDArray) a);
    }
  }

  // ---------------------------------------------------------------- LoRA

  /** The attached LoRA configuration, or null. */
  public LoraConfig loraConfig() {
    return loraConfig;
  }

  /** Names of the linear layers (weight name without ".weight") that LoRA can target. */
  public abstract List<String> linearLayers();

  /** Whether a linear layer stores its weight as (in, out) (GPT-2's Conv1D) rather than (out, in). */
  public boolean transposedWeight(String linear) {
    return false;
  }

  /**
   * Attaches LoRA adapters to the targeted linear layers and makes only them trainable (the base
   * weights are frozen, as in PEFT). A is Kaiming-uniform (bound 1/√in), B zero, seeded.
   */
  public void addLora(LoraConfig cfg, long seed) {
    if (loraConfig != null) throw new IllegalStateException("LoRA adapters are already attached");
    Random rnd = new Random(seed);
    List<String> targets = new ArrayList<>();
    for (String l : linearLayers()) if (cfg.matches(l)) targets.add(l);
    if (targets.isEmpty()) {
      throw new UserException("LoRA target modules " + cfg.targets() + " match no linear layer of this "
          + config.modelType() + " model (e.g. " + linearLayers().subList(0, Math.min(4, linearLayers().size())) + ")");
    }
    for (String l : targets) {
      long[] ws = params.get(l + ".weight").getShape().getShape();
      long out = transposedWeight(l) ? ws[1] : ws[0];
      long in = transposedWeight(l) ? ws[0] : ws[1];
      float bound = (float) (1.0 / Math.sqrt(in));
      float[] a = new float[Math.toIntExact(cfg.rank() * in)];
      for (int i = 0; i < a.length; i++) a[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
      NDArray an = manager.create(a, new Shape(cfg.rank(), in));
      NDArray bn = manager.zeros(new Shape(out, cfg.rank()), DataType.FLOAT32);
      lora.put(l, new Lora(an, bn, (float) cfg.scale()));
    }
    loraConfig = cfg;
    setTrainable(n -> n.contains(".lora_"));
    invalidateInferenceWeights();
  }

  /** Folds the adapters into the base weights ({@code W += (alpha/r)·B A}) and removes them. */
  public void mergeLora() {
    for (var e : lora.entrySet()) {
      String w = e.getKey() + ".weight";
      NDArray base = params.get(w);
      Lora l = e.getValue();
      NDArray delta = Nd.mul(l.b().matMul(l.a()), l.scale());
      if (transposedWeight(e.getKey())) delta = delta.transpose();
      float[] merged = base.add(delta).toFloatArray();
      setParameter(w, base.getShape().getShape(), merged);
      l.a().close();
      l.b().close();
    }
    lora.clear();
    loraConfig = null;
    boolean any = false;
    for (NDArray a : params.values()) any |= a.hasGradient();
    anyTrainable = any;
    invalidateInferenceWeights();
  }

  /** y = x Wᵀ + b (+ LoRA); x (..., in). */
  protected NDArray linear(NDArray x, String name) {
    NDArray w = param(name + ".weight");
    NDArray b = hasParam(name + ".bias") ? param(name + ".bias") : null;
    NDArray y;
    if (transposedWeight(name)) {
      y = x.matMul(w);
      if (b != null) y = y.add(b);
    } else {
      y = (b == null ? Linear.linear(x, w) : Linear.linear(x, w, b)).singletonOrThrow();
    }
    Lora l = lora.get(name);
    if (l != null) {
      NDArray ax = Linear.linear(x, l.a()).singletonOrThrow();
      y = y.add(Nd.mul(Linear.linear(ax, l.b()).singletonOrThrow(), l.scale()));
    }
    return y;
  }

  /** Weights that replace parameters of the same name during {@link #forward(Map, NDArray, NDArray, KvCache)}. */
  private Map<String, NDArray> overrides;

  protected NDArray param(String name) {
    if (overrides != null) {
      NDArray o = overrides.get(name);
      if (o != null) return o;
    }
    NDArray a = params.get(name);
    if (a == null) throw new IllegalStateException("no parameter " + name);
    return a;
  }

  protected boolean hasParam(String name) {
    return params.containsKey(name);
  }

  // ---------------------------------------------------------------- residual stream: steering and capture

  /** Per-layer additions to the residual stream (activation steering), or null. */
  private volatile Map<Integer, NDArray> steering;
  private NDManager steeringManager;
  /** Layers whose residual stream the current {@link #forwardHidden} call records, and what it recorded. */
  private java.util.Set<Integer> captureLayers;
  private Map<Integer, NDArray> captured;

  /**
   * Adds {@code delta[layer]} (a vector of hidden size) to the residual stream after that block, at every
   * position, in every later forward pass (generation, scoring, serving, training forwards) — what
   * llama.cpp's {@code --control-vector} does. Layers are 0-based block indices; a layer mapped to an
   * all-zero vector is skipped, so a zero coefficient leaves the computation exactly as without steering.
   * Null or empty removes steering.
   */
  public synchronized void setSteering(Map<Integer, float[]> delta) {
    if (steeringManager != null) steeringManager.close();
    steeringManager = null;
    steering = null;
    if (delta == null || delta.isEmpty()) return;
    NDManager m = manager.newSubManager(device);
    Map<Integer, NDArray> s = new java.util.HashMap<>();
    for (var e : delta.entrySet()) {
      int layer = e.getKey();
      float[] v = e.getValue();
      if (layer < 0 || layer >= config.numLayers()) {
        m.close();
        throw new UserException("steering layer " + layer + " is outside the model's layers 0.." + (config.numLayers() - 1));
      }
      if (v.length != config.hiddenSize()) {
        m.close();
        throw new UserException("steering vector for layer " + layer + " has " + v.length + " values, the model's hidden size is " + config.hiddenSize());
      }
      boolean zero = true;
      for (float x : v) zero &= x == 0f;
      if (!zero) s.put(layer, m.create(v, new Shape(config.hiddenSize())));
    }
    if (s.isEmpty()) {
      m.close();
      return;
    }
    steeringManager = m;
    steering = Map.copyOf(s);
  }

  /** The layers that currently receive a steering addition (empty when none). */
  public java.util.Set<Integer> steeredLayers() {
    Map<Integer, NDArray> s = steering;
    return s == null ? java.util.Set.of() : s.keySet();
  }

  /**
   * Called by the families after each block with the residual stream h (B,T,C): adds the layer's steering
   * vector, then records h for {@link #forwardHidden}. Returns the stream the next block reads.
   */
  protected final NDArray afterLayer(int layer, NDArray h) {
    Map<Integer, NDArray> s = steering;
    if (s != null) {
      NDArray d = s.get(layer);
      if (d != null) h = h.add(d);
    }
    if (captureLayers != null && captureLayers.contains(layer)) captured.put(layer, h.duplicate());
    return h;
  }

  /**
   * The residual stream after each of {@code layers} (0-based blocks; after steering, if any), each (B,T,C)
   * float32 attached to {@code inputIds}' manager. The forward pass runs to the last block (the output head
   * only on the last position). Call without gradients; not for concurrent use on one model.
   */
  public synchronized Map<Integer, NDArray> forwardHidden(NDArray inputIds, boolean[][] mask, java.util.Set<Integer> layers) {
    for (int l : layers) {
      if (l < 0 || l >= config.numLayers()) throw new UserException("layer " + l + " is outside the model's layers 0.." + (config.numLayers() - 1));
    }
    captureLayers = layers;
    captured = new java.util.HashMap<>();
    try {
      forward(inputIds, mask, null, true);
      return captured;
    } finally {
      captureLayers = null;
      captured = null;
    }
  }

  // ---------------------------------------------------------------- forward

  /** A fresh KV cache for a batch (buffers start at 64 positions and double when full). */
  public KvCache newCache(int batch) {
    return newCache(batch, 64);
  }

  /** A fresh KV cache for a batch with room for {@code capacity} positions (padding included) before it grows. */
  public KvCache newCache(int batch, int capacity) {
    return new KvCache(manager, config.numLayers(), batch, Math.max(1, capacity));
  }

  /**
   * Logits for token ids.
   *
   * @param inputIds (B, T) integer token ids
   * @param attentionMask (B, T), 1 for tokens and 0 for padding (left or right), or null for all ones
   * @param cache null for a plain forward; otherwise the past keys/values, extended by this call
   * @return (B, T, V) float32 logits, attached to {@code inputIds}' manager
   */
  public NDArray forward(NDArray inputIds, NDArray attentionMask, KvCache cache) {
    long[] s = inputIds.getShape().getShape();
    if (s.length != 2) throw new IllegalArgumentException("inputIds must be (batch, length), got " + inputIds.getShape());
    int b = (int) s[0];
    int t = (int) s[1];
    boolean[][] mask = new boolean[b][t];
    if (attentionMask == null) {
      for (boolean[] r : mask) Arrays.fill(r, true);
    } else {
      if (!attentionMask.getShape().equals(inputIds.getShape())) {
        throw new IllegalArgumentException("attentionMask " + attentionMask.getShape() + " must match inputIds " + inputIds.getShape());
      }
      int[] m = attentionMask.toType(DataType.INT32, false).toIntArray();
      for (int i = 0; i < b; i++) for (int j = 0; j < t; j++) mask[i][j] = m[i * t + j] != 0;
    }
    return forward(inputIds, mask, cache);
  }

  /**
   * As {@link #forward(NDArray, NDArray, KvCache)}, computing with {@code weights} in place of the
   * parameters of the same names (others come from the model): lets a trainer substitute trainable
   * copies, LoRA-merged weights (W + s·B·A, differentiable in A and B) or frozen ones. Not for concurrent
   * use on one model.
   */
  public synchronized NDArray forward(Map<String, NDArray> weights, NDArray inputIds, NDArray attentionMask, KvCache cache) {
    overrides = weights;
    try {
      return forward(inputIds, attentionMask, cache);
    } finally {
      overrides = null;
    }
  }

  /** As {@link #forward(NDArray, NDArray, KvCache)} with the mask as Java booleans [B][T]. */
  public NDArray forward(NDArray inputIds, boolean[][] mask, KvCache cache) {
    return forward(inputIds, mask, cache, false);
  }

  /**
   * The logits of the last position only, (B, V): what generation needs. The output head then runs on one
   * position per row instead of all of them (the prefill of a long prompt with a large vocabulary).
   */
  public NDArray forwardLast(NDArray inputIds, boolean[][] mask, KvCache cache) {
    NDArray logits = forward(inputIds, mask, cache, true);
    long[] s = logits.getShape().getShape();
    return logits.reshape(s[0], s[2]);
  }

  private NDArray forward(NDArray inputIds, boolean[][] mask, KvCache cache, boolean lastOnly) {
    long[] s = inputIds.getShape().getShape();
    int b = (int) s[0];
    int t = (int) s[1];
    if (cache != null && cache.batch() != b) throw new IllegalArgumentException("cache batch " + cache.batch() + " != " + b);
    int past = cache == null ? 0 : cache.length();
    int total = past + t;
    // position ids: count of real tokens before each one in its row (so left padding starts at 0)
    int[][] pos = new int[b][t];
    for (int i = 0; i < b; i++) {
      int p = cache == null ? 0 : cache.seen(i);
      for (int j = 0; j < t; j++) {
        pos[i][j] = mask[i][j] ? p : Math.max(p - 1, 0);
        if (mask[i][j]) p++;
      }
    }
    int maxPos = 0;
    for (int[] r : pos) for (int p : r) maxPos = Math.max(maxPos, p);
    if (maxPos >= config.maxPositions()) {
      throw new UserException("sequence needs position " + maxPos + " but the model's context is " + config.maxPositions() + " tokens");
    }
    if (cache != null) cache.extend(mask, t);
    // additive attention bias (B,1,T,S): causal, no padded keys, within the sliding window if any;
    // a query always sees itself.
    // Skipped (null) when nothing is masked, e.g. decoding one token after unpadded prompts.
    float[] bias = new float[b * t * total];
    boolean anyMasked = false;
    int window = config.slidingWindow();
    for (int i = 0; i < b; i++) {
      for (int q = 0; q < t; q++) {
        int qAbs = past + q;
        int base = (i * t + q) * total;
        for (int k = 0; k < total; k++) {
          boolean keyValid = k < past ? cache.valid(i, k) : mask[i][k - past];
          boolean ok = k == qAbs || (k < qAbs && keyValid && (window == 0 || qAbs - k < window));
          if (!ok) {
            bias[base + k] = MASKED;
            anyMasked = true;
          }
        }
      }
    }
    NDManager m = inputIds.getManager();
    NDArray biasArr = anyMasked ? m.create(bias, new Shape(b, 1, t, total)) : null;
    NDArray ids = inputIds.getDataType() == DataType.INT64 ? inputIds : inputIds.toType(DataType.INT64, false);
    return body(ids, pos, biasArr, cache, lastOnly);
  }

  /**
   * The family's layers: ids (B,T) int64, position ids, bias (B,1,T,S) or null → logits (B,T,V), or
   * (B,1,V) for the last position only when {@code lastOnly}.
   */
  protected abstract NDArray body(NDArray ids, int[][] positions, NDArray bias, KvCache cache, boolean lastOnly);

  /** h (B,T,C) → its last position (B,1,C), a view; h itself when T = 1. */
  protected static NDArray lastPosition(NDArray h) {
    long t = h.getShape().get(1);
    return t == 1 ? h : h.get(":, " + (t - 1) + ":, :");
  }

  /**
   * Scaled dot-product attention with grouped-query heads, without copying keys/values per head:
   * q (B,H,T,D), k and v (B,Hkv,S,D), bias (B,1,T,S) or null when nothing is masked → (B,T,H·D).
   */
  protected NDArray attention(NDArray q, NDArray k, NDArray v, NDArray bias) {
    long[] qs = q.getShape().getShape();
    long bsz = qs[0];
    long h = qs[1];
    long t = qs[2];
    long d = qs[3];
    long hkv = k.getShape().get(1);
    long s = k.getShape().get(2);
    long rep = h / hkv;
    NDArray qg = q.reshape(bsz, hkv, rep * t, d);
    NDArray scores = Nd.mul(qg.matMul(k.transpose(0, 1, 3, 2)), 1.0 / Math.sqrt(d));
    if (bias != null) scores = scores.reshape(bsz, h, t, s).add(bias).reshape(bsz, hkv, rep * t, s);
    NDArray p = scores.softmax(-1);
    NDArray o = p.matMul(v).reshape(bsz, h, t, d);
    return o.transpose(0, 2, 1, 3).reshape(bsz, t, h * d);
  }

  /** Concatenates along the last axis (helper for rotary embeddings). */
  protected static NDArray concatLast(NDArray a, NDArray b) {
    return NDArrays.concat(new NDList(a, b), -1);
  }

  @Override
  public void close() {
    steering = null;
    manager.close();
  }
}
