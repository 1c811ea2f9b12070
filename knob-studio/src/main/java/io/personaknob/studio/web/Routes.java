package io.personaknob.studio.web;

import static io.personaknob.studio.web.Html.csrfField;
import static io.personaknob.studio.web.Html.esc;
import static io.personaknob.studio.web.Html.fmt;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.personaknob.core.data.Dimension;
import io.personaknob.studio.Checks;
import io.personaknob.studio.Judgments;
import io.personaknob.studio.Studio;
import io.personaknob.studio.StudioDb;
import io.personaknob.studio.StudioDb.Item;
import io.personaknob.studio.StudioDb.Task;
import io.personaknob.studio.StudioDb.Verdict;
import io.personaknob.studio.stats.ReviewStats;
import io.personaknob.studio.web.StudioServer.HttpError;
import io.personaknob.studio.web.StudioServer.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The routes of the studio (pages and their POST actions). */
final class Routes {
  private final StudioServer server;
  private final Studio studio;
  private final StudioDb db;

  Routes(StudioServer server) {
    this.server = server;
    this.studio = server.studio();
    this.db = server.db();
  }

  void register(Javalin app) {
    app.get("/login", this::loginPage);
    app.post("/login", this::login);
    app.post("/logout", ctx -> {
      server.logout(ctx);
      ctx.redirect("/login", io.javalin.http.HttpStatus.SEE_OTHER);
    });
    app.get("/", this::home);
    app.get("/review", this::nextItem);
    app.get("/review/{id}", ctx -> new ReviewPage(server, ctx, server.require(ctx)).render(item(ctx)));
    app.post("/review/{id}/verdict", this::verdict);
    app.post("/review/{id}/edit", this::edit);
    app.post("/undo", this::undo);
    app.get("/agreement", ctx -> AgreementPage.render(ctx, server.require(ctx), studio));
    app.get("/api/stats", ctx -> {
      server.require(ctx);
      ctx.contentType("application/json");
      ctx.result(StudioDb.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(studio.stats(ReviewStats.DEFAULT_REPLICATES)));
    });
    app.get("/api/progress", ctx -> {
      Session s = server.require(ctx);
      int[] p = progress(s.reviewer());
      ctx.json(Map.of("done", p[0], "total", p[1]));
    });
    app.get("/settings", this::settingsPage);
    app.post("/settings", this::saveSettings);
    app.get("/export", this::exportPage);
    app.get("/export/accepted.jsonl", ctx -> download(ctx, "accepted.jsonl", "application/x-ndjson", studio.acceptedJsonl()));
    app.get("/export/review-log.jsonl", ctx -> download(ctx, "review-log.jsonl", "application/x-ndjson", studio.logJsonl()));
    app.get("/export/human-ratings.csv", ctx -> download(ctx, "human-ratings.csv", "text/csv",
        Judgments.ratingsCsv(Judgments.humanRatings(db))));
    app.get("/export/human-comparisons.csv", ctx -> download(ctx, "human-comparisons.csv", "text/csv",
        Judgments.comparisonsCsv(Judgments.humanComparisons(db))));
    app.get("/judge", this::nextTask);
    app.get("/judge/{id}", ctx -> JudgePage.render(ctx, server.require(ctx), task(ctx), db));
    app.post("/judge/{id}", this::judge);
    app.get("/browse", ctx -> BrowsePage.render(ctx, server.require(ctx), server.options().workspace()));
    app.get("/persona/*", ctx -> PersonaBenchPage.render(ctx, server.require(ctx), server.options().workspace()));
    app.get("/steer/*", ctx -> SteerPage.render(ctx, server.require(ctx), server.options().workspace()));
    app.get("/ws/*", ctx -> BrowsePage.serve(ctx, server.require(ctx), server.options().workspace()));
    app.post("/import", this::importQueue);
  }

  // ------------------------------------------------------------------ login

