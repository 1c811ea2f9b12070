package io.personaknob.studio.web;

import static io.personaknob.studio.web.Html.esc;
import static io.personaknob.studio.web.Html.fmt;

import io.javalin.http.Context;
import io.personaknob.studio.Checks;
import io.personaknob.studio.Studio;
import io.personaknob.studio.stats.ReviewStats;
import io.personaknob.studio.web.StudioServer.Session;
import java.util.List;
import java.util.Map;

/** The agreement page: the numbers of {@code knob review stats}, per check and overall, and the confusion tables. */
final class AgreementPage {
  private AgreementPage() {}

  static final List<String> STATS = List.of("percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha_nominal",
      "krippendorff_alpha_ordinal", "krippendorff_alpha_interval", "pass_rate");

  @SuppressWarnings("unchecked")
  static void render(Context ctx, Session s, Studio studio) {
    Map<String, Object> r = studio.stats(ReviewStats.DEFAULT_REPLICATES);
    StringBuilder b = new StringBuilder("<h1>Agreement</h1><p>Each cell: estimate [bootstrap 95 % interval over items, ")
        .append(r.get("bootstrap_replicates")).append(" resamples]; the pass rate carries its Wilson 95 % interval. Overall pass rate:")
        .append(" items accepted under the rule <b>").append(esc(r.get("accept_rule"))).append("</b> among items with a verdict on every check.")
        .append(" The same numbers as <code>knob review stats --json</code>.</p>");
    b.append("<table class=\"stats\" id=\"agreement\"><tr><th>check</th><th>items</th><th>reviewers</th>");
    for (String st : STATS) b.append("<th>").append(esc(st.replace('_', ' '))).append("</th>");
    b.append("</tr>");
    row(b, "overall", "overall", (Map<String, Object>) r.get("overall"));
    for (var e : ((Map<String, Object>) r.get("checks")).entrySet()) row(b, e.getKey(), Checks.label(e.getKey()), (Map<String, Object>) e.getValue());
    b.append("</table>");
    b.append("<h2>Confusion tables per pair of reviewers</h2>");
    confusion(b, "overall", (Map<String, Object>) r.get("overall"));
    for (var e : ((Map<String, Object>) r.get("checks")).entrySet()) confusion(b, e.getKey(), (Map<String, Object>) e.getValue());
    ctx.html(Html.page("Agreement", s.reviewer(), s.csrf(), b.toString()));
  }

  @SuppressWarnings("unchecked")
  private static void row(StringBuilder b, String key, String label, Map<String, Object> block) {
    b.append("<tr id=\"row-").append(esc(key)).append("\"><th title=\"").append(esc(key)).append("\">").append(esc(label)).append("</th><td class=\"n-items\">")
        .append(block.get("n_items")).append("</td><td>").append(block.get("n_reviewers")).append("</td>");
    for (String st : STATS) {
      Object v = block.get(st);
      b.append("<td class=\"").append(st).append("\" id=\"").append(esc(key)).append("-").append(st).append("\">");
      if (v instanceof Map<?, ?> m) {
        Map<String, Object> mm = (Map<String, Object>) m;
        b.append("<span class=\"value\">").append(fmt(mm.get("value"))).append("</span> <span class=\"ci\">[").append(fmt(mm.get("ci_low")))
            .append(", ").append(fmt(mm.get("ci_high"))).append("]</span>");
        if (mm.containsKey("passed")) b.append(" <span class=\"count\">").append(mm.get("passed")).append("/").append(mm.get("n")).append("</span>");
      } else {
        b.append("–");
      }
      b.append("</td>");
    }
    b.append("</tr>");
  }

  @SuppressWarnings("unchecked")
  private static void confusion(StringBuilder b, String key, Map<String, Object> block) {
    List<Map<String, Object>> conf = (List<Map<String, Object>>) block.get("confusion");
    if (conf == null || conf.isEmpty()) return;
    b.append("<details><summary>").append(esc(key)).append("</summary>");
    for (Map<String, Object> c : conf) {
      Map<String, Map<String, Integer>> t = (Map<String, Map<String, Integer>>) c.get("table");
      b.append("<table class=\"confusion\"><caption>").append(esc(c.get("a"))).append(" (rows) × ").append(esc(c.get("b")))
          .append(" (columns)</caption><tr><th></th>");
      for (String col : t.keySet()) b.append("<th>").append(esc(col)).append("</th>");
      b.append("</tr>");
      for (var rowE : t.entrySet()) {
        b.append("<tr><th>").append(esc(rowE.getKey())).append("</th>");
        for (String col : t.keySet()) b.append("<td>").append(rowE.getValue().getOrDefault(col, 0)).append("</td>");
        b.append("</tr>");
      }
      b.append("</table>");
    }
    b.append("</details>");
  }
}
