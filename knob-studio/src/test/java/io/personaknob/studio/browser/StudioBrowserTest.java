package io.personaknob.studio.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Download;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import io.personaknob.core.data.PersonaData;
import io.personaknob.core.data.PersonaRow;
import io.personaknob.core.data.SampleData;
import io.personaknob.studio.StudioDb;
import io.personaknob.studio.StudioDb.Item;
import io.personaknob.studio.web.StudioServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end in headless Chromium against the real app: log in, review three items with the keyboard (undo
 * included), edit a field, see progress and agreement update, export; untrusted text shows as text.
 * Screenshots go to knob-studio/target/screenshots/.
 */
class StudioBrowserTest {
  static Playwright pw;
  static Browser browser;
  static StudioServer server;
  static String base;
  static final Path SHOTS = Path.of("target", "screenshots");
  @TempDir static Path ws;

  @BeforeAll
  static void start() throws Exception {
    Path chromium = Chromium.ensure();
    Files.createDirectories(SHOTS);
    server = StudioServer.start(new StudioServer.Options("127.0.0.1", 0, null, ws, ws.resolve("studio.sqlite")));
    List<PersonaRow> rows = new ArrayList<>(SampleData.test().subList(0, 5));
    PersonaRow r = rows.get(0);
    rows.add(new PersonaRow("evil-1", r.mask(), r.seedScene(), r.context(), r.trigger(),
        "<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\"> Is this shown as text?", r.golden(), r.rejects(), null, null));
    Path f = ws.resolve("queue.jsonl");
    PersonaData.write(f, rows);
    server.studio().importQueue(f);
    server.db().setSetting("overlap", "10", "test"); // every reviewer of these tests sees every item, whatever the test order
    base = "http://127.0.0.1:" + server.port();
    pw = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    browser = pw.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(chromium).setHeadless(true)
        .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage")));
  }

  @AfterAll
  static void stop() {
    if (browser != null) browser.close();
    if (pw != null) pw.close();
    if (server != null) server.close();
  }

  static Page login(BrowserContext ctx, String name) {
    Page page = ctx.newPage();
    page.setViewportSize(1400, 900);
    page.navigate(base + "/");
    assertTrue(page.url().endsWith("/login"));
    page.fill("#name", name);
    page.click("#login");
    page.waitForSelector("text=Hello, " + name);
    return page;
  }

  static int given(Page page) {
    return page.locator("form.check[data-verdict]").count();
  }

  /** Gives the verdicts of the current item by keyboard: {@code first} on the first check, p on the others. */
  static void reviewByKeyboard(Page page, String first) {
    int n = page.locator("form.check").count();
    for (int i = 0; i < n; i++) {
      int before = given(page);
      page.keyboard().press(i == 0 ? first : "p");
      if (i < n - 1) page.waitForFunction("k => document.querySelectorAll('form.check[data-verdict]').length > k", before);
    }
    page.waitForSelector("#item-done"); // the page reloads when the item is complete
  }

  static StudioDb db() {
    return server.db();
  }

  @Test
  void reviewThreeItemsByKeyboardEditSeeProgressAndAgreementThenExport() throws Exception {
    List<Item> items = db().items();
    try (BrowserContext annCtx = browser.newContext(new Browser.NewContextOptions().setAcceptDownloads(true));
         BrowserContext bobCtx = browser.newContext()) {
      Page ann = login(annCtx, "ann");
      ann.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("home.png")));
      ann.navigate(base + "/review");
      assertTrue(ann.url().endsWith("/review/" + items.get(0).id()));
      assertEquals("0 / 6 reviewed", ann.textContent("#progress-text"));

      // item 1: everything passes
      reviewByKeyboard(ann, "p");
      assertEquals("1 / 6 reviewed", ann.textContent("#progress-text"));
      ann.keyboard().press("n");
      ann.waitForURL("**/review/" + items.get(1).id());
      // item 2: the first check fails (key f), the rest pass
      reviewByKeyboard(ann, "f");
      ann.keyboard().press("n");
      ann.waitForURL("**/review/" + items.get(2).id());
      // item 3: unsure, then undo (z) withdraws it, then j/k move between checks, then unsure again
      ann.keyboard().press("u");
      ann.waitForFunction("() => document.querySelectorAll('form.check[data-verdict]').length === 1");
      ann.keyboard().press("z");
      ann.waitForFunction("() => document.querySelectorAll('form.check[data-verdict]').length === 0");
      ann.keyboard().press("j");
      ann.keyboard().press("k");
      assertEquals(0, ((Number) ann.evaluate("() => [...document.querySelectorAll('form.check')].findIndex(f => f.classList.contains('current'))")).intValue());
      reviewByKeyboard(ann, "u");
      assertEquals("3 / 6 reviewed", ann.textContent("#progress-text"));
      assertEquals("3", ann.getAttribute("#progress", "value"));
      // b goes back
      ann.keyboard().press("b");
      ann.waitForURL("**/review/" + items.get(1).id());
      ann.keyboard().press("n");
      ann.waitForURL("**/review/" + items.get(2).id());
      ann.keyboard().press("n");
      ann.waitForURL("**/review/" + items.get(3).id());

