package io.personaknob.eval.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.personaknob.core.AtomicFile;
import io.personaknob.core.Provenance;
import io.personaknob.core.UserException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything an evaluation run reports, as one JSON document ({@code report.json}); the HTML report is
 * rendered from it alone, so {@code knob report RUN} can re-render it. Keys are snake_case. Values that do
 * not exist are absent or null, never NaN.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EvalReport(
    String title,
    String runId,
    Map<String, Object> provenance,
    List<JudgeInfo> judges,
    List<String> models,
    List<String> dimensions,
    List<Score> calibrated,
    List<Score> goldens,
    List<CompositeScore> composites,
    CalibrationSummary calibration,
    List<Element> judgeSeverities,
    List<Element> items,
    List<Element> rubrics,
    List<Threshold> thresholds,
    List<SelectionScore> selection,
    List<PairwiseScore> pairwise,
    List<JudgeComparisonFit> judgeComparisons,
    List<SycophancyScore> sycophancy,
    List<RefusalScore> refusal,
    List<DpoScore> dpo,
    List<BiasScore> bias,
    Exclusions exclusions,
    List<String> notes,
    List<RubricStatus> rubricStatus,
    List<JudgeValidityScore> judgeValidity,
    List<DegenerateCount> degenerate,
    List<UnusedJudge> unusedJudges,
    String frame) {

  public EvalReport {
    provenance = provenance == null ? Map.of() : provenance;
    judges = nn(judges); models = nn(models); dimensions = nn(dimensions); calibrated = nn(calibrated);
    goldens = nn(goldens); judgeComparisons = nn(judgeComparisons);
    composites = nn(composites); judgeSeverities = nn(judgeSeverities); items = nn(items); rubrics = nn(rubrics);
    thresholds = nn(thresholds); selection = nn(selection); pairwise = nn(pairwise); sycophancy = nn(sycophancy);
    refusal = nn(refusal); dpo = nn(dpo); bias = nn(bias); notes = nn(notes);
    rubricStatus = nn(rubricStatus);
    judgeValidity = nn(judgeValidity); degenerate = nn(degenerate); unusedJudges = nn(unusedJudges);
  }

  private static <T> List<T> nn(List<T> l) { return l == null ? List.of() : List.copyOf(l); }

  /** A judge that produced numbers in this report. */
  public record JudgeInfo(String name, String description) {}

  /** A configured judge none of whose verdicts entered the report's numbers, and why. */
  public record UnusedJudge(String name, String description, String reason) {}

  /**
   * A judge's validity on one dimension in one mode ({@code pointwise} or {@code pairwise}): accuracy on
   * held-out pairs with a known order (golden ≻ reject_k on dimension k; pairwise in both presentation
   * orders), Wilson 95% interval, whether the interval lies above ½, and whether this judge's verdicts of this
   * mode on this dimension entered the calibration ({@code used}).
   */
  public record JudgeValidityScore(String judge, String dimension, String mode, int pairs, double accuracy,
      double low, double high, boolean betterThanChance, boolean used) {}

  /**
   * A model's degenerate answers (empty, invalid UTF-8, control characters, runaway repetition): never sent to
   * a judge, scored as failures. {@code reasons}: count per reason (an answer may have several).
   */
  public record DegenerateCount(String model, int answers, int degenerate, Map<String, Integer> reasons) {}

  /**
   * A calibrated measure (logits) of a model on a dimension, with the raw mean rating beside it and the raw
   * expected rating (the mean of Σ k·p(k) for ratings with the judge's distribution over 1..7, of the
   * rating itself otherwise; equal to the raw mean when no judge gave a distribution). {@code measure} is in
   * the fit's own frame, comparable only within a dimension when the design has one subset per dimension;
   * {@code relative} = measure − the golden answers' measure on the same dimension (SE √(SE² + SE_golden²)) is
   * the frame every dimension shares (0 = rated like the goldens). {@code judges}: the judges whose verdicts
   * it rests on; {@code ruleScored}: ratings set to the lowest category by the degenerate-output rule.
   */
  public record Score(String model, String dimension, Double measure, Double se, double rawMean, int count,
      Double infit, Double outfit, Double rawExpected, Double relative, Double relativeSe, List<String> judges,
      Integer ruleScored) {
    public Score {
      judges = judges == null ? null : List.copyOf(judges);
    }
    public Score(String model, String dimension, Double measure, Double se, double rawMean, int count, Double infit, Double outfit) {
      this(model, dimension, measure, se, rawMean, count, infit, outfit, null);
    }
    public Score(String model, String dimension, Double measure, Double se, double rawMean, int count, Double infit,
        Double outfit, Double rawExpected) {
      this(model, dimension, measure, se, rawMean, count, infit, outfit, rawExpected, null, null, null, null);
    }
  }

  /**
   * A rubric element {@code dimension/variant} of the calibration: its measure centred within the dimension
   * (logits; higher = harsher wording) with SE, or null with {@code status} saying why it is not estimable.
   */
  public record RubricStatus(String dimension, String variant, Double measure, Double se, int count, Double infit,
      Double outfit, Double observedAverage, String status) {}

  /**
   * Dignity = (A+T)/2 and Peer = (E+C)/2, calibrated (with SEs) and raw. The calibrated composites average
   * the golden-relative measures ({@link Score#relative}): the frame the dimensions share.
   */
  public record CompositeScore(String model, Double dignity, Double dignitySe, Double peer, Double peerSe,
      Double rawDignity, Double rawPeer) {}

  /** One element of a facet (a judge, an item, a rubric). */
  public record Element(String facet, String element, double measure, double se, int count, Double infit,
      Double outfit, Double observedAverage) {}

  public record Threshold(int category, double measure, double se) {}

  /**
   * How the calibration went. {@code ratings}: pointwise ratings used (answers and goldens), of which
   * {@code goldenRatings} rate golden answers; {@code comparisons}: pairwise answer-vs-golden judgments used
   * (null in reports written before comparisons entered the calibration).
   */
  public record CalibrationSummary(String method, boolean converged, int iterations, int ratings,
      Map<String, Double> reliability, String facets, Integer goldenRatings, Integer comparisons, Integer subsets,
      String validityPolicy) {
    public CalibrationSummary(String method, boolean converged, int iterations, int ratings,
        Map<String, Double> reliability, String facets, Integer goldenRatings, Integer comparisons) {
      this(method, converged, iterations, ratings, reliability, facets, goldenRatings, comparisons, null, null);
    }
    /** A summary without comparisons (pointwise ratings only). */
    public CalibrationSummary(String method, boolean converged, int iterations, int ratings,
        Map<String, Double> reliability, String facets) {
      this(method, converged, iterations, ratings, reliability, facets, null, null);
    }
  }

  public record SelectionScore(String model, String dimension, String method, double accuracy, double se, int pairs) {}

  /**
   * Answer against golden on one dimension: the raw win rate (ties ½) over every judge's valid comparison, and
   * from the joint calibration the expected win rate (mean model probability) and the infit/outfit of these
   * comparisons (null without a calibration).
   */
  public record PairwiseScore(String model, String dimension, double winRate, double se, int comparisons,
      Double expectedWinRate, Double infit, Double outfit) {
    public PairwiseScore(String model, String dimension, double winRate, double se, int comparisons) {
      this(model, dimension, winRate, se, comparisons, null, null, null);
    }
  }

  /**
   * One judge's answer-vs-golden comparisons under the joint calibration: observed and expected answer win
   * rates (ties ½) and the fit of its comparisons (p = σ(θ_answer − θ_golden); a judge that prefers goldens, or
   * answers, more than its own and the other judges' ratings imply shows as misfit).
   */
  public record JudgeComparisonFit(String judge, int comparisons, double winRate, double expectedWinRate,
      double infit, double outfit) {}

  /**
   * Sycophancy under pushback. With no initially correct answer the rate is undefined: {@code rate}, its bounds
   * and {@code consistency} are then null (not 0, which would read as "never sycophantic" / "never consistent").
   */
  public record SycophancyScore(String model, String dataset, Double rate, Double rateLow, Double rateHigh,
      Double consistency, int items, int initiallyCorrect, int abandoned, int initiallyIncorrect, int corrected,
      int unscorable) {

    /** The score of {@code r}, with null rates when {@code r} has no initially correct answer. */
    public static SycophancyScore of(String model, String dataset, io.personaknob.eval.bench.Sycophancy.Result r) {
      boolean d = r.rate().defined();
      return new SycophancyScore(model, dataset, d ? r.rate().rate() : null, d ? r.rate().low() : null,
          d ? r.rate().high() : null, d ? r.consistency().rate() : null, r.items(), r.initiallyCorrect(),
          r.abandoned(), r.initiallyIncorrect(), r.corrected(), r.unscorable());
    }
  }

  /**
   * Refusal calibration. A rate over no prompts (no safe or no unsafe prompt in the data, e.g. with a small
   * {@code limit}) is null with its interval, not 0.
   */
  public record RefusalScore(String model, String dataset, Double safeCompliance, Double safeComplianceLow,
      Double safeComplianceHigh, Double unsafeRefusal, Double unsafeRefusalLow, Double unsafeRefusalHigh,
      long safePrompts, long unsafePrompts, int excluded, List<String> classifiers, Double agreement,
      Map<String, Integer> safeCounts, Map<String, Integer> unsafeCounts) {}

  public record DpoScore(String model, String reference, String dimension, double beta, double accuracy,
      double margin, double marginSe, double chosen, double rejected, int pairs) {}

  /**
   * A judge × model×dimension interaction (FACETS-style bias analysis): {@code bias} logits added to the
   * cell's location, positive when the judge rates that model on that dimension higher than the measures
   * predict (e.g. self-preference); |t| ≥ 2 is usually taken as notable.
   */
  public record BiasScore(String judge, String modelDimension, double bias, double se, double t, int count) {}

  /**
   * What was left out, and why. {@code byJudge}: every verdict that did not enter the calibration, counted by
   * judge, kind and reason (failed ratings and comparisons, verdicts of a judge not better than chance, answers
   * not sent to a judge because they were degenerate).
   */
  public record Exclusions(int ratings, int invalidRatings, int itemsWithoutValidRating, List<String> reasons,
      List<ExclusionCount> byJudge) {
    public Exclusions {
      reasons = reasons == null ? List.of() : List.copyOf(reasons);
      byJudge = byJudge == null ? List.of() : List.copyOf(byJudge);
    }
    public Exclusions(int ratings, int invalidRatings, int itemsWithoutValidRating, List<String> reasons) {
      this(ratings, invalidRatings, itemsWithoutValidRating, reasons, List.of());
    }
  }

  /** One kind of exclusion: {@code count} verdicts of {@code judge} of kind {@code what}, left out for {@code reason}. */
  public record ExclusionCount(String judge, String what, String reason, int count) {}

  // ---- JSON ----

  public static ObjectMapper mapper() {
    return new ObjectMapper()
        .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .enable(SerializationFeature.INDENT_OUTPUT)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }

  public String toJson() {
    try {
      return mapper().writeValueAsString(this);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public void writeJson(Path file) {
    String s = toJson();
    AtomicFile.write(file, tmp -> Files.writeString(tmp, s));
  }

  public static EvalReport readJson(Path file) {
    try {
      return mapper().readValue(file.toFile(), EvalReport.class);
    } catch (java.io.FileNotFoundException | java.nio.file.NoSuchFileException e) {
      throw new UserException(file + ": no such file");
    } catch (IOException e) {
      throw new UserException(file + ": not a report.json: " + firstLine(e.getMessage()), e);
    }
  }

  private static String firstLine(String s) {
    if (s == null) return "";
    int i = s.indexOf('\n');
    return i < 0 ? s : s.substring(0, i);
  }

  /** Provenance as a JSON-friendly map (timestamps as ISO strings). */
  public static Map<String, Object> provenanceMap(Provenance p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("knob_version", p.version());
    m.put("java", p.javaVersion());
    m.put("os", p.os());
    m.put("created_at", p.createdAt().toString());
    m.put("config", p.config());
    m.put("data_sha256", p.dataHashes());
    m.put("versions", p.versions());
    return m;
  }

  /** A builder for the runner; lists start empty. */
  public static final class Builder {
    public String title = "personaknob evaluation";
    public String runId = "";
    public Map<String, Object> provenance = Map.of();
    public final List<JudgeInfo> judges = new ArrayList<>();
    public final List<String> models = new ArrayList<>();
    public final List<String> dimensions = new ArrayList<>();
    public final List<Score> calibrated = new ArrayList<>();
    public final List<Score> goldens = new ArrayList<>();
    public final List<CompositeScore> composites = new ArrayList<>();
    public CalibrationSummary calibration;
    public final List<Element> judgeSeverities = new ArrayList<>();
    public final List<Element> items = new ArrayList<>();
    public final List<Element> rubrics = new ArrayList<>();
    public final List<Threshold> thresholds = new ArrayList<>();
    public final List<SelectionScore> selection = new ArrayList<>();
    public final List<PairwiseScore> pairwise = new ArrayList<>();
    public final List<JudgeComparisonFit> judgeComparisons = new ArrayList<>();
    public final List<SycophancyScore> sycophancy = new ArrayList<>();
    public final List<RefusalScore> refusal = new ArrayList<>();
    public final List<DpoScore> dpo = new ArrayList<>();
    public final List<BiasScore> bias = new ArrayList<>();
    public Exclusions exclusions;
    public final List<String> notes = new ArrayList<>();
    public final List<RubricStatus> rubricStatus = new ArrayList<>();
    public final List<JudgeValidityScore> judgeValidity = new ArrayList<>();
    public final List<DegenerateCount> degenerate = new ArrayList<>();
    public final List<UnusedJudge> unusedJudges = new ArrayList<>();
    public String frame;

    public EvalReport build() {
      return new EvalReport(title, runId, provenance, judges, models, dimensions, calibrated, goldens, composites,
          calibration, judgeSeverities, items, rubrics, thresholds, selection, pairwise, judgeComparisons, sycophancy,
          refusal, dpo, bias, exclusions, notes, rubricStatus, judgeValidity, degenerate, unusedJudges, frame);
    }
  }
}
