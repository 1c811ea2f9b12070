package io.personaknob.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.core.data.Dimension;
import io.personaknob.core.data.PersonaRow;
import io.personaknob.eval.judge.DegenerateOutput;
import io.personaknob.eval.judge.Judge;
import io.personaknob.eval.judge.JudgeValidity;
import io.personaknob.eval.report.EvalReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks a judge's verdicts pass before they are used (docs/eval.md, Judge validity; Degenerate
 * outputs; Exclusions): the validity pairs a judge is asked about and how its verdicts on them are scored,
 * which (judge, dimension, mode) cells the calibration may use under the run's policy, and the tally of every
 * verdict left out, by judge, kind and reason.
 */
final class JudgeChecks {
  private JudgeChecks() {}

  /** Kinds of verdicts, as the exclusion table names them. */
  static final String RATING = "rating of an answer", GOLDEN_RATING = "rating of a golden answer",
      COMPARISON = "comparison with the golden", VALIDITY_RATING = "validity rating", VALIDITY_COMPARISON = "validity comparison";

  /** Journal key of a judge's rating of reject_d on d (a validity pair's other half; the golden's is {@code grate}). */
  static String validityRateKey(String judge, String row, Dimension d, String rubric) {
    return RunJournal.k("vrate", judge, row, EvalJudging.withRubric(d, rubric));
  }

  /**
   * Journal key of a validity comparison: {@code role} "g" when the golden is the request's answer (and reject_d
   * the other), "r" when the reject is; with the same item id the judge shows them in opposite positions.
   */
  static String validityCompareKey(String judge, String row, Dimension d, String role) {
    return RunJournal.k("vcmp", judge, row, d.name(), role);
  }

  /** The item id a judge sees for a row's validity pair (neutral: it does not say which answer is the golden). */
  static String pairItem(PersonaRow r) {
    return "pair/" + r.id();
  }

  /** Scores every judge's journalled validity verdicts; failed verdicts are tallied in {@code ex}. */
  static List<JudgeValidity.Accuracy> score(List<Judge> judges, List<PersonaRow> rows, RunJournal journal, Tally ex) {
    List<JudgeValidity.Trial> trials = new ArrayList<>();
    for (Judge j : judges) for (PersonaRow r : rows) for (Dimension d : r.mask()) {
      if (r.reject(d) == null) continue;
      if (j.rates()) for (String v : EvalJudging.rubricsOf(j, d)) {
        JsonNode g = journal.get(EvalJudging.goldenRateKey(j.name(), r.id(), d, v));
        JsonNode x = journal.get(validityRateKey(j.name(), r.id(), d, v));
        if (g == null || x == null) continue;
        if (!g.has("r") || !x.has("r")) {
          ex.add(j.name(), VALIDITY_RATING, (x.has("r") ? g : x).path("err").asText("invalid"));
          continue;
        }
        trials.add(new JudgeValidity.Trial(j.name(), d, JudgeValidity.POINTWISE, r.id(),
            JudgeValidity.pointwiseScore(g.get("r").asDouble(), x.get("r").asDouble())));
      }
      if (j.compares()) for (String role : List.of("g", "r")) {
        JsonNode w = journal.get(validityCompareKey(j.name(), r.id(), d, role));
        if (w == null) continue;
        if (!w.has("w")) {
          ex.add(j.name(), VALIDITY_COMPARISON, w.path("err").asText("invalid"));
          continue;
        }
        double s = w.get("w").asDouble();
        trials.add(new JudgeValidity.Trial(j.name(), d, JudgeValidity.PAIRWISE, r.id(), role.equals("g") ? s : 1 - s));
      }
    }
    return JudgeValidity.score(trials);
  }

  /** Which verdicts the calibration uses: per judge and mode, the dimensions it may use. */
  record Use(Map<String, Set<Dimension>> ratings, Map<String, Set<Dimension>> comparisons, boolean exclude,
      Map<String, JudgeValidity.Accuracy> byCell) {

    boolean rating(String judge, Dimension d) {
      return !exclude || ratings.getOrDefault(judge, Set.of()).contains(d);
    }

    boolean comparison(String judge, Dimension d) {
      return !exclude || comparisons.getOrDefault(judge, Set.of()).contains(d);
    }

    /** Why a cell is left out (policy exclude), e.g. "not better than chance on A (pointwise 55% [40%, 70%], 20 pairs)". */
    String why(String judge, Dimension d, String mode) {
      JudgeValidity.Accuracy a = byCell.get(judge + "|" + d + "|" + mode);
      if (a == null) return "validity not scored on " + d + " (" + mode + ": no validity pair with a valid verdict)";
      return String.format(java.util.Locale.ROOT, "not better than chance on %s (%s validity %.0f%% [%.0f%%, %.0f%%], %d pairs)",
          d, mode, 100 * a.accuracy(), 100 * a.low(), 100 * a.high(), a.pairs());
    }
  }

  static Use use(List<JudgeValidity.Accuracy> as, boolean exclude) {
    Map<String, Set<Dimension>> r = new LinkedHashMap<>(), c = new LinkedHashMap<>();
    Map<String, JudgeValidity.Accuracy> cells = new LinkedHashMap<>();
    for (JudgeValidity.Accuracy a : as) {
      cells.put(a.judge() + "|" + a.dimension() + "|" + a.mode(), a);
      if (!a.betterThanChance()) continue;
      (a.mode().equals(JudgeValidity.POINTWISE) ? r : c).computeIfAbsent(a.judge(), k -> new LinkedHashSet<>()).add(a.dimension());
    }
    return new Use(r, c, exclude, cells);
  }

  /** Counts of excluded verdicts by judge, kind and reason, in order of first appearance. */
  static final class Tally {
    final Map<List<String>, Integer> counts = new LinkedHashMap<>();

    void add(String judge, String what, String reason) {
      counts.merge(List.of(judge, what, reason), 1, Integer::sum);
    }

    int of(String judge) {
      int n = 0;
      for (var e : counts.entrySet()) if (e.getKey().get(0).equals(judge)) n += e.getValue();
      return n;
    }

    List<EvalReport.ExclusionCount> list() {
      List<EvalReport.ExclusionCount> out = new ArrayList<>();
      counts.forEach((k, n) -> out.add(new EvalReport.ExclusionCount(k.get(0), k.get(1), k.get(2), n)));
      return out;
    }
  }

  /** A model's degenerate generation answers: row id → reasons (rows with a valid answer are absent). */
  static Map<String, List<DegenerateOutput.Reason>> degenerate(String model, List<PersonaRow> rows, RunJournal journal) {
    Map<String, List<DegenerateOutput.Reason>> out = new LinkedHashMap<>();
    for (PersonaRow r : rows) {
      JsonNode a = journal.get(RunJournal.k("gen", model, r.id()));
      if (a == null) continue;
      List<DegenerateOutput.Reason> why = DegenerateOutput.check(a.asText());
      if (!why.isEmpty()) out.put(r.id(), why);
    }
    return out;
  }

  /** The report row of a model's degenerate answers. */
  static EvalReport.DegenerateCount count(String model, int answers, Map<String, List<DegenerateOutput.Reason>> deg) {
    Map<String, Integer> reasons = new LinkedHashMap<>();
    for (DegenerateOutput.Reason x : DegenerateOutput.Reason.values()) {
      int n = (int) deg.values().stream().filter(l -> l.contains(x)).count();
      if (n > 0) reasons.put(x.label(), n);
    }
    return new EvalReport.DegenerateCount(model, answers, deg.size(), reasons);
  }
}
