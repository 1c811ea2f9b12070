package io.personaknob.studio.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.studio.SteerRunDir;
import io.personaknob.studio.StudioDb;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real steering-template run (knob-steer's SteerStats over the library's published pilot examples) in the
 * workspace: listed; templates ranked with the scores recomputed here by hand from the published examples; a
 * template's cells; a cell's examples with both poles' answers and the judges' reasons; untrusted text escaped.
 */
class SteerPageTest {
  @TempDir Path ws;
  @TempDir Path scratch;
  StudioServer server;
  String base;

  @BeforeEach
  void start() {
    server = StudioServer.start(new StudioServer.Options("127.0.0.1", 0, null, ws, ws.resolve("studio.sqlite")));
    base = "http://127.0.0.1:" + server.port();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  static double clamp01(double x) {
    return Math.max(0, Math.min(1, x));
  }

  /** The HEAD cell score by hand: 100 · clamp(mean axis Δ / 8) · (1 − clamp((mean off-axis − 1) / 6)). */
  static double cellScore(List<JsonNode> ex) {
    double axis = ex.stream().mapToDouble(e -> e.path("axis_delta").asDouble()).average().orElseThrow();
    double off = ex.stream().mapToDouble(e -> e.path("off_axis_problem").asDouble()).average().orElseThrow();
    return 100 * clamp01(axis / 8) * (1 - clamp01((off - 1) / 6));
  }

  static String f(double x, int d) {
    return String.format(Locale.ROOT, "%." + d + "f", x);
  }

  @Test
  void aRunOfKnobSteersRunnerShowsTheStyleAndConfoundReasonsEscaped() throws Exception {
    SteerRunDir.runScripted(ws.resolve("runs/scripted"), scratch);
    List<JsonNode> ex = new ArrayList<>();
    for (String l : Files.readAllLines(ws.resolve("runs/scripted/examples.jsonl"))) if (!l.isBlank()) ex.add(StudioDb.JSON.readTree(l));
    assertEquals(2, ex.size());
    Client ann = new Client(base).login("ann");
    assertTrue(ann.get("/browse").body().contains("href=\"/steer/runs/scripted\""));
    for (JsonNode e : ex) {
      assertTrue(e.path("error").isNull() || e.path("error").asText().isEmpty(), "scripted judges give valid replies: " + e.path("error"));
      String html = ann.get("/steer/runs/scripted?template=" + SteerPage.id(e.path("template").asText()) + "&pair=principled_expedient").body();
      assertTrue(html.contains("reason: " + Html.esc(SteerRunDir.STYLE_REASON)), html);
      assertTrue(html.contains("reason: " + Html.esc(SteerRunDir.CONFOUND_REASON)), html);
      assertTrue(html.contains("The steadfast answer is more target-like.") && html.contains("The shortcut answer is more target-like."));
      assertTrue(html.contains("<b class=\"pos-label\">" + e.path("pos_label").asText() + "</b>"), "blind label from the run");
      // the markers decide the scripted judges: axis delta 2 (pp + pn) with pp = pn = 1.6
      assertTrue(html.contains("axis Δ 6.4000"), html);
      assertFalse(html.contains(SteerRunDir.EVIL) || html.contains(SteerRunDir.STYLE_REASON) || html.contains(SteerRunDir.CONFOUND_REASON), "raw");
    }
  }

  @Test
  void aSteeringRunIsBrowsableFromTemplatesToCellsToExamplesEscaped() throws Exception {
    var stats = SteerRunDir.write(ws.resolve("runs/steer1"), ws.resolve("runs/steer1"), true);
    // knob steer export --hf runs/steer1/hf: listed with its self-contained results page
    SteerRunDir.export(ws.resolve("runs/steer1"), ws.resolve("runs/steer1/hf"), stats);
    // a stray template_stats.jsonl without the pair table is not a run
    Files.createDirectories(ws.resolve("other"));
    Files.writeString(ws.resolve("other/template_stats.jsonl"), "{\"template\": \"x {persona}\"}\n");

    // independent expectations: the published rows grouped by template and cell, scores by hand
    List<JsonNode> pub = SteerRunDir.published();
    Map<String, Map<String, List<JsonNode>>> cells = new LinkedHashMap<>();
    for (JsonNode e : pub)
      cells.computeIfAbsent(e.path("template").asText(), k -> new LinkedHashMap<>()).computeIfAbsent(e.path("persona_pair").asText(), k -> new ArrayList<>()).add(e);
    assertEquals(3, cells.size());
    Map<String, Double> templateScore = new LinkedHashMap<>();
    cells.forEach((t, byPair) -> templateScore.put(t, byPair.values().stream().mapToDouble(SteerPageTest::cellScore).average().orElseThrow()));

    Client anon = new Client(base);
    assertEquals(302, anon.get("/steer/runs/steer1").statusCode(), "needs a login");
    Client ann = new Client(base).login("ann");
    String browse = ann.get("/browse").body();
    assertTrue(browse.contains("<a class=\"steer-run\" href=\"/steer/runs/steer1\">"), browse);
    assertFalse(browse.contains("/steer/other"), "template_stats.jsonl alone is not a run");
    assertTrue(browse.contains("<a class=\"steer-results\" href=\"/ws/runs/steer1/hf/results.html\">"), "the export's results page");
    assertFalse(browse.contains("/steer/runs/steer1/hf"), "an export is not browsable as a run");
    HttpResponse<String> results = ann.get("/ws/runs/steer1/hf/results.html");
    assertEquals(200, results.statusCode());
    assertTrue(results.body().contains("<svg"), "the on-axis vs off-axis scatter");

    HttpResponse<String> runPage = ann.get("/steer/runs/steer1");
    assertEquals(200, runPage.statusCode());
    String run = runPage.body();
    // the three templates, ranked by score (descending), each with its hand-computed score and a link
    Matcher m = Pattern.compile("<a class=\"steer-template\" href=\"([^\"]+)\">([^<]+)</a></td><td class=\"num\">([^<]+)</td>").matcher(run);
    List<String> order = new ArrayList<>(), links = new ArrayList<>();
    while (m.find()) {
      String t = m.group(2).replace("&#39;", "'");
      order.add(t);
      links.add(m.group(1).replace("&amp;", "&"));
      assertEquals(f(templateScore.get(t), 1), m.group(3), "score of " + t);
    }
    List<String> expected = new ArrayList<>(templateScore.keySet());
    expected.sort((a, b) -> Double.compare(templateScore.get(b), templateScore.get(a)));
    assertEquals(expected, order);

    // a template's page: its two cells with on-axis, off-axis and score by hand, and a link to each
    String top = order.get(0);
    HttpResponse<String> tPage = ann.get(links.get(0));
    assertEquals(200, tPage.statusCode());
    String tHtml = tPage.body();
    assertTrue(tHtml.contains(Html.esc(top)), tHtml);
    for (var e : cells.get(top).entrySet()) {
      List<JsonNode> ex = e.getValue();
      double axis = ex.stream().mapToDouble(x -> x.path("axis_delta").asDouble()).average().orElseThrow();
      double off = ex.stream().mapToDouble(x -> x.path("off_axis_problem").asDouble()).average().orElseThrow();
      String row = ">" + e.getKey() + "</a></td><td class=\"num\">2</td><td class=\"num\">" + f(clamp01(axis / 8), 4) + "</td><td class=\"num\">"
          + f(clamp01((off - 1) / 6), 4) + "</td><td class=\"num\">" + f(cellScore(ex), 1) + "</td>";
      assertTrue(tHtml.contains(row), "cell row " + row + " in " + tHtml);
      long passes = ex.stream().filter(x -> x.path("strict_pass").asBoolean()).count();
      assertTrue(tHtml.contains("<td class=\"num\">" + f(passes / 2.0, 4) + "</td><td class=\"num\">" + passes + "</td>"), "strict pass of " + e.getKey());
    }
    assertTrue(tHtml.contains("<th>95 % interval</th>") && tHtml.matches("(?s).*<td>\\d+\\.\\d\\d–\\d+\\.\\d\\d</td><td>(pass|fail|uncertain)</td>.*"),
        "bootstrap interval and decision");

    // every cell page shows its examples: scenario, both poles' answers side by side, judge reasons, audits
    for (var te : cells.entrySet())
      for (var ce : te.getValue().entrySet()) {
        String url = "/steer/runs/steer1?template=" + SteerPage.id(te.getKey()) + "&pair=" + URLEncoder.encode(ce.getKey(), StandardCharsets.UTF_8);
        HttpResponse<String> c = ann.get(url);
        assertEquals(200, c.statusCode(), url);
        String html = c.body();
        assertEquals(ce.getValue().size(), html.split("<section class=\"steer-example\">", -1).length - 1, "examples of " + url);
        List<String> labels = new ArrayList<>();
        Matcher lm = Pattern.compile("<b class=\"pos-label\">([^<]*)</b>").matcher(html);
        while (lm.find()) labels.add(lm.group(1));
        for (JsonNode e : ce.getValue()) {
          // the positive answer's blind label, recovered from the ratings, is knob-steer's coin from the run's key (seed 24)
          boolean posIsA = io.personaknob.steer.ExampleMath.posIsA(24, e.path("persona_pair").asText(), e.path("template").asText(),
              e.path("row").asInt(), e.path("prompt").asText());
          assertEquals(posIsA ? "A" : "B", labels.get(ce.getValue().indexOf(e)), "blind label of " + e.path("eval_id"));
          assertTrue(html.contains(Html.esc(e.path("prompt").asText())), "scenario");
          String pos = e == pub.get(0) ? SteerRunDir.EVIL + " " + e.path("pos_response").asText() : e.path("pos_response").asText();
          int p = html.indexOf("<div class=\"pole pole-pos\">"), n = html.indexOf("<div class=\"pole pole-neg\">");
          assertTrue(p > 0 && n > p, "both poles");
          assertTrue(html.contains(Html.esc(pos)), "positive answer");
          assertTrue(html.contains(Html.esc(e.path("neg_response").asText())), "negative answer");
          for (JsonNode j : e.path("axis_judgments"))
            assertTrue(html.contains(Html.esc(j.path("negative_axis_reverse_judgment").path("target_reason").asText())), "axis judge reason");
          assertTrue(html.contains("likely spurious axis: <b>" + Html.esc(e.path("likely_spurious_axis").asText()) + "</b>"), "confound judge");
          for (JsonNode h : e.path("pos_persona_echo_hits")) assertTrue(html.contains("<code>" + Html.esc(h.asText()) + "</code>"), "echo audit hit");
        }
      }
    // the answer carrying <script> is text, never markup
    String first = ann.get("/steer/runs/steer1?template=" + SteerPage.id(pub.get(0).path("template").asText()) + "&pair="
        + pub.get(0).path("persona_pair").asText()).body();
    assertFalse(first.contains(SteerRunDir.EVIL), "raw untrusted text");
    assertTrue(first.contains("&lt;script&gt;window.pwned=4&lt;/script&gt;"));

    // unknown runs, templates and cells, directories that are not runs and paths out of the workspace are 404
    assertEquals(404, ann.get("/steer/runs/nope").statusCode());
    assertEquals(404, ann.get("/steer/other").statusCode());
    assertEquals(404, ann.get("/steer/runs").statusCode());
    assertEquals(404, ann.get("/steer/runs/steer1?template=000000000000").statusCode());
    assertEquals(404, ann.get("/steer/runs/steer1?template=" + SteerPage.id(top) + "&pair=no_such_pair").statusCode());
    Path outside = Files.createDirectories(scratch.resolve("outside"));
    SteerRunDir.write(outside, outside, false);
    String up = ws.relativize(outside).toString().replace("/", "%2F");
    assertTrue(up.startsWith(".."), up);
    assertEquals(404, ann.get("/steer/" + up).statusCode());
    assertEquals(404, ann.get("/steer/runs/steer1%2F..%2F..%2F" + up).statusCode());
  }
}
