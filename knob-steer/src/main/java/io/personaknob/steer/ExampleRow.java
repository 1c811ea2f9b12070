package io.personaknob.steer;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.core.UserException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The values of one example row (the library's examples schema) that the aggregate tables need. Rows with
 * a non-null {@code error} are kept as {@link #error} and left out of every aggregate, as the library does.
 *
 * @param style {@code style_delta_<dim>_pos_minus_neg} by dimension, in file order
 * @param offAxis {@code off_axis_<dim>} confound category likerts by dimension, in file order
 */
public record ExampleRow(
    String template,
    String pair,
    String scenarioId,
    boolean error,
    boolean strictPass,
    double axisDelta,
    double axisDeltaJudgeMean,
    double axisDeltaJudgeStd,
    double absDisagreement,
    double positiveDelta,
    double negativeDelta,
    double pairwisePositiveDelta,
    double pairwiseNegativeDelta,
    double offAxisProblem,
    double maxOffAxisCategoryLikert,
    boolean usable,
    double maxStyleAbsDelta,
    double wordDeltaFrac,
    double responseTokenJaccard,
    double posRepeatedTokenFrac,
    double negRepeatedTokenFrac,
    boolean personaEcho,
    boolean judgePersonaEcho,
    boolean refusal,
    boolean judgeRefusal,
    String likelySpuriousAxis,
    Map<String, Double> style,
    Map<String, Double> offAxis,
    double[] judgeAxisDeltas) {

  private static final String STYLE_PREFIX = "style_delta_";
  private static final String STYLE_SUFFIX = "_pos_minus_neg";
  private static final String OFF_PREFIX = "off_axis_";

  /** Reads one examples-schema row; {@code where} ("FILE line N") prefixes any error. */
  public static ExampleRow of(JsonNode n, String where) {
    if (!n.isObject()) throw new UserException(where + ": expected a JSON object");
    String template = text(n, "template", where);
    String pair = text(n, "persona_pair", where);
    String scenario = n.path("scenario_id").asText("");
    JsonNode err = n.get("error");
    if (err != null && !err.isNull()) {
      return new ExampleRow(template, pair, scenario, true, false, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, 0, 0, 0, 0,
          0, false, false, false, false, null, Map.of(), Map.of(), new double[0]);
    }
    Map<String, Double> style = new LinkedHashMap<>();
    Map<String, Double> off = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
      var e = it.next();
      String k = e.getKey();
      if (k.startsWith(STYLE_PREFIX) && k.endsWith(STYLE_SUFFIX) && k.length() > STYLE_PREFIX.length() + STYLE_SUFFIX.length()) {
        style.put(k.substring(STYLE_PREFIX.length(), k.length() - STYLE_SUFFIX.length()), num(e.getValue(), k, where));
      } else if (k.startsWith(OFF_PREFIX) && !k.equals("off_axis_problem") && !k.equals("off_axis_problem_frac")) {
        off.put(k.substring(OFF_PREFIX.length()), num(e.getValue(), k, where));
      }
    }
    JsonNode judgments = n.path("axis_judgments");
    double[] perJudge = new double[judgments.isArray() ? judgments.size() : 0];
    for (int i = 0; i < perJudge.length; i++) perJudge[i] = judgments.get(i).path("axis_delta").asDouble(Double.NaN);
    double pos = req(n, "positive_delta", where);
    double neg = req(n, "negative_delta", where);
    JsonNode spur = n.get("likely_spurious_axis");
    return new ExampleRow(
        template, pair, scenario, false,
        n.path("strict_pass").asBoolean(false),
        req(n, "axis_delta", where),
        req(n, "axis_delta_judge_mean", where),
        req(n, "axis_delta_judge_std", where),
        req(n, "axis_judge_mean_abs_disagreement", where),
        pos, neg,
        opt(n, "pairwise_positive_delta", pos, where),
        opt(n, "pairwise_negative_delta", neg, where),
        req(n, "off_axis_problem", where),
        opt(n, "max_off_axis_category_likert", 7.0, where),
        truthy(n.get("usable_for_training")),
        req(n, "max_style_abs_delta", where),
        req(n, "word_delta_frac", where),
        opt(n, "response_token_jaccard", 0.0, where),
        opt(n, "pos_repeated_token_frac", 0.0, where),
        opt(n, "neg_repeated_token_frac", 0.0, where),
        truthy(n.get("persona_echo")),
        truthy(n.get("judge_persona_echo")),
        truthy(n.get("refusal_or_ai_break")),
        truthy(n.get("judge_refusal_or_ai_break")),
        spur == null || spur.isNull() ? null : spur.asText(),
        style, off, perJudge);
  }

  private static String text(JsonNode n, String f, String where) {
    JsonNode v = n.get(f);
    if (v == null || v.isNull() || !v.isTextual()) throw new UserException(where + ": field '" + f + "': missing or not a string");
    return v.textValue();
  }

  private static double req(JsonNode n, String f, String where) {
    JsonNode v = n.get(f);
    if (v == null || v.isNull()) throw new UserException(where + ": field '" + f + "': missing (an example without an error needs it)");
    return num(v, f, where);
  }

  private static double opt(JsonNode n, String f, double dflt, String where) {
    JsonNode v = n.get(f);
    return v == null || v.isNull() ? dflt : num(v, f, where);
  }

  private static double num(JsonNode v, String f, String where) {
    if (v.isNumber()) return v.doubleValue();
    if (v.isBoolean()) return v.booleanValue() ? 1 : 0;
    throw new UserException(where + ": field '" + f + "': expected a number, got " + v.getNodeType().name().toLowerCase());
  }

  /** Python truthiness of a JSON value. */
  static boolean truthy(JsonNode v) {
    if (v == null || v.isNull()) return false;
    if (v.isBoolean()) return v.booleanValue();
    if (v.isNumber()) return v.doubleValue() != 0;
    if (v.isTextual()) return !v.textValue().isEmpty();
    return v.size() > 0;
  }
}
