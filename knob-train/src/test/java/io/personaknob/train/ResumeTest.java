package io.personaknob.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.personaknob.core.UserException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --resume as the Hugging Face Trainer: what may change, what may not, and the divergence stop. */
class ResumeTest {

  @BeforeAll
  static void tinyModelAndData() throws Exception {
    TrainerTest.tinyModelAndDataOnce();
  }

  @Test
  void everySettingIsEitherFreeOrFixedOnResume() {
    Set<String> keys = new TrainConfig().toMap().keySet();
    Set<String> free = new HashSet<>(TrainConfig.RESUME_FREE);
    Set<String> fixed = TrainConfig.RESUME_FIXED.keySet();
    for (String k : keys) assertTrue(free.contains(k) ^ fixed.contains(k), k + " must be in exactly one list");
    assertEquals(keys.size(), free.size() + fixed.size(), "no list names a key the config lacks");
    for (String k : List.of("lr", "lr-scheduler", "steps", "save-every", "eval-every", "lambda-lr")) assertTrue(free.contains(k), k);
    for (String k : List.of("objective", "constraint", "loss", "beta", "lora-r", "lora-targets")) assertTrue(fixed.contains(k), k);
  }

  @Test
  void theComparisonSortsChangesIntoAllowedAndRefused() {
    Map<String, Object> before = new java.util.LinkedHashMap<>(Map.of("lr", 0.001, "steps", 4, "beta", 0.1, "out", "a", "loss", "sigmoid"));
    Map<String, Object> now = new java.util.LinkedHashMap<>(Map.of("lr", 1.0E-4, "steps", 4, "beta", 0.2, "out", "./a", "loss", "sigmoid",
        "eval-every", 5));
    ResumeCheck r = ResumeCheck.compare(before, now);
    assertEquals(List.of("beta 0.1 -> 0.2 (" + TrainConfig.RESUME_FIXED.get("beta") + ")"), r.refused());
    // out is where things go, not a setting; eval-every is absent from the (older) saved settings
    assertEquals("lr 0.001 -> 1.0E-4", r.changes());
  }

