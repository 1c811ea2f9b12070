package io.personaknob.lm;

import java.util.ArrayList;
import java.util.List;

/** A generated token with its log-probability and, on request, the most likely alternatives. */
public record TokenLogprob(int token, String text, double logprob, List<Alternative> top) {
  public record Alternative(int token, String text, double logprob) {}

  /**
   * The sampled token {@code tok} of one row of logits ({@code v} values from {@code off}): its
   * log-probability under the full softmax and the {@code top} most likely tokens, each with its text
   * ("" without a tokenizer).
   */
  public static TokenLogprob fromLogits(float[] logits, int off, int v, int tok, int top, Tokenizer tokenizer) {
    double[] lp = Sampler.logSoftmax(logits, off, v);
    List<Alternative> alts = new ArrayList<>();
    for (int[] i : Sampler.topIndices(lp, top)) alts.add(new Alternative(i[0], text(tokenizer, i[0]), lp[i[0]]));
    return new TokenLogprob(tok, text(tokenizer, tok), lp[tok], alts);
  }

  private static String text(Tokenizer tokenizer, int tok) {
    return tokenizer == null ? "" : tokenizer.decode(new int[] {tok}, false);
  }
}
