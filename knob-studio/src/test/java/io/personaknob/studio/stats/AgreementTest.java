package io.personaknob.studio.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personaknob.studio.stats.Agreement.Interval;
import io.personaknob.studio.stats.Agreement.Metric;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The agreement statistics against published worked examples (sources in src/test/resources/README.md). */
class AgreementTest {

  /**
   * Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section E: four observers, twelve
   * units, missing values (also the "C" data of R's irr::kripp.alpha example). Published: nominal .743,
   * ordinal .815, interval .849.
   */
  static List<Map<String, String>> krippendorffC() {
    Integer[][] byObserver = {
      {1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null},
      {1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3},
      {null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null},
      {1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null},
    };
    List<Map<String, String>> units = new ArrayList<>();
    for (int u = 0; u < 12; u++) {
      Map<String, String> m = new LinkedHashMap<>();
      for (int o = 0; o < 4; o++) if (byObserver[o][u] != null) m.put("ABCD".substring(o, o + 1), byObserver[o][u].toString());
      units.add(m);
    }
    return units;
  }

  @Test
  void krippendorffAlphaMatchesThePublishedWorkedExample() {
    List<Map<String, String>> units = krippendorffC();
    assertEquals(0.743, Agreement.krippendorffAlpha(units, Metric.NOMINAL), 0.0005);
    assertEquals(0.815, Agreement.krippendorffAlpha(units, Metric.ORDINAL), 0.0005);
    assertEquals(0.849, Agreement.krippendorffAlpha(units, Metric.INTERVAL), 0.0005);
  }

  @Test
  void krippendorffAlphaIsOneForPerfectAgreementAndUndefinedWithoutVariation() {
    List<Map<String, String>> perfect = List.of(Map.of("a", "1", "b", "1"), Map.of("a", "2", "b", "2"), Map.of("a", "3"));
    assertEquals(1.0, Agreement.krippendorffAlpha(perfect, Metric.NOMINAL), 1e-12);
    assertEquals(1.0, Agreement.krippendorffAlpha(perfect, Metric.INTERVAL), 1e-12);
    assertTrue(Double.isNaN(Agreement.krippendorffAlpha(List.of(Map.of("a", "1", "b", "1")), Metric.NOMINAL)));
  }

  /**
   * Fleiss (1971) as worked on Wikipedia's "Fleiss' kappa" page: 10 subjects, 14 raters, 5 categories;
   * P̄ = 0.378, P̄_e = 0.213, κ = 0.210.
   */
  @Test
  void fleissKappaMatchesTheWorkedExample() {
    int[][] counts = {
      {0, 0, 0, 0, 14}, {0, 2, 6, 4, 2}, {0, 0, 3, 5, 6}, {0, 3, 9, 2, 0}, {2, 2, 8, 1, 1},
      {7, 7, 0, 0, 0}, {3, 2, 6, 3, 0}, {2, 5, 3, 2, 2}, {6, 5, 2, 1, 0}, {0, 2, 2, 3, 7},
    };
    assertEquals(0.210, Agreement.fleissKappa(counts), 0.0005);
  }

  /**
   * Cohen's κ, the textbook 2×2 example (Wikipedia "Cohen's kappa", 50 grant proposals): both yes 20,
   * A yes/B no 5, A no/B yes 10, both no 15: p_o = 0.7, p_e = 0.5, κ = 0.4. With two coders Fleiss' κ is
   * Scott's π, here (0.7 − 0.505)/(1 − 0.505) = 0.3939.
   */
  @Test
  void cohenKappaMatchesTheTextbookExample() {
    List<Map<String, String>> units = new ArrayList<>();
    add(units, "yes", "yes", 20);
    add(units, "yes", "no", 5);
    add(units, "no", "yes", 10);
    add(units, "no", "no", 15);
    assertEquals(0.4, Agreement.cohenKappa(units, "A", "B"), 1e-12);
    assertEquals(0.7, Agreement.percentAgreement(units), 1e-12);
    assertEquals((0.7 - 0.505) / 0.495, Agreement.fleissKappa(units), 1e-12);
    var t = Agreement.confusion(units, "A", "B");
    assertEquals(20, t.get("yes").get("yes"));
    assertEquals(5, t.get("yes").get("no"));
    assertEquals(10, t.get("no").get("yes"));
    assertEquals(15, t.get("no").get("no"));
    // nominal alpha for two coders, no missing data, is Scott's pi corrected for sample size:
    // 1 - (n-1) * sum_{c!=k} o_ck / sum_{c!=k} n_c n_k with n = 100 values, n_yes = 55, n_no = 45 and
    // o_yes,no = o_no,yes = 15 (hand computed: 1 - 99*30/(2*55*45) = 0.4)
    assertEquals(1 - 99.0 * 30 / (2 * 55 * 45), Agreement.krippendorffAlpha(units, Metric.NOMINAL), 1e-12);
  }

  private static void add(List<Map<String, String>> units, String a, String b, int times) {
    for (int i = 0; i < times; i++) units.add(Map.of("A", a, "B", b));
  }

  /** Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3 (Wilson score): 81/263 and 0/20. */
  @Test
  void wilsonIntervalMatchesNewcombe() {
    Interval a = Agreement.wilson(81, 263, Agreement.Z95);
    assertEquals(0.2553, a.low(), 0.00005);
    assertEquals(0.3662, a.high(), 0.00005);
    Interval b = Agreement.wilson(0, 20, Agreement.Z95);
    assertEquals(0.0, b.low(), 1e-12);
    assertEquals(0.1611, b.high(), 0.00005);
  }

  @Test
  void percentAgreementAveragesPairsWithinUnits() {
    // unit 1: 3 coders, two agree -> 1 of 3 pairs; unit 2: all agree -> 1; unit 3: one value, left out
    List<Map<String, String>> units = List.of(Map.of("a", "p", "b", "p", "c", "f"), Map.of("a", "f", "b", "f"), Map.of("a", "p"));
    assertEquals((1.0 / 3 + 1) / 2, Agreement.percentAgreement(units), 1e-12);
  }

  @Test
  void bootstrapIsSeededCoversTheEstimateAndNarrowsWithMoreUnits() {
    List<Map<String, String>> units = krippendorffC();
    Interval i1 = Agreement.bootstrap(units, u -> Agreement.krippendorffAlpha(u, Metric.INTERVAL), 500, 7);
    Interval i2 = Agreement.bootstrap(units, u -> Agreement.krippendorffAlpha(u, Metric.INTERVAL), 500, 7);
    assertEquals(i1, i2);
    assertTrue(i1.low() <= 0.849 && 0.849 <= i1.high(), i1.toString());
    // the same data repeated 8 times: same estimate, narrower interval
    List<Map<String, String>> big = new ArrayList<>();
    for (int r = 0; r < 8; r++) big.addAll(units);
    assertEquals(0.849, Agreement.krippendorffAlpha(big, Metric.INTERVAL), 0.01);
    Interval i3 = Agreement.bootstrap(big, u -> Agreement.krippendorffAlpha(u, Metric.INTERVAL), 500, 7);
    assertTrue(i3.high() - i3.low() < i1.high() - i1.low());
  }
}
