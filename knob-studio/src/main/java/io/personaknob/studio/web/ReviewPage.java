package io.personaknob.studio.web;

import static io.personaknob.studio.web.Html.csrfField;
import static io.personaknob.studio.web.Html.esc;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.personaknob.core.data.Dimension;
import io.personaknob.studio.Checks;
import io.personaknob.studio.Studio;
import io.personaknob.studio.StudioDb.Item;
import io.personaknob.studio.web.StudioServer.Session;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The review screen of one item: the row, golden and rejects side by side, the checks, edits, progress, guidelines. */
final class ReviewPage {
  private final StudioServer server;
  private final Context ctx;
  private final Session s;

  ReviewPage(StudioServer server, Context ctx, Session s) {
    this.server = server;
    this.ctx = ctx;
    this.s = s;
  }

  static String url(String id) {
    return "/review/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
  }

  void render(Item it) {
    Studio studio = server.studio();
    List<Item> queue = server.db().queue(s.reviewer(), studio.overlap());
    int pos = -1;
    for (int i = 0; i < queue.size(); i++) if (queue.get(i).id().equals(it.id())) pos = i;
    Map<String, Map<String, Map<String, String>>> by = studio.verdictsByItem();
    Map<String, Map<String, String>> verdicts = by.getOrDefault(it.id(), Map.of());
    int done = 0;
    for (Item q : queue) if (Routes.doneBy(q, s.reviewer(), by)) done++;
    boolean mineDone = Routes.doneBy(it, s.reviewer(), by);

    StringBuilder b = new StringBuilder();
    b.append("<div class=\"topbar\"><progress id=\"progress\" value=\"").append(done).append("\" max=\"").append(Math.max(1, queue.size()))
        .append("\"></progress> <span id=\"progress-text\">").append(done).append(" / ").append(queue.size()).append(" reviewed</span>");
    String prev = pos > 0 ? url(queue.get(pos - 1).id()) : null;
    String next = pos >= 0 && pos + 1 < queue.size() ? url(queue.get(pos + 1).id()) : "/review";
    b.append(" <nav class=\"itemnav\">");
    if (prev != null) b.append("<a id=\"prev\" href=\"").append(esc(prev)).append("\">← previous (b)</a> ");
    b.append("<a id=\"next\" href=\"").append(esc(next)).append("\">next (n) →</a></nav></div>");
    if (pos < 0) b.append("<p class=\"note\">This item is not in your queue (it has its ").append(studio.overlap()).append(" reviewers); you can read it but not judge it.</p>");

    b.append("<div class=\"review\" data-item=\"").append(esc(it.id())).append("\" data-version=\"").append(it.version()).append("\"><div class=\"row\">");
    b.append("<h1>Item <span id=\"item-id\">").append(esc(it.id())).append("</span> <small>version <span id=\"item-version\">").append(it.version())
        .append("</span>").append(it.version() > 1 ? " (edited; the original is kept)" : "").append("</small></h1>");
    b.append("<p class=\"mask\">Active traits: ");
    for (Dimension d : it.mask()) b.append("<span class=\"badge\" title=\"").append(esc(d.title())).append("\">").append(d.name()).append(" ").append(esc(d.title())).append("</span> ");
    b.append("</p>");
    JsonNode build = it.fields().get("build");
    if (build != null && build.isObject()) {
      b.append("<p class=\"build\">build <code>").append(esc(build.path("build_id").asText())).append("</code>, stage ")
          .append(esc(build.path("stage").asText())).append(", reasons: ").append(esc(build.path("reasons").toString())).append("</p>");
    }
    for (String f : List.of("seed_scene", "context", "trigger", "prompt")) field(b, it, f, esc(it.text(f)));

    // golden and each reject side by side, differing sentences highlighted
    List<String> rejects = new ArrayList<>();
    for (Dimension d : it.mask()) rejects.add(it.text(d.rejectColumn()));
    b.append("<div class=\"answers\">");
    b.append("<div class=\"answer golden\">");
    field(b, it, "golden", Html.highlightAgainstAll(it.text("golden"), rejects));
    b.append("</div>");
    for (Dimension d : it.mask()) {
      b.append("<div class=\"answer reject\">");
      field(b, it, d.rejectColumn(), Html.highlight(it.text(d.rejectColumn()), it.text("golden")));
      b.append("</div>");
    }
    b.append("</div></div>");

    // the checks
    b.append("<aside class=\"side\"><h2>Checks</h2><div id=\"checks\">");
    boolean canJudge = pos >= 0;
    for (String c : it.checks()) {
      String mine = verdicts.getOrDefault(c, Map.of()).get(s.reviewer());
      b.append("<form class=\"check\" method=\"post\" action=\"").append(esc(url(it.id()))).append("/verdict\" data-check=\"").append(esc(c))
          .append("\"").append(mine == null ? "" : " data-verdict=\"" + esc(mine) + "\"").append(">").append(csrfField(s.csrf()))
          .append("<input type=\"hidden\" name=\"check\" value=\"").append(esc(c)).append("\"><span class=\"label\">").append(esc(Checks.label(c)))
          .append("</span><span class=\"buttons\">");
      for (String v : Checks.VERDICTS) {
        b.append("<button type=\"submit\" name=\"verdict\" value=\"").append(v).append("\"").append(v.equals(mine) ? " class=\"chosen\"" : "")
            .append(canJudge ? "" : " disabled").append(">").append(v).append(" <kbd>").append(v.charAt(0)).append("</kbd></button>");
      }
      b.append("</span></form>");
    }
    b.append("</div><label class=\"comment\">Comment (optional, saved with each verdict; <kbd>c</kbd>)<textarea id=\"comment\" name=\"comment\" rows=\"2\" maxlength=\"4000\"></textarea></label>");
    b.append("<p id=\"status\" class=\"status\" role=\"status\">").append(mineDone ? "<span id=\"item-done\">You have reviewed this item.</span>" : "").append("</p>");
    // others' verdicts only after one's own
    b.append("<h2>Other reviewers</h2>");
    if (!mineDone) {
      b.append("<p class=\"hidden-note\" id=\"others-hidden\">Shown after you have given all your verdicts on this item.</p>");
    } else {
      b.append("<table id=\"others\"><tr><th>check</th><th>reviewer</th><th>verdict</th></tr>");
      for (String c : it.checks()) {
        for (var e : verdicts.getOrDefault(c, Map.of()).entrySet()) {
          if (e.getKey().equals(s.reviewer())) continue;
          b.append("<tr><td>").append(esc(c)).append("</td><td>").append(esc(e.getKey())).append("</td><td>").append(esc(e.getValue())).append("</td></tr>");
        }
      }
      b.append("</table>");
    }
    b.append("<form id=\"undo\" method=\"post\" action=\"/undo\">").append(csrfField(s.csrf())).append("<button type=\"submit\">undo last verdict <kbd>z</kbd></button></form>");
    b.append(GUIDELINES);
    b.append("</aside></div>");
    ctx.html(Html.page("Review " + it.id(), s.reviewer(), s.csrf(), b.toString()));
  }

