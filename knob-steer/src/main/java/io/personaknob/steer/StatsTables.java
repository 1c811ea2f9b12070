package io.personaknob.steer;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.AtomicFile;
import io.personaknob.core.UserException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * The library's aggregate tables ({@code export_persona_template_stats.py}): examples grouped by template ×
 * persona pair ({@code template_pair_stats}) or by template ({@code template_stats}), with its columns in its
 * order, its rounding (4 decimals, half-even on the binary value, after an exact mean), its
 * {@code recommended} rule and its row order (stable descending sort on recommended, strict pass rate, axis
 * delta, −off-axis, −style). JSONL as {@code json.dumps(ensure_ascii=False)}; CSV twins with alphabetical
 * columns and lists as JSON text.
 */
public final class StatsTables {
  private StatsTables() {}

  static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** The columns the aggregates read; everything else (texts, prompts, judge reasons) is skipped unparsed. */
  private static final java.util.Set<String> NEEDED = java.util.Set.of("template", "persona_pair", "scenario_id", "error",
      "strict_pass", "axis_delta", "axis_delta_judge_mean", "axis_delta_judge_std", "axis_judge_mean_abs_disagreement",
      "positive_delta", "negative_delta", "pairwise_positive_delta", "pairwise_negative_delta", "off_axis_problem",
      "max_off_axis_category_likert", "usable_for_training", "max_style_abs_delta", "word_delta_frac", "response_token_jaccard",
      "pos_repeated_token_frac", "neg_repeated_token_frac", "persona_echo", "judge_persona_echo", "refusal_or_ai_break",
      "judge_refusal_or_ai_break", "likely_spurious_axis");

  /**
   * Reads an examples JSONL file (the library's examples schema), streaming: one parser over the file, only
   * the columns the aggregates need are materialised.
   */
  public static List<ExampleRow> readExamples(Path file) {
    List<ExampleRow> rows = new ArrayList<>();
    try (java.io.InputStream in = Files.newInputStream(file);
         JsonParser p = MAPPER.getFactory().createParser(in)) {
      JsonToken t;
      while (true) {
        try {
          t = p.nextToken();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new UserException(file + " line " + e.getLocation().getLineNr() + ": not valid JSON");
        }
        if (t == null) break;
        String where = file + " line " + p.currentTokenLocation().getLineNr();
        if (t != JsonToken.START_OBJECT) throw new UserException(where + ": expected a JSON object");
        ObjectNode n;
        try {
          n = needed(p);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new UserException(where + ": not valid JSON");
        }
        rows.add(ExampleRow.of(n, where));
      }
    } catch (NoSuchFileException e) {
      throw new UserException(file + ": no such file");
    } catch (IOException e) {
      throw new UserException(file + ": cannot read: " + e.getMessage(), e);
    }
    if (rows.isEmpty()) throw new UserException(file + ": no examples");
    return rows;
  }

