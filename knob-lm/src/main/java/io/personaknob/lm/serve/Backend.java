package io.personaknob.lm.serve;

import io.personaknob.lm.LanguageModel;
import io.personaknob.lm.SamplingParams;
import io.personaknob.lm.decode.Decoder;
import io.personaknob.lm.decode.SequenceListener;
import io.personaknob.lm.decode.TokenConstraint;

/** Where the server's sequences are generated: continuous batching, or batched generate calls. */
interface Backend {
  void submit(int[] prompt, SamplingParams params, TokenConstraint constraint, SequenceListener listener);

  /** Forward passes or generate calls made so far. */
  long calls();

  /** Whether token constraints (structured outputs) are applied. */
  boolean constrains();

  /** Cancels what is queued and returns once no generation runs. */
  void stop();

  static Backend of(LanguageModel model, int maxBatch) {
    return model.stepModel().<Backend>map(sm -> new Continuous(new Decoder(sm, model.tokenizer(), maxBatch)))
        .orElseGet(() -> new GenerateBatcher(model, maxBatch));
  }

  /** Continuous batching through a {@link Decoder}. */
  record Continuous(Decoder decoder) implements Backend {
    @Override
    public void submit(int[] prompt, SamplingParams params, TokenConstraint constraint, SequenceListener listener) {
      decoder.submit(prompt, params, constraint, listener);
    }

    @Override
    public long calls() {
      return decoder.steps();
    }

    @Override
    public boolean constrains() {
      return true;
    }

    @Override
    public void stop() {
      decoder.close();
    }
  }
}
