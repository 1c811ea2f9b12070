package io.personaknob.lm.steer;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.personaknob.core.UserException;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.GenerationResult;
import io.personaknob.lm.LanguageModels;
import io.personaknob.lm.SamplingParams;
import io.personaknob.lm.SequenceScore;
import io.personaknob.lm.model.CausalLM;
import io.personaknob.lm.testing.TinyModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Activation steering on the residual stream: coefficient 0 is the identity, the addition lands exactly
 * after the chosen block (and only changes what comes after it), the fused and unfused paths agree with
 * steering on, and the batched hidden-state reader equals one-text-at-a-time reads.
 */
class SteeringTest {
  static final long[] IDS = {72, 101, 108, 108, 111, 44, 32, 119, 111, 114, 108, 100};

  static float[] unit(int c, long seed) {
    Random r = new Random(seed);
    float[] v = new float[c];
    for (int i = 0; i < c; i++) v[i] = (float) r.nextGaussian();
    return v;
  }

  static Map<Integer, float[]> hidden(CausalLM m, Set<Integer> layers) {
    boolean prev = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager s = m.newStepManager()) {
      boolean[][] mask = new boolean[1][IDS.length];
      for (boolean[] r : mask) java.util.Arrays.fill(r, true);
      Map<Integer, float[]> out = new java.util.TreeMap<>();
      m.forwardHidden(s.create(IDS, new Shape(1, IDS.length)), mask, layers).forEach((l, a) -> out.put(l, a.toFloatArray()));
      return out;
    } finally {
      JniUtils.setGradMode(prev);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama", "gpt2"})
  void coefficientZeroIsIdentityAndSteeringChangesOutputs(String arch, @TempDir Path dir) {
    try (DjlLanguageModel lm = LanguageModels.load(TinyModels.create(dir.resolve("m"), arch, 64, 3), "cpu")) {
      int c = lm.model().config().hiddenSize();
      SteeringVector v = new SteeringVector(lm.info().name(), lm.info().modelType(), c, lm.model().config().numLayers(),
          Map.of(0, unit(c, 1), 1, unit(c, 2)), Map.of());
      List<int[]> prompts = List.of(new int[] {72, 105, 33}, new int[] {87, 104, 121, 63, 32});
      List<int[]> comps = List.of(new int[] {79, 107}, new int[] {66, 101, 99, 97});
      SamplingParams greedy = SamplingParams.greedy(12);
      List<SequenceScore> plain = lm.score(prompts, comps);
      List<GenerationResult> plainGen = lm.generate(prompts, greedy);

      lm.model().setSteering(v.scaled(0.0));
      assertTrue(lm.model().steeredLayers().isEmpty(), "a zero coefficient installs nothing");
      List<SequenceScore> zero = lm.score(prompts, comps);
      for (int i = 0; i < plain.size(); i++) assertArrayEquals(plain.get(i).perToken(), zero.get(i).perToken(), 0f, "coef 0 = identity");
      assertEquals(texts(plainGen), texts(lm.generate(prompts, greedy)));

      lm.model().setSteering(v.scaled(8.0));
      assertEquals(Set.of(0, 1), lm.model().steeredLayers());
      List<SequenceScore> steered = lm.score(prompts, comps);
      assertNotEquals(plain.get(0).sum(), steered.get(0).sum(), 1e-4, "steering changes the scores");

      lm.model().setSteering(null);
      List<SequenceScore> again = lm.score(prompts, comps);
      assertArrayEquals(plain.get(1).perToken(), again.get(1).perToken(), 0f, "removing steering restores the model");
    }
  }

  private static List<String> texts(List<GenerationResult> r) {
    List<String> out = new ArrayList<>();
    for (GenerationResult g : r) out.add(java.util.Arrays.toString(g.tokens()));
    return out;
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void theVectorIsAddedAfterItsBlockAndOnlyChangesLaterLayers(boolean fused, @TempDir Path dir) {
    try (DjlLanguageModel lm = LanguageModels.load(TinyModels.create(dir.resolve("m"), "llama", 64, 5), "cpu")) {
      CausalLM m = lm.model();
      m.setInferenceFusion(fused);
      int c = m.config().hiddenSize();
      int layers = m.config().numLayers();
      assertTrue(layers >= 2);
      Set<Integer> all = new java.util.TreeSet<>();
      for (int l = 0; l < layers; l++) all.add(l);
      Map<Integer, float[]> before = hidden(m, all);
      float[] d = unit(c, 9);
      int at = 1;
      m.setSteering(Map.of(at, d));
      Map<Integer, float[]> after = hidden(m, all);
      m.setSteering(null);
      for (int l = 0; l < at; l++) assertArrayEquals(before.get(l), after.get(l), 0f, "layer " + l + " is before the steered block");
      float[] b = before.get(at), a = after.get(at);
      for (int t = 0; t < IDS.length; t++) {
        for (int j = 0; j < c; j++) assertEquals(b[t * c + j] + d[j], a[t * c + j], 1e-5, "h_" + at + " + v at every position");
      }
      if (at + 1 < layers) {
        double diff = 0;
        for (int j = 0; j < a.length; j++) diff += Math.abs(before.get(at + 1)[j] - after.get(at + 1)[j]);
        assertTrue(diff > 1e-3, "later blocks see the steered stream");
      }
    }
  }

  @Test
  void fusedAndUnfusedAgreeUnderSteering(@TempDir Path dir) {
    try (DjlLanguageModel lm = LanguageModels.load(TinyModels.create(dir.resolve("m"), "qwen2", 64, 7), "cpu")) {
      int c = lm.model().config().hiddenSize();
      lm.model().setSteering(Map.of(0, unit(c, 4)));
      List<int[]> p = List.of(new int[] {72, 105, 33, 32, 87});
      List<int[]> q = List.of(new int[] {79, 107, 33});
      lm.model().setInferenceFusion(true);
      float[] f = lm.score(p, q).get(0).perToken();
      lm.model().setInferenceFusion(false);
      float[] u = lm.score(p, q).get(0).perToken();
      assertArrayEquals(u, f, 1e-4f);
    }
  }

  @Test
  void badVectorsAreRefusedWithClearMessages(@TempDir Path dir) {
    try (DjlLanguageModel lm = LanguageModels.load(TinyModels.create(dir.resolve("m"), "llama", 64, 3), "cpu")) {
      int c = lm.model().config().hiddenSize();
      int layers = lm.model().config().numLayers();
      UserException e = assertThrows(UserException.class, () -> lm.model().setSteering(Map.of(layers, unit(c, 1))));
      assertTrue(e.getMessage().contains("outside the model's layers"), e.getMessage());
      e = assertThrows(UserException.class, () -> lm.model().setSteering(Map.of(0, new float[c + 1])));
      assertTrue(e.getMessage().contains("hidden size is " + c), e.getMessage());
      assertTrue(lm.model().steeredLayers().isEmpty(), "a refused vector leaves the model unsteered");
    }
  }

  @Test
  void batchedHiddenStatesEqualOneAtATime(@TempDir Path dir) {
    try (DjlLanguageModel lm = LanguageModels.load(TinyModels.create(dir.resolve("m"), "llama", 64, 11), "cpu")) {
      List<HiddenStates.Text> texts = List.of(
          new HiddenStates.Text(new int[] {72, 105}, new int[] {79, 107, 33, 33}),
          new HiddenStates.Text(new int[] {87, 104, 121, 63, 32, 40}, new int[] {66}),
          new HiddenStates.Text(new int[] {65}, new int[] {66, 67, 68}));
      Set<Integer> layers = Set.of(0, 1);
      for (HiddenStates.Position pos : HiddenStates.Position.values()) {
        Map<Integer, float[][]> batched = HiddenStates.collect(lm, texts, layers, pos, 8, null);
        int c = lm.model().config().hiddenSize();
        for (int i = 0; i < texts.size(); i++) {
          HiddenStates.Text t = texts.get(i);
          Map<Integer, float[][]> alone = HiddenStates.collect(lm, List.of(t), layers, pos, 1, null);
          // independent pooling from the full per-token states of the text alone
          long[] ids = new long[t.prompt().length + t.answer().length];
          for (int j = 0; j < ids.length; j++) ids[j] = j < t.prompt().length ? t.prompt()[j] : t.answer()[j - t.prompt().length];
          for (int l : layers) {
            float[] full = tokens(lm.model(), ids, l);
            float[] expect = new float[c];
            int from = switch (pos) { case ANSWER_MEAN -> t.prompt().length; case LAST -> ids.length - 1; case PROMPT_LAST -> t.prompt().length - 1; };
            int to = pos == HiddenStates.Position.ANSWER_MEAN ? ids.length : from + 1;
            for (int k = from; k < to; k++) for (int j = 0; j < c; j++) expect[j] += full[k * c + j] / (to - from);
            assertArrayEquals(expect, alone.get(l)[0], 1e-4f, pos + " layer " + l + " text " + i);
            assertArrayEquals(expect, batched.get(l)[i], 1e-4f, pos + " batched, layer " + l + " text " + i);
          }
        }
      }
    }
  }

  private static float[] tokens(CausalLM m, long[] ids, int layer) {
    boolean prev = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager s = m.newStepManager()) {
      boolean[][] mask = {new boolean[ids.length]};
      java.util.Arrays.fill(mask[0], true);
      return m.forwardHidden(s.create(ids, new Shape(1, ids.length)), mask, Set.of(layer)).get(layer).toFloatArray();
    } finally {
      JniUtils.setGradMode(prev);
    }
  }
}
