package io.personaknob.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import io.personaknob.core.data.PersonaRow;
import io.personaknob.eval.judge.DegenerateOutput;
import io.personaknob.eval.judge.Judge;
import io.personaknob.eval.judge.JudgeValidity;
import io.personaknob.eval.metrics.Composite;
import io.personaknob.eval.report.EvalReport;
import io.personaknob.irt.ElementStat;
import io.personaknob.irt.FacetResult;
import io.personaknob.irt.JmleEstimator;
import io.personaknob.irt.RaschFit;
import io.personaknob.irt.Subset;
import io.personaknob.irt.ThresholdStat;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The calibration part of an evaluation report (docs/eval.md, Calibration): judge validity decides which
 * verdicts may be used, degenerate answers are scored as failures without a judge, every verdict left out is
 * counted by judge and reason, the valid ratings and comparisons are fitted jointly with knob-irt, and every
 * score is expressed relative to the golden answers of its dimension — the one frame all dimensions share.
 */
final class Calibration {
  private Calibration() {}

  /** The rating a degenerate answer gets from every judge whose verdicts on the dimension are used. */
  static final int FAILURE = 1;

  static void run(EvalState run, EvalReport.Builder b, LinkedHashSet<Dimension> dims) {
    EvalConfig cfg = run.cfg;
    RunJournal journal = run.journal;
    List<Judge> judges = run.judges;
    List<String> notes = run.notes;
    JudgeChecks.Tally ex = new JudgeChecks.Tally();

    // 1. judge validity: which (judge, dimension, mode) cells the calibration may use
    List<JudgeValidity.Accuracy> acc = JudgeChecks.score(judges, run.validityRows, journal, ex);
    JudgeChecks.Use use = JudgeChecks.use(acc, cfg.validity().exclude());
    for (JudgeValidity.Accuracy a : acc)
      b.judgeValidity.add(new EvalReport.JudgeValidityScore(a.judge(), a.dimension().name(), a.mode(), a.pairs(), a.accuracy(),
          a.low(), a.high(), a.betterThanChance(),
          a.mode().equals(JudgeValidity.POINTWISE) ? use.rating(a.judge(), a.dimension()) : use.comparison(a.judge(), a.dimension())));
    if (run.validityRows != run.evalRows && !run.validityRows.equals(run.evalRows))
      notes.add("Judge validity was scored on " + run.validityRows.size() + " rows of the evaluated split (judge_validity.rows), the scores on "
          + run.evalRows.size() + ".");

    // 2. degenerate answers: never sent to a judge, scored as failures
    Map<String, Map<String, List<DegenerateOutput.Reason>>> deg = new LinkedHashMap<>();
    for (EvalConfig.ModelSpec m : cfg.models()) {
      Map<String, List<DegenerateOutput.Reason>> d = JudgeChecks.degenerate(m.name(), run.evalRows, journal);
      deg.put(m.name(), d);
      int answers = (int) run.evalRows.stream().filter(r -> journal.has(RunJournal.k("gen", m.name(), r.id()))).count();
      if (answers > 0) b.degenerate.add(JudgeChecks.count(m.name(), answers, d));
      if (!d.isEmpty()) notes.add(m.name() + ": " + d.size() + " of " + answers + " answers are degenerate (" + String.join(", ",
          JudgeChecks.count(m.name(), answers, d).reasons().entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList())
          + "): they were not sent to any judge and are scored as failures — rating " + FAILURE + " (the lowest category) from every"
          + " judge whose ratings of the dimension are used, and a loss in every comparison with the golden.");
    }

    // 3. the verdicts, each either used or counted as excluded
    RubricFacet rd = new RubricFacet();
    int total = 0, invalid = 0, goldenRatings = 0;
    Map<String, double[]> raw = new LinkedHashMap<>(); // owner|dim -> sum, n, sum of expected ratings
    Map<String, double[]> wins = new LinkedHashMap<>();
    Map<String, Integer> errors = new LinkedHashMap<>();
    Map<String, Set<String>> restsOn = new HashMap<>(); // owner|dim -> judges whose verdicts it uses
    Map<String, Integer> ruleScored = new HashMap<>();  // model|dim -> ratings set by the degenerate rule
    Set<String> used = new LinkedHashSet<>();
    List<Object[]> comparisons = new ArrayList<>(); // judge, answer element, golden element, score (genuine verdicts)
    int itemsWithout = 0;
    for (EvalConfig.ModelSpec m : cfg.models()) for (PersonaRow r : run.evalRows) {
      boolean any = false, seen = false;
      boolean failed = deg.get(m.name()).containsKey(r.id());
      for (Dimension d : r.mask()) for (Judge j : judges) {
        String answer = m.name() + "·" + d.name(), golden = EvalJudging.GOLDEN + "·" + d.name(), cell = m.name() + "|" + d.name();
        if (failed) {
          if (j.rates() && use.rating(j.name(), d)) for (String rubric : EvalJudging.rubricsOf(j, d)) {
            rd.add(answer, d, j.name(), r.id(), rubric == null ? EvalJudging.noRubric(j) : rubric, rubric != null, FAILURE, null);
            double[] s = raw.computeIfAbsent(cell, x -> new double[3]);
            s[0] += FAILURE; s[1]++; s[2] += FAILURE;
            ruleScored.merge(cell, 1, Integer::sum);
            any = seen = true;
          }
          if (j.compares() && use.comparison(j.name(), d)) {
            rd.compare(answer, golden, d, 0);
            double[] s = wins.computeIfAbsent(cell, x -> new double[2]);
            s[1]++;
          }
          continue;
        }
        if (j.rates()) for (String rubric : EvalJudging.rubricsOf(j, d)) {
          JsonNode v = journal.get(EvalJudging.rateKey(j.name(), m.name(), r.id(), d, rubric));
          if (v == null) continue;
          seen = true;
          total++;
          if (!v.has("r")) {
            invalid++;
            String err = v.path("err").asText("invalid");
            errors.merge(j.name() + ": " + err, 1, Integer::sum);
            ex.add(j.name(), JudgeChecks.RATING, err);
            continue;
          }
          if (!use.rating(j.name(), d)) { ex.add(j.name(), JudgeChecks.RATING, use.why(j.name(), d, JudgeValidity.POINTWISE)); continue; }
          addRating(rd, raw, m.name(), d, j, r.id(), rubric, v);
          restsOn.computeIfAbsent(cell, x -> new LinkedHashSet<>()).add(j.name());
          used.add(j.name());
          any = true;
        }
        if (!j.compares()) continue;
        JsonNode w = journal.get(RunJournal.k("cmp", j.name(), m.name(), r.id(), d.name()));
        if (w == null) continue;
        if (!w.has("w")) { ex.add(j.name(), JudgeChecks.COMPARISON, w.path("err").asText("invalid")); continue; }
        if (!use.comparison(j.name(), d)) { ex.add(j.name(), JudgeChecks.COMPARISON, use.why(j.name(), d, JudgeValidity.PAIRWISE)); continue; }
        double[] s = wins.computeIfAbsent(cell, x -> new double[2]);
        s[0] += w.get("w").asDouble(); s[1]++;
        // the answer against the golden of its dimension: a paired comparison in the joint fit
        rd.compare(answer, golden, d, w.get("w").asDouble());
        comparisons.add(new Object[] {j.name(), answer, golden, w.get("w").asDouble()});
        restsOn.computeIfAbsent(cell, x -> new LinkedHashSet<>()).add(j.name());
        used.add(j.name());
      }
      if (seen && !any) itemsWithout++;
    }
    // the golden answers, rated pointwise like the answers (same judges, items and wordings)
    for (PersonaRow r : run.evalRows) for (Dimension d : r.mask()) for (Judge j : judges) {
      if (!j.rates()) continue;
      for (String rubric : EvalJudging.rubricsOf(j, d)) {
        JsonNode v = journal.get(EvalJudging.goldenRateKey(j.name(), r.id(), d, rubric));
        if (v == null) continue;
        total++;
        if (!v.has("r")) {
          invalid++;
          String err = v.path("err").asText("invalid");
          errors.merge(j.name() + " (golden): " + err, 1, Integer::sum);
          ex.add(j.name(), JudgeChecks.GOLDEN_RATING, err);
          continue;
        }
        if (!use.rating(j.name(), d)) { ex.add(j.name(), JudgeChecks.GOLDEN_RATING, use.why(j.name(), d, JudgeValidity.POINTWISE)); continue; }
        addRating(rd, raw, EvalJudging.GOLDEN, d, j, r.id(), rubric, v);
        restsOn.computeIfAbsent(EvalJudging.GOLDEN + "|" + d.name(), x -> new LinkedHashSet<>()).add(j.name());
        used.add(j.name());
        goldenRatings++;
      }
    }
    List<String> reasons = new ArrayList<>();
    errors.forEach((e, n) -> reasons.add(n + "× " + e));
    b.exclusions = new EvalReport.Exclusions(total, invalid, itemsWithout, reasons, ex.list());

    // "Numbers produced by": only judges some of whose verdicts were used; the others with the reason
    List<EvalReport.JudgeInfo> producers = new ArrayList<>();
    for (Judge j : judges) {
      if (used.contains(j.name())) { producers.add(new EvalReport.JudgeInfo(j.name(), j.description())); continue; }
      List<String> why = new ArrayList<>();
      ex.counts.forEach((k, n) -> { if (k.get(0).equals(j.name())) why.add(n + "× " + k.get(1) + ": " + k.get(2)); });
      b.unusedJudges.add(new EvalReport.UnusedJudge(j.name(), j.description(), why.isEmpty()
          ? "no verdict of this judge was recorded (every answer it would have seen was degenerate, or it rated nothing)"
          : "none of its verdicts entered the numbers: " + String.join("; ", why.subList(0, Math.min(4, why.size())))
              + (why.size() > 4 ? "; …" : "")));
    }
    b.judges.addAll(0, producers);
    for (Dimension d : dims) {
      boolean any = judges.stream().anyMatch(j -> (j.rates() && use.rating(j.name(), d)) || (j.compares() && use.comparison(j.name(), d)));
      if (!any) notes.add("Dimension " + d + ": no judge was shown better than chance on it (judge validity), so its ratings and"
          + " comparisons were left out and " + d + " has no calibrated score.");
    }
    if (!cfg.validity().exclude() && b.judgeValidity.stream().anyMatch(v -> v.used() && !v.betterThanChance()))
      notes.add("Judge validity policy 'flag': verdicts of judges not shown better than chance were used; the scores that rest on them are marked.");

    // 4. the joint fit
    RaschFit fit = null;
    RubricFacet.Result rubricFit = null;
    int pairwise = rd.comparisons();
    if (rd.rows() > 0 || pairwise > 0) {
      try {
        rubricFit = rd.fit();
        fit = rubricFit.fit();
      } catch (UserException e) {
        notes.add("Calibration was not possible: " + e.getMessage() + " Raw means and win rates are reported alone.");
      }
    }
    for (EvalConfig.ModelSpec m : cfg.models()) for (Dimension d : dims) {
      double[] s = wins.get(m.name() + "|" + d.name());
      if (s == null) continue;
      double wr = s[0] / s[1];
      io.personaknob.irt.ComparisonStat c = fit == null ? null : fit.comparison(m.name() + "·" + d.name());
      Double expected = c == null || !(c.estimationCount() > 0) ? null : c.expectedWins() / c.estimationCount();
      b.pairwise.add(new EvalReport.PairwiseScore(m.name(), d.name(), wr, Math.sqrt(wr * (1 - wr) / s[1]), (int) s[1],
          expected, expected == null ? null : c.infit(), expected == null ? null : c.outfit()));
    }
    if (fit != null) judgeComparisonFit(b, fit, comparisons);
    if (fit != null) {
      Map<String, Double> rel = new LinkedHashMap<>();
      // the rubric facet's elements are anchored in the fit (then re-centred): its reliability would mislead
      for (FacetResult f : fit.facets()) if (f.reliability() != null && !f.name().equals(RubricFacet.FACET)) rel.put(f.name(), f.reliability().reliability());
      b.calibration = new EvalReport.CalibrationSummary("many-facet Rasch, JMLE (knob-irt), Andrich rating scale 1–7"
          + (pairwise > 0 ? " jointly with Rasch–Bradley–Terry paired comparisons (answer vs golden, ties ½)" : ""),
          fit.converged(), fit.iterations(), rd.ratings(), rel,
          "model×dimension (ability; goldens as golden·<dim>), judge (severity), item (difficulty), rubric (wording, nested in dimension)",
          goldenRatings, pairwise, fit.subsets().size(), cfg.validity().policy());
      for (RubricFacet.Variant v : rubricFit.variants()) {
        b.rubricStatus.add(new EvalReport.RubricStatus(v.dimension(), v.variant(), v.measure(), v.se(),
            (int) Math.round(v.count()), v.infit(), v.outfit(), v.observedAverage(), v.status()));
        if (v.measure() != null) b.rubrics.add(new EvalReport.Element(RubricFacet.FACET, RubricFacet.element(Dimension.valueOf(v.dimension()), v.variant()),
            v.measure(), v.se(), (int) Math.round(v.count()), v.infit(), v.outfit(), v.observedAverage()));
      }
      if (rd.rows() > rd.ratings()) notes.add("Calibration: " + rd.ratings() + " ratings entered the fit as " + rd.rows()
          + " rows: an LLM judge's rating with top_logprobs counts as its distribution over 1–7 (one row per category, weighted by its probability).");
      // knob-irt's disconnection warning is replaced by the one note below, which says what it means here
      for (String w : fit.warnings()) if (!w.contains("disconnected")) notes.add("Calibration: " + w);
      if (!fit.converged()) notes.add("Calibration: JMLE stopped after " + fit.iterations() + " iterations without meeting the convergence criteria; treat the measures as approximate.");
      if (!fit.connected()) notes.add(disconnected(fit));
      b.frame = FRAME;
      if (judges.size() > 1) {
        try {
          RaschFit withBias = JmleEstimator.withBias(fit, "judge", "model_dimension");
          for (var t : withBias.bias())
            if (Double.isFinite(t.bias()) && Double.isFinite(t.se()) && Double.isFinite(t.t()))
              b.bias.add(new EvalReport.BiasScore(t.elementA(), t.elementB(), t.bias(), t.se(), t.t(), (int) Math.round(t.count())));
        } catch (UserException e) {
          notes.add("Bias analysis (judge × model·dimension) not possible: " + e.getMessage());
        }
      }
      for (ElementStat e : fit.facet("judge").elements())
        b.judgeSeverities.add(new EvalReport.Element("judge", e.element(), e.measure(), e.se(), (int) Math.round(e.count()), e.infit(), e.outfit(), e.observedAverage()));
      for (ElementStat e : fit.facet("item").elements())
        b.items.add(new EvalReport.Element("item", e.element(), e.measure(), e.se(), (int) Math.round(e.count()), e.infit(), e.outfit(), e.observedAverage()));
      for (ThresholdStat t : fit.thresholds())
        if (t.measure() != null) b.thresholds.add(new EvalReport.Threshold(t.category(), t.measure(), t.se() == null ? 0 : t.se()));
    }

    // 5. scores, relative to the goldens of their dimension
    Map<Dimension, ElementStat> goldenOf = new EnumMap<>(Dimension.class);
    for (Dimension d : dims) {
      double[] s = raw.get(EvalJudging.GOLDEN + "|" + d.name());
      if (s == null) continue;
      // on the same (re-centred) scale as the answers' abilities
      ElementStat e = rubricFit == null ? null : rubricFit.ability(EvalJudging.GOLDEN + "·" + d.name());
      if (e != null) goldenOf.put(d, e);
      b.goldens.add(new EvalReport.Score(EvalJudging.GOLDEN, d.name(), e == null ? null : e.measure(), e == null ? null : e.se(),
          s[0] / s[1], (int) s[1], e == null ? null : e.infit(), e == null ? null : e.outfit(), s[2] / s[1],
          e == null ? null : 0.0, null, judgesOf(judges, restsOn.get(EvalJudging.GOLDEN + "|" + d.name())), 0));
    }
    for (EvalConfig.ModelSpec m : cfg.models()) {
      Map<Dimension, double[]> cal = new EnumMap<>(Dimension.class);
      Map<Dimension, Double> rawMean = new EnumMap<>(Dimension.class);
      for (Dimension d : dims) {
        String cell = m.name() + "|" + d.name();
        double[] s = raw.get(cell);
        if (s == null) continue;
        rawMean.put(d, s[0] / s[1]);
        ElementStat e = rubricFit == null ? null : rubricFit.ability(m.name() + "·" + d.name());
        ElementStat g = goldenOf.get(d);
        Double relative = e == null || g == null ? null : e.measure() - g.measure();
        Double relSe = relative == null ? null : Math.sqrt(e.se() * e.se() + g.se() * g.se());
        if (relative != null) cal.put(d, new double[] {relative, relSe});
        b.calibrated.add(new EvalReport.Score(m.name(), d.name(), e == null ? null : e.measure(), e == null ? null : e.se(),
            s[0] / s[1], (int) s[1], e == null ? null : e.infit(), e == null ? null : e.outfit(), s[2] / s[1], relative, relSe,
            judgesOf(judges, restsOn.get(cell)), ruleScored.getOrDefault(cell, 0)));
      }
      Double dig = null, digSe = null, peer = null, peerSe = null, rd2 = null, rp = null;
      if (cal.containsKey(Dimension.A) && cal.containsKey(Dimension.T)) {
        Composite c = Composite.mean2(cal.get(Dimension.A)[0], cal.get(Dimension.A)[1], cal.get(Dimension.T)[0], cal.get(Dimension.T)[1]);
        dig = c.value(); digSe = c.se();
      }
      if (cal.containsKey(Dimension.E) && cal.containsKey(Dimension.C)) {
        Composite c = Composite.mean2(cal.get(Dimension.E)[0], cal.get(Dimension.E)[1], cal.get(Dimension.C)[0], cal.get(Dimension.C)[1]);
        peer = c.value(); peerSe = c.se();
      }
      if (rawMean.containsKey(Dimension.A) && rawMean.containsKey(Dimension.T)) rd2 = (rawMean.get(Dimension.A) + rawMean.get(Dimension.T)) / 2;
      if (rawMean.containsKey(Dimension.E) && rawMean.containsKey(Dimension.C)) rp = (rawMean.get(Dimension.E) + rawMean.get(Dimension.C)) / 2;
      if (dig != null || peer != null || rd2 != null || rp != null)
        b.composites.add(new EvalReport.CompositeScore(m.name(), dig, digSe, peer, peerSe, rd2, rp));
    }
  }

