package io.personaknob.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.personaknob.core.UserException;
import io.personaknob.lm.engine.Nd;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * What the optimiser moves, full fine-tuning or LoRA: copies of all the model's weights, or a pair A [in, r]
 * (seeded uniform) and B [r, out] (zeros) per targeted projection; and the weights the forward pass uses.
 */
final class TrainableWeights {

  private final TrainableLm model;
  /** Trainable tensors by name: all weights (full) or LoRA A/B ("NAME.lora_A", "NAME.lora_B"). */
  private final LinkedHashMap<String, NDArray> tensors = new LinkedHashMap<>();
  /** The projections LoRA adapts, with their shapes (empty: full fine-tuning). */
  private final Map<String, TrainableLm.LinearShape> loraTargets = new LinkedHashMap<>();
  private final double loraScale;

  /** The trainable tensors of {@code model} for {@code cfg}, owned by {@code manager}, with gradients on. */
  TrainableWeights(TrainableLm model, TrainConfig cfg, NDManager manager) {
    this.model = model;
    if (cfg.loraR > 0) {
      loraScale = cfg.loraAlpha / cfg.loraR;
      Random r = new Random(cfg.seed ^ 0x10AL);
      for (var e : model.linearWeights().entrySet()) {
        if (!loraTarget(cfg, e.getKey())) continue;
        var s = e.getValue();
        loraTargets.put(e.getKey(), s);
        float[] a = new float[s.in() * cfg.loraR];
        double bound = 1 / Math.sqrt(s.in());
        for (int i = 0; i < a.length; i++) a[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
        tensors.put(e.getKey() + ".lora_A", manager.create(a, new Shape(s.in(), cfg.loraR)));
        tensors.put(e.getKey() + ".lora_B", manager.zeros(new Shape(cfg.loraR, s.out())));
      }
      if (loraTargets.isEmpty()) throw new UserException("config lora-targets: " + cfg.loraTargets + " match no projection of the model");
    } else {
      loraScale = 0;
      for (var e : model.parameters().entrySet()) tensors.put(e.getKey(), e.getValue().duplicate());
      for (NDArray a : tensors.values()) a.attach(manager);
    }
    for (NDArray a : tensors.values()) a.setRequiresGradient(true);
  }

  /** The trainable tensors by name (the live map: a restore replaces its values). */
  LinkedHashMap<String, NDArray> tensors() {
    return tensors;
  }

  /** The projections LoRA adapts, with their shapes (empty: full fine-tuning). */
  Map<String, TrainableLm.LinearShape> loraTargets() {
    return loraTargets;
  }

  private static boolean loraTarget(TrainConfig cfg, String name) {
    for (String t : cfg.loraTargets) if (t.equals("all-linear") || name.contains(t)) return true;
    return false;
  }

  /** Weights the forward pass uses: the trainable copies, or base + (α/r)·A·B for LoRA targets. */
  Map<String, NDArray> effective() {
    if (loraTargets.isEmpty()) return tensors;
    Map<String, NDArray> w = new LinkedHashMap<>(model.parameters());
    for (var e : loraTargets.entrySet()) {
      String k = e.getKey();
      NDArray delta = Nd.mul(tensors.get(k + ".lora_A").matMul(tensors.get(k + ".lora_B")), loraScale);
      if (e.getValue().outFirst()) delta = delta.transpose();
      w.put(k, model.parameters().get(k).add(delta));
    }
    return w;
  }
}
