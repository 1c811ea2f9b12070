package io.personaknob.studio.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.studio.PersonaBenchRun;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real PERSONA Bench run (knob-persona's bench and run writer) in the workspace: listed, summarised, escaped. */
class PersonaBenchPageTest {
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

  static String f3(JsonNode n) {
    return String.format(Locale.ROOT, "%.3f", n.asDouble());
  }

  @Test
  void aBenchRunIsListedAndItsSummaryRendersFromResultsJsonEscaped() throws Exception {
    JsonNode res = PersonaBenchRun.write(ws.resolve("runs/bench1"), scratch);
    assertTrue(Files.exists(ws.resolve("runs/bench1/report.html")));
    // an eval run and a stray results.json without report are not bench runs
    Files.createDirectories(ws.resolve("other"));
    Files.writeString(ws.resolve("other/results.json"), "{\"modes\": {}, \"critics\": []}");

    Client anon = new Client(base);
    assertEquals(302, anon.get("/persona/runs/bench1").statusCode(), "needs a login");
    Client ann = new Client(base).login("ann");
    String browse = ann.get("/browse").body();
    assertTrue(browse.contains("<a class=\"persona-run\" href=\"/persona/runs/bench1\">"), browse);
    assertFalse(browse.contains("/persona/other"), "results.json without report.html is not a run");

    HttpResponse<String> page = ann.get("/persona/runs/bench1");
    assertEquals(200, page.statusCode());
    String html = page.body();
    // the numbers are those of results.json: accuracy and Wilson interval per mode and critic
    JsonNode main = res.path("modes").path("output_only").path("main").path("critic-a");
    assertEquals(4, main.path("n").asInt());
    String row = "<tr><td>output_only / critic-a</td><td class=\"num\">4</td><td class=\"num\">" + main.path("passes").asInt()
        + "</td><td class=\"num\">" + f3(main.path("accuracy")) + "</td><td class=\"num\">" + f3(main.path("bootstrap_se"))
        + "</td><td>" + f3(main.path("wilson95").path(0)) + "–" + f3(main.path("wilson95").path(1)) + "</td>";
    assertTrue(html.contains(row), "accuracy row " + row + " in " + html);
    assertTrue(html.contains("id=\"persona-passk\"") && html.contains("<th>k = 2</th>"), "pass@k table");
    assertTrue(html.contains("id=\"persona-loo\"") && html.contains("<td>age</td>"), "LOO importance");
    assertTrue(html.contains("id=\"persona-subgroups\""), "subgroups");
    assertTrue(html.contains("id=\"persona-calibration\"") || html.contains("not calibrated"), "calibration");
    assertTrue(html.contains("href=\"/ws/runs/bench1/report.html\""), "link to the self-contained report");
    // the critic alias and the subgroup name are '<script>…': shown as text, never as markup
    assertFalse(html.contains(PersonaBenchRun.EVIL), "raw untrusted text");
    assertTrue(html.contains("&lt;script&gt;window.pwned=3&lt;/script&gt;"), html);
    assertTrue(html.contains("<td>output_only / &lt;script&gt;window.pwned=3&lt;/script&gt;</td>"), "escaped critic in the table");
    // the report itself is served from the workspace
    HttpResponse<String> report = ann.get("/ws/runs/bench1/report.html");
    assertEquals(200, report.statusCode());
    assertTrue(report.body().contains("<h1>PERSONA Bench</h1>"));

    // unknown runs, directories that are not runs and paths out of the workspace are 404
    assertEquals(404, ann.get("/persona/runs/nope").statusCode());
    assertEquals(404, ann.get("/persona/other").statusCode());
    assertEquals(404, ann.get("/persona/runs").statusCode());
    // a real run outside the workspace (a copy of this one) is not reachable through ..
    Path outside = Files.createDirectories(scratch.resolve("outside"));
    for (String f : List.of("results.json", "report.html")) Files.copy(ws.resolve("runs/bench1").resolve(f), outside.resolve(f));
    String up = ws.relativize(outside).toString().replace("/", "%2F");
    assertTrue(up.startsWith(".."), up);
    assertEquals(404, ann.get("/persona/" + up).statusCode());
    assertEquals(404, ann.get("/persona/runs/bench1%2F..%2F..%2F" + up).statusCode());
  }
}
