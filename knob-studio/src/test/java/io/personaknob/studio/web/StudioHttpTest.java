package io.personaknob.studio.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.core.UserException;
import io.personaknob.core.data.Format;
import io.personaknob.core.data.PersonaData;
import io.personaknob.core.data.PersonaRow;
import io.personaknob.studio.Studio;
import io.personaknob.studio.StudioDb;
import io.personaknob.studio.StudioDb.Item;
import io.personaknob.studio.stats.ReviewStats;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every route of the studio over real HTTP, bad requests included. */
class StudioHttpTest {
  @TempDir Path ws;
  StudioServer server;
  StudioDb db;
  String base;

  @BeforeEach
  void start() {
    server = StudioServer.start(new StudioServer.Options("127.0.0.1", 0, null, ws, ws.resolve("studio.sqlite")));
    server.studio().importSample();
    db = server.db();
    base = "http://127.0.0.1:" + server.port();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  Item first() {
    return db.items().get(0);
  }

  static String reviewUrl(Item it) {
    return "/review/" + it.id();
  }

  @Test
  void everyPageNeedsALoginAndThenRenders() throws Exception {
    Client anon = new Client(base);
    for (String p : List.of("/", "/review", "/agreement", "/settings", "/export", "/browse", "/judge", reviewUrl(first()))) {
      HttpResponse<String> r = anon.get(p);
      assertEquals(302, r.statusCode(), p);
      assertEquals("/login", r.headers().firstValue("Location").orElse(""), p);
    }
    assertEquals(401, anon.get("/api/stats").statusCode());
    assertEquals(302, anon.get("/export/accepted.jsonl").statusCode());
    assertEquals(200, anon.get("/login").statusCode());
    assertEquals(200, anon.get("/static/studio.js").statusCode());
    assertEquals(200, anon.get("/static/studio.css").statusCode());
    assertEquals(404, anon.get("/static/../studio.sqlite").statusCode());

    Client ann = new Client(base).login("ann");
    HttpResponse<String> home = ann.get("/");
    assertEquals(200, home.statusCode());
    assertTrue(home.body().contains("Hello, ann"));
    assertTrue(home.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"));
    HttpResponse<String> next = ann.get("/review");
    assertEquals(302, next.statusCode());
    assertEquals(reviewUrl(first()), next.headers().firstValue("Location").orElseThrow());
    HttpResponse<String> item = ann.get(reviewUrl(first()));
    assertEquals(200, item.statusCode());
    assertTrue(item.body().contains("scenario_needs_traits") && item.body().contains("realistic"));
    assertTrue(item.body().contains("0 / 16 reviewed"), "progress");
    for (String p : List.of("/agreement", "/settings", "/export", "/browse", "/judge", "/api/stats", "/api/progress",
        "/export/accepted.jsonl", "/export/review-log.jsonl", "/export/human-ratings.csv", "/export/human-comparisons.csv")) {
      assertEquals(200, ann.get(p).statusCode(), p);
    }
    assertEquals(404, ann.get("/review/no-such-item").statusCode());
    assertEquals(404, ann.get("/judge/no-such-task").statusCode());
    assertEquals(404, ann.get("/nothing-here").statusCode());
  }

  @Test
  void logoutNeedsTheCsrfTokenAndEndsTheSession() throws Exception {
    Client ann = new Client(base).login("ann");
    JsonNode p = StudioDb.JSON.readTree(ann.get("/api/progress").body());
    assertEquals(16, p.get("total").asInt());
    assertEquals(403, ann.post("/logout", Map.of()).statusCode());
    assertEquals(200, ann.get("/").statusCode(), "still logged in");
    HttpResponse<String> out = ann.post("/logout", ann.form());
    assertEquals(303, out.statusCode());
    assertEquals(302, ann.get("/").statusCode(), "logged out");
    assertEquals(401, ann.get("/api/progress").statusCode());
  }

  @Test
  void aVerdictRecordsReviewerTimeAndItemVersion() throws Exception {
    Client ann = new Client(base).login("ann");
    Item it = first();
    ann.get(reviewUrl(it));
    HttpResponse<String> r = ann.post(reviewUrl(it) + "/verdict", ann.form("check", "realistic", "verdict", "pass", "comment", "fine"));
    assertEquals(303, r.statusCode());
    var v = db.current();
    assertEquals(1, v.size());
    assertEquals("ann", v.get(0).reviewer());
    assertEquals("realistic", v.get(0).check());
    assertEquals("pass", v.get(0).verdict());
    assertEquals("fine", v.get(0).comment());
    assertEquals(1, v.get(0).itemVersion());
    assertNotNull(java.time.Instant.parse(v.get(0).createdAt()));
    // JSON answer for the keyboard client: progress and whether the item is complete
    HttpResponse<String> j = ann.post(reviewUrl(it) + "/verdict", ann.form("check", "scenario_needs_traits", "verdict", "fail"), true);
    JsonNode n = StudioDb.JSON.readTree(j.body());
    assertEquals(0, n.get("done").asInt());
    assertEquals(16, n.get("total").asInt());
    assertFalse(n.get("item_done").asBoolean());
  }

  @Test
  void badRequestsAreRefusedAndChangeNothing() throws Exception {
    Client ann = new Client(base).login("ann");
    Item it = first();
    ann.get(reviewUrl(it));
    long verdicts = db.count("verdicts");
    long versions = db.count("item_versions");
    assertEquals(404, ann.post("/review/no-such-item/verdict", ann.form("check", "realistic", "verdict", "pass")).statusCode());
    HttpResponse<String> badCheck = ann.post(reviewUrl(it) + "/verdict", ann.form("check", "reject_Z_fails_Z", "verdict", "pass"));
    assertEquals(400, badCheck.statusCode());
    assertTrue(badCheck.body().contains("has no check"));
    // a check of a dimension outside the mask is unknown too
    String outside = it.mask().contains(io.personaknob.core.data.Dimension.C) ? "reject_X_fails_X" : "reject_C_fails_C";
    assertEquals(400, ann.post(reviewUrl(it) + "/verdict", ann.form("check", outside, "verdict", "pass")).statusCode());
    assertEquals(400, ann.post(reviewUrl(it) + "/verdict", ann.form("check", "realistic", "verdict", "maybe")).statusCode());
    // CSRF: missing or wrong token
    assertEquals(403, ann.post(reviewUrl(it) + "/verdict", Map.of("check", "realistic", "verdict", "pass")).statusCode());
    assertEquals(403, ann.post(reviewUrl(it) + "/verdict", Map.of("_csrf", "00", "check", "realistic", "verdict", "pass")).statusCode());
    // no session
    assertEquals(401, new Client(base).post(reviewUrl(it) + "/verdict", Map.of("check", "realistic", "verdict", "pass")).statusCode());
    // edits: unknown field, empty value, bad version, stale version
    assertEquals(400, ann.post(reviewUrl(it) + "/edit", ann.form("field", "mask", "value", "x", "version", "1")).statusCode());
    assertEquals(400, ann.post(reviewUrl(it) + "/edit", ann.form("field", "prompt", "value", " ", "version", "1")).statusCode());
    assertEquals(400, ann.post(reviewUrl(it) + "/edit", ann.form("field", "prompt", "value", "x", "version", "one")).statusCode());
    HttpResponse<String> stale = ann.post(reviewUrl(it) + "/edit", ann.form("field", "prompt", "value", "x", "version", "7"));
    assertEquals(409, stale.statusCode());
    assertTrue(stale.body().contains("version 1"));
    assertEquals(409, ann.post("/undo", ann.form()).statusCode(), "nothing to undo");
    assertEquals(400, ann.post("/settings", ann.form("overlap", "0")).statusCode());
    assertEquals(400, ann.post("/settings", ann.form("accept_rule", "some")).statusCode());
    assertEquals(400, ann.post("/import", ann.form("path", "../outside.jsonl")).statusCode());
    assertEquals(404, ann.post("/import", ann.form("path", "missing.jsonl")).statusCode());
    assertEquals(verdicts, db.count("verdicts"));
    assertEquals(versions, db.count("item_versions"));
    assertEquals(0, db.count("settings"));
    assertEquals(16, db.items().size());
  }

  @Test
  void editsAreVersionedTheOriginalIsKeptAndAStaleEditIsRefused() throws Exception {
    Client ann = new Client(base).login("ann");
    Client bob = new Client(base).login("bob");
    Item it = first();
    String original = it.text("prompt");
    ann.get(reviewUrl(it));
    bob.get(reviewUrl(it));
    assertEquals(303, ann.post(reviewUrl(it) + "/edit", ann.form("field", "prompt", "value", "Edited prompt.", "version", "1")).statusCode());
    // bob still holds version 1: his edit is stale
    assertEquals(409, bob.post(reviewUrl(it) + "/edit", bob.form("field", "prompt", "value", "Bob's prompt.", "version", "1")).statusCode());
    Item now = db.item(it.id());
    assertEquals(2, now.version());
    assertEquals("Edited prompt.", now.text("prompt"));
    var versions = db.versions(it.id());
    assertEquals(2, versions.size());
    assertEquals(original, ((JsonNode) versions.get(0).get("fields")).get("prompt").asText());
    assertEquals("ann", versions.get(1).get("author"));
    // a verdict after the edit records version 2
    ann.post(reviewUrl(it) + "/verdict", ann.form("check", "realistic", "verdict", "pass"));
    assertEquals(2, db.current().get(0).itemVersion());
    assertTrue(ann.get(reviewUrl(it)).body().contains("Edited prompt."));
  }

  @Test
  void undoSupersedesAndDeletesNothing() throws Exception {
    Client ann = new Client(base).login("ann");
    Item it = first();
    ann.get(reviewUrl(it));
    ann.post(reviewUrl(it) + "/verdict", ann.form("check", "realistic", "verdict", "pass"));
    ann.post(reviewUrl(it) + "/verdict", ann.form("check", "realistic", "verdict", "fail"));
    assertEquals("fail", db.current().get(0).verdict());
    assertEquals(303, ann.post("/undo", ann.form()).statusCode());
    assertEquals("pass", db.current().get(0).verdict());
    // undo again: the first verdict is withdrawn (a row with no verdict), the one before it did not exist
    assertEquals(303, ann.post("/undo", ann.form()).statusCode());
    assertTrue(db.current().isEmpty());
    assertEquals(409, ann.post("/undo", ann.form()).statusCode(), "nothing left to undo");
    assertEquals(4, db.count("verdicts"), "every step is a row");
    assertEquals(4, db.log().size());
  }

  @Test
  void noReviewerSeesAnothersVerdictsBeforeGivingTheirs() throws Exception {
    Client ann = new Client(base).login("ann");
    Client bob = new Client(base).login("bob");
    Item it = first();
    ann.get(reviewUrl(it));
    bob.get(reviewUrl(it));
    for (String c : it.checks()) ann.post(reviewUrl(it) + "/verdict", ann.form("check", c, "verdict", "pass", "comment", "ann-was-here"));
    String bobPage = bob.get(reviewUrl(it)).body();
    assertTrue(bobPage.contains("others-hidden"));
    assertFalse(bobPage.contains("id=\"others\""));
    assertFalse(bobPage.contains("ann"), "bob's page names no other reviewer");
    for (String c : it.checks()) bob.post(reviewUrl(it) + "/verdict", bob.form("check", c, "verdict", c.equals("realistic") ? "fail" : "pass"));
    String after = bob.get(reviewUrl(it)).body();
    assertTrue(after.contains("id=\"others\""));
    assertTrue(after.contains("<td>ann</td>"));
  }

  @Test
  void eachItemGetsKReviewers() throws Exception {
    Client ann = new Client(base).login("ann");
    ann.post("/settings", ann.form("overlap", "1", "accept_rule", "majority", "reviewers", ""));
    assertEquals(1, server.studio().overlap());
    ann.get("/review"); // ann's queue takes every item
    Client bob = new Client(base).login("bob");
    HttpResponse<String> r = bob.get("/review");
    assertEquals(200, r.statusCode());
    assertTrue(r.body().contains("queue-done"));
    Item it = first();
    assertEquals(403, bob.post(reviewUrl(it) + "/verdict", bob.form("check", "realistic", "verdict", "pass")).statusCode());
    // named reviewers: others cannot log in
    ann.post("/settings", ann.form("reviewers", "ann, bob"));
    assertEquals(List.of("ann", "bob"), server.studio().reviewers());
    Client eve = new Client(base);
    HttpResponse<String> page = eve.get("/login");
    var m = java.util.regex.Pattern.compile("name=\"_csrf\" value=\"([0-9a-f]+)\"").matcher(page.body());
    assertTrue(m.find());
    assertEquals(403, eve.post("/login", Map.of("_csrf", m.group(1), "name", "eve")).statusCode());
    assertEquals(403, eve.post("/login", Map.of("_csrf", "bad", "name", "ann")).statusCode());
  }

  @Test
  void agreementPageShowsTheNumbersOfReviewStatsAndExportsFollowTheRule() throws Exception {
    Client ann = new Client(base).login("ann");
    Client bob = new Client(base).login("bob");
    List<Item> items = db.items();
    for (int i = 0; i < 4; i++) {
      Item it = items.get(i);
      ann.get(reviewUrl(it));
      bob.get(reviewUrl(it));
      for (String c : it.checks()) {
        ann.post(reviewUrl(it) + "/verdict", ann.form("check", c, "verdict", "pass"));
        bob.post(reviewUrl(it) + "/verdict", bob.form("check", c, "verdict", i == 3 && c.equals("realistic") ? "fail" : "pass"));
      }
    }
    JsonNode api = StudioDb.JSON.readTree(ann.get("/api/stats").body());
    Map<String, Object> direct = new Studio(db).stats(ReviewStats.DEFAULT_REPLICATES);
    JsonNode d = StudioDb.JSON.valueToTree(direct);
    assertEquals(d.get("overall").toString(), api.get("overall").toString());
    assertEquals(d.get("checks").toString(), api.get("checks").toString());
    // 3 of 4 items accepted under majority (a 1-1 split on 'realistic' is no majority), 3 of 4 under "all" too
    assertEquals(0.75, api.at("/overall/pass_rate/value").asDouble(), 1e-12);
    assertEquals(4, api.at("/overall/n_items").asInt());
    assertEquals(2, api.at("/overall/n_reviewers").asInt());
    String page = ann.get("/agreement").body();
    assertTrue(page.contains("id=\"overall-pass_rate\"><span class=\"value\">0.750</span>"), page);
    String accepted = ann.get("/export/accepted.jsonl").body();
    List<PersonaRow> rows;
    try (var s = PersonaData.read(new ByteArrayInputStream(accepted.getBytes(StandardCharsets.UTF_8)), "accepted.jsonl", Format.JSONL)) {
      rows = s.toList();
    }
    assertEquals(List.of(items.get(0).id(), items.get(1).id(), items.get(2).id()), rows.stream().map(PersonaRow::id).toList());
    String log = ann.get("/export/review-log.jsonl").body();
    assertEquals(db.count("verdicts"), log.lines().count());
    assertTrue(log.lines().allMatch(l -> l.contains("\"reviewer\"") && l.contains("\"time\"") && l.contains("\"item_version\":1")));
    // the rule is a setting
    ann.post("/settings", ann.form("accept_rule", "all"));
    assertEquals(ReviewStats.AcceptRule.ALL, server.studio().acceptRule());
    assertEquals(3, server.studio().accepted().size());
  }

  @Test
  void untrustedTextIsEscaped() throws Exception {
    Path f = ws.resolve("evil.jsonl");
    PersonaRow base0 = io.personaknob.core.data.SampleData.test().get(0);
    PersonaRow evil = new PersonaRow("evil-1", base0.mask(), base0.seedScene(), base0.context(), base0.trigger(),
        "<script>window.pwned=1</script> and \"quotes\" & <b>tags</b>", base0.golden(), base0.rejects(), null, null);
    PersonaData.write(f, List.of(evil));
    server.studio().importQueue(f);
    Client ann = new Client(base).login("ann");
    String page = ann.get("/review/evil-1").body();
    assertTrue(page.contains("&lt;script&gt;window.pwned=1&lt;/script&gt; and &quot;quotes&quot; &amp; &lt;b&gt;tags&lt;/b&gt;"));
    assertFalse(page.contains("<script>window.pwned"));
    assertFalse(page.contains("<b>tags</b>"));
    // an error message with the user's input is escaped too
    String err = ann.post("/review/evil-1/verdict", ann.form("check", "<img src=x>", "verdict", "pass")).body();
    assertTrue(err.contains("&lt;img src=x&gt;"));
    assertFalse(err.contains("<img src=x>"));
  }

  @Test
  void judgingModelOutputsIsBlindAndRecordsTheOrder() throws Exception {
    Path outs = ws.resolve("outputs.jsonl");
    Files.writeString(outs, """
        {"row_id":"r1","model":"base","prompt":"P1","answer":"the first answer text","mask":["A"]}
        {"row_id":"r1","model":"tuned","prompt":"P1","answer":"the second answer text","mask":["A"]}
        """);
    assertEquals(3, io.personaknob.studio.Judgments.importOutputs(outs, db));
    Client ann = new Client(base).login("ann");
    HttpResponse<String> r = ann.get("/judge");
    assertEquals(302, r.statusCode());
    String first = r.headers().firstValue("Location").orElseThrow();
    String page = ann.get(first).body();
    assertFalse(page.contains("base") || page.contains("tuned"), "model names are not shown, not even in links");
    assertEquals(400, ann.post(first, ann.form("value", "8")).statusCode());
    assertEquals(303, ann.post(first, ann.form("value", "6")).statusCode());
    for (var t : db.tasks()) {
      if (t.kind().equals("pointwise") && db.judgments().stream().noneMatch(j -> j.taskId().equals(t.id())))
        assertEquals(303, ann.post("/judge/" + t.id(), ann.form("value", "3")).statusCode());
    }
    var pair = db.tasks().stream().filter(t -> t.kind().equals("pairwise")).findFirst().orElseThrow();
    String pairPage = ann.get("/judge/" + pair.id()).body();
    assertFalse(pairPage.contains("base") || pairPage.contains("tuned"));
    String leftText = pair.swapped() ? "the second answer text" : "the first answer text";
    assertTrue(pairPage.indexOf(leftText) < pairPage.indexOf(pair.swapped() ? "the first answer text" : "the second answer text"));
    assertEquals(400, ann.post("/judge/" + pair.id(), ann.form("value", "A")).statusCode());
    assertEquals(303, ann.post("/judge/" + pair.id(), ann.form("value", "left")).statusCode());
    var cmp = io.personaknob.studio.Judgments.humanComparisons(db);
    assertEquals(1, cmp.size());
    // "left" was the base answer unless swapped; base is model A of the task
    assertEquals(pair.swapped() ? 0.0 : 1.0, cmp.get(0).score());
    String csv = ann.get("/export/human-ratings.csv").body();
    assertTrue(csv.startsWith("model_dimension,judge,item,rubric,rating\n"));
    assertTrue(csv.contains("human:ann"));
    assertEquals(3, csv.lines().count());
    assertTrue(ann.get("/judge").body().contains("judge-done"));
  }

  @Test
  void importAndBrowseStayInsideTheWorkspace() throws Exception {
    Files.createDirectories(ws.resolve("runs/eval1"));
    Files.writeString(ws.resolve("runs/eval1/report.json"), "{}");
    Files.writeString(ws.resolve("runs/eval1/report.html"), "<html><body>report</body></html>");
    Files.createDirectories(ws.resolve("train/run1"));
    Files.writeString(ws.resolve("train/run1/metrics.jsonl"), "{\"step\":1}\n");
    Files.createDirectories(ws.resolve("builds/b1"));
    PersonaRow r0 = io.personaknob.core.data.SampleData.train().get(0);
    PersonaRow r1 = io.personaknob.core.data.SampleData.train().get(1);
    String l0 = PersonaData.toJsonLine(r0);
    String l1 = PersonaData.toJsonLine(r1);
    Files.writeString(ws.resolve("builds/b1/rows.jsonl"),
        l0.substring(0, l0.length() - 1) + ",\"build_id\":\"b1\",\"stage\":\"verify\",\"status\":\"review\",\"reasons\":[\"low margin\"]}\n"
            + l1.substring(0, l1.length() - 1) + ",\"build_id\":\"b1\",\"stage\":\"verify\",\"status\":\"accepted\",\"reasons\":[]}\n");
    Client ann = new Client(base).login("ann");
    String page = ann.get("/browse").body();
    assertTrue(page.contains("runs/eval1") && page.contains("/ws/runs/eval1/report.html"));
    assertTrue(page.contains("train/run1"));
    assertTrue(page.contains("builds/b1") && page.contains("verify/accepted: 1, verify/review: 1"));
    HttpResponse<String> rep = ann.get("/ws/runs/eval1/report.html");
    assertEquals(200, rep.statusCode());
    assertTrue(rep.headers().firstValue("Content-Security-Policy").orElse("").startsWith("sandbox"));
    assertEquals(404, ann.get("/ws/../outside.html").statusCode());
    assertEquals(404, ann.get("/ws/studio.sqlite").statusCode());
    // a build queue: only its rows with status review
    HttpResponse<String> imp = ann.post("/import", ann.form("path", "builds/b1/rows.jsonl"));
    assertEquals(200, imp.statusCode());
    assertTrue(imp.body().contains("1 new items"));
    Item queued = db.item(r0.id());
    assertEquals("low margin", queued.fields().at("/build/reasons/0").asText());
    assertEquals(null, db.item(r1.id()), "rows of other statuses are not queued");
  }

  @Test
  void aTokenGuardsEveryRequestAndNonLoopbackNeedsOne() throws Exception {
    assertThrows(UserException.class,
        () -> StudioServer.start(new StudioServer.Options("0.0.0.0", 0, null, ws, ws.resolve("other.sqlite"))));
    try (StudioServer t = StudioServer.start(new StudioServer.Options("127.0.0.1", 0, "s3cret", ws, ws.resolve("t.sqlite")))) {
      String b = "http://127.0.0.1:" + t.port();
      assertTrue(t.url().endsWith("/?token=s3cret"));
      Client c = new Client(b);
      assertEquals(401, c.get("/login").statusCode());
      assertEquals(401, c.get("/static/studio.js").statusCode());
      assertEquals(401, c.get("/login?token=wrong").statusCode());
      assertEquals(200, c.get("/login?token=s3cret").statusCode());
      assertEquals(200, c.get("/login").statusCode(), "the token cookie carries on");
      c.login("ann");
      assertEquals(200, c.get("/").statusCode());
      var bearer = c.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(b + "/login")).header("Authorization", "Bearer s3cret").build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, bearer.statusCode());
    }
  }
}
