package io.personaknob.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.LanguageModels;
import io.personaknob.lm.model.CausalLM;
import io.personaknob.lm.model.Checkpoints;
import io.personaknob.lm.model.ModelFactory;
import io.personaknob.lm.safetensors.SafeTensors;
import io.personaknob.lm.serve.OpenAiServer;
import io.personaknob.lm.tokenizer.Tokenizers;
import java.nio.file.Path;

/**
 * A tiny random Llama with the byte-level tokenizer (as {@code knob model init} makes it), written to
 * {@code DIR/tiny-llama} and served in-process by {@code knob serve}'s server on a free loopback port: the
 * OpenAI-compatible endpoint the pipelines' end-to-end tests point their knob.yaml at. Closing stops the
 * server and frees the model.
 */
final class ServedTinyLlama implements AutoCloseable {
  private final DjlLanguageModel lm;
  private final OpenAiServer server;

  private ServedTinyLlama(DjlLanguageModel lm, OpenAiServer server) {
    this.lm = lm;
    this.server = server;
  }

  /** Serves the model of {@link #write} as "tiny-llama" with the given server options. */
  static ServedTinyLlama start(Path dir, int context, long seed, OpenAiServer.Options options) throws Exception {
    return start(dir, "tiny-llama", context, seed, options);
  }

  static ServedTinyLlama start(Path dir, String name, int context, long seed, OpenAiServer.Options options) throws Exception {
    DjlLanguageModel lm = LanguageModels.load(write(dir, context, seed), "cpu");
    try {
      return new ServedTinyLlama(lm, new OpenAiServer(lm, name, "127.0.0.1", 0, options).start());
    } catch (Exception | Error e) {
      lm.close();
      throw e;
    }
  }

  /** Writes the random model (seeded, F32, BOS 256, EOS 258) to {@code dir/tiny-llama} and returns that folder. */
  static Path write(Path dir, int context, long seed) throws Exception {
    Path model = dir.resolve("tiny-llama");
    ObjectNode cfg = ModelFactory.config("llama", "tiny", Tokenizers.BYTE_LEVEL_VOCAB, 256, 258, context);
    try (CausalLM m = ModelFactory.random(cfg, seed, Device.cpu())) {
      ObjectNode gen = JsonNodeFactory.instance.objectNode();
      gen.put("bos_token_id", 256);
      gen.put("eos_token_id", 258);
      Checkpoints.save(m, model, SafeTensors.DType.F32, gen);
    }
    Tokenizers.writeByteLevel(model);
    return model;
  }

  OpenAiServer server() {
    return server;
  }

  @Override
  public void close() {
    try {
      server.stop(0);
    } finally {
      lm.close();
    }
  }
}
