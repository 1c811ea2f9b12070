package io.personaknob.studio;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import io.personaknob.irt.JmleEstimator;
import io.personaknob.irt.RaschFit;
import io.personaknob.irt.RaschSpec;
import io.personaknob.irt.RatingData;
import io.personaknob.studio.StudioDb.Judgment;
import io.personaknob.studio.StudioDb.Task;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Human judgments of model outputs: the blind pointwise (1–7 under a dimension's rubric) and pairwise (A/B)
 * tasks that LLM judges do in {@code knob eval}, and the long format that puts human raters into the same
 * many-facet Rasch fit as the LLM judges, each reviewer a judge of their own ({@code human:<name>}).
 *
 * <p>Long format (the facets of knob-eval's calibration): {@code model_dimension} (model·dim, the ability),
 * {@code judge} (severity), {@code item} (the PersonaKnob row, difficulty), {@code rubric} ({@code dim/default}:
 * humans read the default rubric) and {@code rating} 1..7. Pairwise judgments export as comparisons
 * {@code a, b, score} (a preferred = 1, tie = 0.5) over model_dimension elements, the format of
 * {@code knob irt fit --comparisons}.
 */
public final class Judgments {
  private Judgments() {}

  public static final String HUMAN_PREFIX = "human:";

  /**
   * Creates tasks from a JSONL of model outputs, one line per answer: {@code row_id, model, prompt, answer,
   * mask} (mask: the dimensions to judge). Pointwise: one task per answer and dimension. Pairwise: one task
   * per row, dimension and pair of models, the on-screen order drawn at random (seeded by the task id) and
   * recorded. Returns the number of new tasks.
   */
  public static int importOutputs(Path file, StudioDb db) {
    record Out(String row, String model, String prompt, String answer, List<Dimension> dims) {}
    List<Out> outs = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      long n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) continue;
        JsonNode j;
        try {
          j = StudioDb.JSON.readTree(line);
        } catch (IOException e) {
          throw new UserException(file + ":" + n + ": json: not a JSON object");
        }
        for (String f : List.of("row_id", "model", "prompt", "answer", "mask"))
          if (!j.hasNonNull(f)) throw new UserException(file + ":" + n + ": " + f + ": missing");
        List<Dimension> dims = new ArrayList<>();
        for (JsonNode d : j.get("mask")) {
          var dim = Dimension.parse(d.asText());
          if (dim.isEmpty()) throw new UserException(file + ":" + n + ": mask: unknown dimension '" + d.asText() + "'");
          dims.add(dim.get());
        }
        outs.add(new Out(j.get("row_id").asText(), j.get("model").asText(), j.get("prompt").asText(), j.get("answer").asText(), dims));
      }
    } catch (IOException e) {
      throw new UserException(file + ": " + e.getMessage(), e);
    }
    List<Task> tasks = new ArrayList<>();
    Map<String, List<Out>> byRow = new LinkedHashMap<>();
    for (Out o : outs) {
      byRow.computeIfAbsent(o.row(), k -> new ArrayList<>()).add(o);
      for (Dimension d : o.dims())
        tasks.add(new Task(taskId("point", o.row(), o.model(), d.name()), 0, "pointwise", o.row(), d.name(), o.prompt(), o.model(),
            o.answer(), null, null, false));
    }
    for (var e : byRow.entrySet()) {
      List<Out> os = e.getValue();
      for (int i = 0; i < os.size(); i++) {
        for (int k = i + 1; k < os.size(); k++) {
          Out a = os.get(i);
          Out b = os.get(k);
          for (Dimension d : a.dims()) {
            if (!b.dims().contains(d)) continue;
            String id = taskId("pair", e.getKey(), d.name(), a.model(), b.model());
            boolean swapped = new SplittableRandom(id.hashCode()).nextBoolean();
            tasks.add(new Task(id, 0, "pairwise", e.getKey(), d.name(), a.prompt(), a.model(), a.answer(), b.model(), b.answer(), swapped));
          }
        }
      }
    }
    return db.addTasks(tasks);
  }

  /** An opaque task id (a hash), so that no page or link names the models being judged. */
  static String taskId(String... parts) {
    try {
      byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(String.join("\u0000", parts).getBytes(StandardCharsets.UTF_8));
      return "t" + java.util.HexFormat.of().formatHex(h, 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One long-format rating row. */
  public record LongRating(String modelDimension, String judge, String item, String rubric, int rating) {}

  /** One paired comparison: a vs b (model_dimension elements), score 1 a preferred, 0 b, 0.5 tie. */
  public record Comparison(String a, String b, double score, String judge) {}

  /** The model·dimension element, as knob-eval names it. */
  public static String modelDimension(String model, String dim) {
    return model + "·" + dim;
  }

  /** The pointwise human ratings in long format. */
  public static List<LongRating> humanRatings(StudioDb db) {
    Map<String, Task> tasks = new HashMap<>();
    for (Task t : db.tasks()) tasks.put(t.id(), t);
    List<LongRating> out = new ArrayList<>();
    for (Judgment j : db.judgments()) {
      Task t = tasks.get(j.taskId());
      if (t == null || !t.kind().equals("pointwise")) continue;
      out.add(new LongRating(modelDimension(t.modelA(), t.dimension()), HUMAN_PREFIX + j.reviewer(), t.rowId(), t.dimension() + "/default",
          Integer.parseInt(j.value())));
    }
    return out;
  }

  /** The pairwise human judgments as comparisons in model terms (the on-screen order is undone). */
  public static List<Comparison> humanComparisons(StudioDb db) {
    Map<String, Task> tasks = new HashMap<>();
    for (Task t : db.tasks()) tasks.put(t.id(), t);
    List<Comparison> out = new ArrayList<>();
    for (Judgment j : db.judgments()) {
      Task t = tasks.get(j.taskId());
      if (t == null || !t.kind().equals("pairwise")) continue;
      double score = switch (j.value()) {
        case "A" -> 1.0;
        case "B" -> 0.0;
        default -> 0.5;
      };
      out.add(new Comparison(modelDimension(t.modelA(), t.dimension()), modelDimension(t.modelB(), t.dimension()), score,
          HUMAN_PREFIX + j.reviewer()));
    }
    return out;
  }

  /** CSV text of long-format ratings (header model_dimension,judge,item,rubric,rating). */
  public static String ratingsCsv(List<LongRating> rows) {
    StringBuilder sb = new StringBuilder("model_dimension,judge,item,rubric,rating\n");
    for (LongRating r : rows)
      sb.append(csv(r.modelDimension())).append(',').append(csv(r.judge())).append(',').append(csv(r.item())).append(',')
          .append(csv(r.rubric())).append(',').append(r.rating()).append('\n');
    return sb.toString();
  }

  /** CSV text of comparisons (header a,b,score,judge), the input of {@code knob irt fit --comparisons}. */
  public static String comparisonsCsv(List<Comparison> rows) {
    StringBuilder sb = new StringBuilder("a,b,score,judge\n");
    for (Comparison c : rows) sb.append(csv(c.a())).append(',').append(csv(c.b())).append(',').append(c.score()).append(',').append(csv(c.judge())).append('\n');
    return sb.toString();
  }

  private static String csv(String s) {
    return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }

  /**
   * One many-facet Rasch fit (rating scale 1..7) of LLM-judge and human ratings together: facets
   * model_dimension (ability), judge (severity; humans are {@code human:<name>} elements beside the LLM
   * judges) and item (difficulty); pairwise judgments, when given, enter as comparisons of model_dimension
   * elements. Humans and LLM judges thus end on one severity scale.
   */
  public static RaschFit jointFit(List<LongRating> llm, List<LongRating> human, List<Comparison> comparisons) {
    RatingData.Builder b = RatingData.builder("model_dimension", "judge", "item").scale(1, 7).source("llm + human ratings");
    for (List<LongRating> l : List.of(llm, human)) for (LongRating r : l) b.add(r.rating(), r.modelDimension(), r.judge(), r.item());
    for (Comparison c : comparisons) b.compare("model_dimension", c.a(), c.b(), c.score());
    return JmleEstimator.fit(b.build(), RaschSpec.builder("model_dimension").ratingScale().build());
  }
}
