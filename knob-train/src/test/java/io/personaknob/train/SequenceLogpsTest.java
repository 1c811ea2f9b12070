package io.personaknob.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The batched, padded, prompt-masked log-probability against an independent computation: each sequence run
 * alone (no padding), log-softmax done in Java, summed over the completion positions only.
 */
class SequenceLogpsTest {

  @Test
  void matchesPerSequenceJavaLogSoftmax(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    // a Llama (RoPE, GQA, RMSNorm): right padding in the batch must not change a sequence's log-probability
    HubLm.init("llama", "tiny", 3, dir.resolve("m"));
    try (HubLm m = HubLm.load(dir.resolve("m")); NDManager s = m.network().newStepManager()) {
      List<int[]> prompts = List.of(new int[] {72, 105, 33}, new int[] {1, 2, 3, 4, 5, 6});
      List<int[]> comps = List.of(new int[] {10, 20, 30, 256}, new int[] {7});
      float[] batched = LogProbs.sequenceLogps(m, s, m.parameters(), prompts, comps).toFloatArray();
      for (int i = 0; i < 2; i++) {
        int[] p = prompts.get(i), c = comps.get(i);
        int t = p.length + c.length;
        int[] ids = new int[t];
        System.arraycopy(p, 0, ids, 0, p.length);
        System.arraycopy(c, 0, ids, p.length, c.length);
        float[] ones = new float[t];
        java.util.Arrays.fill(ones, 1f);
        NDArray logits = m.forward(s, m.parameters(), s.create(ids, new Shape(1, t)), s.create(ones, new Shape(1, t)));
        float[] l = logits.toFloatArray();
        int v = m.network().config().vocabSize();
        double want = 0;
        for (int j = p.length - 1; j < t - 1; j++) { // position j predicts token j+1, a completion token
          double max = Double.NEGATIVE_INFINITY;
          for (int k = 0; k < v; k++) max = Math.max(max, l[j * v + k]);
          double z = 0;
          for (int k = 0; k < v; k++) z += Math.exp(l[j * v + k] - max);
          want += l[j * v + ids[j + 1]] - max - Math.log(z);
        }
        assertEquals(want, batched[i], 1e-3, "sequence " + i);
      }
    }
  }
}
