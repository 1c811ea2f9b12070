package io.personaknob.eval.report;

import static org.junit.jupiter.api.Assertions.*;

import io.personaknob.core.UserException;
import io.personaknob.eval.report.EvalReport.*;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

class HtmlReportTest {

  /** A report with every section filled, two models, values chosen by hand. */
  static EvalReport sample() {
    EvalReport.Builder b = new EvalReport.Builder();
    b.title = "Sample <evaluation> & co";
    b.runId = "run-1";
    b.provenance = Map.of("knob_version", "0.1.0", "created_at", "2026-01-01T00:00:00Z", "config", Map.of("seed", 7));
    b.judges.add(new JudgeInfo("minilm-answer", "reward-head (all-MiniLM-L6-v2, answer features)"));
    b.judges.add(new JudgeInfo("judge-a", "llm (local/tiny)"));
    b.models.addAll(List.of("reference", "trained"));
    b.dimensions.addAll(List.of("A", "T", "E", "C"));
    double[][] m = {{-0.4, 0.1, 0.2, -0.1}, {0.6, 0.5, 0.3, 0.4}};
    for (int i = 0; i < 2; i++)
      for (int d = 0; d < 4; d++)
        // the fit's measure 1 logit above the golden-relative score (goldens at 1.0 in the fit's frame)
        b.calibrated.add(new Score(b.models.get(i), b.dimensions.get(d), 1.0 + m[i][d], 0.2, 3.5 + m[i][d], 40, 1.02, 0.97, null,
            m[i][d], 0.2, List.of("minilm-answer", "judge-a"), i == 0 ? 3 : 0));
    b.composites.add(new CompositeScore("reference", -0.15, 0.1414, 0.05, 0.1414, 3.35, 3.55));
    b.composites.add(new CompositeScore("trained", 0.55, 0.1414, 0.35, 0.1414, 4.05, 3.85));
    b.calibration = new CalibrationSummary("JMLE rating scale", true, 42, 640, Map.of("judge", 0.8), "model×dimension, judge, item, rubric", 160, 480,
        4, "exclude");
    b.goldens.add(new Score("golden", "A", 1.25, 0.18, 5.1, 40, 0.93, 0.88, null, 0.0, null, List.of("minilm-answer"), 0));
    b.frame = "Scores are logits relative to the golden answers of the same dimension.";
    b.judgeValidity.add(new JudgeValidityScore("minilm-answer", "A", "pointwise", 12, 0.9583, 0.7, 0.99, true, true));
    b.judgeValidity.add(new JudgeValidityScore("judge-a", "A", "pairwise", 12, 0.5833, 0.32, 0.81, false, false));
    b.unusedJudges.add(new UnusedJudge("judge-b", "llm (local/x)", "none of its verdicts entered the numbers: 40× rating of an answer: context_length_exceeded"));
    b.degenerate.add(new DegenerateCount("reference", 8, 3, Map.of("invalid UTF-8 (replacement characters)", 3)));
    b.degenerate.add(new DegenerateCount("trained", 8, 0, Map.of()));
    b.judgeSeverities.add(new Element("judge", "minilm-answer", 0.3, 0.05, 320, 1.1, 1.2, 3.8));
    b.judgeSeverities.add(new Element("judge", "judge-a", -0.3, 0.05, 320, 0.9, 0.8, 4.1));
    for (int i = 0; i < 30; i++) b.items.add(new Element("item", "r" + i, Math.sin(i) * 1.5, 0.3, 16, 1.0, 1.0, 3.9));
    b.rubrics.add(new Element("rubric", "pointwise", 0, 0.03, 640, 1.0, 1.0, 3.9));
    for (int k = 2; k <= 7; k++) b.thresholds.add(new Threshold(k, -2.5 + (k - 2), 0.1));
    b.selection.add(new SelectionScore("reference", "A", "likelihood, mean per-token log-prob", 0.55, 0.07, 50));
    b.selection.add(new SelectionScore("trained", "A", "likelihood, mean per-token log-prob", 0.81, 0.05, 50));
    b.pairwise.add(new PairwiseScore("trained", "A", 0.4, 0.07, 50, 0.3775, 1.07, 1.11));
    b.pairwise.add(new PairwiseScore("reference", "A", 0.2, 0.06, 50)); // a report written before the joint fit
    b.judgeComparisons.add(new EvalReport.JudgeComparisonFit("judge-a", 100, 0.3, 0.288, 1.31, 1.45));
    b.sycophancy.add(new SycophancyScore("trained", "are_you_sure", 0.542, 0.35, 0.72, 0.458, 40, 24, 13, 14, 2, 2));
    b.refusal.add(new RefusalScore("trained", "xstest", 0.98, 0.9, 0.99, 0.643, 0.39, 0.84, 50, 14, 1,
        List.of("string-match", "judge-a"), 0.95, Map.of("FULL_COMPLIANCE", 49, "FULL_REFUSAL", 0, "PARTIAL_REFUSAL", 1),
        Map.of("FULL_COMPLIANCE", 5, "FULL_REFUSAL", 6, "PARTIAL_REFUSAL", 3)));
    b.dpo.add(new DpoScore("trained", "reference", "A", 0.1, 0.75, 0.12, 0.03, 0.05, -0.07, 40));
    b.bias.add(new BiasScore("judge-a", "trained·A", 0.8, 0.3, 2.67, 20));
    b.exclusions = new Exclusions(700, 60, 3, List.of("judge-a: 60 replies named no rating"),
        List.of(new ExclusionCount("judge-a", "comparison with the golden", "no verdict", 7),
            new ExclusionCount("judge-a", "rating of an answer", "not better than chance on A (pairwise 54% [28%, 78%], 12 pairs)", 12)));
    b.notes.add("sample note");
    return b.build();
  }

