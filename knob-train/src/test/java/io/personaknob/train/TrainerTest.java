package io.personaknob.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.personaknob.core.UserException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {

  static Path shared;
  static Path modelDir;
  static Path data;

  @BeforeAll
  static void tinyModelAndData() throws Exception {
    tinyModelAndDataOnce();
  }

  /** The shared tiny model and data (other test classes call this too). */
  static synchronized void tinyModelAndDataOnce() throws Exception {
    if (modelDir != null && Files.isDirectory(modelDir)) return;
    if (shared == null) shared = Files.createTempDirectory("knob-train-test");
    modelDir = shared.resolve("tiny");
    // knob-lm's random GPT-2 (knob model init --arch gpt2 --size tiny --tokenizer bytes --seed 7)
    HubLm.init("gpt2", "tiny", 7, modelDir);
    // a 12-row slice of the conflict dataset (8 A/T rows, 4 E/C rows) keeps the tests quick
    var rows = ConflictDataset.rows();
    StringBuilder sb = new StringBuilder();
    ObjectMapper om = new ObjectMapper();
    for (int i : new int[] {0, 1, 36, 2, 3, 37, 4, 5, 38, 6, 7, 39}) sb.append(om.writeValueAsString(rows.get(i))).append('\n');
    data = shared.resolve("conflict-slice.jsonl");
    Files.writeString(data, sb.toString());
  }

  static TrainConfig cfg(Path out) {
    TrainConfig c = new TrainConfig();
    c.model = modelDir.toString();
    c.data = data.toString();
    c.out = out.toString();
    c.refCache = shared.resolve("ref-cache").toString(); // computed once for all tests (same model and data)
    c.steps = 6;
    c.batchSize = 3;
    c.lr = 3e-3;
    c.maxLength = 200;
    c.maxPromptLength = 80;
    c.cosineEvery = 2;
    c.saveEvery = 2;
    c.lambdaWindow = 2;
    return c;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> metrics(Path out) throws Exception {
    ObjectMapper m = new ObjectMapper();
    return Files.readAllLines(out.resolve("metrics.jsonl")).stream().filter(s -> !s.isBlank()).map(s -> {
      try {
        return (Map<String, Object>) m.readValue(s, Map.class);
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    }).toList();
  }

  static List<Map<String, Object>> withoutTimes(List<Map<String, Object>> rows) {
    return rows.stream().map(r -> {
      Map<String, Object> m = new java.util.TreeMap<>(r);
      m.remove("time/step_s");
      return (Map<String, Object>) m;
    }).toList();
  }

  @Test
  void trainsWritesMetricsCheckpointsModelAndReport(@TempDir Path out) throws Exception {
    var r = LagDpo.train(cfg(out));
    assertEquals(6, r.steps());
    var rows = metrics(out);
    assertEquals(6, rows.size());
    for (var row : rows) {
      for (var e : row.entrySet())
        if (e.getValue() instanceof Number n) assertTrue(Double.isFinite(n.doubleValue()), e.getKey() + " is " + n);
      boolean anyDim = row.keySet().stream().anyMatch(k -> k.matches("[ATEC]/loss"));
      assertTrue(anyDim);
      // every dimension is either measured or recorded as skipped
      for (String d : List.of("A", "T", "E", "C"))
        assertTrue(row.containsKey(d + "/loss") ^ row.containsKey("skipped/" + d), d + " in " + row.keySet());
      // lagrangian weights are normalised over all dimensions of the data (docs/lag-dpo.md §5): they sum to
      // one in a step that holds all four, to at most one in a step that lacks some
      double w = row.entrySet().stream().filter(e -> e.getKey().startsWith("weight/"))
          .mapToDouble(e -> ((Number) e.getValue()).doubleValue()).sum();
      boolean allFour = List.of("A", "T", "E", "C").stream().allMatch(d -> row.containsKey(d + "/loss"));
      if (allFour) assertEquals(1.0, w, 1e-9, row.toString());
      else assertTrue(w <= 1.0 + 1e-9, row.toString());
    }
    assertTrue(rows.get(0).keySet().stream().anyMatch(k -> k.startsWith("cos/")), "cosine at step 0");
    assertTrue(rows.get(0).keySet().stream().anyMatch(k -> k.startsWith("lambda/")));
    assertTrue(Files.isRegularFile(r.model().resolve("model.safetensors")));
    assertTrue(Files.isRegularFile(r.model().resolve("config.json")));
    assertTrue(Files.readString(r.report()).contains("<svg"));
    assertTrue(Files.isDirectory(out.resolve("checkpoint-6")));
    assertTrue(Files.isDirectory(out.resolve("checkpoint-4")));
    assertFalse(Files.exists(out.resolve("checkpoint-2")), "only the newest 2 are kept");
    // the saved model reloads and differs from the initial one (training moved it)
    try (var a = io.personaknob.lm.LanguageModels.load(r.model(), "cpu");
        var b = io.personaknob.lm.LanguageModels.load(modelDir, "cpu")) {
      assertFalse(java.util.Arrays.equals(a.model().parameterValues("wte.weight"), b.model().parameterValues("wte.weight")));
    }
  }

  @Test
  void exactResumeAfterStopGivesIdenticalWeights(@TempDir Path a, @TempDir Path b) throws Exception {
    // lagrangian: one backward through the shared golden pass, with accumulation and the cosine diagnostic;
    // pcgrad: per-dimension gradients. bco_pair: a stateful loss whose running mean must resume too.
    for (String objective : List.of("lagrangian", "pcgrad")) {
      Path oa = a.resolve(objective), ob = b.resolve(objective);
      java.util.function.Function<Path, TrainConfig> mk = o -> {
        TrainConfig c = cfg(o);
        c.objective = objective;
        c.steps = 4;
        c.saveEvery = 2;
        c.batchSize = 2;
        c.gradAccum = objective.equals("lagrangian") ? 2 : 1;
        c.cosineEvery = objective.equals("lagrangian") ? 3 : 0;
        c.loss = "bco_pair";
        return c;
      };
      Map<String, float[]> straight;
      try (LagDpoTrainer t = new LagDpoTrainer(mk.apply(oa), null)) {
        t.train(false);
        straight = t.trainableSnapshot();
      }
      try (LagDpoTrainer t = new LagDpoTrainer(mk.apply(ob), null).stopAfter(2)) {
        assertEquals(2, t.train(false).steps());
      }
      assertTrue(Files.isDirectory(ob.resolve("checkpoint-2")));
      assertFalse(Files.exists(ob.resolve("model")));
      Map<String, float[]> resumed;
      try (LagDpoTrainer t = new LagDpoTrainer(mk.apply(ob), null)) {
        t.train(true);
        resumed = t.trainableSnapshot();
      }
      for (var e : straight.entrySet()) assertArrayEquals(e.getValue(), resumed.get(e.getKey()), objective + " " + e.getKey());
      // the metrics of the resumed run equal the straight run's
      assertEquals(withoutTimes(metrics(oa)), withoutTimes(metrics(ob)));
    }
  }

  @Test
  void weightedAndMgdaReportTheirWeights(@TempDir Path out) throws Exception {
    TrainConfig w = cfg(out.resolve("weighted"));
    w.objective = "weighted";
    w.weights = new java.util.TreeMap<>(Map.of("A", 3.0, "T", 1.0, "E", 1.0, "C", 1.0));
    w.steps = 3;
    w.cosineEvery = 0;
    LagDpo.train(w);
    for (var row : metrics(out.resolve("weighted"))) {
      boolean eThere = row.containsKey("E/loss");
      // fixed weights renormalised over the dimensions present: 3/4 for A with only A, T; 3/6 with all four
      assertEquals(eThere ? 0.5 : 0.75, ((Number) row.get("weight/A")).doubleValue(), 1e-9, row.toString());
    }
    TrainConfig m = cfg(out.resolve("mgda"));
    m.objective = "mgda";
    m.steps = 2;
    LagDpo.train(m);
    for (var row : metrics(out.resolve("mgda"))) {
      double sum = 0;
      for (var e : row.entrySet()) if (e.getKey().startsWith("weight/")) {
        double v = ((Number) e.getValue()).doubleValue();
        assertTrue(v >= 0 && v <= 1, e.toString());
        sum += v;
      }
      assertEquals(1.0, sum, 1e-9); // a point of the simplex
    }
  }

  @Test
  void resumingAFinishedRunLeavesItsModelUntouched(@TempDir Path out) throws Exception {
    TrainConfig c = cfg(out);
    c.steps = 2;
    c.cosineEvery = 0;
    LagDpoTrainer.Result first = LagDpo.train(c);
    String hash = io.personaknob.core.Provenance.sha256(first.model());
    LagDpoTrainer.Result again = LagDpo.train(c.copy(), true, null);
    assertEquals(first.model(), again.model());
    assertEquals(2, again.steps());
    assertEquals(hash, io.personaknob.core.Provenance.sha256(again.model()), "the final model was rewritten");
    assertEquals(((Number) first.last().get("loss")).doubleValue(), ((Number) again.last().get("loss")).doubleValue(), 0.0);
  }

  @Test
  void resumeRefusesAChangedConfigAndSaysWhat(@TempDir Path out) {
    TrainConfig c = cfg(out);
    try (LagDpoTrainer t = new LagDpoTrainer(c, null).stopAfter(2)) {
      t.train(false);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    TrainConfig changed = c.copy();
    changed.beta = 0.2;
    UserException ex = assertThrows(UserException.class, () -> LagDpo.train(changed, true, null));
    assertTrue(ex.getMessage().contains("beta 0.1 -> 0.2"), ex.getMessage());
    // a fresh (non-resume) run into a directory with checkpoints is refused too
    UserException ex2 = assertThrows(UserException.class, () -> LagDpo.train(c.copy(), false, null));
    assertTrue(ex2.getMessage().contains("--resume"), ex2.getMessage());
  }

  @Test
  void divergenceAtTheFirstStepSavesNothingAndSaysWhy(@TempDir Path out) throws Exception {
    TrainConfig c = cfg(out);
    c.steps = 4;
    c.saveEvery = 1;
    // a loss bound that the first step's loss (ln 2 for sigmoid at the reference) exceeds: deterministic
    c.divergeLoss = 1e-9;
    UserException ex = assertThrows(UserException.class, () -> LagDpo.train(c));
    assertTrue(ex.getMessage().startsWith("training diverged at step 1"), ex.getMessage());
    assertTrue(ex.getMessage().contains("before any update"), ex.getMessage());
    assertFalse(Files.exists(out.resolve("model")));
    assertFalse(Files.exists(out.resolve("checkpoint-0")));
  }
}
