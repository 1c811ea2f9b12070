package io.personaknob.steer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The self-contained HTML results page of a run: an SVG scatter of on-axis vs off-axis (one point per cell,
 * a horizontal bar for its bootstrap interval of the on-axis value, the pass region shaded), the top
 * templates by score and by score_t, and one table per persona pair. Every piece of text from the data is
 * HTML-escaped; no scripts, no external resources.
 */
public final class ResultsPage {
  private ResultsPage() {}

  /** HTML text escaping (&amp; &lt; &gt; &quot; &#39;). */
  public static String esc(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  private static String f(double x, int d) {
    return String.format(Locale.ROOT, "%." + d + "f", x);
  }

  public static String html(HubExport.Run run) {
    StringBuilder sb = new StringBuilder();
    sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Steering templates: ")
        .append(esc(run.measurementId())).append("</title>\n<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:1100px}"
            + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}"
            + "td.n{text-align:right;font-variant-numeric:tabular-nums}.pass{color:#070}.fail{color:#a00}.uncertain{color:#a60}"
            + "pre{white-space:pre-wrap;margin:0}</style></head><body>\n");
    sb.append("<h1>Steering templates: ").append(esc(run.measurementId())).append("</h1>\n");
    sb.append("<p>").append(run.cellScores().size()).append(" cells (template &times; persona pair), ").append(run.templateScores().size())
        .append(" templates. Score = 100 &middot; on-axis &middot; (1 &minus; off-axis); pass line ").append(f(Uncertainty.PASS_LINE, 2))
        .append(" (axis delta 3, off-axis 2). Bars: 95% bootstrap interval of the on-axis value over scenarios and judges.</p>\n");
    scatter(sb, run.cellScores());
    sb.append("<h2>Top templates by score</h2>\n");
    List<ObjectNode> byScore = new ArrayList<>(run.templateScores());
    byScore.sort(Comparator.comparingDouble((ObjectNode o) -> o.get("score_mean").doubleValue()).reversed());
    templateTable(sb, byScore.stream().limit(15).toList());
    sb.append("<h2>Top templates by score_t</h2>\n");
    templateTable(sb, run.templateScores().stream().limit(15).toList());
    Map<String, List<ObjectNode>> byPair = new LinkedHashMap<>();
    for (ObjectNode c : run.cellScores()) byPair.computeIfAbsent(c.get("persona_pair").asText(), k -> new ArrayList<>()).add(c);
    for (var e : byPair.entrySet()) {
      sb.append("<h2>Persona pair ").append(esc(e.getKey())).append("</h2>\n<table><tr><th>template</th><th>n</th><th>score</th>"
          + "<th>95% interval</th><th>decision</th><th>axis delta</th><th>off-axis</th><th>strict pass</th></tr>\n");
      List<ObjectNode> cs = new ArrayList<>(e.getValue());
      cs.sort(Comparator.comparingDouble((ObjectNode o) -> o.get("score_unrounded").doubleValue()).reversed());
      for (ObjectNode c : cs) {
        String d = c.path("decided").asText("");
        sb.append("<tr><td><pre>").append(esc(c.get("template").asText())).append("</pre></td><td class=n>").append(c.get("n").asInt())
            .append("</td><td class=n>").append(f(c.get("score").doubleValue(), 1)).append("</td><td class=n>")
            .append(c.has("score_lo") ? f(c.get("score_lo").doubleValue(), 1) + "&ndash;" + f(c.get("score_hi").doubleValue(), 1) : "")
            .append("</td><td class=\"").append(esc(d)).append("\">").append(esc(d)).append("</td><td class=n>")
            .append(f(c.get("mean_axis_delta").doubleValue(), 3)).append("</td><td class=n>").append(f(c.get("mean_off_axis_problem").doubleValue(), 3))
            .append("</td><td class=n>").append(f(c.get("strict_pass_rate").doubleValue(), 2)).append("</td></tr>\n");
      }
      sb.append("</table>\n");
    }
    sb.append("</body></html>\n");
    return sb.toString();
  }

