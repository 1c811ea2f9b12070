package io.personaknob.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.LanguageModel;
import io.personaknob.lm.LanguageModels;
import io.personaknob.lm.Tokenizer;
import io.personaknob.lm.model.ModelConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code knob model info DIR}: loads a model directory (validating it) and describes it. */
@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description = {
      "Load a model directory (checking config, weights and tokenizer) and describe it.",
      "Exits 1 when the folder has no tokenizer.json: such a model cannot generate text."
    })
final class ModelInfoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "Model directory in Hugging Face Hub layout.")
  Path dir;

  @Option(names = "--json", description = "Print JSON instead of text.")
  boolean json;

  @Option(names = "--device", defaultValue = "cpu", description = "auto, cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
  String device;

  @Override
  public Integer call() throws Exception {
    long t0 = System.nanoTime();
    try (DjlLanguageModel lm = LanguageModels.load(dir, device)) {
      double loadSeconds = (System.nanoTime() - t0) / 1e9;
      LanguageModel.ModelInfo i = lm.info();
      ModelConfig c = lm.model().config();
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("name", i.name());
      o.put("architecture", i.architecture());
      o.put("model_type", i.modelType());
      o.put("parameters", i.parameters());
      o.put("layers", i.layers());
      o.put("hidden_size", i.hiddenSize());
      o.put("heads", i.heads());
      o.put("kv_heads", i.kvHeads());
      o.put("head_dim", c.headDim());
      o.put("intermediate_size", c.intermediateSize());
      o.put("vocab_size", i.vocabSize());
      o.put("context_length", i.contextLength());
      o.put("tied_embeddings", c.tieWordEmbeddings());
      if (!c.isGpt2()) {
        o.put("rope_theta", c.ropeTheta());
        o.put("rope_scaling", c.ropeScaling() == null ? "none" : c.ropeScaling().type());
      }
      o.put("stored_dtype", i.dtype());
      o.put("device", i.device());
      Tokenizer tok = lm.tokenizer();
      o.put("tokenizer_vocab", tok == null ? "none (no tokenizer.json)" : tok.vocabSize());
      o.put("can_generate", tok != null);
      o.put("eos_token_ids", lm.eosTokenIds());
      o.put("chat_template", lm.chatTemplate().isPresent());
      o.put("load_seconds", Math.round(loadSeconds * 1000) / 1000.0);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(o));
      } else {
        o.forEach((k, v) -> out.printf("%-18s %s%n", k, v instanceof Long l ? String.format("%,d", l) : v));
      }
      out.flush();
      if (tok == null) {
        // config and weights load, but without a tokenizer no text goes in or out: say so, and fail the check
        PrintWriter err = spec.commandLine().getErr();
        err.println("knob: " + dir + ": no tokenizer.json: this model cannot generate, score or serve text (nor be"
            + " trained on text); copy the checkpoint's tokenizer.json (and tokenizer_config.json) into the folder");
        err.flush();
        return Knob.EXIT_USER;
      }
    }
    return 0;
  }
}
