package io.personaknob.cli;

import io.personaknob.lm.model.RandomModels;
import io.personaknob.lm.safetensors.SafeTensors;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code knob model init}: a deterministic random model in Hub layout. */
@Command(
    name = "init",
    mixinStandardHelpOptions = true,
    description = {
      "Write a deterministic random model in Hugging Face Hub layout.",
      "Files: config.json, model.safetensors, generation_config.json, tokenizer files, provenance.json;",
      "made the way the Hub's tiny random test models are used. The same options and seed give byte-identical weights.",
      "Sizes: tiny (hidden 64, 2 layers; for tests), small (hidden 512, 8 layers, ~30M parameters)."
    })
final class ModelInitCommand implements Callable<Integer> {
  enum Arch { llama, qwen2, qwen3, gpt2 }

  enum Size { tiny, small }

  enum Dtype { f32, bf16, f16 }

  @Spec CommandSpec spec;

  @Option(names = "--arch", required = true, description = "Architecture: ${COMPLETION-CANDIDATES}.")
  Arch arch;

  @Option(names = "--size", defaultValue = "tiny", description = "Size: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Size size;

  @Option(names = "--tokenizer", defaultValue = "bytes", paramLabel = "DIR|bytes",
      description = "A directory with tokenizer.json to copy (the vocabulary is sized to it), or 'bytes' for the "
          + "byte-level tokenizer with a ChatML template (259 tokens; default).")
  String tokenizer;

  @Option(names = "--seed", defaultValue = "0", description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--context", defaultValue = "0", paramLabel = "N",
      description = "Maximum sequence length (default: 2048 for tiny, which holds a PersonaKnob row in byte-level tokens; 1024 for small).")
  int context;

  @Option(names = "--dtype", defaultValue = "f32", description = "Weight dtype on disk: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Dtype dtype;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (must not exist or be empty).")
  Path out;

  @Override
  public Integer call() {
    if (context < 0) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--context must be positive, got " + context);
    SafeTensors.DType dt = switch (dtype) {
      case bf16 -> SafeTensors.DType.BF16;
      case f16 -> SafeTensors.DType.F16;
      default -> SafeTensors.DType.F32;
    };
    RandomModels.Result r = RandomModels.init(
        new RandomModels.Spec(arch.name(), size.name(), tokenizer, seed, context, dt), out);
    spec.commandLine().getOut().printf("wrote %s: %s %s, %,d parameters, vocab %d, context %d, seed %d%n",
        r.dir(), r.modelType(), size, r.parameters(), r.vocabSize(), r.contextLength(), seed);
    return 0;
  }
}