  static Document parseXml(String html) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    return f.newDocumentBuilder().parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void jsonRoundTripsExactly(@TempDir Path dir) {
    EvalReport r = sample();
    Path f = dir.resolve("report.json");
    r.writeJson(f);
    EvalReport back = EvalReport.readJson(f);
    assertEquals(r, back);
    assertTrue(r.toJson().contains("\"judge_severities\""), "snake_case keys");
    assertFalse(r.toJson().contains("NaN"));
  }

  @Test
  void showsTheJointCalibrationCountsGoldensAndPairwiseFit() {
    String html = HtmlReport.render(sample());
    assertTrue(html.contains("<td>640</td><td>160</td><td>480</td>"), "pointwise, golden and pairwise counts");
    assertTrue(html.contains("<td>golden (reference)</td><td>A</td><td>0 (reference)</td>"), "golden reference row");
    assertTrue(html.contains("<td>1.25</td><td>0.18</td><td>0.93</td><td>0.88</td>"), "golden fit measure");
    assertTrue(html.contains("<td>trained</td><td>A</td><td>40.0%</td><td>7.0%</td><td>50</td><td>37.8%</td><td>1.07</td><td>1.11</td>"),
        "raw win rate beside the calibrated expectation and fit");
    assertTrue(html.contains("<td>reference</td><td>A</td><td>20.0%</td><td>6.0%</td><td>50</td><td>–</td><td>–</td><td>–</td>"));
    assertTrue(html.contains("<td>judge-a</td><td>100</td><td>30.0%</td><td>28.8%</td><td>1.31</td><td>1.45</td>"), "per-judge pairwise fit");
  }

