package io.personaknob.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.personaknob.lm.decode.StepModel;
import io.personaknob.lm.model.CausalLM;
import io.personaknob.lm.model.KvCache;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link StepModel} over a {@link DjlLanguageModel}: one KV cache whose rows are the running sequences.
 * A step that admits new sequences prefills their prompts together in a cache of their own (left-padded
 * to the longest of them), decodes the running rows' next tokens, then appends the new rows to the
 * running cache right-aligned ({@link KvCache#appendRows}), so running rows never compute a prompt's
 * padding. Rows that leave are dropped from the cache, and leading positions no row attends to any more
 * are trimmed, so the cache does not grow with the server's uptime.
 */
final class DjlStepModel implements StepModel {
  /** Trim the cache's dead prefix once it is at least this long. */
  static final int TRIM_AT = 32;

  private final DjlLanguageModel lm;
  private final CausalLM model;
  private KvCache cache;
  private final List<Long> rows = new ArrayList<>();

  DjlStepModel(DjlLanguageModel lm) {
    this.lm = lm;
    this.model = lm.model();
  }

  @Override
  public int vocabSize() {
    return model.config().vocabSize();
  }

  @Override
  public Set<Integer> eosTokenIds() {
    return lm.eosTokenIds();
  }

  @Override
  public int contextLength() {
    return lm.contextLength();
  }

  @Override
  public float[] step(long[] ids, List<int[]> inputs) {
    return lm.noGrad(() -> stepLocked(ids, inputs));
  }

  private float[] stepLocked(long[] ids, List<int[]> inputs) {
    Map<Long, Integer> wanted = new HashMap<>();
    for (int i = 0; i < ids.length; i++) wanted.put(ids[i], i);
    // rows that left
    if (cache != null) {
      List<Integer> keep = new ArrayList<>();
      for (int r = 0; r < rows.size(); r++) if (wanted.containsKey(rows.get(r))) keep.add(r);
      if (keep.isEmpty()) {
        reset();
      } else if (keep.size() < rows.size()) {
        int[] k = keep.stream().mapToInt(Integer::intValue).toArray();
        cache.retainRows(k);
        List<Long> kept = new ArrayList<>();
        for (int r : k) kept.add(rows.get(r));
        rows.clear();
        rows.addAll(kept);
      }
    }
    int v = vocabSize();
    float[] ordered = new float[ids.length * v];
    // rows that join: prefilled together in their own cache, merged after the running rows' step
    List<Long> joining = new ArrayList<>();
    for (long id : ids) if (!rows.contains(id)) joining.add(id);
    KvCache fresh = null;
    if (!joining.isEmpty()) {
      int t = 1;
      for (long id : joining) t = Math.max(t, inputs.get(wanted.get(id)).length);
      fresh = model.newCache(joining.size(), Math.min(contextLength(), t + 64));
      forward(fresh, joining, inputs, wanted, ordered);
    }
    if (!rows.isEmpty()) forward(cache, rows, inputs, wanted, ordered);
    if (fresh != null) {
      if (cache == null) cache = fresh;
      else cache.appendRows(fresh);
      rows.addAll(joining);
    }
    int dead = cache.deadPrefix();
    if (dead >= TRIM_AT) cache.trimLeft(dead);
    return ordered;
  }

  /** One forward of {@code seqs} (the rows of {@code kv}, in order), left-padded; their logits go to their slots of {@code out}. */
  private void forward(KvCache kv, List<Long> seqs, List<int[]> inputs, Map<Long, Integer> wanted, float[] out) {
    int b = seqs.size();
    int t = 1;
    for (long id : seqs) t = Math.max(t, inputs.get(wanted.get(id)).length);
    long[] tok = new long[b * t];
    boolean[][] mask = new boolean[b][t];
    for (int r = 0; r < b; r++) {
      int[] in = inputs.get(wanted.get(seqs.get(r)));
      int off = t - in.length;
      for (int j = 0; j < in.length; j++) {
        tok[r * t + off + j] = in[j];
        mask[r][off + j] = true;
      }
    }
    int v = vocabSize();
    float[] logits;
    try (NDManager s = model.newStepManager()) {
      logits = model.forwardLast(s.create(tok, new Shape(b, t)), mask, kv).toFloatArray();
    }
    for (int r = 0; r < b; r++) System.arraycopy(logits, r * v, out, wanted.get(seqs.get(r)) * v, v);
  }

  @Override
  public void reset() {
    if (cache != null) cache.close();
    cache = null;
    rows.clear();
  }
}