  private void loginPage(Context ctx) {
    String t = server.newToken();
    ctx.cookie(StudioServer.cookie(StudioServer.LOGIN_COOKIE, t));
    List<String> named = studio.reviewers();
    StringBuilder b = new StringBuilder("<h1>Who is reviewing?</h1><p>A name, not an account: every verdict records it.</p>")
        .append("<form method=\"post\" action=\"/login\" class=\"login\">").append(csrfField(t));
    if (named.isEmpty()) {
      b.append("<label>Your name <input name=\"name\" id=\"name\" autofocus required maxlength=\"64\"></label>");
    } else {
      b.append("<label>Reviewer <select name=\"name\" id=\"name\">");
      for (String n : named) b.append("<option>").append(esc(n)).append("</option>");
      b.append("</select></label>");
    }
    b.append(" <button type=\"submit\" id=\"login\">Start</button></form>");
    ctx.html(Html.page("Log in", null, null, b.toString()));
  }

  private void login(Context ctx) {
    String name = ctx.formParam("name");
    if (name == null || name.isBlank() || name.length() > 64 || !name.strip().matches("[\\p{L}\\p{N} ._@-]+"))
      throw new HttpError(400, "a reviewer name is 1–64 letters, digits, spaces or . _ @ -");
    name = name.strip();
    List<String> named = studio.reviewers();
    if (!named.isEmpty() && !named.contains(name)) throw new HttpError(403, "'" + name + "' is not one of the named reviewers");
    server.login(ctx, name);
    ctx.removeCookie(StudioServer.LOGIN_COOKIE, "/");
    ctx.redirect("/", io.javalin.http.HttpStatus.SEE_OTHER);
  }

  // ------------------------------------------------------------------ home

  private void home(Context ctx) {
    Session s = server.require(ctx);
    int[] p = progress(s.reviewer());
    long tasks = db.tasks().size();
    StringBuilder b = new StringBuilder("<h1>Hello, ").append(esc(s.reviewer())).append("</h1>");
    b.append("<section class=\"cards\">")
        .append("<a class=\"card\" href=\"/review\"><h2>Review queue</h2><p><span id=\"home-progress\">").append(p[0]).append(" of ").append(p[1])
        .append("</span> items reviewed by you</p></a>")
        .append("<a class=\"card\" href=\"/judge\"><h2>Judge model outputs</h2><p>").append(tasks).append(" tasks (blind 1–7 and A/B)</p></a>")
        .append("<a class=\"card\" href=\"/agreement\"><h2>Agreement</h2><p>κ, α, pass rate with intervals</p></a>")
        .append("<a class=\"card\" href=\"/browse\"><h2>Workspace</h2><p>eval runs, PERSONA Bench runs, steering-template runs, training runs, builds</p></a>")
        .append("</section>");
    b.append("<p>").append(db.items().size()).append(" items in the database <code>").append(esc(db.file())).append("</code>; each is reviewed by ")
        .append(studio.overlap()).append(" reviewer(s); acceptance rule: ").append(esc(studio.acceptRule().key())).append(".</p>");
    ctx.html(Html.page("Home", s.reviewer(), s.csrf(), b.toString()));
  }

  // ------------------------------------------------------------------ review

  /** done and total items of the reviewer's queue. */
  int[] progress(String reviewer) {
    List<Item> q = db.queue(reviewer, studio.overlap());
    Map<String, Map<String, Map<String, String>>> by = studio.verdictsByItem();
    int done = 0;
    for (Item it : q) if (doneBy(it, reviewer, by)) done++;
    return new int[] {done, q.size()};
  }

  static boolean doneBy(Item it, String reviewer, Map<String, Map<String, Map<String, String>>> by) {
    Map<String, Map<String, String>> checks = by.get(it.id());
    if (checks == null) return false;
    for (String c : it.checks()) {
      Map<String, String> m = checks.get(c);
      if (m == null || !m.containsKey(reviewer)) return false;
    }
    return true;
  }

  private void nextItem(Context ctx) {
    Session s = server.require(ctx);
    List<Item> q = db.queue(s.reviewer(), studio.overlap());
    var by = studio.verdictsByItem();
    for (Item it : q) {
      if (!doneBy(it, s.reviewer(), by)) {
        ctx.redirect("/review/" + java.net.URLEncoder.encode(it.id(), java.nio.charset.StandardCharsets.UTF_8));
        return;
      }
    }
    ctx.html(Html.page("Queue done", s.reviewer(), s.csrf(), "<h1>Your queue is done</h1><p id=\"queue-done\">You have reviewed all "
        + q.size() + " items assigned to you.</p><p><a href=\"/agreement\">See the agreement</a> · <a href=\"/export\">Export</a></p>"
        + (q.isEmpty() ? "" : "<p><a href=\"/review/" + esc(q.get(0).id()) + "\">Go back to the first item</a></p>")));
  }

