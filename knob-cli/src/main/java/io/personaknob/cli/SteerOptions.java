package io.personaknob.cli;

import io.personaknob.core.UserException;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.steer.Gguf;
import io.personaknob.lm.steer.SteeringVector;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Option;

/**
 * {@code --steer FILE[:COEF]} (repeatable) for the commands that run a model: adds COEF × direction to the
 * residual stream after each of the vector's layers in every forward pass. Vectors from several files are
 * summed per layer. FILE is a personaknob .safetensors vector or a llama.cpp control-vector .gguf.
 */
final class SteerOptions {
  @Option(names = "--steer", paramLabel = "FILE[:COEF]",
      description = "Steering vector (.safetensors from `knob steer vector`, or a llama.cpp control-vector .gguf), "
          + "times COEF (default 1), added to the residual stream after its layers; repeatable (summed). COEF 0 = unsteered.")
  List<String> steer = new ArrayList<>();

  @Option(names = "--steer-any-model",
      description = "Use a steering vector made on another model of the same shape (refused by default).")
  boolean anyModel;

  record Spec(Path file, double coef) {}

  static Spec parse(String s) {
    int at = s.lastIndexOf(':');
    if (at > 0) {
      try {
        double c = Double.parseDouble(s.substring(at + 1));
        if (!Double.isFinite(c)) throw new UserException("--steer " + s + ": coefficient must be finite");
        return new Spec(Path.of(s.substring(0, at)), c);
      } catch (NumberFormatException e) {
        // no coefficient: the colon is part of the path
      }
    }
    return new Spec(Path.of(s), 1.0);
  }

  /** Loads the vectors, checks them against the model and installs their sum; no-op without --steer. */
  void apply(DjlLanguageModel lm, PrintWriter err) {
    if (steer.isEmpty()) return;
    var c = lm.model().config();
    Map<Integer, float[]> sum = new TreeMap<>();
    for (String s : steer) {
      Spec sp = parse(s);
      String name = sp.file().getFileName().toString().toLowerCase();
      SteeringVector v = name.endsWith(".gguf") ? Gguf.readControlVector(sp.file()) : SteeringVector.load(sp.file());
      // GGUF control vectors carry only a model hint (the model type), so they are checked by shape
      boolean other = anyModel || name.endsWith(".gguf");
      v.checkFits(sp.file().toString(), lm.info().name(), lm.info().modelType(), c.hiddenSize(), c.numLayers(), other);
      v.scaled(sp.coef()).forEach((layer, d) -> {
        float[] acc = sum.computeIfAbsent(layer, k -> new float[d.length]);
        for (int i = 0; i < d.length; i++) acc[i] += d[i];
      });
      err.println("knob: steering with " + sp.file() + " × " + sp.coef() + " at layers " + v.directions().keySet());
    }
    lm.model().setSteering(sum);
    err.flush();
  }
}
