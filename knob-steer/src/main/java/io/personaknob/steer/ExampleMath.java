package io.personaknob.steer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One example's numbers from its two responses and its judges' replies (HEAD formulas): the blind order,
 * per-judge signed deltas, axis delta and judge spread, style deltas, confound maxima, audits and the strict
 * pass. Produces the row in the library's examples schema.
 */
public final class ExampleMath {
  private ExampleMath() {}

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** A judge reply that cannot be used (not JSON, a value missing, out of range or off the 0.1 grid). */
  public static final class BadReply extends Exception {
    private static final long serialVersionUID = 1L;
    public BadReply(String m) { super(m); }
  }

  /** The library's {@code _labels_for}: true when the positive response is shown as A. */
  public static boolean posIsA(long seed, String axisId, String template, int rowI, String scenario) {
    ArrayNode a = F.arrayNode();
    a.add(seed).add(axisId).add(template).add(Integer.toString(rowI)).add(scenario);
    return new PyRandom(Py.hkey(a)).random() < 0.5;
  }

  /** The library's {@code eval_id}. */
  public static String evalId(long seed, int rowI, String scenarioId, String scenario, String axisId, String template,
      String generatorModel, String judgeModel, double genTemperature) {
    ObjectNode o = F.objectNode();
    o.put("seed", seed);
    o.put("row_i", rowI);
    o.put("scenario_id", scenarioId);
    o.put("scenario", scenario);
    o.put("axis_id", axisId);
    o.put("template", template);
    o.put("generator_model", generatorModel);
    o.put("judge_model", judgeModel);
    o.put("gen_temperature", genTemperature);
    return Py.hkey(o);
  }

  private static final Pattern FENCE = Pattern.compile("(?m)^```(?:json)?\\s*|\\s*```$");

  /** The library's {@code _json_obj}: strip, drop code fences, parse; must be an object. */
  public static ObjectNode parse(String text) throws BadReply {
    String t = text.strip();
    if (t.startsWith("```")) t = FENCE.matcher(t).replaceAll("");
    try {
      JsonNode n = StatsTables.MAPPER.readTree(t);
      if (n instanceof ObjectNode o) return o;
      throw new BadReply("reply is not a JSON object: " + abbreviate(text));
    } catch (IOException e) {
      throw new BadReply("reply is not JSON: " + abbreviate(text));
    }
  }

  static String abbreviate(String s) {
    String one = s.replace("\n", " ");
    return one.length() > 120 ? one.substring(0, 117) + "..." : one;
  }

  /** The library's {@code _bounded_score}. */
  public static double bounded(JsonNode o, String key, double lo, double hi, boolean step01) throws BadReply {
    JsonNode v = o.get(key);
    if (v == null) throw new BadReply("missing '" + key + "'");
    if (!v.isNumber()) throw new BadReply("'" + key + "' must be numeric " + lo + "-" + hi + ", got " + v);
    double s = v.doubleValue();
    if (!(lo <= s && s <= hi)) throw new BadReply("'" + key + "' must be numeric " + lo + "-" + hi + ", got " + v);
    if (step01) {
      double r = Math.rint(s / 0.1) * 0.1;
      if (Math.abs(s - r) > 1e-6) throw new BadReply("'" + key + "' must be in steps of 0.1, got " + v);
    }
    return s;
  }

  static boolean bool(JsonNode o, String key) throws BadReply {
    JsonNode v = o.get(key);
    if (v == null || !v.isBoolean()) throw new BadReply("'" + key + "' must be boolean");
    return v.booleanValue();
  }

  /** Checks a style reply completely (the library validates before using it). */
  public static void validateStyle(JsonNode s) throws BadReply {
    for (String d : Prompts.STYLE_DIMS.keySet()) {
      bounded(s, d + "_A", 1, 7, false);
      bounded(s, d + "_B", 1, 7, false);
    }
    for (String k : List.of("persona_echo_A", "persona_echo_B", "refusal_or_ai_break_A", "refusal_or_ai_break_B")) bool(s, k);
  }

  /** Checks a confound reply completely. */
  public static void validateConfound(JsonNode c) throws BadReply {
    for (String d : Prompts.OFF_AXIS_DIMS.keySet()) bounded(c, d + "_likert", 1, 7, false);
    bounded(c, "off_axis_problem_likert", 1, 7, false);
    bool(c, "usable_for_training");
  }

  /** One axis judge's four replies: positive/negative target × forward (A,B)/reverse (B,A). */
  public record AxisReplies(String judge, ObjectNode posFwd, ObjectNode posRev, ObjectNode negFwd, ObjectNode negRev) {}

