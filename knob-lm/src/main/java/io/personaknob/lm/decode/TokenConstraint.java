package io.personaknob.lm.decode;

/**
 * Constrains which tokens a sequence may produce (structured outputs): a state that advances token by
 * token. Owned by one sequence; used from the decoding thread only.
 */
public interface TokenConstraint {
  /** The tokens allowed next, in ascending order; end-of-sequence tokens are never among them. */
  int[] allowed();

  /** Advances past a token taken from {@link #allowed()}. */
  void accept(int token);

  /** Whether the output is complete; the sequence then ends with finish reason "stop". */
  boolean complete();
}
