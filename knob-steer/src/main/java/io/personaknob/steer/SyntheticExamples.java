package io.personaknob.steer;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.AtomicFile;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A large, realistic examples file for benchmarks: rows built by {@link ExampleMath} from synthetic answers
 * (~110 words each) and random but valid judge replies, over {@code templates} templates × 4 persona pairs ×
 * as many scenarios as the row count needs. Deterministic for a seed.
 */
public final class SyntheticExamples {
  private SyntheticExamples() {}

  private static final String[] WORDS = ("rule standard report policy friend budget audit fee harbour clinic grade student "
      + "manager teacher moderator community cost risk honest fair quietly openly decide explain record review exception "
      + "powerful marginal convenience status pressure deadline appeal evidence fairness trust consistent share").split(" ");

  static String text(SplittableRandom r, int words) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < words; i++) {
      if (i > 0) sb.append(i % 14 == 0 ? ". " : " ");
      sb.append(WORDS[r.nextInt(WORDS.length)]);
    }
    return sb.append('.').toString();
  }

  static double grid(SplittableRandom r, double lo, double hi) {
    return Math.round((lo + r.nextDouble() * (hi - lo)) * 10) / 10.0;
  }

  /** Writes {@code rows} example rows to {@code file}. */
  public static void write(Path file, int rows, int templates, long seed) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    SplittableRandom r = new SplittableRandom(seed);
    List<Inputs.PersonaPair> pairs = new ArrayList<>();
    for (int p = 0; p < 4; p++) {
      pairs.add(new Inputs.PersonaPair("pair_" + p, "pos" + p, "neg" + p, "does the positive thing " + p, "does the negative thing " + p, "", ""));
    }
    AtomicFile.write(file, tmp -> {
      try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        for (int i = 0; i < rows; i++) {
          int t = i % templates;
          Inputs.PersonaPair p = pairs.get((i / templates) % pairs.size());
          int rowI = i / (templates * pairs.size()) + 1;
          String template = "Template " + t + ": you are a {persona} person.";
          Inputs.Scenario s = new Inputs.Scenario("scenario_" + rowI, "Scenario " + rowI + ": " + text(r, 25), "synthetic", "bench", false, "bench");
          String pp = Prompts.persona(p, template, true);
          String np = Prompts.persona(p, template, false);
          var in = new ExampleMath.Inputs("bench", "id" + i, template, p, s, rowI, pp, np, Prompts.generation(pp, s.prompt(), false, false),
              Prompts.generation(np, s.prompt(), false, false), 0);
          List<ExampleMath.AxisReplies> axis = new ArrayList<>();
          for (String j : List.of("judge-a", "judge-b")) {
            ObjectNode[] four = new ObjectNode[4];
            for (int k = 0; k < 4; k++) four[k] = f.objectNode().put("target_reason", "because").put("A_more_target_than_B", grid(r, 1, 5));
            axis.add(new ExampleMath.AxisReplies(j, four[0], four[1], four[2], four[3]));
          }
          ObjectNode style = f.objectNode().put("style_reason", "style");
          for (String d : Prompts.STYLE_DIMS.keySet()) style.put(d + "_A", grid(r, 1, 4)).put(d + "_B", grid(r, 1, 4));
          style.put("persona_echo_A", r.nextInt(10) == 0).put("persona_echo_B", false).put("refusal_or_ai_break_A", false)
              .put("refusal_or_ai_break_B", r.nextInt(20) == 0);
          ObjectNode conf = f.objectNode().put("confound_reason", "confound");
          for (String d : Prompts.OFF_AXIS_DIMS.keySet()) conf.put(d + "_likert", grid(r, 1, 3));
          conf.put("off_axis_problem_likert", grid(r, 1, 4)).put("likely_spurious_axis", r.nextBoolean() ? "none" : "formality")
              .put("usable_for_training", r.nextInt(4) != 0);
          try {
            ObjectNode row = ExampleMath.example(in, r.nextBoolean(), text(r, 110), text(r, 100), axis, style, conf);
            w.write(Py.dumps(row, false, false));
            w.write('\n');
          } catch (ExampleMath.BadReply e) {
            throw new IllegalStateException(e);
          }
        }
      }
    });
  }
}