  static void stopAfterTwo(TrainConfig c) throws Exception {
    try (LagDpoTrainer t = new LagDpoTrainer(c, null).stopAfter(2)) {
      assertEquals(2, t.train(false).steps());
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void resumeMayChangeWhatShapesTheNextStepsAndRecordsIt(@TempDir Path out) throws Exception {
    TrainConfig c = TrainerTest.cfg(out);
    c.steps = 4;
    c.cosineEvery = 0;
    stopAfterTwo(c);
    TrainConfig next = c.copy();
    next.lr = 3e-4;
    next.steps = 5;
    next.lrScheduler = "cosine";
    next.lambdaLr = 0.25;
    next.saveEvery = 3;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    LagDpoTrainer.Result r;
    try (LagDpoTrainer t = new LagDpoTrainer(next, new PrintStream(err, true, StandardCharsets.UTF_8))) {
      r = t.train(true);
    }
    assertEquals(5, r.steps());
    String warning = err.toString(StandardCharsets.UTF_8);
    assertTrue(warning.contains("warning: resuming checkpoint-2 with changed settings: lambda-lr 0.5 -> 0.25; lr 0.003 -> 3.0E-4;"
        + " lr-scheduler linear -> cosine; save-every 2 -> 3; steps 4 -> 5"), warning);
    // the metrics: steps 1..5, the first row after the resume says what changed
    var rows = TrainerTest.metrics(out);
    assertEquals(List.of(1, 2, 3, 4, 5), rows.stream().map(x -> ((Number) x.get("step")).intValue()).toList());
    Map<String, Object> rec = (Map<String, Object>) rows.get(2).get("resume");
    assertEquals(2, rec.get("step"));
    assertEquals(List.of(0.003, 3.0E-4), ((Map<String, Object>) rec.get("changed")).get("lr"));
    assertFalse(rows.get(3).containsKey("resume"));
    // step 3 ran with the new schedule: cosine from 3e-4 over 5 steps at step index 2
    assertEquals(AdamW.scheduledLr("cosine", 3e-4, 2, 0, 5), ((Number) rows.get(2).get("lr")).doubleValue(), 1e-15);
    // the provenance of the result and of the final model carries the history
    Map<String, Object> res = new ObjectMapper().readValue(out.resolve("train_result.json").toFile(), Map.class);
    Map<String, Object> cfg = (Map<String, Object>) ((Map<String, Object>) res.get("provenance")).get("config");
    List<Map<String, Object>> hist = (List<Map<String, Object>>) cfg.get("resume-history");
    assertEquals(1, hist.size());
    assertEquals(Set.of("lambda-lr", "lr", "lr-scheduler", "save-every", "steps"),
        ((Map<String, Object>) hist.get(0).get("changed")).keySet());
    assertTrue(Files.readString(r.model().resolve("provenance.json")).contains("resume-history"));
  }

  @Test
  void resumeRefusesWhatWouldMakeTheStateMeaninglessNamingEachSetting(@TempDir Path out) throws Exception {
    TrainConfig c = TrainerTest.cfg(out);
    c.cosineEvery = 0;
    stopAfterTwo(c);
    TrainConfig loss = c.copy();
    loss.loss = "ipo";
    UserException e1 = assertThrows(UserException.class, () -> LagDpo.train(loss, true, null));
    assertTrue(e1.getMessage().contains("loss sigmoid -> ipo (it defines the loss"), e1.getMessage());
    TrainConfig two = c.copy();
    two.objective = "sum";
    two.loraR = 4;
    two.lr = 1e-4; // free, not listed among the refused
    UserException e2 = assertThrows(UserException.class, () -> LagDpo.train(two, true, null));
    assertTrue(e2.getMessage().contains("lora-r 0 -> 4 (the trained LoRA tensors have this shape)"), e2.getMessage());
    assertTrue(e2.getMessage().contains("objective lagrangian -> sum"), e2.getMessage());
    assertFalse(e2.getMessage().contains("lr "), e2.getMessage());
    // other data under the same path: refused by its hash
    Path data2 = out.resolveSibling(out.getFileName() + "-data.jsonl");
    Files.writeString(data2, Files.readAllLines(TrainerTest.data).subList(0, 6).stream().map(l -> l + "\n").reduce("", String::concat));
    TrainConfig data = c.copy();
    data.data = data2.toString();
    UserException e3 = assertThrows(UserException.class, () -> LagDpo.train(data, true, null));
    assertTrue(e3.getMessage().contains("data (" + data2 + " is not the data the run trained on"), e3.getMessage());
    // nothing was written by the refused attempts: the run resumes unchanged
    assertEquals(6, LagDpo.train(c.copy(), true, null).steps());
  }

  static final Pattern COMMAND = Pattern.compile("run: knob train --out (\\S+) --resume --lr (\\S+)$");

  @Test
  void divergenceSavesTheStateBeforeTheBadUpdateAndTheCommandItPrintsWorks(@TempDir Path out) throws Exception {
    TrainConfig c = TrainerTest.cfg(out);
    c.steps = 6;
    c.saveEvery = 50;
    c.cosineEvery = 0;
    c.lr = 1.0; // far too high: the weights blow up
    c.maxGradNorm = 0;
    c.divergeLoss = 2;
    UserException ex = assertThrows(UserException.class, () -> LagDpo.train(c));
    // step 1's forward (policy = reference) passed; its update blew the weights up; step 2's loss fails the check
    assertTrue(ex.getMessage().startsWith("training diverged at step 2: "), ex.getMessage());
    assertTrue(ex.getMessage().contains("the update of step 1 led there. Saved " + out.resolve("checkpoint-0")), ex.getMessage());
    try (var ls = Files.list(out)) {
      assertEquals(List.of("checkpoint-0"), ls.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("checkpoint-")).toList());
    }
    // follow the printed commands (as the library: the same settings, --resume, the lr it names) until done
    TrainConfig next = c;
    String msg = ex.getMessage();
    double lr = c.lr;
    for (int attempt = 0; ; attempt++) {
      Matcher m = COMMAND.matcher(msg);
      assertTrue(m.find(), msg);
      assertEquals(out.toString(), m.group(1));
      assertEquals(lr / 10, Double.parseDouble(m.group(2)), 1e-12);
      lr = Double.parseDouble(m.group(2));
      next = next.copy();
      next.lr = lr;
      try {
        assertEquals(6, LagDpo.train(next, true, null).steps());
        break;
      } catch (UserException again) {
        assertTrue(attempt < 4, "still diverging at lr " + lr + ": " + again.getMessage());
        assertTrue(again.getMessage().startsWith("training diverged"), again.getMessage());
        msg = again.getMessage();
      }
    }
    assertTrue(Files.isRegularFile(out.resolve("model/model.safetensors")));
    var rows = TrainerTest.metrics(out);
    assertEquals(List.of(1, 2, 3, 4, 5, 6), rows.stream().map(x -> ((Number) x.get("step")).intValue()).toList());
    for (var row : rows) assertTrue(((Number) row.get("loss")).doubleValue() <= 2, row.toString());
  }
}
