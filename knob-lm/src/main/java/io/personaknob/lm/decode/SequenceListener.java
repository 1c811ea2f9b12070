package io.personaknob.lm.decode;

import io.personaknob.lm.GenerationResult;
import io.personaknob.lm.TokenLogprob;

/**
 * Receives what a sequence produces, on the decoding thread: implementations must not block (hand the
 * events to another thread, e.g. through a queue).
 */
public interface SequenceListener {
  /** A token was generated; {@code logprob} is null unless log-probabilities were requested. */
  void onToken(int token, TokenLogprob logprob);

  /** The sequence ended (exactly once, unless {@link #onError} is called instead). */
  void onFinish(GenerationResult result);

  /** The sequence failed or was cancelled by a shutdown. */
  void onError(Throwable error);

  /** Polled between decoding steps: true drops the sequence (e.g. the client went away). */
  default boolean cancelled() {
    return false;
  }
}