  private Item item(Context ctx) {
    Item it = db.item(ctx.pathParam("id"));
    if (it == null) throw new HttpError(404, "no item '" + ctx.pathParam("id") + "'");
    return it;
  }

  private boolean wantsJson(Context ctx) {
    String a = ctx.header("Accept");
    return a != null && a.contains("application/json");
  }

  private void verdict(Context ctx) {
    Session s = server.require(ctx);
    Item it = item(ctx);
    String check = ctx.formParam("check");
    String verdict = ctx.formParam("verdict");
    if (check == null || !it.checks().contains(check)) throw new HttpError(400, "item " + it.id() + " has no check '" + check + "'");
    if (verdict == null || !Checks.VERDICTS.contains(verdict)) throw new HttpError(400, "verdict must be pass, fail or unsure");
    if (!db.queue(s.reviewer(), studio.overlap()).stream().anyMatch(q -> q.id().equals(it.id())))
      throw new HttpError(403, "item " + it.id() + " is not assigned to " + s.reviewer() + " (it has its " + studio.overlap() + " reviewers)");
    String comment = ctx.formParam("comment");
    if (comment != null && comment.length() > 4000) throw new HttpError(400, "comment longer than 4000 characters");
    db.addVerdict(it.id(), s.reviewer(), check, verdict, comment, it.version(), "studio");
    respondAfterVerdict(ctx, s, it);
  }

  private void respondAfterVerdict(Context ctx, Session s, Item it) {
    if (wantsJson(ctx)) {
      int[] p = progress(s.reviewer());
      var by = studio.verdictsByItem();
      ctx.json(Map.of("done", p[0], "total", p[1], "item_done", doneBy(it, s.reviewer(), by)));
    } else {
      ctx.redirect("/review/" + java.net.URLEncoder.encode(it.id(), java.nio.charset.StandardCharsets.UTF_8), io.javalin.http.HttpStatus.SEE_OTHER);
    }
  }

  private void edit(Context ctx) {
    Session s = server.require(ctx);
    Item it = item(ctx);
    String field = ctx.formParam("field");
    String value = ctx.formParam("value");
    String version = ctx.formParam("version");
    if (field == null || !Studio.EDITABLE.contains(field)) throw new HttpError(400, "field '" + field + "' cannot be edited (editable: "
        + String.join(", ", Studio.EDITABLE) + ")");
    if (field.startsWith("reject_") && !it.mask().contains(Dimension.valueOf(field.substring(7))))
      throw new HttpError(400, field + " is empty for this row's mask; it cannot be edited");
    if (value == null || value.isBlank()) throw new HttpError(400, "an edit needs a non-empty value");
    int base;
    try {
      base = Integer.parseInt(version == null ? "" : version);
    } catch (NumberFormatException e) {
      throw new HttpError(400, "version must be the item version the edit is based on");
    }
    try {
      db.edit(it.id(), base, field, value, s.reviewer());
    } catch (StudioDb.StaleVersionException e) {
      throw new HttpError(409, "edit refused: " + e.getMessage() + "; you edited version " + base + ". Reload the item and edit again.");
    }
    if (wantsJson(ctx)) ctx.json(Map.of("version", base + 1));
    else ctx.redirect("/review/" + java.net.URLEncoder.encode(it.id(), java.nio.charset.StandardCharsets.UTF_8), io.javalin.http.HttpStatus.SEE_OTHER);
  }

