package io.personaknob.studio.web;

import static io.personaknob.studio.web.Html.esc;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.personaknob.studio.StudioDb;
import io.personaknob.studio.web.StudioServer.HttpError;
import io.personaknob.studio.web.StudioServer.Session;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A steering-template run in the studio: a directory holding {@code knob steer stats}' tables
 * ({@code template_pair_stats.jsonl} and {@code template_stats.jsonl}; {@code knob steer run} writes them beside
 * {@code examples.jsonl}). Three pages: the templates ranked (score, score_t, recommended, from
 * {@code template_scores.jsonl} when present); a template's cells (template × persona pair: on-axis, off-axis,
 * score with its bootstrap interval, strict pass); a cell's examples with the positive- and negative-pole answers
 * side by side, the axis, style and confound judges' ratings and reasons, and the lexical audit flags. The examples
 * are {@code examples.jsonl} in the run directory or in its parent (the layout of
 * {@code knob steer stats --examples RUN/examples.jsonl --out RUN/stats}). Every text is escaped. Reads the JSON
 * with Jackson; knob-studio does not depend on knob-steer.
 */
final class SteerPage {
  private SteerPage() {}

  static final String PAIR_STATS = "template_pair_stats.jsonl";
  static final String TEMPLATE_STATS = "template_stats.jsonl";
  static final String PAIR_SCORES = "template_pair_scores.jsonl";
  static final String TEMPLATE_SCORES = "template_scores.jsonl";
  static final String EXAMPLES = "examples.jsonl";
  static final String RESULTS = "results.html";

  /** True when {@code dir} holds the two tables of a steering stats run. */
  static boolean isRun(Path dir) {
    return Files.isRegularFile(dir.resolve(PAIR_STATS)) && Files.isRegularFile(dir.resolve(TEMPLATE_STATS));
  }

  /** True when {@code dir} is a {@code knob steer export --hf DIR} folder: its results page and Parquet splits. */
  static boolean isExport(Path dir) {
    return Files.isRegularFile(dir.resolve(RESULTS)) && Files.isRegularFile(dir.resolve("data").resolve("template_pair_cells.parquet"));
  }

  /** The examples file of a run directory inside the workspace, or null. */
  static Path examples(Path dir, Path ws) {
    for (Path d : new Path[] {dir, dir.getParent()}) {
      if (d == null || !d.startsWith(ws)) continue;
      Path f = d.resolve(EXAMPLES);
      if (Files.isRegularFile(f)) return f;
    }
    return null;
  }