  /** What the report's scores mean (the frame every dimension shares). */
  static final String FRAME = "Scores are logits relative to the golden answers of the same dimension: θ(model·d) − θ(golden·d),"
      + " SE √(SE² + SE_golden²). 0 means rated like the goldens, negative below them. Every judge rates the goldens on every"
      + " dimension, so this is the frame the dimensions share: dimensions are compared, and Dignity = (A+T)/2 and"
      + " Peer = (E+C)/2 are formed, only in it.";

  /** The one note on a disconnected design: how many subsets, which dimensions each holds, and what follows. */
  static String disconnected(RaschFit fit) {
    List<String> parts = new ArrayList<>();
    for (Subset s : fit.subsets()) {
      TreeSet<String> ds = new TreeSet<>();
      for (String e : s.elements().getOrDefault("model_dimension", List.of())) ds.add(e.substring(e.lastIndexOf('·') + 1));
      for (String e : s.elements().getOrDefault(RubricFacet.FACET, List.of())) ds.add(e.substring(0, e.indexOf('/')));
      parts.add(ds.isEmpty() ? "subset " + s.id() : String.join("+", ds));
    }
    return String.format(Locale.ROOT, "Calibration: the design is disconnected into %d subsets (%s): within each, one shift of every"
        + " ability (and wording) leaves all expected ratings unchanged, so the fit's own measures of different subsets are not"
        + " comparable — a model's A measure and its T measure, as they stand, are on different scales. This report therefore"
        + " shows every score relative to the golden answers of its dimension (a difference within one subset, which the design"
        + " does determine) and combines dimensions only in that frame.", fit.subsets().size(), String.join(", ", parts));
  }