  /** Undo: the reviewer's newest verdict is superseded by the one before it (or withdrawn). Nothing is deleted. */
  private void undo(Context ctx) {
    Session s = server.require(ctx);
    // the reviewer's verdicts as a stack: each studio verdict pushes, each undo pops
    java.util.ArrayDeque<Verdict> stack = new java.util.ArrayDeque<>();
    for (Verdict v : db.log()) {
      if (!v.reviewer().equals(s.reviewer())) continue;
      if (v.source().equals("studio")) stack.push(v);
      else if (v.source().equals("studio-undo") && !stack.isEmpty()) stack.pop();
    }
    if (stack.isEmpty()) throw new HttpError(409, "nothing to undo");
    Verdict last = stack.peek();
    Verdict prev = db.previousOf(s.reviewer(), last.itemId(), last.check(), last.id());
    db.addVerdict(last.itemId(), s.reviewer(), last.check(), prev == null ? null : prev.verdict(), prev == null ? null : prev.comment(),
        last.itemVersion(), "studio-undo");
    if (wantsJson(ctx)) ctx.json(Map.of("item", last.itemId(), "check", last.check()));
    else ctx.redirect("/review/" + java.net.URLEncoder.encode(last.itemId(), java.nio.charset.StandardCharsets.UTF_8), io.javalin.http.HttpStatus.SEE_OTHER);
  }

  // ------------------------------------------------------------------ settings and import

  private void settingsPage(Context ctx) {
    Session s = server.require(ctx);
    StringBuilder b = new StringBuilder("<h1>Settings</h1><form method=\"post\" action=\"/settings\" class=\"settings\">").append(csrfField(s.csrf()));
    b.append("<label>Reviewers per item (overlap k) <input type=\"number\" min=\"1\" max=\"20\" name=\"overlap\" id=\"overlap\" value=\"")
        .append(studio.overlap()).append("\"></label>");
    b.append("<label>Accept an item when <select name=\"accept_rule\" id=\"accept_rule\">");
    for (var r : ReviewStats.AcceptRule.values()) {
      b.append("<option value=\"").append(r.key()).append("\"").append(r == studio.acceptRule() ? " selected" : "").append(">")
          .append(r == ReviewStats.AcceptRule.MAJORITY ? "a majority passes every check" : "all reviewers pass every check").append("</option>");
    }
    b.append("</select></label>");
    b.append("<label>Named reviewers (comma-separated; empty: anyone) <input name=\"reviewers\" id=\"reviewers\" value=\"")
        .append(esc(String.join(", ", studio.reviewers()))).append("\"></label>");
    b.append("<button type=\"submit\">Save</button></form>");
    b.append("<h2>Import a review queue</h2><p>A PersonaKnob file or dataset folder, or a <code>knob build</code> rows.jsonl (its rows with status")
        .append(" <code>review</code>), by path inside the workspace.</p><form method=\"post\" action=\"/import\">").append(csrfField(s.csrf()))
        .append("<input name=\"path\" id=\"import-path\" placeholder=\"data/train.jsonl\" size=\"50\"> <button type=\"submit\">Import</button></form>");
    ctx.html(Html.page("Settings", s.reviewer(), s.csrf(), b.toString()));
  }

  private void saveSettings(Context ctx) {
    Session s = server.require(ctx);
    String overlap = ctx.formParam("overlap");
    String rule = ctx.formParam("accept_rule");
    String reviewers = ctx.formParam("reviewers");
    if (overlap != null) {
      int k;
      try {
        k = Integer.parseInt(overlap.trim());
      } catch (NumberFormatException e) {
        throw new HttpError(400, "overlap must be a whole number");
      }
      if (k < 1 || k > 20) throw new HttpError(400, "overlap must be between 1 and 20");
      if (k != studio.overlap()) db.setSetting("overlap", Integer.toString(k), s.reviewer());
    }
    if (rule != null) {
      if (!Set.of("majority", "all").contains(rule)) throw new HttpError(400, "accept_rule must be majority or all");
      if (!rule.equals(studio.acceptRule().key())) db.setSetting("accept_rule", rule, s.reviewer());
    }
    if (reviewers != null) {
      List<String> names = new ArrayList<>();
      for (String n : reviewers.split(",")) if (!n.isBlank()) names.add(n.strip());
      String v = String.join(",", names);
      if (!v.equals(String.join(",", studio.reviewers()))) db.setSetting("reviewers", v, s.reviewer());
    }
    ctx.redirect("/settings", io.javalin.http.HttpStatus.SEE_OTHER);
  }