  private static void templateTable(StringBuilder sb, List<ObjectNode> rows) {
    sb.append("<table><tr><th>#</th><th>template</th><th>score</th><th>score_t</th><th>best cell</th><th>cells</th><th>judge std</th></tr>\n");
    int i = 0;
    for (ObjectNode t : rows) {
      sb.append("<tr><td class=n>").append(++i).append("</td><td><pre>").append(esc(t.get("template").asText())).append("</pre></td><td class=n>")
          .append(f(t.get("score").doubleValue(), 1)).append("</td><td class=n>").append(f(t.get("score_t").doubleValue(), 2))
          .append("</td><td class=n>").append(f(t.get("best_score").doubleValue(), 1)).append("</td><td class=n>").append(t.get("n_cells").asInt())
          .append("</td><td class=n>").append(f(t.get("judge_std").doubleValue(), 2)).append("</td></tr>\n");
    }
    sb.append("</table>\n");
  }

  private static void scatter(StringBuilder sb, List<ObjectNode> cells) {
    int w = 640;
    int h = 420;
    int m = 50;
    double pw = w - 2 * m;
    double ph = h - 2 * m;
    sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w).append("\" height=\"").append(h)
        .append("\" role=\"img\" aria-label=\"on-axis versus off-axis per cell\">\n");
    // pass region: on ≥ 3/8 and off ≤ 1/6
    double x0 = m + pw * (3.0 / 8);
    double y1 = h - m - ph * (1.0 / 6);
    sb.append("<rect x=\"").append(f(x0, 1)).append("\" y=\"").append(f(y1, 1)).append("\" width=\"").append(f(m + pw - x0, 1))
        .append("\" height=\"").append(f(h - m - y1, 1)).append("\" fill=\"#e8f5e9\"/>\n");
    sb.append("<line x1=\"").append(m).append("\" y1=\"").append(h - m).append("\" x2=\"").append(w - m).append("\" y2=\"").append(h - m)
        .append("\" stroke=\"#333\"/><line x1=\"").append(m).append("\" y1=\"").append(m).append("\" x2=\"").append(m).append("\" y2=\"")
        .append(h - m).append("\" stroke=\"#333\"/>\n");
    for (int k = 0; k <= 4; k++) {
      double v = k / 4.0;
      sb.append("<text x=\"").append(f(m + pw * v, 1)).append("\" y=\"").append(h - m + 16).append("\" font-size=\"11\" text-anchor=\"middle\">")
          .append(f(v, 2)).append("</text><text x=\"").append(m - 6).append("\" y=\"").append(f(h - m - ph * v + 4, 1))
          .append("\" font-size=\"11\" text-anchor=\"end\">").append(f(v, 2)).append("</text>\n");
    }
    sb.append("<text x=\"").append(w / 2).append("\" y=\"").append(h - 10).append("\" font-size=\"12\" text-anchor=\"middle\">on-axis (mean axis delta / 8)</text>\n");
    sb.append("<text x=\"14\" y=\"").append(h / 2).append("\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 ").append(h / 2)
        .append(")\">off-axis ((mean off-axis problem &minus; 1) / 6)</text>\n");
    for (ObjectNode c : cells) {
      double on = c.get("on_axis").doubleValue();
      double off = c.get("off_axis").doubleValue();
      double cx = m + pw * on;
      double cy = h - m - ph * off;
      String d = c.path("decided").asText("");
      String col = d.equals("pass") ? "#2e7d32" : d.equals("fail") ? "#c62828" : "#ef6c00";
      if (c.has("axis_delta_lo")) {
        double lo = Scores.onAxis(c.get("axis_delta_lo").doubleValue());
        double hi = Scores.onAxis(c.get("axis_delta_hi").doubleValue());
        sb.append("<line x1=\"").append(f(m + pw * lo, 1)).append("\" y1=\"").append(f(cy, 1)).append("\" x2=\"").append(f(m + pw * hi, 1))
            .append("\" y2=\"").append(f(cy, 1)).append("\" stroke=\"").append(col).append("\" stroke-opacity=\"0.35\"/>");
      }
      sb.append("<circle cx=\"").append(f(cx, 1)).append("\" cy=\"").append(f(cy, 1)).append("\" r=\"3.5\" fill=\"").append(col)
          .append("\" fill-opacity=\"0.8\"><title>").append(esc(c.get("template").asText() + " × " + c.get("persona_pair").asText()
              + ": score " + f(c.get("score").doubleValue(), 1))).append("</title></circle>\n");
    }
    sb.append("</svg>\n");
  }
}