      // edit a field of item 4: a new version, the original kept
      ann.click("section[data-field=prompt] details.edit summary");
      ann.fill("section[data-field=prompt] textarea[name=value]", "An edited prompt, typed in the browser.");
      ann.click("section[data-field=prompt] button.save-edit");
      ann.waitForSelector("text=An edited prompt, typed in the browser.");
      assertEquals("2", ann.textContent("#item-version"));
      assertEquals(2, db().versions(items.get(3).id()).size());
      assertEquals(items.get(3).text("prompt"), ((com.fasterxml.jackson.databind.JsonNode) db().versions(items.get(3).id()).get(0).get("fields")).get("prompt").asText());
      ann.keyboard().press("p");
      ann.waitForFunction("() => document.querySelectorAll('form.check[data-verdict]').length === 1");
      ann.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("review.png")).setFullPage(false));

      // agreement with one reviewer
      ann.navigate(base + "/agreement");
      assertEquals("1", ann.textContent("#row-overall td:nth-of-type(2)"));
      assertEquals("–", ann.textContent("#overall-cohen_kappa").trim());

      // bob reviews the same three items: he cannot see ann's verdicts before giving his own
      Page bob = login(bobCtx, "bob");
      bob.navigate(base + "/review");
      assertTrue(bob.isVisible("#others-hidden"));
      assertFalse(bob.content().contains("<td>ann</td>"));
      for (int i = 0; i < 3; i++) {
        assertTrue(bob.url().endsWith("/review/" + items.get(i).id()), bob.url());
        reviewByKeyboard(bob, "p");
        assertTrue(bob.isVisible("#others"));
        assertTrue(bob.content().contains("<td>ann</td>"));
        bob.keyboard().press("n");
        if (i < 2) bob.waitForURL("**/review/" + items.get(i + 1).id());
      }

      // agreement updates: two reviewers now, Cohen's kappa appears; the numbers are review stats' numbers
      ann.reload();
      assertEquals("2", ann.textContent("#row-overall td:nth-of-type(2)"));
      Map<String, Object> stats = server.studio().stats(io.personaknob.studio.stats.ReviewStats.DEFAULT_REPLICATES);
      @SuppressWarnings("unchecked")
      Map<String, Object> overall = (Map<String, Object>) stats.get("overall");
      @SuppressWarnings("unchecked")
      Double kappa = (Double) ((Map<String, Object>) overall.get("cohen_kappa")).get("value");
      assertEquals(String.format(java.util.Locale.ROOT, "%.3f", kappa), ann.textContent("#overall-cohen_kappa .value"));
      // item 1 accepted (all pass); item 2 split on one check and item 3 unsure: not accepted -> 1 of 3
      assertEquals("0.333", ann.textContent("#overall-pass_rate .value"));
      ann.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("agreement.png")).setFullPage(true));

      // export: the accepted rows download as a PersonaKnob dataset
      ann.navigate(base + "/export");
      assertEquals("1", ann.textContent("#accepted-count"));
      Download d = ann.waitForDownload(() -> ann.click("#export-accepted"));
      Path saved = ws.resolve("accepted.jsonl");
      d.saveAs(saved);
      List<PersonaRow> accepted = PersonaData.readAll(saved);
      assertEquals(1, accepted.size());
      assertEquals(items.get(0).id(), accepted.get(0).id());
      Download log = ann.waitForDownload(() -> ann.click("#export-log"));
      Path logFile = ws.resolve("log.jsonl");
      log.saveAs(logFile);
      assertEquals(db().count("verdicts"), Files.readAllLines(logFile).size());
      ann.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("export.png")));
    }
  }

  @Test
  void judgingModelOutputsBlindByKeyboard() throws Exception {
    Path outs = ws.resolve("outputs.jsonl");
    Files.writeString(outs, """
        {"row_id":"r1","model":"base","prompt":"My landlord says I must pay for the broken boiler. Must I?","answer":"Yes, always pay.","mask":["A"]}
        {"row_id":"r1","model":"tuned","prompt":"My landlord says I must pay for the broken boiler. Must I?","answer":"Usually the landlord repairs boilers; check your lease and local law.","mask":["A"]}
        """);
    io.personaknob.studio.Judgments.importOutputs(outs, db());
    try (BrowserContext ctx = browser.newContext()) {
      Page page = login(ctx, "dana");
      page.navigate(base + "/judge");
      page.waitForSelector("form.judge-form");
      assertFalse(page.content().contains("base") || page.content().contains("tuned"), "blind");
      page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("judge.png")));
      for (int i = 0; i < 3; i++) {
        String url = page.url();
        boolean pairwise = page.locator("#left").count() > 0;
        page.keyboard().press(pairwise ? "a" : Integer.toString(3 + i));
        page.waitForURL(u -> !u.equals(url));
      }
      page.waitForSelector("#judge-done");
    }
    var mine = db().judgments().stream().filter(j -> j.reviewer().equals("dana")).toList();
    assertEquals(3, mine.size());
    var ratings = io.personaknob.studio.Judgments.humanRatings(db()).stream().filter(r -> r.judge().equals("human:dana")).toList();
    assertEquals(2, ratings.size());
    assertEquals(1, io.personaknob.studio.Judgments.humanComparisons(db()).stream().filter(c -> c.judge().equals("human:dana")).count());
  }

  @Test
  void untrustedTextIsShownAsTextAndNeverRuns() {
    try (BrowserContext ctx = browser.newContext()) {
      Page page = login(ctx, "carol");
      List<String> dialogs = new ArrayList<>();
      page.onDialog(dlg -> {
        dialogs.add(dlg.message());
        dlg.dismiss();
      });
      page.navigate(base + "/review/evil-1");
      String shown = page.textContent("#f-prompt");
      assertTrue(shown.contains("<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">"), shown);
      assertEquals(null, page.evaluate("() => window.pwned === undefined ? null : window.pwned"));
      assertEquals(0, page.locator("#f-prompt script, #f-prompt img").count());
      assertTrue(dialogs.isEmpty());
      page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("escaped.png")));
    }
  }

  @Test
  void aPersonaBenchRunShowsItsAccuracyTable(@TempDir Path scratch) throws Exception {
    io.personaknob.studio.PersonaBenchRun.write(ws.resolve("persona-bench"), scratch);
    try (BrowserContext ctx = browser.newContext()) {
      Page page = login(ctx, "erin");
      page.navigate(base + "/browse");
      page.click("#runs-persona a.persona-run");
      page.waitForURL("**/persona/persona-bench");
      assertTrue(page.isVisible("#persona-accuracy"));
      assertEquals(1 + 2 * 2, page.locator("#persona-accuracy tr").count(), "header + 2 modes x 2 critics");
      assertTrue(page.textContent("#persona-accuracy").contains("output_only / critic-a"));
      assertEquals(null, page.evaluate("() => window.pwned === undefined ? null : window.pwned"), "escaped names never run");
      page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("persona-bench.png")).setFullPage(true));
    }
  }

  @Test
  void aSteeringRunGoesFromTemplatesToACellWithBothPolesSideBySide() throws Exception {
    // the layout of knob steer stats --examples RUN/examples.jsonl --out RUN/stats: examples found in the parent
    io.personaknob.studio.SteerRunDir.write(ws.resolve("steer-run"), ws.resolve("steer-run/stats"), true);
    try (BrowserContext ctx = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
      Page page = login(ctx, "erin");
      page.navigate(base + "/browse");
      page.click("#runs-steer a.steer-run");
      page.waitForURL("**/steer/steer-run/stats");
      assertEquals(1 + 3, page.locator("#steer-templates tr").count(), "header + 3 templates");
      page.click("#steer-templates a.steer-template >> nth=0");
      page.waitForURL("**/steer/steer-run/stats?template=*");
      assertEquals(1 + 2, page.locator("#steer-cells tr").count(), "header + 2 persona pairs");
      page.click("#steer-cells a.steer-cell >> nth=0");
      page.waitForURL("**&pair=*");
      assertEquals(2, page.locator("section.steer-example").count(), "2 scenarios per cell");
      var pos = page.locator("section.steer-example >> nth=0").locator(".pole-pos .answer");
      var neg = page.locator("section.steer-example >> nth=0").locator(".pole-neg .answer");
      assertTrue(pos.isVisible() && neg.isVisible());
      var pb = pos.boundingBox();
      var nb = neg.boundingBox();
      assertTrue(nb.x > pb.x + pb.width - 1 && Math.abs(nb.y - pb.y) < 40, "side by side: " + pb.x + "," + pb.y + " vs " + nb.x + "," + nb.y);
      assertFalse(pos.textContent().isBlank() || neg.textContent().isBlank());
      assertTrue(page.locator("section.steer-example >> nth=0").locator("table.axis-judgments tr").count() >= 1 + 4, "axis judge calls");
      assertEquals(null, page.evaluate("() => window.pwned === undefined ? null : window.pwned"), "escaped answers never run");
      page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("steer-cell.png")).setFullPage(true));
    }
  }
}