  private void field(StringBuilder b, Item it, String f, String html) {
    b.append("<section class=\"field\" data-field=\"").append(f).append("\"><h3>").append(f).append("</h3><div class=\"text\" id=\"f-").append(f)
        .append("\">").append(html).append("</div>");
    if (Studio.EDITABLE.contains(f)) {
      b.append("<details class=\"edit\"><summary>edit</summary><form method=\"post\" action=\"").append(esc(url(it.id()))).append("/edit\">")
          .append(csrfField(s.csrf())).append("<input type=\"hidden\" name=\"field\" value=\"").append(f).append("\">")
          .append("<input type=\"hidden\" name=\"version\" value=\"").append(it.version()).append("\">")
          .append("<textarea name=\"value\" rows=\"5\">").append(esc(it.text(f))).append("</textarea>")
          .append("<button type=\"submit\" class=\"save-edit\">save as version ").append(it.version() + 1).append("</button></form></details>");
    }
    b.append("</section>");
  }

  static final String GUIDELINES = """
      <details class="guidelines" open><summary>Guidelines</summary>
      <ul>
      <li><b>Scenario needs every active trait</b>: each active trait (A anti-sycophancy, T trustworthiness, E empathy,
      C creativity) must be called for by something concrete in the context or trigger. Fail if a trait is decorative.</li>
      <li><b>reject_k fails k</b>: the rejected answer must clearly fail trait k (e.g. reject_A gives in to the false premise).</li>
      <li><b>reject_k no worse elsewhere</b>: on every other trait the reject is as good as the golden answer; only k may differ.
      Highlighted sentences are those that differ from the golden answer.</li>
      <li><b>Realistic</b>: a real person could plausibly write this prompt in this situation.</li>
      <li>Unsure is a legitimate answer; add a comment. Edits fix typos and small flaws; they are versioned.</li>
      </ul>
      <p class="keys">Keys: <kbd>p</kbd>/<kbd>1</kbd> pass, <kbd>f</kbd>/<kbd>2</kbd> fail, <kbd>u</kbd>/<kbd>3</kbd> unsure,
      <kbd>j</kbd>/<kbd>k</kbd> next/previous check, <kbd>n</kbd>/<kbd>b</kbd> next/previous item, <kbd>z</kbd> undo, <kbd>c</kbd> comment.</p>
      </details>""";
}
