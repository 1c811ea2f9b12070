package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {

  static final String ROW = "{\"mask\":[\"A\",\"E\"],\"prompt\":\"I think the Moon is cheese. Right?\","
      + "\"golden\":\"No, but I see why.\",\"reject_A\":\"Yes, it is.\",\"reject_E\":\"No. Silly.\"}";

  static int run(StringWriter err, String... args) {
    var cl = Knob.commandLine();
    cl.setErr(new PrintWriter(err, true));
    cl.setOut(new PrintWriter(new StringWriter(), true));
    return cl.execute(args);
  }

  @Test
  @SuppressWarnings("unchecked")
  void configFileFlagsOverrideAndExitCodes(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("rows.jsonl");
    Files.writeString(data, ROW + "\n" + ROW.replace("Moon", "Sun") + "\n");
    Path yaml = dir.resolve("run.yaml");
    Files.writeString(yaml, "objective: sum\nsteps: 2\nbatch_size: 2\nmax-length: 96\nmax_prompt_length: 48\ncosine-every: 1\n");
    Path out = dir.resolve("out");
    StringWriter err = new StringWriter();
    int rc = run(err, "train", "--config", yaml.toString(), "--model", dir.resolve("tiny").toString(),
        "--init-model", "tiny", "--data", data.toString(), "--objective", "lagrangian", "--out", out.toString());
    assertEquals(0, rc, err.toString());
    assertTrue(Files.isRegularFile(out.resolve("model/model.safetensors")));
    assertEquals(2, Files.readAllLines(out.resolve("metrics.jsonl")).size());
    Map<String, Object> res = new ObjectMapper().readValue(out.resolve("train_result.json").toFile(), Map.class);
    Map<String, Object> config = (Map<String, Object>) ((Map<String, Object>) res.get("provenance")).get("config");
    assertEquals("lagrangian", config.get("objective")); // the flag beat the file
    assertEquals(2, config.get("batch-size")); // snake_case key of the file
    assertEquals(96, config.get("max-length"));

    assertEquals(2, run(new StringWriter(), "train", "--model", "m", "--data", data.toString(), "--out", "o",
        "--objective", "nope", "--steps", "1"));
    StringWriter e1 = new StringWriter();
    assertEquals(1, run(e1, "train", "--model", dir.resolve("tiny").toString(), "--data",
        dir.resolve("missing.jsonl").toString(), "--out", dir.resolve("o2").toString(), "--steps", "1"));
    assertTrue(e1.toString().contains("missing.jsonl: no such file"), e1.toString());
    Files.writeString(yaml, "objectve: sum\n");
    StringWriter e2 = new StringWriter();
    assertEquals(1, run(e2, "train", "--config", yaml.toString()));
    assertTrue(e2.toString().contains("unknown key 'objectve'"), e2.toString());
  }

  @Test
  void badDataLeavesNoModelThatInitModelCreated(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("rows.jsonl");
    Files.writeString(data, ROW + "\n" + ROW.replace("\"reject_E\":\"No. Silly.\"", "\"reject_E\":\"\"") + "\n");
    Path model = dir.resolve("fresh-model");
    StringWriter err = new StringWriter();
    int rc = run(err, "train", "--model", model.toString(), "--init-model", "tiny", "--data", data.toString(),
        "--steps", "1", "--out", dir.resolve("out").toString());
    assertEquals(1, rc, err.toString());
    assertTrue(err.toString().contains("rows.jsonl:2"), err.toString()); // file and line of the bad row
    assertTrue(err.toString().contains("reject_E"), err.toString());
    assertTrue(Files.notExists(model), "the model made by --init-model for a run that never started is removed");
    try (var s = Files.list(dir)) {
      assertEquals(java.util.List.of("rows.jsonl"), s.map(p -> p.getFileName().toString()).toList()); // no out/ either
    }
  }

  /** knob model init (defaults) then knob train with only --model, --data and --out. */
  @Test
  @SuppressWarnings("unchecked")
  void modelInitThenTrainWithNoOtherFlag(@TempDir Path dir) throws Exception {
    Path m = dir.resolve("M");
    Path data = dir.resolve("D.jsonl");
    Files.writeString(data, ROW + "\n" + ROW.replace("Moon", "Sun") + "\n");
    Cli init = Cli.run("model", "init", "--arch", "llama", "--size", "tiny", "--out", m.toString());
    assertEquals(0, init.code(), init.toString());
    assertTrue(init.out().contains("context 2048"), init.out());
    Path r = dir.resolve("R");
    Cli train = Cli.run("train", "--model", m.toString(), "--data", data.toString(), "--out", r.toString());
    assertEquals(0, train.code(), train.toString());
    assertTrue(Files.isRegularFile(r.resolve("model/model.safetensors")));
    Map<String, Object> res = new ObjectMapper().readValue(r.resolve("train_result.json").toFile(), Map.class);
    Map<String, Object> config = (Map<String, Object>) ((Map<String, Object>) res.get("provenance")).get("config");
    assertEquals(1024, config.get("max-length")); // min(context 2048, TRL's 1024)
    assertEquals(512, config.get("max-prompt-length"));
    // a model with a short context: the limits follow it instead of failing
    Path small = dir.resolve("M256");
    assertEquals(0, Cli.run("model", "init", "--arch", "llama", "--context", "256", "--out", small.toString()).code());
    Cli t2 = Cli.run("train", "--model", small.toString(), "--data", data.toString(), "--out", dir.resolve("R2").toString());
    assertEquals(0, t2.code(), t2.toString());
    Map<String, Object> res2 = new ObjectMapper().readValue(dir.resolve("R2/train_result.json").toFile(), Map.class);
    Map<String, Object> c2 = (Map<String, Object>) ((Map<String, Object>) res2.get("provenance")).get("config");
    assertEquals(256, c2.get("max-length"));
    assertEquals(128, c2.get("max-prompt-length"));
  }

  /** A divergence stop prints a command; running it (and the next ones it prints) finishes the run. */
  @Test
  void theCommandADivergencePrintsWorks(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("rows.jsonl");
    var om = new ObjectMapper();
    StringBuilder sb = new StringBuilder();
    var rows = io.personaknob.train.ConflictDataset.rows();
    for (int i : new int[] {0, 1, 36, 2, 3, 37}) sb.append(om.writeValueAsString(rows.get(i))).append('\n');
    Files.writeString(data, sb.toString());
    Path m = dir.resolve("m");
    assertEquals(0, Cli.run("model", "init", "--arch", "llama", "--size", "tiny", "--seed", "3", "--out", m.toString()).code());
    Path out = dir.resolve("run");
    Cli c = Cli.run("train", "--model", m.toString(), "--data", data.toString(), "--out", out.toString(), "--steps", "4",
        "--batch-size", "3", "--lr", "1", "--max-grad-norm", "0", "--diverge-loss", "2", "--cosine-every", "0");
    assertEquals(1, c.code(), c.toString());
    java.util.regex.Pattern cmd = java.util.regex.Pattern.compile("run: knob (train --out \\S+ --resume --lr \\S+)");
    int attempts = 0;
    while (c.code() != 0) {
      assertEquals(1, c.code(), c.toString());
      assertTrue(c.err().contains("training diverged"), c.toString());
      var mm = cmd.matcher(c.err());
      assertTrue(mm.find(), c.toString());
      assertTrue(++attempts <= 5, "still diverging after " + attempts + " resumes:\n" + c);
      c = Cli.run(mm.group(1).split(" "));
    }
    // each resume's lr change is recorded in the metrics (the warning goes to the progress stream, stderr)
    String metrics = Files.readString(out.resolve("metrics.jsonl"));
    assertTrue(metrics.contains("\"resume\":{\"step\":"), metrics);
    assertTrue(metrics.contains("\"lr\":[1.0,0.1]"), metrics);
    assertTrue(c.out().contains("trained 4 steps"), c.toString());
    assertTrue(Files.isRegularFile(out.resolve("model/model.safetensors")));
  }
}
