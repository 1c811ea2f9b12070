package io.personaknob.eval.run;

import ai.djl.Device;
import io.personaknob.lm.model.CausalLM;
import io.personaknob.lm.model.Checkpoints;
import io.personaknob.lm.model.ModelFactory;
import io.personaknob.lm.safetensors.SafeTensors;
import io.personaknob.lm.tokenizer.Tokenizers;
import java.nio.file.Path;

/** Tiny random Llama checkpoints in Hub layout with the byte-level tokenizer, for tests. */
public final class TinyModels {
  private TinyModels() {}

  public static Path create(Path dir, long seed) throws Exception {
    try (CausalLM m = ModelFactory.random(ModelFactory.config("llama", "tiny", 259, null, 258, 1024), seed, Device.cpu())) {
      Checkpoints.save(m, dir, SafeTensors.DType.F32, null);
    }
    Tokenizers.writeByteLevel(dir);
    return dir;
  }

  /**
   * The model with its generations spelled as ordinary lower-case words (each generated token id becomes a
   * letter), for tests of the judging plumbing: a random byte-level model's own text is degenerate (invalid
   * UTF-8, control characters) and would never reach a judge. Deterministic and model-dependent.
   */
  public static io.personaknob.lm.LanguageModel readable(io.personaknob.lm.LanguageModel m) {
    return new DelegatingModel(m) {
      @Override
      public java.util.List<io.personaknob.lm.GenerationResult> generate(java.util.List<int[]> ps, io.personaknob.lm.SamplingParams sp) {
        return super.generate(ps, sp).stream().map(r -> {
          StringBuilder b = new StringBuilder("Answer:");
          for (int i = 0; i < r.tokens().length; i++) b.append(i % 5 == 0 ? " " : "").append((char) ('a' + Math.floorMod(r.tokens()[i], 26)));
          return new io.personaknob.lm.GenerationResult(b.toString(), r.tokens(), r.finishReason(), r.promptTokens(), r.logprobs());
        }).toList();
      }
    };
  }
}
