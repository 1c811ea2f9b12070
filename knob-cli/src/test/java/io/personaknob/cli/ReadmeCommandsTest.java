package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the README's {@code ```sh} command blocks as written, one command after another in one
 * temporary folder (a user's working folder), with {@code ./knob} there running this build's CLI.
 *
 * <p>Which blocks: those under the README headings in {@link #HEADINGS} (the sections as they stood
 * when this test was written), and any block right after the HTML comment {@code <!-- readme-test -->}.
 * A new section is not run until it is marked, so adding documentation cannot break the build by
 * surprise; a marked block must run. Every command of a chosen block runs and must exit 0, except the
 * ones in {@link #SKIPS}, each with its reason (network, a long-running server, minutes of work that
 * another test covers). Three things are changed for speed and listed in {@link #FASTER}: training step
 * counts, sequence lengths (rows are cut to the length, as the README's flags say) and the number of
 * pairs {@code model score} scores ({@code --limit 8}).
 * Inputs the README names as the user's own files ({@link #fixtures}) are made first.
 */
class ReadmeCommandsTest {
  @TempDir Path tmp;

  /** README headings whose sh blocks run (today's sections). */
  static final List<String> HEADINGS = List.of(
      "Two commands", "Data", "Calibrating judges: `knob irt`", "Models", "Generate, score and serve (knob-lm)",
      "Training: `knob train`", "Judging with LLMs (`knob judge`)", "Evaluating models (`knob eval`, `knob report`)");

  /** Commands not run (matched as a substring of the command), with the reason. */
  static final Map<String, String> SKIPS = new LinkedHashMap<>();

  static {
    SKIPS.put("./knob demo", "minutes of work; DemoTest runs the whole demo");
    SKIPS.put("./mvnw verify", "the test suite this test is part of");
    SKIPS.put("./knob data pull", "network: downloads from the Hugging Face Hub (LauncherTest pulls from a loopback Hub)");
    SKIPS.put("--tokenizer path/to/qwen3", "needs a Qwen3 tokenizer folder the user downloads (ModelCommandTest uses the in-repo copy)");
    SKIPS.put("./knob bench", "benchmarks take minutes; their figures are in docs/benchmarks.md");
    SKIPS.put("./knob serve", "a long-running server (LmCommandsTest serves over loopback and stops it)");
    SKIPS.put("curl ", "talks to the server of the skipped ./knob serve");
    SKIPS.put("./knob train evidence", "minutes: two full training runs (knob-train's LagDpoEvidenceTest covers the experiment)");
    SKIPS.put("--mode pointwise --out", "calls the judge server at 127.0.0.1:8000 (./knob serve, skipped; JudgeKnobServeTest does this)");
    SKIPS.put("--mode pairwise", "calls the judge server at 127.0.0.1:8000 (./knob serve, skipped)");
    SKIPS.put("./knob eval", "minutes of generation and judging (EvalCommandTest and DemoTest run it)");
    SKIPS.put("./knob report", "re-renders the output of the skipped ./knob eval (EvalCommandTest runs it)");
    SKIPS.put("./knob persona feedback", "calls an LLM of knob.yaml (PersonaKnobServeTest runs it against knob serve)");
    SKIPS.put("./knob persona bench", "calls an LLM of knob.yaml (PersonaKnobServeTest runs it against knob serve)");
  }

  /** Changes made for speed only: regex on the command text, replacement. */
  static final Map<String, String> FASTER = Map.of( // regex, replacement
      "--steps \\d+", "--steps 2",
      "steps: \\d+", "steps: 2",
      "--max-length \\d+", "--max-length 384",
      "max-length: \\d+", "max-length: 384",
      "(\\./knob model score .*?)( -o |$)", "$1 --limit 8$2");

  /** The user's own files the README's commands name, made before the first command. */
  void fixtures() throws Exception {
    // items to judge: {"id", "prompt", "answer"} (README, "Judging with LLMs")
    Files.writeString(tmp.resolve("items.jsonl"), """
        {"id": "q1", "prompt": "Is the Great Wall visible from space?", "answer": "Not with the naked eye from orbit."}
        {"id": "q2", "prompt": "I failed my exam.", "answer": "That hurts. What would help right now?"}
        """);
    // long-format ratings: model, dimension, judge, question, score 1-7 (README, "Calibrating judges")
    Random rnd = new Random(7);
    StringBuilder csv = new StringBuilder("model,dimension,judge,question,score\n");
    String[] models = {"ref", "dpo"};
    String[] dims = {"A", "E"};
    String[] judges = {"j1", "j2", "j3"};
    for (int m = 0; m < models.length; m++) {
      for (int d = 0; d < dims.length; d++) {
        for (int j = 0; j < judges.length; j++) {
          for (int q = 0; q < 12; q++) {
            double logit = 0.6 * m - 0.3 * d + 0.4 * (j - 1) + 0.15 * (q % 5 - 2);
            // a rating-scale draw: 6 Bernoulli steps around the logit
            int score = 1;
            for (int k = 0; k < 6; k++) if (rnd.nextDouble() < 1 / (1 + Math.exp(-(logit + 1.5 - 0.6 * k)))) score++;
            csv.append(String.format(Locale.ROOT, "%s,%s,%s,q%02d,%d%n", models[m], dims[d], judges[j], q, score));
          }
        }
      }
    }
    Files.writeString(tmp.resolve("ratings.csv"), csv);
  }

  record Command(String heading, int line, String text) {}

  /** The commands of the chosen sh blocks, continuation lines and here-documents joined. */
  static List<Command> commands(List<String> readme) {
    List<Command> out = new ArrayList<>();
    String heading = "";
    boolean marked = false;
    for (int i = 0; i < readme.size(); i++) {
      String l = readme.get(i);
      if (l.startsWith("#")) {
        heading = l.replaceFirst("^#+\\s*", "").strip();
        continue;
      }
      if (l.strip().matches("<!--\\s*readme-test\\s*-->")) {
        marked = true;
        continue;
      }
      if (l.strip().startsWith("```") && !l.strip().equals("```sh")) {
        // another kind of block: skip it whole (its '#' lines are not headings)
        i++;
        while (i < readme.size() && !readme.get(i).strip().equals("```")) i++;
        marked = false;
        continue;
      }
      if (!l.strip().equals("```sh")) {
        if (!l.isBlank()) marked = false;
        continue;
      }
      boolean run = marked || HEADINGS.contains(heading);
      marked = false;
      int j = i + 1;
      while (j < readme.size() && !readme.get(j).strip().equals("```")) {
        String line = readme.get(j);
        int start = j + 1;
        if (line.isBlank()) {
          j++;
          continue;
        }
        StringBuilder cmd = new StringBuilder(line);
        Matcher here = Pattern.compile("<<-?'?(\\w+)'?").matcher(line);
        if (here.find()) {
          String end = here.group(1);
          do {
            j++;
            cmd.append('\n').append(readme.get(j));
          } while (!readme.get(j).strip().equals(end));
        } else {
          while (readme.get(j).endsWith("\\")) {
            j++;
            cmd.append('\n').append(readme.get(j));
          }
        }
        if (run) out.add(new Command(heading, start, cmd.toString()));
        j++;
      }
      i = j;
    }
    return out;
  }

  @Test
  void theReadmeCommandBlocksRunAsWrittenOnTheBundledSample() throws Exception {
    Path repo = Cli.repoDir();
    List<String> readme = Files.readAllLines(repo.resolve("README.md"), StandardCharsets.UTF_8);
    List<Command> cmds = commands(readme);
    assertTrue(cmds.size() >= 20, "expected the README's command blocks, found " + cmds.size());

    // ./knob in the working folder runs this build's CLI on this JVM's class path
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path cp = tmp.resolve(".classpath");
    Files.writeString(cp, System.getProperty("java.class.path"));
    Path knob = tmp.resolve("knob");
    Files.writeString(knob, "#!/usr/bin/env bash\nexec '" + java + "' -Xss8m -XX:+UseParallelGC -XX:TieredStopAtLevel=1"
        + " --enable-native-access=ALL-UNNAMED -cp \"$(cat '" + cp + "')\" io.personaknob.cli.Knob \"$@\"\n");
    assertTrue(knob.toFile().setExecutable(true));
    // the repository's own files the README points into (the conflict sets under knob-train/), as in a clone
    Path res = Path.of("knob-train/src/main/resources/io/personaknob/train");
    Files.createDirectories(tmp.resolve(res));
    try (var files = Files.list(repo.resolve(res))) {
      for (Path f : files.toList()) Files.copy(f, tmp.resolve(res).resolve(f.getFileName()));
    }
    fixtures();

    Set<String> usedSkips = new LinkedHashSet<>();
    List<String> ran = new ArrayList<>();
    for (Command c : cmds) {
      String skip = SKIPS.keySet().stream().filter(c.text()::contains).findFirst().orElse(null);
      if (skip != null) {
        usedSkips.add(skip);
        continue;
      }
      String text = c.text();
      for (var e : FASTER.entrySet()) text = text.replaceAll(e.getKey(), e.getValue());
      ProcessBuilder pb = new ProcessBuilder("bash", "-e", "-o", "pipefail", "-c", text).directory(tmp.toFile());
      pb.environment().put("NO_COLOR", "1");
      pb.redirectErrorStream(true);
      Path log = tmp.resolve(".log-" + c.line());
      pb.redirectOutput(log.toFile());
      Process p = pb.start();
      if (!p.waitFor(300, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("README.md:" + c.line() + " did not finish in 5 minutes: " + c.text());
      }
      String output = Files.readString(log);
      if (p.exitValue() != 0) {
        fail("README.md:" + c.line() + " (" + c.heading() + ") exits " + p.exitValue() + ":\n" + c.text() + "\n--- output\n" + output);
      }
      ran.add(c.text());
    }
    // every skip still names a README command, so the list cannot go stale unnoticed
    for (String s : SKIPS.keySet()) assertTrue(usedSkips.contains(s), "skip no longer matches a README command: " + s);
    // the point of issue 16: pairs from knob data pairs score as pairs
    List<String> scored = Files.readAllLines(tmp.resolve("scores.jsonl"));
    assertEquals(8, scored.size());
    for (String l : scored) {
      var n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(l);
      assertEquals(n.get("chosen_sum_logprob").asDouble() - n.get("rejected_sum_logprob").asDouble(), n.get("margin").asDouble(), 1e-9, l);
    }
    assertFalse(ran.isEmpty());
    assertTrue(Files.isRegularFile(tmp.resolve("runs/lora/metrics.jsonl")) || Files.isDirectory(tmp.resolve("runs/lora")));
  }
}