  /** The judges of {@code names}, in the run's judge order. */
  static List<String> judgesOf(List<Judge> judges, Set<String> names) {
    if (names == null) return List.of();
    return judges.stream().map(Judge::name).filter(names::contains).toList();
  }

  /** A journalled distribution over 1..7, or null. */
  static double[] probabilities(JsonNode p) {
    if (p == null || !p.isArray() || p.size() != 7) return null;
    double[] out = new double[7];
    for (int i = 0; i < 7; i++) out[i] = p.get(i).asDouble();
    return out;
  }

  /**
   * Per judge, its answer-vs-golden comparisons under the joint fit: p = σ(θ_answer − θ_golden) from the
   * calibrated measures; infit Σ(x − p)²/Σ p(1 − p), outfit mean of (x − p)²/(p(1 − p)).
   */
  static void judgeComparisonFit(EvalReport.Builder b, RaschFit fit, List<Object[]> comparisons) {
    Map<String, double[]> acc = new LinkedHashMap<>(); // n, Σx, Σp, ΣW, Σy², Σz²
    var facet = fit.facet("model_dimension");
    for (Object[] c : comparisons) {
      ElementStat a = facet.element((String) c[1]), g = facet.element((String) c[2]);
      if (a == null || g == null) continue;
      double p = 1 / (1 + Math.exp(-(a.measure() - g.measure())));
      double x = (Double) c[3], var = p * (1 - p);
      double[] s = acc.computeIfAbsent((String) c[0], k -> new double[6]);
      s[0]++; s[1] += x; s[2] += p; s[3] += var; s[4] += (x - p) * (x - p);
      s[5] += var > 1e-12 ? (x - p) * (x - p) / var : 0;
    }
    acc.forEach((j, s) -> b.judgeComparisons.add(new EvalReport.JudgeComparisonFit(j, (int) s[0], s[1] / s[0], s[2] / s[0],
        s[3] > 0 ? s[4] / s[3] : 1, s[5] / s[0])));
  }

  /** One valid journalled rating (of an answer, or of a golden with owner GOLDEN) into the fit and the raw means. */
  static void addRating(RubricFacet rd, Map<String, double[]> raw, String owner, Dimension d, Judge j, String item,
      String rubric, JsonNode v) {
    int rating = (int) Math.round(v.get("r").asDouble());
    double[] p = probabilities(v.get("p"));
    rd.add(owner + "·" + d.name(), d, j.name(), item, rubric == null ? EvalJudging.noRubric(j) : rubric, rubric != null, rating, p);
    double[] s = raw.computeIfAbsent(owner + "|" + d.name(), x -> new double[3]);
    s[0] += rating; s[1]++;
    if (p == null) s[2] += rating; else for (int q = 0; q < 7; q++) s[2] += (q + 1) * p[q];
  }
}
