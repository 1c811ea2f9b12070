package io.personaknob.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.personaknob.core.UserException;
import io.personaknob.lm.ChatTemplate;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.LanguageModels;
import io.personaknob.lm.Tokenizer;
import io.personaknob.lm.engine.LmEngine;
import io.personaknob.lm.model.CausalLM;
import io.personaknob.lm.model.Checkpoints;
import io.personaknob.lm.model.RandomModels;
import io.personaknob.lm.safetensors.SafeTensors.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link TrainableLm} over knob-lm's {@link CausalLM}: any model directory in Hugging Face Hub layout that
 * {@link LanguageModels#load} reads (Llama, Mistral, Qwen2/3, GPT-2; real checkpoints or {@code knob model
 * init} ones), with its tokenizer and chat template. The forward pass goes through
 * {@link CausalLM#forward(Map, NDArray, NDArray, ai.djl.ndarray.NDArray)}'s substitution, so the trainer keeps
 * its own trainable copies; saving writes them with {@link Checkpoints#save} plus the source directory's
 * tokenizer files, so the result loads back with {@code LanguageModels.load} and {@code knob model info}.
 */
public final class HubLm implements TrainableLm {

  /** Tokenizer and chat-template files copied from the source directory when saving. */
  static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
      "vocab.json", "merges.txt", "added_tokens.json", "chat_template.jinja", "chat_template.json");

  private final Path dir;
  private final DjlLanguageModel lm;
  private final CausalLM net;

  private HubLm(Path dir, DjlLanguageModel lm) {
    this.dir = dir;
    this.lm = lm;
    this.net = lm.model();
  }

  /** Loads a Hub-layout model directory on the CPU; it must have a tokenizer (tokenizer.json). */
  public static HubLm load(Path dir) {
    LmEngine.get(); // sets the environment (offline, OMP wait policy) before DJL loads its natives
    DjlLanguageModel lm = LanguageModels.load(dir, Device.cpu());
    if (lm.tokenizer() == null) {
      lm.close();
      throw new UserException(dir + ": no tokenizer.json; the trainer needs the model's tokenizer to encode the rows");
    }
    return new HubLm(dir, lm);
  }

  /**
   * Writes a deterministic random model with the byte-level tokenizer (what {@code knob model init --arch A
   * --size S --tokenizer bytes --seed N} makes) into {@code out}, with the size's default context.
   */
  public static RandomModels.Result init(String arch, String size, long seed, Path out) {
    return init(arch, size, seed, 0, out);
  }

  /** As {@link #init(String, String, long, Path)} with a context length (0: the size's default, 2048 tiny, 1024 small). */
  public static RandomModels.Result init(String arch, String size, long seed, int contextLength, Path out) {
    LmEngine.get();
    return RandomModels.init(new RandomModels.Spec(arch, size, "bytes", seed, contextLength, DType.F32), out);
  }

  /** The knob-lm network (e.g. for its config). */
  public CausalLM network() {
    return net;
  }

  @Override
  public LinkedHashMap<String, NDArray> parameters() {
    return new LinkedHashMap<>(net.parameters());
  }

  @Override
  public NDArray forward(NDManager scope, Map<String, NDArray> weights, NDArray ids, NDArray mask) {
    // every intermediate is attached to the manager of ids, which the trainer creates in scope
    return net.forward(weights, ids, mask, null);
  }

  @Override
  public Map<String, LinearShape> linearWeights() {
    Map<String, LinearShape> m = new LinkedHashMap<>();
    Map<String, NDArray> p = net.parameters();
    for (String l : net.linearLayers()) {
      long[] s = p.get(l + ".weight").getShape().getShape();
      boolean t = net.transposedWeight(l);
      m.put(l + ".weight", t ? new LinearShape((int) s[0], (int) s[1], false) : new LinearShape((int) s[1], (int) s[0], true));
    }
    return m;
  }

  @Override
  public Tokenizer tokenizer() {
    return lm.tokenizer();
  }

  @Override
  public Optional<ChatTemplate> chatTemplate() {
    return lm.chatTemplate();
  }

  @Override
  public int contextLength() {
    return lm.contextLength();
  }

  @Override
  public String modelType() {
    return net.config().modelType();
  }

  @Override
  public void saveHubLayout(Path out, Map<String, NDArray> weights) {
    try {
      Files.createDirectories(out);
      Map<String, NDArray> w = new LinkedHashMap<>();
      Map<String, NDArray> own = net.parameters();
      weights.forEach((k, v) -> {
        if (own.containsKey(k)) w.put(k, v);
      });
      Checkpoints.save(net, out, DType.F32, lm.generationConfig().toJson(), w);
      for (String f : TOKENIZER_FILES) {
        if (Files.isRegularFile(dir.resolve(f)))
          Files.copy(dir.resolve(f), out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UserException(out + ": cannot write model: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    lm.close();
  }
}