  private static ObjectNode needed(JsonParser p) throws IOException {
    ObjectNode n = F.objectNode();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String k = p.currentName();
      JsonToken t = p.nextToken();
      if (k.equals("axis_judgments") && t == JsonToken.START_ARRAY) {
        ArrayNode a = n.putArray(k);
        while (p.nextToken() == JsonToken.START_OBJECT) {
          ObjectNode j = a.addObject();
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String jk = p.currentName();
            JsonToken jt = p.nextToken();
            if (jk.equals("axis_delta") && jt.isNumeric()) j.put("axis_delta", p.getDoubleValue());
            else p.skipChildren();
          }
        }
      } else if (NEEDED.contains(k) || (t.isScalarValue() && (k.startsWith("style_delta_") || k.startsWith("off_axis_")))) {
        n.set(k, (JsonNode) p.readValueAsTree());
      } else {
        p.skipChildren();
      }
    }
    return n;
  }

  /** Rows per template × persona pair. */
  public static List<ObjectNode> templatePairStats(List<ExampleRow> rows) {
    return aggregate(rows, true);
  }

  /** Rows per template. */
  public static List<ObjectNode> templateStats(List<ExampleRow> rows) {
    return aggregate(rows, false);
  }

  private static double m(List<ExampleRow> rs, ToDoubleFunction<ExampleRow> f) {
    double[] a = new double[rs.size()];
    for (int i = 0; i < a.length; i++) a[i] = f.applyAsDouble(rs.get(i));
    return Py.meanRound4(a, a.length);
  }

  private static double rate(List<ExampleRow> rs, java.util.function.Predicate<ExampleRow> p) {
    long k = rs.stream().filter(p).count();
    return Py.round4((double) k / rs.size());
  }

  static List<ObjectNode> aggregate(List<ExampleRow> rows, boolean byPair) {
    Map<List<String>, List<ExampleRow>> groups = new LinkedHashMap<>();
    for (ExampleRow r : rows) {
      if (r.error()) continue;
      List<String> key = byPair ? List.of(r.template(), r.pair()) : List.of(r.template());
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
    }
    List<ObjectNode> out = new ArrayList<>();
    for (var g : groups.entrySet()) {
      List<ExampleRow> rs = g.getValue();
      int n = rs.size();
      ObjectNode o = F.objectNode();
      o.put("template", g.getKey().get(0));
      if (byPair) o.put("persona_pair", g.getKey().get(1));
      long passes = rs.stream().filter(ExampleRow::strictPass).count();
      o.put("n", n);
      o.put("strict_pass_rate", Py.round4((double) passes / n));
      o.put("n_strict_pass", passes);
      o.put("mean_axis_delta", m(rs, ExampleRow::axisDelta));
      o.put("mean_axis_delta_judge_mean", m(rs, ExampleRow::axisDeltaJudgeMean));
      o.put("mean_axis_delta_judge_std", m(rs, ExampleRow::axisDeltaJudgeStd));
      o.put("mean_axis_judge_abs_disagreement", m(rs, ExampleRow::absDisagreement));
      o.put("mean_positive_delta", m(rs, ExampleRow::positiveDelta));
      o.put("mean_negative_delta", m(rs, ExampleRow::negativeDelta));
      o.put("mean_pairwise_positive_delta", m(rs, ExampleRow::pairwisePositiveDelta));
      o.put("mean_pairwise_negative_delta", m(rs, ExampleRow::pairwiseNegativeDelta));
      o.put("mean_off_axis_problem", m(rs, ExampleRow::offAxisProblem));
      o.put("mean_max_off_axis_category_likert", m(rs, ExampleRow::maxOffAxisCategoryLikert));
      o.put("usable_rate", rate(rs, ExampleRow::usable));
      o.put("mean_max_style_abs_delta", m(rs, ExampleRow::maxStyleAbsDelta));
      o.put("mean_abs_word_delta_frac", m(rs, r -> Math.abs(r.wordDeltaFrac())));
      o.put("mean_response_token_jaccard", m(rs, ExampleRow::responseTokenJaccard));
      o.put("mean_pos_repeated_token_frac", m(rs, ExampleRow::posRepeatedTokenFrac));
      o.put("mean_neg_repeated_token_frac", m(rs, ExampleRow::negRepeatedTokenFrac));
      o.put("persona_echo_rate", rate(rs, ExampleRow::personaEcho));
      o.put("judge_persona_echo_rate", rate(rs, ExampleRow::judgePersonaEcho));
      o.put("refusal_or_ai_break_rate", rate(rs, ExampleRow::refusal));
      o.put("judge_refusal_or_ai_break_rate", rate(rs, ExampleRow::judgeRefusal));
      ArrayNode pairs = o.putArray("strict_pass_persona_pairs");
      new TreeSet<>(rs.stream().filter(ExampleRow::strictPass).map(ExampleRow::pair).toList()).forEach(pairs::add);
      ArrayNode spur = o.putArray("common_spurious_axes");
      new TreeSet<>(rs.stream().map(ExampleRow::likelySpuriousAxis).filter(s -> s != null && !s.isEmpty()).toList())
          .forEach(spur::add);
      for (String d : new TreeSet<>(rs.get(0).style().keySet())) {
        o.put("mean_style_delta_" + d + "_pos_minus_neg", m(rs, r -> need(r.style(), d)));
      }
      for (String d : new TreeSet<>(rs.get(0).offAxis().keySet())) {
        o.put("mean_off_axis_" + d, m(rs, r -> need(r.offAxis(), d)));
      }
      o.put("recommended", n >= 4
          && o.get("strict_pass_rate").doubleValue() >= 0.5
          && o.get("mean_axis_delta").doubleValue() >= 3
          && o.get("mean_off_axis_problem").doubleValue() <= 2
          && o.get("mean_max_style_abs_delta").doubleValue() <= 2
          && o.get("persona_echo_rate").doubleValue() == 0
          && o.get("refusal_or_ai_break_rate").doubleValue() == 0);
      out.add(o);
    }
    out.sort(ORDER);
    return out;
  }

  private static double need(Map<String, Double> m, String d) {
    Double v = m.get(d);
    if (v == null) throw new UserException("an example lacks the column of dimension '" + d
        + "' that the first example of its group has");
    return v;
  }

  /** Descending (recommended, strict_pass_rate, mean_axis_delta, −off-axis, −style); List.sort is stable. */
  static final Comparator<ObjectNode> ORDER = Comparator
      .comparing((ObjectNode o) -> o.get("recommended").booleanValue())
      .thenComparingDouble(o -> o.get("strict_pass_rate").doubleValue())
      .thenComparingDouble(o -> o.get("mean_axis_delta").doubleValue())
      .thenComparingDouble(o -> -o.get("mean_off_axis_problem").doubleValue())
      .thenComparingDouble(o -> -o.get("mean_max_style_abs_delta").doubleValue())
      .reversed();

  /** JSONL text, one {@code json.dumps(row, ensure_ascii=False)} per line. */
  public static String jsonl(List<? extends JsonNode> rows) {
    StringBuilder sb = new StringBuilder();
    for (JsonNode r : rows) sb.append(Py.dumps(r, false, false)).append('\n');
    return sb.toString();
  }

  /** CSV text as {@code csv.DictWriter} with sorted columns, lists as JSON, LF line ends. */
  public static String csv(List<? extends JsonNode> rows) {
    if (rows.isEmpty()) return "";
    TreeSet<String> cols = new TreeSet<>();
    for (JsonNode r : rows) r.fieldNames().forEachRemaining(cols::add);
    StringBuilder sb = new StringBuilder();
    sb.append(String.join(",", cols.stream().map(Py::csvField).toList())).append('\n');
    for (JsonNode r : rows) {
      boolean first = true;
      for (String c : cols) {
        if (!first) sb.append(',');
        first = false;
        sb.append(Py.csvField(Py.csvText(r.get(c))));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** Writes {@code DIR/template_pair_stats.{jsonl,csv}} and {@code DIR/template_stats.{jsonl,csv}}. */
  public static void write(Path dir, List<ObjectNode> pairStats, List<ObjectNode> templateStats) {
    writeText(dir.resolve("template_pair_stats.jsonl"), jsonl(pairStats));
    writeText(dir.resolve("template_pair_stats.csv"), csv(pairStats));
    writeText(dir.resolve("template_stats.jsonl"), jsonl(templateStats));
    writeText(dir.resolve("template_stats.csv"), csv(templateStats));
  }

  /** Writes a text file atomically (UTF-8). */
  public static void writeText(Path target, String text) {
    AtomicFile.write(target, tmp -> {
      try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        w.write(text);
      }
    });
  }

  /** Reads a JSONL table (for comparisons and for export). */
  public static List<ObjectNode> readTable(Path file) {
    List<ObjectNode> out = new ArrayList<>();
    try {
      int ln = 0;
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        ln++;
        if (line.isBlank()) continue;
        JsonNode n;
        try {
          n = MAPPER.readTree(line);
        } catch (IOException e) {
          throw new UserException(file + " line " + ln + ": not valid JSON");
        }
        if (!(n instanceof ObjectNode o)) throw new UserException(file + " line " + ln + ": expected a JSON object");
        out.add(o);
      }
    } catch (NoSuchFileException e) {
      throw new UserException(file + ": no such file");
    } catch (IOException e) {
      throw new UserException(file + ": cannot read: " + e.getMessage(), e);
    }
    return out;
  }
}