  /** Everything one example needs. */
  public record Inputs(String artifact, String evalId, String template, io.personaknob.steer.Inputs.PersonaPair pair,
      io.personaknob.steer.Inputs.Scenario scenario, int rowI, String posPersona, String negPersona, String posPrompt,
      String negPrompt, double maxWordDeltaFrac) {}

  /** The header columns shared by error and success rows (the library's first 14 columns). */
  public static ObjectNode header(Inputs in) {
    ObjectNode o = F.objectNode();
    o.put("artifact", in.artifact());
    o.put("eval_id", in.evalId());
    o.put("template", in.template());
    o.put("persona_pair", in.pair().id());
    o.put("scenario_id", in.scenario().id());
    o.put("pos_persona", in.pair().pos());
    o.put("neg_persona", in.pair().neg());
    o.put("row", in.rowI());
    o.put("source", in.scenario().source());
    o.put("config", in.scenario().config());
    o.put("prompt", in.scenario().prompt());
    o.put("pos_generation_prompt", in.posPrompt());
    o.put("neg_generation_prompt", in.negPrompt());
    o.putNull("error");
    return o;
  }

  /** Computes the full example row (library column order). Throws BadReply when a reply is unusable. */
  public static ObjectNode example(Inputs in, boolean posIsA, String posText, String negText, List<AxisReplies> axis,
      ObjectNode style, ObjectNode confound) throws BadReply {
    validateStyle(style);
    validateConfound(confound);
    String pl = posIsA ? "A" : "B";
    String nl = posIsA ? "B" : "A";
    ArrayNode judgments = F.arrayNode();
    List<Double> deltas = new ArrayList<>();
    double sumPP = 0;
    double sumPN = 0;
    for (AxisReplies r : axis) {
      for (ObjectNode j : List.of(r.posFwd(), r.posRev(), r.negFwd(), r.negRev())) bounded(j, "A_more_target_than_B", 1, 5, true);
      double pf = expected(r.posFwd(), posIsA);
      double pr = expected(r.posRev(), !posIsA);
      double nf = -expected(r.negFwd(), posIsA);
      double nr = -expected(r.negRev(), !posIsA);
      double pp = (pf + pr) / 2.0;
      double pn = (nf + nr) / 2.0;
      double ad = 2.0 * (pp + pn);
      ObjectNode j = judgments.addObject();
      j.put("judge_model", r.judge());
      j.set("positive_axis_forward_judgment", r.posFwd());
      j.set("positive_axis_reverse_judgment", r.posRev());
      j.set("negative_axis_forward_judgment", r.negFwd());
      j.set("negative_axis_reverse_judgment", r.negRev());
      j.put("positive_forward_delta", pf);
      j.put("positive_reverse_delta", pr);
      j.put("negative_forward_delta", nf);
      j.put("negative_reverse_delta", nr);
      j.put("pairwise_positive_delta", pp);
      j.put("pairwise_negative_delta", pn);
      j.put("axis_delta", ad);
      deltas.add(ad);
      sumPP += pp;
      sumPN += pn;
    }
    int k = deltas.size();
    double axisDelta = deltas.stream().mapToDouble(Double::doubleValue).sum() / k;
    double std = k > 1 ? pstdev(deltas) : 0.0;
    double dis = 0;
    if (k > 1) {
      for (double a : deltas) for (double b : deltas) dis += Math.abs(a - b);
      dis /= (double) k * k;
    }
    double wdf = Audits.wordDeltaFrac(posText, negText);
    double maxStyle = 0;
    ObjectNode styleDeltas = F.objectNode();
    for (String d : Prompts.STYLE_DIMS.keySet()) {
      double v = bounded(style, d + "_" + pl, 1, 7, false) - bounded(style, d + "_" + nl, 1, 7, false);
      styleDeltas.put(d, v);
      maxStyle = Math.max(maxStyle, Math.abs(v));
    }
    ObjectNode offs = F.objectNode();
    double maxOff = Double.NEGATIVE_INFINITY;
    for (String d : Prompts.OFF_AXIS_DIMS.keySet()) {
      double v = bounded(confound, d + "_likert", 1, 7, false);
      offs.put(d, v);
      maxOff = Math.max(maxOff, v);
    }
    List<String> posRef = Audits.refusalHits(posText);
    List<String> negRef = Audits.refusalHits(negText);
    List<String> posEcho = Audits.personaEchoHits(posText, in.pair().pos(), in.posPersona());
    List<String> negEcho = Audits.personaEchoHits(negText, in.pair().neg(), in.negPersona());
    boolean judgeEcho = style.get("persona_echo_" + pl).booleanValue() || style.get("persona_echo_" + nl).booleanValue();
    boolean posE = style.get("persona_echo_" + pl).booleanValue() || !posEcho.isEmpty();
    boolean negE = style.get("persona_echo_" + nl).booleanValue() || !negEcho.isEmpty();
    boolean judgeRef = style.get("refusal_or_ai_break_" + pl).booleanValue() || style.get("refusal_or_ai_break_" + nl).booleanValue();
    boolean posR = style.get("refusal_or_ai_break_" + pl).booleanValue() || !posRef.isEmpty();
    boolean negR = style.get("refusal_or_ai_break_" + nl).booleanValue() || !negRef.isEmpty();
    boolean lengthOk = in.maxWordDeltaFrac() <= 0 || Math.abs(wdf) <= in.maxWordDeltaFrac();
    double offProblem = confound.get("off_axis_problem_likert").doubleValue();
    boolean usable = confound.get("usable_for_training").booleanValue();
    boolean strict = axisDelta >= 3 && offProblem <= 2.0 && usable && maxStyle <= 2 && lengthOk
        && !(posE || negE || posR || negR);

    ObjectNode o = header(in);
    o.put("strict_pass", strict);
    ArrayNode jm = o.putArray("axis_judge_models");
    axis.forEach(r -> jm.add(r.judge()));
    o.set("axis_judgments", judgments);
    o.put("axis_delta", Py.round4(axisDelta));
    o.put("axis_delta_judge_mean", Py.round4(axisDelta));
    o.put("axis_delta_judge_std", Py.round4(std));
    o.put("axis_judge_mean_abs_disagreement", Py.round4(dis));
    o.put("positive_delta", sumPP / k);
    o.put("negative_delta", sumPN / k);
    o.set("off_axis_problem", confound.get("off_axis_problem_likert"));
    o.put("max_off_axis_category_likert", maxOff);
    o.put("usable_for_training", usable);
    o.set("likely_spurious_axis", confound.has("likely_spurious_axis") ? confound.get("likely_spurious_axis") : F.nullNode());
    o.put("max_style_abs_delta", maxStyle);
    o.put("word_delta_frac", Py.round4(wdf));
    o.put("response_token_jaccard", Py.round4(Audits.tokenJaccard(posText, negText)));
    o.put("pos_repeated_token_frac", Py.round4(Audits.repeatedTokenFrac(posText)));
    o.put("neg_repeated_token_frac", Py.round4(Audits.repeatedTokenFrac(negText)));
    o.put("persona_echo", posE || negE);
    o.put("judge_persona_echo", judgeEcho);
    strings(o.putArray("pos_persona_echo_hits"), posEcho);
    strings(o.putArray("neg_persona_echo_hits"), negEcho);
    strings(o.putArray("pos_persona_overlap_tokens"), Audits.personaOverlapTokens(posText, in.posPersona()));
    strings(o.putArray("neg_persona_overlap_tokens"), Audits.personaOverlapTokens(negText, in.negPersona()));
    o.put("refusal_or_ai_break", posR || negR);
    o.put("judge_refusal_or_ai_break", judgeRef);
    strings(o.putArray("pos_refusal_phrase_hits"), posRef);
    strings(o.putArray("neg_refusal_phrase_hits"), negRef);
    o.put("pos_response", posText);
    o.put("neg_response", negText);
    styleDeltas.fields().forEachRemaining(e -> o.set("style_delta_" + e.getKey() + "_pos_minus_neg", e.getValue()));
    offs.fields().forEachRemaining(e -> o.set("off_axis_" + e.getKey(), e.getValue()));
    // knob additions after the library's columns (its tools ignore them): the blind order and the raw judgments
    o.put("pos_label", pl);
    o.put("length_ok", lengthOk);
    o.set("style_judgment", style);
    o.set("confound_judgment", confound);
    return o;
  }

  private static void strings(ArrayNode a, List<String> xs) {
    xs.forEach(a::add);
  }

  private static double expected(ObjectNode j, boolean firstIsPositive) throws BadReply {
    double signed = bounded(j, "A_more_target_than_B", 1, 5, true) - 3.0;
    return firstIsPositive ? signed : -signed;
  }

  /** {@code statistics.pstdev}: exact variance, then the square root. */
  static double pstdev(List<Double> xs) {
    MathContext mc = new MathContext(200, RoundingMode.HALF_EVEN);
    BigDecimal s = BigDecimal.ZERO;
    for (double x : xs) s = s.add(new BigDecimal(x));
    BigDecimal mean = s.divide(BigDecimal.valueOf(xs.size()), mc);
    BigDecimal ss = BigDecimal.ZERO;
    for (double x : xs) {
      BigDecimal d = new BigDecimal(x).subtract(mean);
      ss = ss.add(d.multiply(d));
    }
    return Math.sqrt(ss.divide(BigDecimal.valueOf(xs.size()), mc).doubleValue());
  }
}
