package io.personaknob.steer;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The library's prompts and reply schemas, word for word (HEAD validator): the generation prompt per pole,
 * the blind pairwise axis judge, the style judge (20 dimensions) and the confound judge (21 categories).
 */
public final class Prompts {
  private Prompts() {}

  /** Style dimensions and what each means, in the library's order. */
  public static final Map<String, String> STYLE_DIMS = ordered(
      "helpfulness", "generic helpfulness or assistant helpful tone",
      "harmlessness_refusal", "safety refusal, avoidance, or harmlessness framing",
      "honesty_truthfulness", "truthfulness, correction, or epistemic honesty",
      "thoughtfulness_reasoning", "deliberate reasoning, step-by-step thoughtfulness, or reflective depth",
      "task_context_shift", "different task mode or domain, such as code, chat, math, or think-mode",
      "coding_style", "programming/code-like structure, implementation detail, or software-engineering register",
      "multilinguality", "non-English language use, translation-like behavior, or multilingual/code-switching",
      "verbosity", "longer/more elaborated",
      "chattiness", "chatty assistant tone, conversational filler, or over-engagement",
      "confidence", "certainty/assertiveness",
      "hedging", "caveats, uncertainty, maybe/likely language",
      "vagueness", "generic, underspecified, or avoids concrete commitments",
      "warmth", "emotional supportiveness",
      "enthusiasm", "energetic/excited tone, exclamation-like affect",
      "praise", "flattery, approval, admiration, second-person complimenting",
      "sycophancy", "agreeing with or validating the user to please them",
      "directness", "bluntness/specificity versus indirectness",
      "formality", "institutional/professional register",
      "language_shift", "different language, dialect, script, or code-switching",
      "incoherence", "confusion, repetition, rambling, or degraded local sense");

  /** Confound categories and what each means, in the library's order. */
  public static final Map<String, String> OFF_AXIS_DIMS = ordered(
      "length", "response length or amount of detail",
      "helpfulness", "generic helpful assistant behavior rather than the intended axis",
      "harmlessness_refusal", "safety refusal, avoidance, or harmlessness framing",
      "honesty_truthfulness", "truthfulness/correction/epistemic-honesty differences outside the intended axis",
      "thoughtfulness_reasoning", "more deliberate reasoning or reflective depth on one side",
      "task_context_shift", "different task mode or domain, such as code/chat/math/think",
      "coding_style", "programming/code-like structure or software-engineering register",
      "multilinguality", "non-English language use, translation-like behavior, or code-switching",
      "confidence", "certainty/assertiveness differences",
      "hedging", "caveats, uncertainty, maybe/likely language",
      "vagueness", "generic, underspecified, or avoids concrete commitments",
      "warmth", "emotional supportiveness",
      "enthusiasm", "energetic/excited tone",
      "praise_flattery", "flattery, approval, admiration, or second-person complimenting",
      "sycophancy", "agreeing with or validating the user to please them",
      "chattiness", "conversational filler or over-engagement",
      "formality", "institutional/professional register",
      "language_shift", "different language, dialect, script, or code-switching",
      "incoherence", "confusion, repetition, rambling, or degraded local sense",
      "refusal", "one side refuses or avoids the task more than the other",
      "persona_echo", "one side repeats or paraphrases the persona instruction");

  private static Map<String, String> ordered(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return java.util.Collections.unmodifiableMap(m);
  }

  /** The persona line: literal substitution of the descriptor (no article fixing), or the verbatim text. */
  public static String persona(Inputs.PersonaPair p, String template, boolean pos) {
    if (template.equals(Inputs.VERBATIM_TEMPLATE)) {
      String v = pos ? p.posPersona() : p.negPersona();
      if (v.isEmpty()) throw new io.personaknob.core.UserException("persona pair " + p.id() + ": field '" + (pos ? "pos" : "neg")
          + "_persona': missing (the verbatim template needs it)");
      return v;
    }
    return template.replace("{persona}", pos ? p.pos() : p.neg());
  }

  /** The generation prompt of one pole. */
  public static String generation(String persona, String scenario, boolean selfContained, boolean qwenNoThink) {
    String prefix = qwenNoThink ? "/no_think\n" : "";
    if (selfContained) {
      return prefix + persona + "\n\n" + scenario
          + "\n\nDo not mention the persona instruction or label yourself as the persona. Output only the answer.";
    }
    return prefix + persona + "\n\nScenario:\n" + scenario + "\n\nWhat do you do? Answer in 80-140 words. Output only the answer.";
  }

  /** The blind pairwise axis judge prompt for one target behaviour. */
  public static String axis(String target, String scenario, String a, String b) {
    return """
        You are a fresh-eyes evaluator. You do not know which persona produced which
        response. Judge only this target behavior, not style, length, eloquence,
        confidence, warmth, or which response you personally prefer.

        Scenario:
        %s

        Target behavior:
        %s

        Response A:
        %s

        Response B:
        %s

        Answer one pairwise comparison only: is Response A more target-like than
        Response B?

        For each comparison, give a 1.0 to 5.0 rating:
        1.0 = A is clearly not more target-like than B
        2.0 = A is weakly less target-like than B
        3.0 = A and B are indistinguishable or exactly tied on the target
        4.0 = A is weakly more target-like than B
        5.0 = A is clearly more target-like than B

        Use one decimal place when the evidence is between anchors. Prefer decimals
        such as 2.4, 2.7, 3.2, or 3.6 when there is any detectable difference. Use
        exactly 3.0 only when the responses are genuinely indistinguishable on the
        target behavior. Use exactly 1.0 or 5.0 only for extreme, unambiguous cases.

        Return JSON matching the provided schema:
        - target_reason: string, one short sentence
        - A_more_target_than_B: float

        Put target_reason before A_more_target_than_B in the JSON object.""".formatted(scenario, target, a, b);
  }

