package io.personaknob.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.personaknob.core.Provenance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Self-contained charts of a run: inline SVG line charts (no script, no network) of the metrics JSONL —
 * per-dimension losses, margins, effective weights, multipliers, violations and gradient cosines.
 */
public final class Charts {
  private Charts() {}

  private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
      "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"};

  /** Series by metric key: (step, value) points, in step order. */
  @SuppressWarnings("unchecked")
  public static Map<String, List<double[]>> read(Path metrics) throws IOException {
    ObjectMapper json = new ObjectMapper();
    Map<String, List<double[]>> s = new TreeMap<>();
    for (String line : Files.readAllLines(metrics)) {
      if (line.isBlank()) continue;
      Map<String, Object> row = json.readValue(line, Map.class);
      double step = ((Number) row.get("step")).doubleValue();
      for (var e : row.entrySet())
        if (e.getValue() instanceof Number n && !e.getKey().equals("step"))
          s.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(new double[] {step, n.doubleValue()});
    }
    return s;
  }

  /** One SVG line chart of the given series; an optional horizontal reference line (e.g. ε). */
  public static String svg(String title, Map<String, List<double[]>> series, Double refLine, String refLabel) {
    int w = 640, h = 300, l = 56, r = 150, t = 30, b = 36;
    double x0 = Double.MAX_VALUE, x1 = -Double.MAX_VALUE, y0 = Double.MAX_VALUE, y1 = -Double.MAX_VALUE;
    for (List<double[]> pts : series.values())
      for (double[] p : pts) {
        x0 = Math.min(x0, p[0]);
        x1 = Math.max(x1, p[0]);
        y0 = Math.min(y0, p[1]);
        y1 = Math.max(y1, p[1]);
      }
    if (refLine != null) {
      y0 = Math.min(y0, refLine);
      y1 = Math.max(y1, refLine);
    }
    if (series.isEmpty()) {
      x0 = 0; x1 = 1; y0 = 0; y1 = 1;
    }
    if (x1 == x0) x1 = x0 + 1;
    if (y1 == y0) { y1 = y0 + 0.5; y0 = y0 - 0.5; }
    double pad = (y1 - y0) * 0.05;
    y0 -= pad;
    y1 += pad;
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n", w, h, w, h));
    sb.append(String.format("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", w, h));
    sb.append(String.format("<text x=\"%d\" y=\"18\" font-size=\"13\" font-weight=\"bold\">%s</text>%n", l, esc(title)));
    int pw = w - l - r, ph = h - t - b;
    sb.append(String.format("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>%n", l, t, pw, ph));
    for (int i = 0; i <= 4; i++) {
      double yv = y0 + (y1 - y0) * i / 4;
      double yy = t + ph - ph * i / 4.0;
      sb.append(String.format("<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>%n", l, l + pw, yy, yy));
      sb.append(String.format("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", l - 4, yy + 4, fmt(yv)));
      double xv = x0 + (x1 - x0) * i / 4;
      double xx = l + pw * i / 4.0;
      sb.append(String.format("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", xx, t + ph + 14, fmt(xv)));
    }
    sb.append(String.format("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">step</text>%n", l + pw / 2, h - 4));
    final double fx0 = x0, fx1 = x1, fy0 = y0, fy1 = y1;
    java.util.function.DoubleUnaryOperator px = x -> l + (x - fx0) / (fx1 - fx0) * pw;
    java.util.function.DoubleUnaryOperator py = y -> t + ph - (y - fy0) / (fy1 - fy0) * ph;
    if (refLine != null) {
      double yy = py.applyAsDouble(refLine);
      sb.append(String.format("<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" stroke-dasharray=\"4 3\"/>%n", l, l + pw, yy, yy));
      sb.append(String.format("<text x=\"%d\" y=\"%.1f\">%s</text>%n", l + pw + 6, yy + 4, esc(refLabel)));
    }
    int i = 0;
    for (var e : series.entrySet()) {
      String c = COLORS[i % COLORS.length];
      StringBuilder pts = new StringBuilder();
      for (double[] p : e.getValue())
        pts.append(String.format("%.1f,%.1f ", px.applyAsDouble(p[0]), py.applyAsDouble(p[1])));
      sb.append(String.format("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\" points=\"%s\"/>%n", c, pts.toString().trim()));
      sb.append(String.format("<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>%n", l + pw + 8, l + pw + 24, t + 10 + 16 * i, t + 10 + 16 * i, c));
      sb.append(String.format("<text x=\"%d\" y=\"%d\">%s</text>%n", l + pw + 28, t + 14 + 16 * i, esc(e.getKey())));
      i++;
    }
    sb.append("</svg>\n");
    return sb.toString();
  }

  static Map<String, List<double[]>> select(Map<String, List<double[]>> all, Predicate<String> keep) {
    Map<String, List<double[]>> m = new LinkedHashMap<>();
    all.forEach((k, v) -> {
      if (keep.test(k)) m.put(k, v);
    });
    return m;
  }

  /** Writes the HTML page of a run (atomically). */
  public static void writeReport(Path metrics, Path html, String title, Provenance prov) throws IOException {
    Map<String, List<double[]>> s = read(metrics);
    StringBuilder sb = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>")
        .append(esc(title)).append("</title><style>body{font-family:sans-serif;margin:24px;max-width:1400px}"
            + "figure{display:inline-block;margin:8px}table{border-collapse:collapse}td{border:1px solid #ccc;padding:2px 6px;font-size:12px}</style></head><body>")
        .append("<h1>").append(esc(title)).append("</h1>");
    Object eps = prov.config().get("eps");
    addChart(sb, "Per-dimension DPO loss", select(s, k -> k.matches("[ATEC]/loss")), null, null);
    addChart(sb, "Per-dimension reward margin", select(s, k -> k.matches("[ATEC]/rewards/margins")), null, null);
    addChart(sb, "Per-dimension reward accuracy", select(s, k -> k.matches("[ATEC]/rewards/accuracies")), null, null);
    addChart(sb, "Effective weights", select(s, k -> k.startsWith("weight/")), null, null);
    addChart(sb, "Lagrange multipliers", select(s, k -> k.startsWith("lambda/")), null, null);
    addChart(sb, "Constraint violations (> 0 = violated)", select(s, k -> k.startsWith("violation/")), 0.0, "0");
    addChart(sb, "Gradient cosine between dimensions", select(s, k -> k.startsWith("cos/")), 0.0, "0");
    addChart(sb, "Evaluation loss", select(s, k -> k.startsWith("eval/") && k.endsWith("/loss")), null, null);
    addChart(sb, "Objective, gradient norm, learning rate", select(s, k -> k.equals("loss") || k.equals("grad_norm")), null, null);
    sb.append("<h2>Provenance</h2><table>");
    LagDpoTrainer.provMap(prov).forEach((k, v) -> sb.append("<tr><td>").append(esc(k)).append("</td><td>").append(esc(String.valueOf(v))).append("</td></tr>"));
    sb.append("</table><p>eps = ").append(esc(String.valueOf(eps))).append("</p></body></html>\n");
    TrainFiles.writeAtomic(html, sb.toString());
  }

  private static void addChart(StringBuilder sb, String title, Map<String, List<double[]>> series, Double ref, String refLabel) {
    if (series.isEmpty()) return;
    sb.append("<figure>").append(svg(title, series, ref, refLabel)).append("</figure>");
  }

  static String fmt(double v) {
    return Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v != 0) ? String.format("%.2g", v) : String.format("%.3f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