  private void importQueue(Context ctx) {
    Session s = server.require(ctx);
    String p = ctx.formParam("path");
    if (p == null || p.isBlank()) throw new HttpError(400, "give a path inside the workspace");
    var ws = server.options().workspace().toAbsolutePath().normalize();
    var file = ws.resolve(p).normalize();
    if (!file.startsWith(ws)) throw new HttpError(400, "the path must stay inside the workspace");
    if (!java.nio.file.Files.exists(file)) throw new HttpError(404, "no such file in the workspace: " + p);
    int n = studio.importQueue(file);
    ctx.html(Html.page("Imported", s.reviewer(), s.csrf(), "<h1>Imported</h1><p id=\"imported\">" + n + " new items from " + esc(p)
        + "</p><p><a href=\"/review\">Review</a></p>"));
  }

  // ------------------------------------------------------------------ export

  private void exportPage(Context ctx) {
    Session s = server.require(ctx);
    int accepted = studio.accepted().size();
    String b = "<h1>Export</h1><ul class=\"exports\">"
        + "<li><a id=\"export-accepted\" href=\"/export/accepted.jsonl\" download>Accepted rows</a> — <span id=\"accepted-count\">" + accepted
        + "</span> rows as a PersonaKnob dataset (JSONL; acceptance rule: " + esc(studio.acceptRule().key()) + ")</li>"
        + "<li><a id=\"export-log\" href=\"/export/review-log.jsonl\" download>Review log</a> — every verdict, withdrawn ones too (JSONL)</li>"
        + "<li><a href=\"/export/human-ratings.csv\" download>Human ratings</a> — pointwise judgments in the long format of <code>knob irt fit</code></li>"
        + "<li><a href=\"/export/human-comparisons.csv\" download>Human comparisons</a> — A/B judgments for <code>knob irt fit --comparisons</code></li>"
        + "</ul><p>From the command line: <code>knob review export --db " + esc(db.file()) + " --accepted OUT.jsonl --log LOG.jsonl</code></p>";
    ctx.html(Html.page("Export", s.reviewer(), s.csrf(), b));
  }

  private void download(Context ctx, String name, String type, String body) {
    server.require(ctx);
    ctx.contentType(type + "; charset=utf-8");
    ctx.header("Content-Disposition", "attachment; filename=\"" + name + "\"");
    ctx.result(body);
  }

  // ------------------------------------------------------------------ judging model outputs

  private Task task(Context ctx) {
    Task t = db.task(ctx.pathParam("id"));
    if (t == null) throw new HttpError(404, "no task '" + ctx.pathParam("id") + "'");
    return t;
  }

  private void nextTask(Context ctx) {
    Session s = server.require(ctx);
    Set<String> done = new java.util.HashSet<>();
    for (var j : db.judgments()) if (j.reviewer().equals(s.reviewer())) done.add(j.taskId());
    List<Task> tasks = db.tasks();
    for (Task t : tasks) {
      if (!done.contains(t.id())) {
        ctx.redirect("/judge/" + java.net.URLEncoder.encode(t.id(), java.nio.charset.StandardCharsets.UTF_8));
        return;
      }
    }
    ctx.html(Html.page("Judging done", s.reviewer(), s.csrf(), "<h1>No tasks left</h1><p id=\"judge-done\">" + (tasks.isEmpty()
        ? "There are no judgment tasks yet: import model outputs with <code>knob review tasks --db DB --outputs FILE.jsonl</code>."
        : "You have judged all " + tasks.size() + " tasks.") + "</p>"));
  }

  private void judge(Context ctx) {
    Session s = server.require(ctx);
    Task t = task(ctx);
    String v = ctx.formParam("value");
    String stored;
    String shownLeft = null;
    if (t.kind().equals("pointwise")) {
      if (v == null || !v.matches("[1-7]")) throw new HttpError(400, "a pointwise rating is a whole number from 1 to 7");
      stored = v;
    } else {
      if (v == null || !Set.of("left", "right", "tie").contains(v)) throw new HttpError(400, "a pairwise judgment is left, right or tie");
      // undo the recorded on-screen order: left is model B when the task is swapped
      shownLeft = t.swapped() ? t.modelB() : t.modelA();
      stored = v.equals("tie") ? "tie" : (v.equals("left") != t.swapped()) ? "A" : "B";
    }
    db.addJudgment(t.id(), s.reviewer(), stored, shownLeft);
    ctx.redirect("/judge", io.javalin.http.HttpStatus.SEE_OTHER);
  }

  static String fmtStat(Object o) {
    return fmt(o);
  }
}