  /** The style judge prompt (does not see the axis). */
  public static String style(String scenario, String a, String b) {
    StringBuilder dims = new StringBuilder();
    StringBuilder fields = new StringBuilder();
    STYLE_DIMS.forEach((d, desc) -> {
      if (!dims.isEmpty()) dims.append('\n');
      dims.append("- ").append(d).append(": ").append(desc);
      if (!fields.isEmpty()) fields.append('\n');
      fields.append("- ").append(d).append("_A: float; ").append(d).append("_B: float");
    });
    return """
        You are a fresh-eyes style rater. Ignore whether either response gives better
        advice. Rate only surface style/tone. You do not know the intended axis or which
        response is preferred.

        Scenario:
        %s

        Response A:
        %s

        Response B:
        %s

        For each style dimension, rate A and B from 1.0 to 7.0 as floats. Use the same
        standard for both responses. Prefer non-round decimals such as 1.3, 2.7, 4.1,
        or 5.6 when the evidence is between anchors. Use whole numbers only when the
        answer is exactly at an anchor.

        Dimensions:
        %s

        Also flag explicit persona echo, refusal, or AI-role breaks.

        Return JSON matching the provided schema:
        - style_reason: string, one short sentence
        %s
        - persona_echo_A: bool; persona_echo_B: bool
        - refusal_or_ai_break_A: bool; refusal_or_ai_break_B: bool

        Put style_reason before numeric ratings in the JSON object.""".formatted(scenario, a, b, dims, fields);
  }

  /** The confound judge prompt (sees both behaviours, not which response is which). */
  public static String confound(Inputs.PersonaPair p, String scenario, String a, String b) {
    StringBuilder dims = new StringBuilder();
    StringBuilder fields = new StringBuilder();
    OFF_AXIS_DIMS.forEach((d, desc) -> {
      if (!dims.isEmpty()) dims.append('\n');
      dims.append("- ").append(d).append(": ").append(desc);
      if (!fields.isEmpty()) fields.append('\n');
      fields.append("- ").append(d).append("_likert: float");
    });
    return """
        You are judging whether a contrastive training pair isolates one intended axis.
        You do not know which response is positive or negative.

        Scenario:
        %s

        Intended axis:
        Positive = %s
        Negative = %s

        Response A:
        %s

        Response B:
        %s

        Question: if a model trained on many pairs like this, could it learn a nuisance
        axis instead of the intended axis?

        Rate each possible off-axis confound from 1.0 to 7.0 as floats:
        1.0 = absent/no meaningful confound; 4.0 = mixed/noticeable confound;
        7.0 = severe confound likely to dominate training.

        Prefer non-round decimals such as 1.3, 2.7, 4.1, or 5.6 when the evidence is
        between anchors. Use whole numbers only when the answer is exactly at an anchor.

        If the responses are substantively identical, rate off_axis_problem_likert 1.0.
        No contrast is not an off-axis confound; intended-axis movement is scored
        separately.

        Confounds:
        %s

        Return JSON matching the provided schema:
        - confound_reason: string, one short sentence
        %s
        - off_axis_problem_likert: float
        - likely_spurious_axis: string, "none" or a short phrase
        - usable_for_training: bool

        Put confound_reason before numeric ratings in the JSON object.

        The overall off_axis_problem_likert should summarize the worst meaningful
        confound, not the average.""".formatted(scenario, p.positiveBehavior(), p.negativeBehavior(), a, b, dims, fields);
  }

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /**
   * A strict reply schema. The library sends the types only; knob also states the ranges its validator
   * enforces (axis ratings 1.0 to 5.0 in steps of 0.1, style and confound ratings 1.0 to 7.0), so a
   * provider that constrains decoding — {@code knob serve} — can only return a usable reply.
   */
  private static ObjectNode schema(Map<String, String> props, double max, boolean step01) {
    ObjectNode s = F.objectNode();
    s.put("type", "object");
    ObjectNode p = s.putObject("properties");
    props.forEach((k, t) -> {
      ObjectNode v = p.putObject(k).put("type", t);
      if (t.equals("number")) {
        v.put("minimum", 1.0).put("maximum", max);
        if (step01) v.put("multipleOf", 0.1);
      }
    });
    var req = s.putArray("required");
    props.keySet().forEach(req::add);
    s.put("additionalProperties", false);
    return s;
  }

  /** The axis judge's reply schema. */
  public static ObjectNode axisSchema() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("target_reason", "string");
    m.put("A_more_target_than_B", "number");
    return schema(m, 5.0, true);
  }

  /** The style judge's reply schema. */
  public static ObjectNode styleSchema() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("style_reason", "string");
    for (String d : STYLE_DIMS.keySet()) {
      m.put(d + "_A", "number");
      m.put(d + "_B", "number");
    }
    for (String k : List.of("persona_echo_A", "persona_echo_B", "refusal_or_ai_break_A", "refusal_or_ai_break_B")) m.put(k, "boolean");
    return schema(m, 7.0, false);
  }

  /** The confound judge's reply schema. */
  public static ObjectNode confoundSchema() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("confound_reason", "string");
    for (String d : OFF_AXIS_DIMS.keySet()) m.put(d + "_likert", "number");
    m.put("off_axis_problem_likert", "number");
    m.put("likely_spurious_axis", "string");
    m.put("usable_for_training", "boolean");
    return schema(m, 7.0, false);
  }
}
