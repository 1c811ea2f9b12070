package io.personaknob.lm.steer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.personaknob.core.UserException;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.model.CausalLM;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntConsumer;

/**
 * Reads the residual stream of a model: for each text (prompt ids + answer ids) and each chosen layer, one
 * vector of hidden size taken at a {@link Position}. Batched (right padding), without gradients, the
 * pooling done on the device as one weighted sum per row. Results go to a {@link Sink}: in memory
 * ({@link #collect}) or streamed to disk ({@link ActivationFiles}).
 */
public final class HiddenStates {
  private HiddenStates() {}

  /** Where in a text the vector is read. */
  public enum Position {
    /** mean over the answer's tokens (the persona-vectors convention; needs a non-empty answer) */
    ANSWER_MEAN,
    /** the last token of prompt + answer (repeng's convention) */
    LAST,
    /** the last prompt token, before any answer token (what a prompt-only contrast changes) */
    PROMPT_LAST;

    public static Position parse(String s) {
      return switch (s) {
        case "answer-mean" -> ANSWER_MEAN;
        case "last" -> LAST;
        case "prompt-last" -> PROMPT_LAST;
        default -> throw new UserException("position '" + s + "': expected answer-mean, last or prompt-last");
      };
    }

    public String label() {
      return name().toLowerCase().replace('_', '-');
    }
  }

  /** One text: prompt and answer token ids (the answer may be empty except for ANSWER_MEAN). */
  public record Text(int[] prompt, int[] answer) {
    int length() {
      return prompt.length + answer.length;
    }
  }

  /** Receives, per batch, the vectors of items {@code first..first+vectors[layer].length-1}. */
  public interface Sink {
    void accept(int layer, int first, float[][] vectors);
  }

  /** In-memory result: layer → item → vector. */
  public static Map<Integer, float[][]> collect(DjlLanguageModel lm, List<Text> texts, Set<Integer> layers, Position pos,
      int batchSize, IntConsumer progress) {
    Map<Integer, float[][]> out = new TreeMap<>();
    for (int l : layers) out.put(l, new float[texts.size()][]);
    run(lm, texts, layers, pos, batchSize, progress, (layer, first, v) -> System.arraycopy(v, 0, out.get(layer), first, v.length));
    return out;
  }

  /**
   * Runs the model over {@code texts} in batches of at most {@code batchSize}, calling {@code sink} per
   * layer and batch and {@code progress} with the number of texts done.
   */
  public static void run(DjlLanguageModel lm, List<Text> texts, Set<Integer> layers, Position pos, int batchSize,
      IntConsumer progress, Sink sink) {
    CausalLM model = lm.model();
    int ctx = lm.contextLength();
    int vocab = model.config().vocabSize();
    if (layers.isEmpty()) throw new UserException("no layers chosen");
    for (int i = 0; i < texts.size(); i++) {
      Text t = texts.get(i);
      if (t.prompt().length == 0) throw new UserException("text " + (i + 1) + ": empty prompt");
      if (pos == Position.ANSWER_MEAN && t.answer().length == 0) throw new UserException("text " + (i + 1) + ": empty answer (position answer-mean needs answer tokens)");
      if (t.length() > ctx) throw new UserException("text " + (i + 1) + ": " + t.length() + " tokens, more than the model's context of " + ctx);
      for (int[] ids : new int[][] {t.prompt(), t.answer()}) {
        for (int id : ids) if (id < 0 || id >= vocab) throw new UserException("text " + (i + 1) + ": token id " + id + " outside the vocabulary of " + vocab);
      }
    }
    Set<Integer> ls = new LinkedHashSet<>(layers);
    int c = model.config().hiddenSize();
    synchronized (lm) {
      boolean prev = JniUtils.isGradMode();
      JniUtils.setGradMode(false);
      try {
        for (int first = 0; first < texts.size(); first += batchSize) {
          List<Text> batch = texts.subList(first, Math.min(texts.size(), first + batchSize));
          int b = batch.size();
          int len = 0;
          for (Text t : batch) len = Math.max(len, t.length());
          long[] ids = new long[b * len];
          boolean[][] mask = new boolean[b][len];
          float[] weights = new float[b * len];
          for (int r = 0; r < b; r++) {
            Text t = batch.get(r);
            int pl = t.prompt().length;
            int l = t.length();
            for (int j = 0; j < l; j++) {
              ids[r * len + j] = j < pl ? t.prompt()[j] : t.answer()[j - pl];
              mask[r][j] = true;
            }
            switch (pos) {
              case ANSWER_MEAN -> {
                for (int j = pl; j < l; j++) weights[r * len + j] = 1f / t.answer().length;
              }
              case LAST -> weights[r * len + l - 1] = 1f;
              case PROMPT_LAST -> weights[r * len + pl - 1] = 1f;
            }
          }
          try (NDManager s = model.newStepManager()) {
            Map<Integer, NDArray> h = model.forwardHidden(s.create(ids, new Shape(b, len)), mask, ls);
            NDArray w = s.create(weights, new Shape(b, 1, len));
            for (int layer : ls) {
              float[] flat = w.matMul(h.get(layer)).toFloatArray(); // (B,1,T)·(B,T,C) → (B,1,C)
              float[][] v = new float[b][c];
              for (int r = 0; r < b; r++) System.arraycopy(flat, r * c, v[r], 0, c);
              sink.accept(layer, first, v);
            }
          }
          if (progress != null) progress.accept(first + b);
        }
      } finally {
        JniUtils.setGradMode(prev);
      }
    }
  }

  /** Parses "3,5,7" into layers, each checked against the model's block count. */
  public static List<Integer> parseLayers(String spec, int numLayers) {
    List<Integer> out = new ArrayList<>();
    for (String p : spec.split(",")) {
      String s = p.trim();
      if (s.isEmpty()) continue;
      int l;
      try {
        l = Integer.parseInt(s);
      } catch (NumberFormatException e) {
        throw new UserException("--layers: '" + s + "' is not a layer number");
      }
      if (l < 0) l += numLayers; // -1 = last block, as in repeng
      if (l < 0 || l >= numLayers) throw new UserException("--layers: layer " + s + " is outside the model's layers 0.." + (numLayers - 1));
      if (!out.contains(l)) out.add(l);
    }
    if (out.isEmpty()) throw new UserException("--layers: no layer given");
    return out;
  }
}
