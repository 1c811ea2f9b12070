package io.personaknob.eval.judge;

import io.personaknob.core.data.Dimension;
import java.util.List;

/**
 * A judge of persona dimensions: rates an answer on a 1–7 scale (pointwise) and prefers one of two
 * answers (pairwise). Implementations: {@link RewardHeadJudge} (offline, embedding reward heads) and LLM
 * judges through knob-llm's judging protocol; a human judge plugs in the same way (its {@code rate} and
 * {@code compare} put the requests to a person; item ids never say which answer is the golden). Calls are
 * batched; one bad item never fails the batch: it comes back as an error. Before its verdicts are used,
 * every judge is scored on validity pairs with a known order ({@link JudgeValidity}).
 */
public interface Judge {

  /** The name shown in reports (e.g. "minilm-heads", "judge-a"). */
  String name();

  /** What kind of judge this is, e.g. "reward-head (all-MiniLM-L6-v2)" or "llm (local/tiny)". */
  String description();

  /**
   * A pointwise request. {@code rubric} is the rubric variant to rate under (one of {@link #rubricVariants});
   * null for a judge without rubrics.
   */
  record RateRequest(String itemId, String prompt, String answer, Dimension dimension, String rubric) {
    public RateRequest(String itemId, String prompt, String answer, Dimension dimension) {
      this(itemId, prompt, answer, dimension, null);
    }
  }

  /**
   * A pointwise result: rating in 1..7, or an error (rating NaN). {@code raw} is what the judge said.
   * {@code probabilities}: the judge's probability of each rating 1..7 (index k−1, summing to 1) when it
   * reported one (an LLM judge with top_logprobs), else null.
   */
  record Rating(double rating, String raw, String error, double[] probabilities) {
    public Rating(double rating, String raw, String error) {
      this(rating, raw, error, null);
    }
    public static Rating ok(double r, String raw) { return new Rating(r, raw, null); }
    public static Rating ok(double r, double[] probabilities, String raw) { return new Rating(r, raw, null, probabilities); }
    public static Rating failed(String error, String raw) { return new Rating(Double.NaN, raw, error); }
    public boolean valid() { return error == null && !Double.isNaN(rating); }
  }

  /**
   * The rubric variants this judge rates dimension {@code d} under (e.g. default and checklist for an LLM
   * judge); empty for a judge without rubrics (the reward heads), whose ratings then carry no rubric.
   */
  default java.util.List<String> rubricVariants(Dimension d) {
    return java.util.List.of();
  }

  /** A pairwise request: is {@code answer} better than {@code other} on the dimension? */
  record CompareRequest(String itemId, String prompt, String answer, String other, Dimension dimension) {}

  /** A pairwise result: 1 answer preferred, 0 other preferred, 0.5 tie; NaN with an error. */
  record Preference(double answerWins, String raw, String error) {
    public static Preference ok(double w, String raw) { return new Preference(w, raw, null); }
    public static Preference failed(String error, String raw) { return new Preference(Double.NaN, raw, error); }
    public boolean valid() { return error == null && !Double.isNaN(answerWins); }
  }

  List<Rating> rate(List<RateRequest> requests);

  /**
   * Whether this judge gives pointwise ratings. A judge that only compares (e.g. a human panel asked for
   * preferences) returns false and is then never asked to {@link #rate}; its validity is scored pairwise only.
   */
  default boolean rates() { return true; }

  /** Whether this judge compares two answers; false: never asked to {@link #compare}, validity pointwise only. */
  default boolean compares() { return true; }

  /**
   * Throws {@link io.personaknob.core.UserException} when the judge cannot be reached (e.g. its endpoint
   * went down). The runner asks after a batch with failures, so that a dead endpoint stops the run cleanly
   * instead of turning every remaining item into a recorded failure. Offline judges are always available.
   */
  default void checkAvailable() {}

  List<Preference> compare(List<CompareRequest> requests);
}
