package io.personaknob.lm.decode;

import java.util.List;
import java.util.Set;

/**
 * A model that decodes one step at a time for a changing set of sequences, each with its own KV cache
 * row: the primitive of continuous batching ({@link Decoder}). Sequences join the batch by feeding their
 * prompt, continue by feeding their last token, and leave by not appearing in a step.
 */
public interface StepModel {
  /** Rows of the logits returned by {@link #step} have this many columns. */
  int vocabSize();

  /** Token ids that end a sequence. */
  Set<Integer> eosTokenIds();

  int contextLength();

  /**
   * One forward pass. Row i feeds {@code inputs.get(i)} to sequence {@code ids[i]}: its whole prompt when
   * the id is new, else the tokens sampled since its previous step (one). Sequences fed before but absent
   * now are forgotten (their cache rows freed). Returns the logits of each row's last position, row-major
   * (rows × {@link #vocabSize()}). Called from one thread.
   */
  float[] step(long[] ids, List<int[]> inputs);

  /** Forgets every sequence. */
  void reset();
}
