package io.personaknob.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.personaknob.core.UserException;
import io.personaknob.lm.model.CausalLM;
import io.personaknob.lm.model.GenerationConfig;
import io.personaknob.lm.model.KvCache;
import io.personaknob.lm.model.ModelConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@link LanguageModel} over a {@link CausalLM}: batched scoring and KV-cached batched generation.
 * Calls are serialised (one forward at a time uses all cores; concurrent callers queue) and run with
 * autograd off, restoring the caller's grad mode afterwards.
 */
public final class DjlLanguageModel implements LanguageModel {
  /** Scoring splits a batch so that a chunk's logits stay below this many floats. */
  static final long LOGITS_BUDGET = 32L << 20;

  private final CausalLM model;
  private final Tokenizer tokenizer;
  private final ChatTemplate chatTemplate;
  private final GenerationConfig generationConfig;
  private final ModelInfo info;
  private final Set<Integer> eos;

  /**
   * @param tokenizer may be null: the model then works on token ids only (no stop strings, no token text)
   * @param chatTemplate may be null
   */
  public DjlLanguageModel(CausalLM model, Tokenizer tokenizer, ChatTemplate chatTemplate, GenerationConfig gen, String name, String storedDtype) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.chatTemplate = chatTemplate;
    this.generationConfig = gen;
    ModelConfig c = model.config();
    this.info = new ModelInfo(name, c.architectures().isEmpty() ? c.modelType() : c.architectures().get(0), c.modelType(),
        model.parameterCount(), c.numLayers(), c.hiddenSize(), c.numHeads(), c.numKvHeads(), c.vocabSize(), c.maxPositions(),
        storedDtype, model.device().isGpu() ? "cuda:" + model.device().getDeviceId() : "cpu");
    Set<Integer> e = new LinkedHashSet<>(gen.eosTokenIds());
    if (tokenizer != null) e.addAll(tokenizer.eosTokenIds());
    this.eos = Set.copyOf(e);
  }

  /** The network itself, for training and inspection. */
  public CausalLM model() {
    return model;
  }

  public GenerationConfig generationConfig() {
    return generationConfig;
  }

  /** Token ids that end generation. */
  public Set<Integer> eosTokenIds() {
    return eos;
  }

  @Override
  public ModelInfo info() {
    return info;
  }

  @Override
  public Tokenizer tokenizer() {
    return tokenizer;
  }

  @Override
  public Optional<ChatTemplate> chatTemplate() {
    return Optional.ofNullable(chatTemplate);
  }

  @Override
  public int contextLength() {
    return model.config().maxPositions();
  }

  <T> T noGrad(Supplier<T> body) {
    synchronized (this) {
      boolean prev = JniUtils.isGradMode();
      JniUtils.setGradMode(false);
      try {
        return body.get();
      } finally {
        JniUtils.setGradMode(prev);
      }
    }
  }

  private DjlStepModel stepModel;

  /** Step-level decoding for continuous batching (one per model; use it from one thread). */
  @Override
  public synchronized Optional<io.personaknob.lm.decode.StepModel> stepModel() {
    if (stepModel == null) stepModel = new DjlStepModel(this);
    return Optional.of(stepModel);
  }

  // ------------------------------------------------------------------ scoring

  @Override
  public List<SequenceScore> score(List<int[]> prompts, List<int[]> completions) {
    if (prompts.size() != completions.size()) {
      throw new IllegalArgumentException(prompts.size() + " prompts but " + completions.size() + " completions");
    }
    int n = prompts.size();
    for (int i = 0; i < n; i++) {
      if (prompts.get(i).length == 0) throw new UserException("item " + (i + 1) + ": empty prompt (a completion needs at least one token before it, e.g. BOS)");
      int len = prompts.get(i).length + completions.get(i).length;
      if (len > contextLength()) {
        throw new UserException("item " + (i + 1) + ": prompt + completion have " + len + " tokens, more than the model's context of " + contextLength());
      }
      checkIds(prompts.get(i), i);
      checkIds(completions.get(i), i);
    }
    return noGrad(() -> {
      List<SequenceScore> out = new ArrayList<>(n);
      int v = model.config().vocabSize();
      int i = 0;
      while (i < n) {
        int j = i;
        int maxLen = 0;
        while (j < n) {
          int len = prompts.get(j).length + completions.get(j).length;
          int m = Math.max(maxLen, len);
          if (j > i && (long) (j - i + 1) * m * v > LOGITS_BUDGET) break;
          maxLen = m;
          j++;
        }
        out.addAll(scoreChunk(prompts.subList(i, j), completions.subList(i, j), maxLen));
        i = j;
      }
      return out;
    });
  }

  private void checkIds(int[] ids, int item) {
    int v = model.config().vocabSize();
    for (int id : ids) {
      if (id < 0 || id >= v) throw new UserException("item " + (item + 1) + ": token id " + id + " outside the vocabulary of " + v);
    }
  }

  private List<SequenceScore> scoreChunk(List<int[]> prompts, List<int[]> completions, int len) {
    int b = prompts.size();
    long[] ids = new long[b * len];
    long[] targets = new long[b * len];
    boolean[][] mask = new boolean[b][len];
    for (int r = 0; r < b; r++) {
      int[] p = prompts.get(r);
      int[] c = completions.get(r);
      int l = p.length + c.length;
      for (int t = 0; t < l; t++) {
        ids[r * len + t] = t < p.length ? p[t] : c[t - p.length];
        mask[r][t] = true;
      }
      for (int t = 0; t + 1 < l; t++) targets[r * len + t] = ids[r * len + t + 1];
    }
    float[] lp;
    try (NDManager s = model.newStepManager()) {
      NDArray logits = model.forward(s.create(ids, new Shape(b, len)), mask, null);
      NDArray logp = logits.logSoftmax(2);
      NDArray tgt = s.create(targets, new Shape(b, len, 1));
      lp = logp.gather(tgt, 2).toFloatArray();
    }
    List<SequenceScore> out = new ArrayList<>(b);
    for (int r = 0; r < b; r++) {
      int pl = prompts.get(r).length;
      int cl = completions.get(r).length;
      float[] per = new float[cl];
      double sum = 0;
      for (int k = 0; k < cl; k++) {
        per[k] = lp[r * len + pl - 1 + k];
        sum += per[k];
      }
      out.add(new SequenceScore(sum, cl == 0 ? 0 : sum / cl, cl, per));
    }
    return out;
  }

  // ------------------------------------------------------------------ generation

  @Override
  public List<GenerationResult> generate(List<int[]> prompts, SamplingParams params) {
    Sampler.validate(params);
    if (!params.stop().isEmpty() && tokenizer == null) throw new UserException("stop strings need a tokenizer, and this model directory has none");
    for (int i = 0; i < prompts.size(); i++) {
      int[] p = prompts.get(i);
      if (p.length == 0) throw new UserException("prompt " + (i + 1) + " is empty");
      if (p.length > contextLength()) {
        throw new UserException("prompt " + (i + 1) + " has " + p.length + " tokens, more than the model's context of " + contextLength());
      }
      checkIds(p, i);
    }
    if (prompts.isEmpty()) return List.of();
    return noGrad(() -> generateBatch(prompts, params));
  }

  private List<GenerationResult> generateBatch(List<int[]> prompts, SamplingParams params) {
    int b = prompts.size();
    int v = model.config().vocabSize();
    int ctx = contextLength();
    int maxLen = 0;
    for (int[] p : prompts) maxLen = Math.max(maxLen, p.length);
    // left padding, so that every row's next token sits in the last column
    long[] ids = new long[b * maxLen];
    boolean[][] mask = new boolean[b][maxLen];
    for (int r = 0; r < b; r++) {
      int[] p = prompts.get(r);
      int off = maxLen - p.length;
      for (int t = 0; t < p.length; t++) {
        ids[r * maxLen + off + t] = p[t];
        mask[r][off + t] = true;
      }
    }
    Row[] rows = new Row[b];
    for (int r = 0; r < b; r++) rows[r] = new Row(prompts.get(r).length, new Random(params.seed()));
    // greedy without log-probabilities needs only the argmax: read back B ids instead of B×V logits
    boolean argmaxOnly = params.temperature() == 0 && !params.logprobs() && params.topLogprobs() == 0;
    try (KvCache cache = model.newCache(b, Math.min(ctx, maxLen + params.maxNewTokens()))) {
      float[] last = null;
      long[] best = null;
      try (NDManager s = model.newStepManager()) {
        NDArray logits = model.forwardLast(s.create(ids, new Shape(b, maxLen)), mask, cache);
        if (argmaxOnly) best = logits.argMax(1).toLongArray();
        else last = logits.toFloatArray();
      }
      for (int step = 0; ; step++) {
        boolean any = false;
        long[] next = new long[b];
        boolean[][] nmask = new boolean[b][1];
        for (int r = 0; r < b; r++) {
          Row row = rows[r];
          if (row.finish != null) continue;
          if (row.tokens.size() >= params.maxNewTokens() || row.promptLen + row.tokens.size() >= ctx) {
            row.finish = "length";
            continue;
          }
          int off = r * v;
          int tok = argmaxOnly ? (int) best[r] : Sampler.next(last, off, v, params, row.rnd);
          if (eos.contains(tok)) {
            row.finish = "stop";
            continue;
          }
          row.tokens.add(tok);
          if (params.logprobs() || params.topLogprobs() > 0) row.logprobs.add(TokenLogprob.fromLogits(last, off, v, tok, params.topLogprobs(), tokenizer));
          if (!params.stop().isEmpty() && row.checkStop(params.stop())) {
            row.finish = "stop";
            continue;
          }
          if (row.tokens.size() >= params.maxNewTokens() || row.promptLen + row.tokens.size() >= ctx) {
            row.finish = "length";
            continue;
          }
          next[r] = tok;
          nmask[r][0] = true;
          any = true;
        }
        if (!any) break;
        try (NDManager s = model.newStepManager()) {
          NDArray logits = model.forwardLast(s.create(next, new Shape(b, 1)), nmask, cache);
          if (argmaxOnly) best = logits.argMax(1).toLongArray();
          else last = logits.toFloatArray();
        }
      }
    }
    List<GenerationResult> out = new ArrayList<>(b);
    for (Row row : rows) {
      int[] toks = row.tokens.stream().mapToInt(Integer::intValue).toArray();
      String text = row.stopText != null ? row.stopText : tokenizer == null ? "" : tokenizer.decode(toks, true);
      out.add(new GenerationResult(text, toks, row.finish, row.promptLen, List.copyOf(row.logprobs)));
    }
    return out;
  }

  private final class Row {
    final int promptLen;
    final Random rnd;
    final List<Integer> tokens = new ArrayList<>();
    final List<TokenLogprob> logprobs = new ArrayList<>();
    String finish;
    String stopText;

    Row(int promptLen, Random rnd) {
      this.promptLen = promptLen;
      this.rnd = rnd;
    }

    /** Whether the decoded text now contains a stop string; if so keeps the text before it. */
    boolean checkStop(List<String> stops) {
      String text = tokenizer.decode(tokens.stream().mapToInt(Integer::intValue).toArray(), true);
      int cut = -1;
      for (String s : stops) {
        int i = text.indexOf(s);
        if (i >= 0 && (cut < 0 || i < cut)) cut = i;
      }
      if (cut < 0) return false;
      stopText = text.substring(0, cut);
      return true;
    }
  }

  @Override
  public void close() {
    model.close();
    if (tokenizer != null) {
      try {
        tokenizer.close();
      } catch (Exception ignored) {
        // tokenizers hold native handles only
      }
    }
  }

  @Override
  public String toString() {
    return "DjlLanguageModel" + Arrays.asList(info.name(), info.modelType(), info.device());
  }
}
