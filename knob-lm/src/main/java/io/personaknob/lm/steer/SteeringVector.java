package io.personaknob.lm.steer;

import io.personaknob.core.UserException;
import io.personaknob.lm.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A steering direction per layer for one model: {@code directions.get(L)} is added, times a coefficient,
 * to the residual stream after block L (0-based). Saved as safetensors, one F32 tensor
 * {@code direction.L} of hidden size per layer, with the metadata below; exported to llama.cpp's
 * control-vector GGUF by {@link Gguf#writeControlVector}.
 *
 * @param model the model it was made from (name), the "model hint"
 * @param modelType the config's model_type (llama, qwen2, gpt2, ...)
 * @param hiddenSize the residual width every direction must have
 * @param numLayers the model's block count (layers must lie below it)
 * @param directions layer → direction, in layer order
 * @param metadata method, dimension, position, data hash, per-layer separation, ... (strings)
 */
public record SteeringVector(String model, String modelType, int hiddenSize, int numLayers,
    Map<Integer, float[]> directions, Map<String, String> metadata) {

  public SteeringVector {
    directions = new TreeMap<>(directions);
    metadata = new LinkedHashMap<>(metadata);
  }

  /** The tensor name of a layer's direction (the same in safetensors and GGUF). */
  public static String tensorName(int layer) {
    return "direction." + layer;
  }

  /** The layer's direction scaled by {@code coef}, per layer. */
  public Map<Integer, float[]> scaled(double coef) {
    Map<Integer, float[]> out = new TreeMap<>();
    directions.forEach((l, v) -> {
      float[] s = new float[v.length];
      for (int i = 0; i < v.length; i++) s[i] = (float) (coef * v[i]);
      out.put(l, s);
    });
    return out;
  }

  /** Checks shape and values; {@code where} names the file in messages. */
  public void validate(String where) {
    if (directions.isEmpty()) throw new UserException(where + ": no direction tensors");
    for (var e : directions.entrySet()) {
      int l = e.getKey();
      if (l < 0 || (numLayers > 0 && l >= numLayers)) {
        throw new UserException(where + ": " + tensorName(l) + ": layer outside the model's layers 0.." + (numLayers - 1));
      }
      if (e.getValue().length != hiddenSize) {
        throw new UserException(where + ": " + tensorName(l) + ": " + e.getValue().length + " values, but hidden_size is " + hiddenSize);
      }
      float[] v = e.getValue();
      for (int i = 0; i < v.length; i++) {
        if (!Float.isFinite(v[i])) throw new UserException(where + ": " + tensorName(l) + ": value " + i + " is " + v[i] + " (not finite)");
      }
    }
  }

  /**
   * Checks that this vector fits a model: same hidden size, layers in range; a different model name or
   * type is an error too unless {@code allowOtherModel} (a vector made on one checkpoint means nothing on
   * another of the same shape unless the user says so).
   */
  public void checkFits(String where, String modelName, String type, int hidden, int layers, boolean allowOtherModel) {
    if (hidden != hiddenSize) {
      throw new UserException(where + ": made for hidden size " + hiddenSize + " (model " + model + "), but this model's hidden size is " + hidden);
    }
    for (int l : directions.keySet()) {
      if (l >= layers) throw new UserException(where + ": " + tensorName(l) + ": this model has only " + layers + " layers (0.." + (layers - 1) + ")");
    }
    if (!allowOtherModel && !(model.equals(modelName) && modelType.equals(type))) {
      throw new UserException(where + ": made for model '" + model + "' (" + modelType + "), not '" + modelName + "' (" + type
          + "); pass the vector to the model it was made from");
    }
  }

  /** Writes the safetensors file atomically. */
  public void save(Path file) {
    validate(file.toString());
    Map<String, SafeTensors.RawTensor> t = new LinkedHashMap<>();
    directions.forEach((l, v) -> t.put(tensorName(l), SafeTensors.encode(v, new long[] {v.length}, SafeTensors.DType.F32)));
    Map<String, String> meta = new LinkedHashMap<>(metadata);
    meta.put("format", "personaknob-steering-vector/1");
    meta.put("model", model);
    meta.put("model_type", modelType);
    meta.put("hidden_size", Integer.toString(hiddenSize));
    meta.put("num_layers", Integer.toString(numLayers));
    try {
      SafeTensors.write(file, t, meta);
    } catch (IOException e) {
      throw new UserException(file + ": cannot write: " + e.getMessage(), e);
    }
  }

  /** Reads a file written by {@link #save} (or any safetensors file with {@code direction.L} tensors). */
  public static SteeringVector load(Path file) {
    if (!Files.isRegularFile(file)) throw new UserException(file + ": no such steering vector file");
    try (SafeTensors.Reader r = SafeTensors.open(file)) {
      Map<Integer, float[]> dirs = new TreeMap<>();
      int hidden = -1;
      for (var e : r.entries().values()) {
        if (!e.name().startsWith("direction.")) continue;
        int layer;
        try {
          layer = Integer.parseInt(e.name().substring("direction.".length()));
        } catch (NumberFormatException ex) {
          throw new UserException(file + ": tensor '" + e.name() + "': expected direction.<layer>");
        }
        if (e.shape().length != 1) throw new UserException(file + ": tensor '" + e.name() + "': shape " + e.shapeString() + ", expected one axis");
        float[] v = r.readFloat(e.name()).data();
        dirs.put(layer, v);
        hidden = v.length;
      }
      Map<String, String> meta = new LinkedHashMap<>(r.metadata());
      String model = meta.getOrDefault("model", "");
      String type = meta.getOrDefault("model_type", "");
      int hs = parseInt(meta.get("hidden_size"), hidden, file, "hidden_size");
      int nl = parseInt(meta.get("num_layers"), 0, file, "num_layers");
      for (String k : new String[] {"format", "model", "model_type", "hidden_size", "num_layers"}) meta.remove(k);
      SteeringVector sv = new SteeringVector(model, type, hs, nl, dirs, meta);
      sv.validate(file.toString());
      return sv;
    }
  }

  private static int parseInt(String s, int dflt, Path file, String key) {
    if (s == null) return dflt;
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new UserException(file + ": metadata '" + key + "': not an integer: " + s);
    }
  }
}