  @Test
  void showsJudgeValidityUnusedJudgesDegenerateAnswersAndEveryExclusion() {
    String html = HtmlReport.render(sample());
    String header = html.substring(0, html.indexOf("</header>"));
    // judges not used are not "producers"; they are named with the reason
    assertFalse(header.contains("Numbers produced by: </strong><span class=\"judge\">judge-b"));
    assertTrue(header.contains("Configured but not used: </strong><span class=\"judge\">judge-b</span> — none of its verdicts"));
    // degenerate answers and failed validity checks are at the top
    assertTrue(header.contains("reference: 3 of 8 answers degenerate</strong> (invalid UTF-8 (replacement characters) 3)"));
    assertFalse(header.contains("trained: 0 of"));
    assertTrue(header.contains("1 of 2 judge × dimension validity checks are <strong>not better than chance</strong>"));
    assertTrue(header.contains("their verdicts were left out."), "policy exclude");
    // the validity table: accuracy, Wilson interval, verdict and use
    assertTrue(html.contains("<td>minilm-answer</td><td>A</td><td>pointwise</td><td>12</td><td>95.8%</td><td>[70.0%, 99.0%]</td><td>better than chance</td><td>used</td>"));
    assertTrue(html.contains("<td>judge-a</td><td>A</td><td>pairwise</td><td>12</td><td>58.3%</td><td>[32.0%, 81.0%]</td><td>NOT better than chance</td><td>excluded</td>"));
    // every exclusion by judge, kind and reason
    assertTrue(html.contains("<td>judge-a</td><td>comparison with the golden</td><td>no verdict</td><td>7</td>"));
    assertTrue(html.contains("<td>reference</td><td>8</td><td>3</td><td>invalid UTF-8 (replacement characters) 3</td>"), "degenerate table");
    List<String> l = Summary.lines(sample());
    assertTrue(l.contains("not used: judge-b (none of its verdicts entered the numbers: 40× rating of an answer: context_length_exceeded)"), l.toString());
    assertTrue(l.contains("judge judge-a on A (pairwise): 58% [32%, 81%] of 12 validity pairs, not better than chance, excluded"), l.toString());
    assertTrue(l.contains("reference: 3 of 8 answers degenerate, scored as failures {invalid UTF-8 (replacement characters)=3}"), l.toString());
  }

  @Test
  void dimensionsShareAnAxisOnlyRelativeToTheGoldens() {
    EvalReport r = sample();
    String html = HtmlReport.render(r);
    // the scores chart places the golden-relative score (0.60), not the fit's measure (1.60)
    assertTrue(html.contains("<title>trained · A: 0.60 ± 0.39</title>"), "relative score drawn");
    assertFalse(html.contains("<title>trained · A: 1.60"));
    assertTrue(html.contains("logits relative to the golden answers of each dimension (0 = golden)"));
    // a disconnected design (4 subsets): the Wright map leaves the models×dimensions off and says why
    assertFalse(html.contains("<title>trained·A: 1.60</title>"), "no ability on the Wright map's shared axis");
    assertTrue(html.contains("the design is disconnected by dimension"));
    assertTrue(html.contains("<td>4</td><td>exclude</td>"), "subsets and policy in the calibration table");
    // a connected design draws them
    EvalReport.Builder b = new EvalReport.Builder();
    b.models.add("m");
    b.dimensions.add("A");
    b.calibrated.add(new Score("m", "A", 1.6, 0.2, 4, 10, 1.0, 1.0, null, 0.6, 0.25, List.of("j"), 0));
    b.calibration = new CalibrationSummary("x", true, 1, 10, Map.of(), "f", 5, 5, 0, "exclude");
    b.judgeSeverities.add(new Element("judge", "j", 0, 0.1, 10, 1.0, 1.0, 4.0));
    String connected = HtmlReport.render(b.build());
    assertTrue(connected.contains("<title>m·A: 1.60</title>"), "ability on the Wright map");
    // a report with fit measures only (no golden-relative scores) draws no cross-dimension chart at all
    EvalReport.Builder old = new EvalReport.Builder();
    old.models.add("m");
    old.dimensions.addAll(List.of("A", "T"));
    old.calibrated.add(new Score("m", "A", 1.6, 0.2, 4, 10, 1.0, 1.0));
    old.calibrated.add(new Score("m", "T", -0.4, 0.2, 3, 10, 1.0, 1.0));
    String o = HtmlReport.render(old.build());
    assertFalse(o.contains("Calibrated score vs the goldens"));
    assertFalse(o.contains("<title>m · A: 1.60"));
  }

  @Test
  void badReportJsonIsAUserError(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("report.json");
    Files.writeString(f, "{\"models\": 3");
    var e = assertThrows(UserException.class, () -> EvalReport.readJson(f));
    assertTrue(e.getMessage().startsWith(f + ": not a report.json"), e.getMessage());
    assertThrows(UserException.class, () -> EvalReport.readJson(dir.resolve("missing.json")));
  }

