package io.personaknob.studio.web;

import static io.personaknob.studio.web.Html.esc;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.personaknob.studio.StudioDb;
import io.personaknob.studio.web.StudioServer.HttpError;
import io.personaknob.studio.web.StudioServer.Session;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A PERSONA Bench run ({@code knob persona bench --out DIR}: {@code results.json} beside {@code report.html}) in
 * the studio: its summary rendered here from {@code results.json} (accuracy by mode and critic with Wilson
 * intervals, pass@k, leave-one-out importance, subgroups, critic calibration), every text escaped, and a link
 * to the run's self-contained report. Reads the JSON with Jackson; knob-studio does not depend on knob-persona.
 */
final class PersonaBenchPage {
  private PersonaBenchPage() {}

  static final String RESULTS = "results.json";
  static final String REPORT = "report.html";

  /** The parsed results of a bench run directory, or null when {@code dir} is not one. */
  static JsonNode results(Path dir) {
    Path f = dir.resolve(RESULTS);
    if (!Files.isRegularFile(f) || !Files.isRegularFile(dir.resolve(REPORT))) return null;
    try {
      JsonNode n = StudioDb.JSON.readTree(Files.readString(f, StandardCharsets.UTF_8));
      return n != null && n.path("modes").isObject() && n.path("critics").isArray() ? n : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** GET /persona/REL: REL is the run directory relative to the workspace; 404 when it is not a bench run. */
  static void render(Context ctx, Session s, Path workspace) {
    Path ws = workspace.toAbsolutePath().normalize();
    String rel = java.net.URLDecoder.decode(ctx.path().substring("/persona/".length()), StandardCharsets.UTF_8);
    Path dir = ws.resolve(rel).normalize();
    JsonNode res = dir.startsWith(ws) && Files.isDirectory(dir) ? results(dir) : null;
    if (res == null) throw new HttpError(404, "no PERSONA Bench run at '" + rel + "' in the workspace");
    String r = ws.relativize(dir).toString();
    ctx.html(Html.page("PERSONA Bench", s.reviewer(), s.csrf(), body(r, res)));
  }

  static String body(String rel, JsonNode res) {
    StringBuilder b = new StringBuilder("<h1>PERSONA Bench</h1><p><code>").append(esc(rel)).append("</code> — model <b id=\"persona-model\">")
        .append(esc(res.path("model").asText())).append("</b>; critics ");
    int i = 0;
    for (JsonNode c : res.path("critics")) b.append(i++ == 0 ? "" : ", ").append(esc(c.asText()));
    b.append(".</p><p><a id=\"persona-report\" href=\"/ws/").append(esc(rel)).append("/").append(REPORT).append("\">full report (charts)</a> · ")
        .append("<a href=\"/ws/").append(esc(rel)).append("/").append(RESULTS).append("\">results.json</a>");
    b.append("</p><p>Score 1 when the critic says the answer needs no further personalisation; a failed answer or critique counts as a miss.</p>");
    JsonNode modes = res.path("modes");

    StringBuilder t = new StringBuilder();
    each(modes, "main", (label, c) -> t.append("<tr><td>").append(esc(label)).append("</td>").append(num(c.path("n"), 0))
        .append(num(c.path("passes"), 0)).append(num(c.path("accuracy"), 3)).append(num(c.path("bootstrap_se"), 3))
        .append("<td>").append(interval(c.path("wilson95"))).append("</td>").append(num(c.path("failed"), 0)).append("</tr>"));
    if (!t.isEmpty())
      b.append("<h2>Accuracy by mode (main)</h2><table class=\"stats\" id=\"persona-accuracy\"><tr><th>mode / critic</th><th>n</th>")
          .append("<th>passes</th><th>accuracy</th><th>bootstrap SE</th><th>Wilson 95 %</th><th>failed</th></tr>").append(t).append("</table>");

    StringBuilder pk = new StringBuilder();
    int[] maxK = {0};
    each(modes, "pass_at_k", (label, c) -> {
      JsonNode any = c.path("any_of_first_k"), unb = c.path("unbiased");
      maxK[0] = Math.max(maxK[0], any.size());
      pk.append("<tr><td>").append(esc(label)).append("</td>").append(num(c.path("pairs"), 0));
      for (int k = 0; k < any.size(); k++)
        pk.append("<td>").append(f(any.get(k), 3)).append(" / ").append(f(unb.path(k), 3)).append("</td>");
      pk.append("</tr>");
    });
    if (!pk.isEmpty()) {
      b.append("<h2>pass@k (any of the first k / unbiased estimator)</h2><table class=\"stats\" id=\"persona-passk\"><tr><th>mode / critic</th><th>pairs</th>");
      for (int k = 1; k <= maxK[0]; k++) b.append("<th>k = ").append(k).append("</th>");
      b.append("</tr>").append(pk).append("</table>");
    }

    StringBuilder loo = new StringBuilder();
    each(modes, "loo", (label, c) -> {
      for (Iterator<Map.Entry<String, JsonNode>> it = c.path("importance").fields(); it.hasNext(); ) {
        var e = it.next();
        loo.append("<tr><td>").append(esc(label)).append("</td><td>").append(esc(e.getKey())).append("</td>").append(num(e.getValue(), 3))
            .append("</tr>");
      }
    });
    if (!loo.isEmpty())
      b.append("<h2>Leave-one-out importance</h2><p>Accuracy with the full persona minus accuracy without the attribute.</p>")
          .append("<table class=\"stats\" id=\"persona-loo\"><tr><th>mode / critic</th><th>attribute</th><th>importance</th></tr>").append(loo).append("</table>");

    StringBuilder sub = new StringBuilder();
    each(modes, "intersections", (label, c) -> {
      for (JsonNode g : c.path("subgroups"))
        sub.append("<tr><td>").append(esc(label)).append("</td><td>").append(esc(g.path("name").asText())).append("</td>")
            .append(num(g.path("n"), 0)).append(num(g.path("accuracy"), 3)).append("<td>").append(interval(g.path("wilson95"))).append("</td></tr>");
    });
    if (!sub.isEmpty())
      b.append("<h2>Subgroups</h2><table class=\"stats\" id=\"persona-subgroups\"><tr><th>mode / critic</th><th>subgroup</th><th>n</th>")
          .append("<th>accuracy</th><th>Wilson 95 %</th></tr>").append(sub).append("</table>");

    JsonNode cal = res.path("calibration");
    if (cal.has("error")) b.append("<h2>Critic calibration</h2><p>").append(esc(cal.path("error").asText())).append("</p>");
    else if (cal.has("ability")) {
      b.append("<h2>Critics calibrated together (many-facet Rasch)</h2><p>").append(esc(cal.path("model").asText()))
          .append(". Higher severity: a stricter critic.</p><table class=\"stats\" id=\"persona-calibration\"><tr><th>element</th>")
          .append("<th>measure</th><th>SE</th><th>infit</th><th>outfit</th></tr>");
      for (String[] facet : new String[][] {{"ability", "mode"}, {"severity", "critic"}})
        for (JsonNode a : cal.path(facet[0]))
          b.append("<tr><td>").append(facet[1]).append(" ").append(esc(a.path(facet[1]).asText())).append("</td>").append(num(a.path("measure"), 3))
              .append(num(a.path("se"), 3)).append(num(a.path("infit"), 2)).append(num(a.path("outfit"), 2)).append("</tr>");
      b.append("</table>");
      for (JsonNode w : cal.path("warnings")) b.append("<p class=\"warning\">").append(esc(w.asText())).append("</p>");
    }
    return b.toString();
  }

  /** Calls {@code f} for each (mode, critic) result of evaluation {@code eval}, labelled "mode / critic". */
  private static void each(JsonNode modes, String eval, BiConsumer<String, JsonNode> f) {
    for (Iterator<Map.Entry<String, JsonNode>> m = modes.fields(); m.hasNext(); ) {
      var mode = m.next();
      for (Iterator<Map.Entry<String, JsonNode>> c = mode.getValue().path(eval).fields(); c.hasNext(); ) {
        var critic = c.next();
        f.accept(mode.getKey() + " / " + critic.getKey(), critic.getValue());
      }
    }
  }

  private static String f(JsonNode n, int digits) {
    if (!n.isNumber() || Double.isNaN(n.asDouble())) return "–";
    return digits == 0 ? Long.toString(n.asLong()) : String.format(Locale.ROOT, "%." + digits + "f", n.asDouble());
  }

  private static String num(JsonNode n, int digits) {
    return "<td class=\"num\">" + f(n, digits) + "</td>";
  }

  private static String interval(JsonNode w) {
    return f(w.path(0), 3) + "–" + f(w.path(1), 3);
  }
}
