package io.personaknob.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.personaknob.core.data.Dimension;
import io.personaknob.train.TrainConfig.Objective;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Gradients of the trainable tensors as the multi-objective strategies need them: read out (and zeroed)
 * after a backward, flattened into one vector per dimension for PCGrad, MGDA and the cosine diagnostics
 * ({@link GradientOps}), and cut back into tensors for the optimiser.
 */
final class Gradients {

  private Gradients() {}

  /**
   * Copies of the gradients of {@code trainable} (in its order) attached to {@code into}; the raw gradients
   * are zeroed and released, so the next backward starts from zero.
   */
  static Map<String, NDArray> readAndZeroGrads(Map<String, NDArray> trainable, NDManager into) {
    Map<String, NDArray> g = new LinkedHashMap<>();
    for (var e : trainable.entrySet()) {
      NDArray grad = e.getValue().getGradient();
      NDArray copy = grad.duplicate();
      copy.attach(into);
      g.put(e.getKey(), copy);
      grad.subi(grad);
      grad.close();
    }
    return g;
  }

  /** The tensors of {@code g} concatenated in its order into one flat vector. */
  static float[] flatten(Map<String, NDArray> g) {
    int n = 0;
    for (NDArray a : g.values()) n += (int) a.size();
    float[] f = new float[n];
    int o = 0;
    for (NDArray a : g.values()) {
      float[] x = a.toFloatArray();
      System.arraycopy(x, 0, f, o, x.length);
      o += x.length;
    }
    return f;
  }

  /** The inverse of {@link #flatten}: {@code f} cut into tensors of the names and shapes of {@code like}. */
  static Map<String, NDArray> unflatten(float[] f, Map<String, NDArray> like, NDManager into) {
    Map<String, NDArray> g = new LinkedHashMap<>();
    int o = 0;
    for (var e : like.entrySet()) {
      int n = (int) e.getValue().size();
      g.put(e.getKey(), into.create(java.util.Arrays.copyOfRange(f, o, o + n), e.getValue().getShape()));
      o += n;
    }
    return g;
  }

  /**
   * PCGrad's (projection order seeded by {@code pcgradSeed}) or MGDA's combination of the per-dimension
   * gradients {@code g}; the weight each dimension got goes into {@code weightsUsed}.
   */
  static float[] combine(Objective objective, Map<Dimension, float[]> g, long pcgradSeed,
      Map<Dimension, Double> weightsUsed) {
    List<Dimension> dims = new ArrayList<>(g.keySet());
    List<float[]> gl = dims.stream().map(g::get).toList();
    float[] combined;
    if (objective == Objective.PCGRAD) {
      combined = GradientOps.pcgrad(gl, new Random(pcgradSeed));
      for (Dimension d : dims) weightsUsed.put(d, 1.0 / dims.size());
    } else {
      double[] alpha = GradientOps.mgdaWeights(GradientOps.gram(gl));
      combined = GradientOps.combine(gl, alpha);
      weightsUsed.clear();
      for (int i = 0; i < dims.size(); i++) weightsUsed.put(dims.get(i), alpha[i]);
    }
    return combined;
  }

  /** The cosine of every pair of the per-dimension gradients {@code g}, as metrics "cos/D1-D2". */
  static void cosines(Map<Dimension, float[]> g, Map<String, Object> row) {
    List<Dimension> dims = new ArrayList<>(g.keySet());
    for (int i = 0; i < dims.size(); i++)
      for (int j = i + 1; j < dims.size(); j++)
        row.put("cos/" + dims.get(i) + "-" + dims.get(j), GradientOps.cosine(g.get(dims.get(i)), g.get(dims.get(j))));
  }
}