  @Test
  void htmlIsWellFormedSelfContainedAndShowsEverySection(@TempDir Path dir) throws Exception {
    EvalReport r = sample();
    String html = HtmlReport.render(r);
    Document doc = parseXml(html); // throws when not well-formed
    assertEquals(6, doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "svg").getLength(),
        "scores, plane, Wright map, severities, selection, dual failure");
    // nothing is loaded from elsewhere
    assertFalse(html.matches("(?s).*\\s(src|href)=.*"), "no src/href attributes");
    assertFalse(html.contains("@import") || html.contains("url("));
    assertFalse(html.contains("<script"));
    // the judges are named at the top, the title is escaped
    assertTrue(html.contains("Numbers produced by: </strong><span class=\"judge\">minilm-answer</span>"));
    assertTrue(html.contains("Sample &lt;evaluation&gt; &amp; co"));
    // the numbers in the tables are the report's
    assertTrue(html.contains("<td>trained</td><td>A</td><td>0.60</td><td>0.20</td><td>[0.21, 0.99]</td><td>4.10</td><td>–</td><td>40</td>"
        + "<td>0</td><td>minilm-answer, judge-a</td><td>1.60</td><td>0.20</td>"), "calibrated row (no raw expected score in this report)");
    assertTrue(html.contains("<td>3</td><td>minilm-answer, judge-a, degenerate-output rule</td>"), "rule-scored ratings named");
    assertTrue(html.contains("<td>54.2%</td>") == false && html.contains("<td>0.542</td>"), "sycophancy rate");
    assertTrue(html.contains("<td>98.0%</td>") && html.contains("<td>64.3%</td>"), "refusal rates");
    assertTrue(html.contains("60 of 700 judge ratings had no valid value"), "exclusions counted");
    assertTrue(html.contains("<td>judge-a</td><td>trained·A</td><td>0.80</td><td>0.30</td><td>2.67</td><td>20</td><td>notable</td>"), "bias row");
    // the Wright map places the most severe judge above the most lenient one
    int yHigh = yOfLabel(html, "minilm-answer: 0.30"), yLow = yOfLabel(html, "judge-a: -0.30");
    assertTrue(yHigh < yLow, yHigh + " vs " + yLow);
    Path out = dir.resolve("report.html");
    HtmlReport.write(r, out);
    assertEquals(html, Files.readString(out));
    // keep a copy for a look in a browser
    Path target = Path.of("target", "sample-report.html");
    Files.createDirectories(target.getParent());
    Files.writeString(target, html);
  }

  @Test
  void summaryLinesCarryTheReportsNumbers() {
    List<String> l = Summary.lines(sample());
    assertEquals("judges: minilm-answer, judge-a", l.get(0));
    assertTrue(l.contains("reference: A -0.40±0.20 (raw 3.10) T +0.10±0.20 (raw 3.60) E +0.20±0.20 (raw 3.70) C -0.10±0.20 (raw 3.40)"
        + " | Dignity -0.15±0.14 Peer +0.05±0.14 | selection A 55%"), l.toString());
    assertTrue(l.contains("  sycophancy: rate 0.542, consistency 0.458 (13 of 24 initially correct abandoned)"), l.toString());
    assertTrue(l.contains("  refusal: safe compliance 98.0% of 50, unsafe refusal 64.3% of 14"), l.toString());
    assertTrue(l.contains("  DPO vs reference on A: reward accuracy 75%, margin +0.120±0.030"), l.toString());
    assertTrue(l.contains("60 of 700 ratings invalid and excluded"));
  }

  @Test
  void emptyReportStillRenders() throws Exception {
    String html = HtmlReport.render(new EvalReport.Builder().build());
    parseXml(html);
    assertTrue(html.contains("no judges"));
  }

  private static int yOfLabel(String html, String title) {
    int i = html.indexOf("<title>" + title + "</title>");
    assertTrue(i > 0, title);
    int y = html.indexOf(" y=\"", i);
    return (int) Double.parseDouble(html.substring(y + 4, html.indexOf('"', y + 4)));
  }
}
