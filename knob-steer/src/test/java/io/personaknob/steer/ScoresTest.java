package io.personaknob.steer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The scores against the spec's worked examples, and the additions (intervals, Rasch fit, sweep) on the pilot. */
class ScoresTest {

  static final String T = "You are a {persona} person thinking through the situation.";
  static SteerStats.Result r;

  @BeforeAll
  static void compute() {
    r = SteerStats.compute(PublishedTablesTest.res("v2_pilot_seed24_examples.jsonl"),
        new SteerStats.Options(Scores.Kind.HEAD, 500, 7, true, 12, 2, 2, 40, 2));
  }

  @Test
  void headScoreOfTheWorkedCellAndTemplate() {
    ObjectNode cell = r.cellScores().stream().filter(c -> c.get("template").asText().equals(T)
        && c.get("persona_pair").asText().equals("principled_expedient")).findFirst().orElseThrow();
    assertEquals(0.4156, cell.get("on_axis").doubleValue());
    assertEquals(0.1333, cell.get("off_axis").doubleValue());
    assertEquals(36.0, cell.get("score").doubleValue());
    assertEquals(36.02, Py.round(cell.get("score_unrounded").doubleValue(), 2));
    assertEquals(0.0, cell.get("six_factor_score").doubleValue()); // pass 0, echo 1
    ObjectNode t = r.templateScores().stream().filter(x -> x.get("template").asText().equals(T)).findFirst().orElseThrow();
    assertEquals(20.8, t.get("score").doubleValue());
    assertEquals(1.37, t.get("score_t").doubleValue());
    assertEquals(20.9, t.get("hub_score").doubleValue()); // the Hub main rounds the cells first
    assertEquals(2, t.get("n_cells").asInt());
  }

  @Test
  void sixFactorScoreOfTheOlderGuideExample() {
    ObjectNode row = JsonNodeFactory.instance.objectNode();
    row.put("strict_pass_rate", 0.75).put("mean_axis_delta", 6.25).put("mean_off_axis_problem", 2.0)
        .put("mean_max_style_abs_delta", 1.5).put("persona_echo_rate", 0.0).put("refusal_or_ai_break_rate", 0.0);
    assertEquals(36.6, Scores.sixFactor(row));
    assertEquals(65.1, Py.round(Scores.head(row), 1)); // the HEAD formula on the same statistics
    row.put("mean_max_style_abs_delta", 0.0); // the `or` default: an exact 0 style mean counts as 6
    assertEquals(0.0, Scores.sixFactor(row));
  }

  @Test
  void scoreTEdgeCases() {
    assertEquals(0.0, Scores.scoreT(List.of(0.0, 0.0)));
    assertEquals(1_000_000.0, Scores.scoreT(List.of(5.0, 5.0)));
    assertEquals(2 * Math.sqrt(3), Scores.scoreT(List.of(1.0, 2.0, 3.0)), 1e-12); // mean 2, sd 1, sem 1/sqrt 3
  }

  @Test
  void bootstrapIntervalsCoverThePointAndMarkUncertainCells() {
    int uncertain = 0;
    for (ObjectNode c : r.cellScores()) {
      double s = c.get("score_unrounded").doubleValue();
      assertTrue(c.get("score_lo").doubleValue() <= s + 0.01 && s - 0.01 <= c.get("score_hi").doubleValue(), c.toString());
      if (c.get("decided").asText().equals("uncertain")) uncertain++;
    }
    assertTrue(uncertain > 0, "with two scenarios per cell some cells must straddle the line");
  }

  static ExampleRow row(String t, double[] judges, double off) {
    double mean = java.util.Arrays.stream(judges).average().orElseThrow();
    return new ExampleRow(t, "p", "s", false, false, mean, mean, 0, 0, 0, 0, 0, 0, off, off, true, 0, 0, 0, 0, 0, false, false,
        false, false, null, java.util.Map.of(), java.util.Map.of(), judges);
  }

  @Test
  void bootstrapOfAnUnvaryingCellIsItsPointAndAnySpreadWidensIt() {
    double[] iv = Uncertainty.bootstrap(List.of(row("t", new double[] {4, 4}, 1.6), row("t", new double[] {4, 4}, 1.6)), 300, 1);
    double point = Scores.head(4, 1.6);
    assertEquals(point, iv[0], 1e-12);
    assertEquals(point, iv[1], 1e-12);
    assertEquals(1.0, iv[4]); // 45.0 ≥ 31.25 in every resample
    double[] wide = Uncertainty.bootstrap(List.of(row("t", new double[] {2, 6}, 1.6), row("t", new double[] {4, 4}, 1.6)), 2000, 1);
    assertTrue(wide[0] < point && point < wide[1], java.util.Arrays.toString(wide)); // judges disagree: the interval opens
    assertTrue(wide[2] < 4 && 4 < wide[3], java.util.Arrays.toString(wide));
  }

  @Test
  void raschFitOrdersTemplatesLikeTheRawMeansButNotIdentically() {
    ObjectNode cal = r.calibration();
    assertTrue(cal.get("converged").asBoolean());
    assertEquals(240 * 2 * 4, cal.get("ratings").asInt());
    assertEquals(2, cal.get("judges").size());
    assertEquals(60, cal.get("templates").size());
    double rho = cal.get("spearman_measure_vs_raw_mean").doubleValue();
    assertTrue(rho > 0.8 && rho < 1.0, "rho " + rho);
  }

  @Test
  void aNoiselessSweepStopsAtTheStartAndIsAlwaysRight() {
    List<ExampleRow> rows = new java.util.ArrayList<>();
    for (String t : List.of("a", "b", "c")) {
      double axis = t.equals("a") ? 6 : t.equals("b") ? 1 : 3.2;
      rows.add(row(t, new double[] {axis, axis}, 1.5));
      rows.add(row(t, new double[] {axis, axis}, 1.5));
    }
    Uncertainty.Sweep s = Uncertainty.simulate(rows, 10, 2, 2, 1.96, 5, 12, 3);
    assertEquals(3 * 10 * 12, s.fullCalls(), 1e-9);
    assertEquals(3 * 2 * 12, s.adaptiveCalls(), 1e-9); // no residual spread: every interval is a point
    assertEquals(1.0, s.adaptiveAccuracy());
    assertEquals(1.0, s.fullAccuracy());
  }

  @Test
  void adaptiveSweepSavesCallsAtTheSameAccuracy() {
    ObjectNode s = r.sweep();
    assertEquals(120, s.get("cells").asInt());
    assertEquals(120L * 12 * 12, s.get("full_grid_calls").asLong());
    assertTrue(s.get("calls_saved_fraction").doubleValue() > 0.3, s.toString());
    assertTrue(s.get("adaptive_decision_accuracy").doubleValue() >= s.get("full_grid_decision_accuracy").doubleValue() - 0.02, s.toString());
  }
}
