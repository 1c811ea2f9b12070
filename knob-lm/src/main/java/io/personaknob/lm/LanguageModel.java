package io.personaknob.lm;

import java.util.List;
import java.util.Optional;

/**
 * A loaded causal language model with its tokenizer: the operations the rest of personaknob uses
 * (scoring for selection tasks and DPO reference log-probs, generation for answers and serving).
 * Training reaches below this interface to the model's parameters (see knob-train).
 */
public interface LanguageModel extends AutoCloseable {
  /** Name (directory name or config "_name_or_path"), architecture, sizes. */
  ModelInfo info();

  Tokenizer tokenizer();

  /** The chat template from tokenizer_config.json, if the checkpoint has one. */
  Optional<ChatTemplate> chatTemplate();

  /** Maximum sequence length (config max_position_embeddings / n_positions). */
  int contextLength();

  /** Batched log-probabilities of completions given prompts (token ids; prompt tokens masked). */
  List<SequenceScore> score(List<int[]> prompts, List<int[]> completions);

  /** Batched generation with a KV cache. */
  List<GenerationResult> generate(List<int[]> prompts, SamplingParams params);

  /**
   * Step-level decoding for continuous batching (the server's {@link io.personaknob.lm.decode.Decoder}),
   * if this model supports it; models without it are served by batched {@link #generate} calls.
   */
  default Optional<io.personaknob.lm.decode.StepModel> stepModel() {
    return Optional.empty();
  }

  @Override
  void close();

  /** Static facts about a loaded model. */
  record ModelInfo(
      String name,
      String architecture,
      String modelType,
      long parameters,
      int layers,
      int hiddenSize,
      int heads,
      int kvHeads,
      int vocabSize,
      int contextLength,
      String dtype,
      String device) {}
}