  /** The id of a template in URLs: the first 12 hex digits of the SHA-256 of its text. */
  static String id(String template) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(template.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The rows of a JSONL file (objects only; unreadable lines are skipped), or an empty list. */
  static List<JsonNode> rows(Path f) {
    List<JsonNode> out = new ArrayList<>();
    if (f == null || !Files.isRegularFile(f)) return out;
    try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank()) continue;
        try {
          JsonNode n = StudioDb.JSON.readTree(line);
          if (n != null && n.isObject()) out.add(n);
        } catch (IOException | RuntimeException e) {
          // not a row: skip it
        }
      }
    } catch (IOException e) {
      return out;
    }
    return out;
  }

  /** GET /steer/REL[?template=ID[&amp;pair=PAIR]]: 404 for anything that is not a run, template or cell of it. */
  static void render(Context ctx, Session s, Path workspace) {
    Path ws = workspace.toAbsolutePath().normalize();
    String rel = java.net.URLDecoder.decode(ctx.path().substring("/steer/".length()), StandardCharsets.UTF_8);
    Path dir = ws.resolve(rel).normalize();
    if (!dir.startsWith(ws) || !Files.isDirectory(dir) || !isRun(dir)) throw new HttpError(404, "no steering run at '" + rel + "' in the workspace");
    String r = ws.relativize(dir).toString();
    String tid = ctx.queryParam("template");
    String pair = ctx.queryParam("pair");
    String body;
    if (tid == null) body = runBody(r, dir, ws);
    else {
      Map<String, JsonNode> templates = templates(dir);
      String template = null;
      for (String t : templates.keySet()) if (id(t).equals(tid)) template = t;
      if (template == null) throw new HttpError(404, "no template '" + tid + "' in the steering run '" + r + "'");
      body = pair == null ? templateBody(r, dir, template, templates.get(template)) : cellBody(r, dir, ws, template, pair);
    }
    ctx.html(Html.page("Steering templates", s.reviewer(), s.csrf(), body));
  }

  /** template -> its row of template_stats.jsonl, in the ranking order: score, then score_t (template_scores.jsonl), else the table's order. */
  static Map<String, JsonNode> templates(Path dir) {
    Map<String, JsonNode> stats = new LinkedHashMap<>();
    for (JsonNode n : rows(dir.resolve(TEMPLATE_STATS))) if (n.hasNonNull("template")) stats.put(n.get("template").asText(), n);
    List<JsonNode> scores = new ArrayList<>(rows(dir.resolve(TEMPLATE_SCORES)));
    if (scores.isEmpty()) return stats;
    scores.sort(Comparator.comparingDouble((JsonNode n) -> n.path("score").asDouble()).thenComparingDouble(n -> n.path("score_t").asDouble()).reversed());
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (JsonNode n : scores) {
      String t = n.path("template").asText();
      if (stats.containsKey(t)) out.put(t, stats.get(t));
    }
    for (var e : stats.entrySet()) out.putIfAbsent(e.getKey(), e.getValue());
    return out;
  }

  private static String link(String rel, String template, String pair) {
    String u = "/steer/" + rel + "?template=" + id(template);
    if (pair != null) u += "&pair=" + URLEncoder.encode(pair, StandardCharsets.UTF_8);
    return esc(u);
  }

  private static String header(String rel, Path dir) {
    StringBuilder b = new StringBuilder("<h1>Steering templates</h1><p><a id=\"steer-run\" href=\"/steer/").append(esc(rel)).append("\"><code>")
        .append(esc(rel)).append("</code></a>");
    for (String f : List.of(TEMPLATE_STATS, PAIR_STATS, PAIR_SCORES, TEMPLATE_SCORES, RESULTS))
      if (Files.isRegularFile(dir.resolve(f))) b.append(" · <a href=\"/ws/").append(esc(rel)).append("/").append(f).append("\">").append(f).append("</a>");
    return b.append("</p>").toString();
  }

  static String runBody(String rel, Path dir, Path ws) {
    Map<String, JsonNode> scores = new LinkedHashMap<>();
    for (JsonNode n : rows(dir.resolve(TEMPLATE_SCORES))) scores.put(n.path("template").asText(), n);
    StringBuilder b = new StringBuilder(header(rel, dir));
    Path ex = examples(dir, ws);
    b.append("<p>").append(ex == null ? "No <code>examples.jsonl</code> beside the tables: cells show their statistics only."
        : "Examples: <code>" + esc(ws.relativize(ex)) + "</code>.").append(" Score = 100 · on-axis · (1 − off-axis) per cell, averaged over")
        .append(" the template's cells; score_t = mean / standard error over the cells.</p>");
    b.append("<table class=\"stats\" id=\"steer-templates\"><tr><th>#</th><th>template</th><th>score</th><th>score_t</th><th>cells</th>")
        .append("<th>n</th><th>strict pass</th><th>axis Δ</th><th>off-axis</th><th>recommended</th></tr>");
    int i = 0;
    for (var e : templates(dir).entrySet()) {
      JsonNode st = e.getValue(), sc = scores.getOrDefault(e.getKey(), StudioDb.JSON.createObjectNode());
      b.append("<tr><td class=\"num\">").append(++i).append("</td><td><a class=\"steer-template\" href=\"").append(link(rel, e.getKey(), null))
          .append("\">").append(esc(e.getKey())).append("</a></td>").append(num(sc.path("score"), 1)).append(num(sc.path("score_t"), 2))
          .append(num(sc.path("n_cells"), 0)).append(num(st.path("n"), 0)).append(num(st.path("strict_pass_rate"), 4))
          .append(num(st.path("mean_axis_delta"), 4)).append(num(st.path("mean_off_axis_problem"), 4))
          .append("<td>").append(yes(st.path("recommended"))).append("</td></tr>");
    }
    return b.append("</table>").toString();
  }

  /** The cells of one template: template_pair_stats.jsonl rows joined with their template_pair_scores.jsonl rows. */
  static String templateBody(String rel, Path dir, String template, JsonNode st) {
    Map<String, JsonNode> scores = new LinkedHashMap<>();
    for (JsonNode n : rows(dir.resolve(PAIR_SCORES)))
      if (n.path("template").asText().equals(template)) scores.put(n.path("persona_pair").asText(), n);
    StringBuilder b = new StringBuilder(header(rel, dir)).append("<h2>Template</h2><p><q id=\"steer-template-text\">").append(esc(template))
        .append("</q> — strict pass ").append(f(st.path("strict_pass_rate"), 4)).append(" over ").append(f(st.path("n"), 0))
        .append(" examples; recommended: ").append(yes(st.path("recommended"))).append("</p>");
    b.append("<h2>Cells (template × persona pair)</h2><p>On-axis = mean axis Δ / 8, off-axis = (mean off-axis problem − 1) / 6, both")
        .append(" clamped to [0, 1]; the interval is the 95 % bootstrap interval of the score over scenarios and judges (pass line 31.25).</p>")
        .append("<table class=\"stats\" id=\"steer-cells\"><tr><th>persona pair</th><th>n</th><th>on-axis</th><th>off-axis</th><th>score</th>")
        .append("<th>95 % interval</th><th>decided</th><th>strict pass</th><th>passes</th><th>recommended</th></tr>");
    for (JsonNode c : rows(dir.resolve(PAIR_STATS))) {
      if (!c.path("template").asText().equals(template)) continue;
      String pair = c.path("persona_pair").asText();
      JsonNode sc = scores.getOrDefault(pair, StudioDb.JSON.createObjectNode());
      b.append("<tr><td><a class=\"steer-cell\" href=\"").append(link(rel, template, pair)).append("\">").append(esc(pair)).append("</a></td>")
          .append(num(c.path("n"), 0)).append(num(sc.path("on_axis"), 4)).append(num(sc.path("off_axis"), 4)).append(num(sc.path("score"), 1))
          .append("<td>").append(sc.has("score_lo") ? f(sc.path("score_lo"), 2) + "–" + f(sc.path("score_hi"), 2) : "–").append("</td><td>")
          .append(esc(sc.path("decided").asText("–"))).append("</td>").append(num(c.path("strict_pass_rate"), 4)).append(num(c.path("n_strict_pass"), 0))
          .append("<td>").append(yes(c.path("recommended"))).append("</td></tr>");
    }
    return b.append("</table>").toString();
  }

  static String cellBody(String rel, Path dir, Path ws, String template, String pair) {
    JsonNode cell = null;
    for (JsonNode c : rows(dir.resolve(PAIR_STATS)))
      if (c.path("template").asText().equals(template) && c.path("persona_pair").asText().equals(pair)) cell = c;
    if (cell == null) throw new HttpError(404, "no cell '" + pair + "' for this template in the steering run '" + rel + "'");
    StringBuilder b = new StringBuilder(header(rel, dir)).append("<h2>Cell</h2><p><a id=\"steer-back\" href=\"").append(link(rel, template, null))
        .append("\"><q>").append(esc(template)).append("</q></a> × <b id=\"steer-pair\">").append(esc(pair)).append("</b> — n ")
        .append(f(cell.path("n"), 0)).append(", strict pass ").append(f(cell.path("strict_pass_rate"), 4)).append(", mean axis Δ ")
        .append(f(cell.path("mean_axis_delta"), 4)).append(", mean off-axis problem ").append(f(cell.path("mean_off_axis_problem"), 4)).append("</p>");
    Path ex = examples(dir, ws);
    if (ex == null) return b.append("<p>No <code>examples.jsonl</code> beside the tables or in their parent directory.</p>").toString();
    int n = 0;
    for (JsonNode e : rows(ex)) {
      if (!e.path("template").asText().equals(template) || !e.path("persona_pair").asText().equals(pair)) continue;
      example(b, e, ++n);
    }
    if (n == 0) b.append("<p>No examples of this cell in <code>").append(esc(ws.relativize(ex))).append("</code>.</p>");
    return b.toString();
  }

  private static void example(StringBuilder b, JsonNode e, int n) {
    b.append("<section class=\"steer-example\"><h3>Example ").append(n).append(": ").append(esc(e.path("scenario_id").asText()))
        .append(" <small>").append(esc(e.path("eval_id").asText())).append("</small></h3><p class=\"scenario\">").append(esc(e.path("prompt").asText()))
        .append("</p>");
    if (e.hasNonNull("error") && !e.path("error").asText().isEmpty())
      b.append("<p class=\"warning\">error: ").append(esc(e.path("error").asText())).append(" (left out of every aggregate)</p>");
    b.append("<p>strict pass: <b>").append(yes(e.path("strict_pass"))).append("</b> · axis Δ ").append(f(e.path("axis_delta"), 4))
        .append(" (judge std ").append(f(e.path("axis_delta_judge_std"), 4)).append(") · positive Δ ").append(f(e.path("positive_delta"), 4))
        .append(" · negative Δ ").append(f(e.path("negative_delta"), 4)).append("</p>");
    b.append("<div class=\"poles\">");
    for (String side : List.of("pos", "neg")) {
      b.append("<div class=\"pole pole-").append(side).append("\"><h4>").append(side.equals("pos") ? "positive pole: " : "negative pole: ")
          .append(esc(e.path(side + "_persona").asText())).append("</h4><p class=\"answer\">")
          .append(esc(e.path(side + "_response").asText())).append("</p><ul class=\"audit\">")
          .append("<li>persona echo hits: ").append(list(e.path(side + "_persona_echo_hits"))).append("</li>")
          .append("<li>refusal phrases: ").append(list(e.path(side + "_refusal_phrase_hits"))).append("</li>")
          .append("<li>persona overlap tokens: ").append(list(e.path(side + "_persona_overlap_tokens"))).append("</li>")
          .append("<li>repeated-token fraction: ").append(f(e.path(side + "_repeated_token_frac"), 4)).append("</li></ul></div>");
    }
    b.append("</div>");

    b.append("<h4>Axis judges</h4><p>Blind A/B: the positive answer was <b class=\"pos-label\">").append(esc(posLabel(e))).append("</b>")
        .append(". Rating: is Response A more target-like than B, 1.0–5.0.</p><table class=\"stats axis-judgments\"><tr><th>judge</th><th>target</th>")
        .append("<th>order</th><th>A more target than B</th><th>reason</th></tr>");
    for (JsonNode j : e.path("axis_judgments")) {
      for (String t : List.of("positive", "negative"))
        for (String o : List.of("forward", "reverse")) {
          JsonNode call = j.path(t + "_axis_" + o + "_judgment");
          if (call.isMissingNode()) continue;
          b.append("<tr><td>").append(esc(j.path("judge_model").asText())).append("</td><td>").append(t).append("</td><td>").append(o).append("</td>")
              .append(num(call.path("A_more_target_than_B"), 1)).append("<td>").append(esc(call.path("target_reason").asText())).append("</td></tr>");
        }
      b.append("<tr><td>").append(esc(j.path("judge_model").asText())).append("</td><td colspan=\"2\">axis Δ of this judge</td>")
          .append(num(j.path("axis_delta"), 4)).append("<td></td></tr>");
    }
    b.append("</table>");

    b.append("<h4>Style judge</h4><p>max |style Δ| ").append(f(e.path("max_style_abs_delta"), 4)).append("; judge persona echo ")
        .append(yes(e.path("judge_persona_echo"))).append(", judge refusal or AI break ").append(yes(e.path("judge_refusal_or_ai_break")));
    StringBuilder deltas = new StringBuilder();
    for (var it = e.fields(); it.hasNext(); ) {
      var f = it.next();
      String k = f.getKey();
      if (k.startsWith("style_delta_") && k.endsWith("_pos_minus_neg") && f.getValue().isNumber() && f.getValue().asDouble() != 0)
        deltas.append(deltas.isEmpty() ? "" : ", ").append(esc(k.substring(12, k.length() - 14))).append(" ").append(f(f.getValue(), 1));
    }
    b.append("; non-zero deltas (positive − negative): ").append(deltas.isEmpty() ? "none" : deltas).append("</p>");
    reason(b, e.path("style_judgment"), "style_reason");

    b.append("<h4>Confound judge</h4><p>off-axis problem ").append(f(e.path("off_axis_problem"), 1)).append(" (worst category ")
        .append(f(e.path("max_off_axis_category_likert"), 1)).append("); likely spurious axis: <b>").append(esc(e.path("likely_spurious_axis").asText("–")))
        .append("</b>; usable for training: ").append(yes(e.path("usable_for_training"))).append("</p>");
    reason(b, e.path("confound_judgment"), "confound_reason");

    b.append("<h4>Lexical audits</h4><ul class=\"audit\"><li>persona echo (judge or audit): <b>").append(yes(e.path("persona_echo")))
        .append("</b></li><li>refusal or AI break (judge or audit): <b>").append(yes(e.path("refusal_or_ai_break"))).append("</b></li><li>word Δ fraction ")
        .append(f(e.path("word_delta_frac"), 4)).append(e.has("length_ok") ? " (length ok: " + yes(e.path("length_ok")) + ")" : "")
        .append("</li><li>response token Jaccard ").append(f(e.path("response_token_jaccard"), 4)).append("</li></ul></section>");
  }

  /**
   * Which label (A or B) the positive answer had: {@code pos_label} in knob's runs; for the library's examples,
   * from the first axis call rated off the midpoint, as positive_forward_delta = s · (rating − 3) with s = +1 when
   * the positive answer is A.
   */
  static String posLabel(JsonNode e) {
    if (e.path("pos_label").isTextual()) return e.path("pos_label").asText();
    for (JsonNode j : e.path("axis_judgments")) {
      double r = j.path("positive_axis_forward_judgment").path("A_more_target_than_B").asDouble(3), d = j.path("positive_forward_delta").asDouble(0);
      if (Math.abs(r - 3) > 1e-9 && Math.abs(d) > 1e-9) return (d > 0) == (r > 3) ? "A" : "B";
    }
    return "unknown";
  }

  /** A judge's reason from its raw reply (knob's runs keep it; the library's examples do not). */
  private static void reason(StringBuilder b, JsonNode reply, String field) {
    JsonNode r = reply.path(field);
    if (r.isMissingNode() && reply.isTextual()) {
      try {
        r = StudioDb.JSON.readTree(reply.asText()).path(field);
      } catch (IOException | RuntimeException e) {
        r = reply;
      }
    }
    if (!r.isMissingNode() && !r.isNull()) b.append("<p class=\"reason\">reason: ").append(esc(r.asText())).append("</p>");
  }

  private static String list(JsonNode a) {
    if (!a.isArray() || a.isEmpty()) return "none";
    StringBuilder b = new StringBuilder();
    for (JsonNode x : a) b.append(b.isEmpty() ? "" : ", ").append("<code>").append(esc(x.asText())).append("</code>");
    return b.toString();
  }

  private static String yes(JsonNode n) {
    return n.isBoolean() ? (n.asBoolean() ? "yes" : "no") : n.isMissingNode() || n.isNull() ? "–" : esc(n.asText());
  }

  private static String f(JsonNode n, int digits) {
    if (!n.isNumber() || Double.isNaN(n.asDouble())) return "–";
    return digits == 0 ? Long.toString(n.asLong()) : String.format(Locale.ROOT, "%." + digits + "f", n.asDouble());
  }

  private static String num(JsonNode n, int digits) {
    return "<td class=\"num\">" + f(n, digits) + "</td>";
  }
}
