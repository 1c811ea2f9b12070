package io.personaknob.persona.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.persona.Svg;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A self-contained HTML page of a bench result: accuracy by mode with Wilson intervals (SVG), pass@k
 * curves, LOO importance bars, the subgroup table and the critic calibration. No script, no external
 * resource; every text from the run (model names, subgroup names, attributes) is escaped.
 */
public final class BenchReport {
  private BenchReport() {}

  private static String e(String s) { return Svg.esc(s); }

  private static String f(double x) {
    return Double.isNaN(x) ? "–" : String.format(Locale.ROOT, "%.3f", x);
  }

  public static String html(JsonNode results) {
    StringBuilder b = new StringBuilder();
    b.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>PERSONA Bench</title><style>")
        .append("body{font-family:sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse}")
        .append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#eee}td.l,th.l{text-align:left}")
        .append("</style></head><body><h1>PERSONA Bench</h1>");
    b.append("<p>Model <b>").append(e(results.path("model").asText())).append("</b>; critics ")
        .append(e(String.join(", ", texts(results.path("critics"))))).append(". Score 1 when the critic says the answer needs no further"
            + " personalisation; failed answers or critiques count as misses.</p>");
    JsonNode modes = results.path("modes");
    // accuracy by mode and critic with Wilson intervals
    List<String[]> bars = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = modes.fields(); it.hasNext(); ) {
      var m = it.next();
      for (Iterator<Map.Entry<String, JsonNode>> c = m.getValue().path("main").fields(); c.hasNext(); ) {
        var cr = c.next();
        JsonNode s = cr.getValue();
        bars.add(new String[] {m.getKey() + " / " + cr.getKey(), s.path("accuracy").asText(), s.path("wilson95").path(0).asText(),
            s.path("wilson95").path(1).asText(), s.path("bootstrap_se").asText(), s.path("n").asText(), s.path("failed").asText()});
      }
    }
    if (!bars.isEmpty()) {
      b.append("<h2>Accuracy by mode (main)</h2>").append(intervalChart(bars));
      b.append("<table><tr><th class=l>mode / critic</th><th>n</th><th>accuracy</th><th>bootstrap SE</th><th>Wilson 95 %</th><th>failed</th></tr>");
      for (String[] r : bars)
        b.append("<tr><td class=l>").append(e(r[0])).append("</td><td>").append(e(r[5])).append("</td><td>").append(f(d(r[1])))
            .append("</td><td>").append(f(d(r[4]))).append("</td><td>").append(f(d(r[2]))).append("–").append(f(d(r[3])))
            .append("</td><td>").append(e(r[6])).append("</td></tr>");
      b.append("</table>");
    }
    // pass@k
    StringBuilder pk = new StringBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> it = modes.fields(); it.hasNext(); ) {
      var m = it.next();
      for (Iterator<Map.Entry<String, JsonNode>> c = m.getValue().path("pass_at_k").fields(); c.hasNext(); ) {
        var cr = c.next();
        pk.append("<tr><td class=l>").append(e(m.getKey() + " / " + cr.getKey())).append("</td>");
        JsonNode any = cr.getValue().path("any_of_first_k"), unb = cr.getValue().path("unbiased");
        for (int k = 0; k < any.size(); k++) pk.append("<td>").append(f(any.get(k).asDouble())).append(" / ").append(f(unb.get(k).asDouble())).append("</td>");
        pk.append("</tr>");
      }
    }
    if (!pk.isEmpty())
      b.append("<h2>pass@k (any of the first k / unbiased estimator), k = 1, 2, …</h2><table>").append(pk).append("</table>");
    // LOO
    for (Iterator<Map.Entry<String, JsonNode>> it = modes.fields(); it.hasNext(); ) {
      var m = it.next();
      for (Iterator<Map.Entry<String, JsonNode>> c = m.getValue().path("loo").fields(); c.hasNext(); ) {
        var cr = c.next();
        List<String[]> imp = new ArrayList<>();
        cr.getValue().path("importance").fields().forEachRemaining(x -> imp.add(new String[] {x.getKey(), x.getValue().asText()}));
        b.append("<h2>Leave-one-out importance: ").append(e(m.getKey() + " / " + cr.getKey())).append("</h2>")
            .append("<p>Accuracy with the full persona minus accuracy without the attribute.</p>").append(signedBars(imp));
      }
    }
    // intersections
    StringBuilder it2 = new StringBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> it = modes.fields(); it.hasNext(); ) {
      var m = it.next();
      for (Iterator<Map.Entry<String, JsonNode>> c = m.getValue().path("intersections").fields(); c.hasNext(); ) {
        var cr = c.next();
        for (JsonNode g : cr.getValue().path("subgroups"))
          it2.append("<tr><td class=l>").append(e(m.getKey() + " / " + cr.getKey())).append("</td><td class=l>").append(e(g.path("name").asText()))
              .append("</td><td>").append(g.path("n").asInt()).append("</td><td>").append(f(g.path("accuracy").asDouble(Double.NaN)))
              .append("</td><td>").append(f(g.path("wilson95").path(0).asDouble(Double.NaN))).append("–")
              .append(f(g.path("wilson95").path(1).asDouble(Double.NaN))).append("</td></tr>");
      }
    }
    if (!it2.isEmpty())
      b.append("<h2>Subgroups</h2><table><tr><th class=l>mode / critic</th><th class=l>subgroup</th><th>n</th><th>accuracy</th><th>Wilson 95 %</th></tr>")
          .append(it2).append("</table>");
    JsonNode cal = results.path("calibration");
    if (cal.has("ability")) {
      b.append("<h2>Critics calibrated together (many-facet Rasch, dichotomous)</h2><p>")
          .append(e(cal.path("model").asText())).append(". Higher severity: a stricter critic.</p><table><tr><th class=l>element</th><th>measure</th><th>SE</th><th>infit</th></tr>");
      for (JsonNode a : cal.path("ability"))
        b.append("<tr><td class=l>mode ").append(e(a.path("mode").asText())).append("</td><td>").append(f(a.path("measure").asDouble()))
            .append("</td><td>").append(f(a.path("se").asDouble())).append("</td><td>").append(f(a.path("infit").asDouble())).append("</td></tr>");
      for (JsonNode a : cal.path("severity"))
        b.append("<tr><td class=l>critic ").append(e(a.path("critic").asText())).append("</td><td>").append(f(a.path("measure").asDouble()))
            .append("</td><td>").append(f(a.path("se").asDouble())).append("</td><td>").append(f(a.path("infit").asDouble())).append("</td></tr>");
      b.append("</table>");
    }
    b.append("</body></html>\n");
    return b.toString();
  }

  private static List<String> texts(JsonNode a) {
    List<String> l = new ArrayList<>();
    for (JsonNode x : a) l.add(x.asText());
    return l;
  }

  private static double d(String s) {
    try {
      return Double.parseDouble(s);
    } catch (RuntimeException ex) {
      return Double.NaN;
    }
  }

  /** Horizontal bars 0..1 with the Wilson interval as a whisker. */
  static String intervalChart(List<String[]> rows) {
    int w = 700, label = 260, plot = w - label - 60, h = 22 * rows.size() + 30;
    StringBuilder s = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"" + h + "\" font-size=\"11\">");
    for (int t = 0; t <= 4; t++) {
      double x = label + plot * t / 4.0;
      s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.2f</text>",
          x, x, h - 20, x, h - 6, t / 4.0));
    }
    for (int i = 0; i < rows.size(); i++) {
      String[] r = rows.get(i);
      double a = d(r[1]), lo = d(r[2]), hi = d(r[3]);
      int y = 6 + 22 * i;
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", label - 6, y + 12, e(r[0])));
      if (!Double.isNaN(a)) s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"14\" fill=\"#4c78a8\"/>", label, y, a * plot));
      if (!Double.isNaN(lo) && !Double.isNaN(hi))
        s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\" stroke-width=\"2\"/>",
            label + lo * plot, y + 7, label + hi * plot, y + 7));
    }
    return s.append("</svg>").toString();
  }

  /** Bars around zero for signed values (LOO importance). */
  static String signedBars(List<String[]> rows) {
    int w = 700, label = 220, plot = w - label - 60, h = 22 * rows.size() + 10;
    double max = 1e-9;
    for (String[] r : rows) max = Math.max(max, Math.abs(d(r[1])));
    double zero = label + plot / 2.0;
    StringBuilder s = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"" + h + "\" font-size=\"11\">");
    s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\"/>", zero, zero, h));
    for (int i = 0; i < rows.size(); i++) {
      double v = d(rows.get(i)[1]);
      int y = 4 + 22 * i;
      double len = Math.abs(v) / max * plot / 2;
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", label - 6, y + 12, e(rows.get(i)[0])));
      s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"14\" fill=\"%s\"/>", v >= 0 ? zero : zero - len, y, len,
          v >= 0 ? "#54a24b" : "#e45756"));
      s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%+.3f</text>", zero + (v >= 0 ? len + 4 : 4), y + 12, v));
    }
    return s.append("</svg>").toString();
  }
}
