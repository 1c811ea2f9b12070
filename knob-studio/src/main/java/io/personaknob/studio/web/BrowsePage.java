package io.personaknob.studio.web;

import static io.personaknob.studio.web.Html.esc;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.personaknob.studio.StudioDb;
import io.personaknob.studio.web.StudioServer.HttpError;
import io.personaknob.studio.web.StudioServer.Session;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What the workspace holds: eval runs (a folder with report.json and report.html), PERSONA Bench runs (results.json
 * and report.html, see {@link PersonaBenchPage}), steering-template runs (template_pair_stats.jsonl and template_stats.jsonl,
 * see {@link SteerPage}), training runs (metrics.jsonl),
 * builds (rows.jsonl with a status column); and a read-only file route for their reports and charts.
 */
final class BrowsePage {
  private BrowsePage() {}

  record Found(String kind, Path dir) {}

  static List<Found> scan(Path ws) {
    List<Found> out = new ArrayList<>();
    if (!Files.isDirectory(ws)) return out;
    try (Stream<Path> s = Files.walk(ws, 5)) {
      for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
        String n = p.getFileName().toString();
        Path dir = p.getParent();
        if (n.equals("report.json") && Files.exists(dir.resolve("report.html"))) out.add(new Found("eval", dir));
        else if (n.equals(PersonaBenchPage.RESULTS) && PersonaBenchPage.results(dir) != null) out.add(new Found("persona", dir));
        else if (n.equals(SteerPage.TEMPLATE_STATS) && SteerPage.isRun(dir)) out.add(new Found("steer", dir));
        else if (n.equals(SteerPage.RESULTS) && SteerPage.isExport(dir) && !SteerPage.isRun(dir)) out.add(new Found("steer", dir));
        else if (n.equals("metrics.jsonl")) out.add(new Found("train", dir));
        else if (n.equals("rows.jsonl") && isBuild(p)) out.add(new Found("build", dir));
      }
    } catch (IOException e) {
      // an unreadable corner of the workspace: list what was found
    }
    return out;
  }

  private static boolean isBuild(Path rows) {
    try (BufferedReader r = Files.newBufferedReader(rows, StandardCharsets.UTF_8)) {
      String line = r.readLine();
      return line != null && StudioDb.JSON.readTree(line).has("status");
    } catch (IOException e) {
      return false;
    }
  }

  static void render(Context ctx, Session s, Path workspace) {
    Path ws = workspace.toAbsolutePath().normalize();
    List<Found> found = scan(ws);
    StringBuilder b = new StringBuilder("<h1>Workspace</h1><p><code>").append(esc(ws)).append("</code></p>");
    section(b, "Evaluation runs", "eval", found, ws, f -> {
      String rel = ws.relativize(f.dir()).toString();
      return "<a href=\"/ws/" + esc(rel) + "/report.html\">report.html</a> · <a href=\"/ws/" + esc(rel) + "/report.json\">report.json</a>";
    });
    section(b, "PERSONA Bench runs", "persona", found, ws, f -> {
      String rel = ws.relativize(f.dir()).toString();
      return "<a class=\"persona-run\" href=\"/persona/" + esc(rel) + "\">summary</a> · <a href=\"/ws/" + esc(rel) + "/report.html\">report.html</a>"
          + " · <a href=\"/ws/" + esc(rel) + "/results.json\">results.json</a>";
    });
    section(b, "Steering-template runs", "steer", found, ws, f -> {
      String rel = ws.relativize(f.dir()).toString();
      String page = "<a class=\"steer-results\" href=\"/ws/" + esc(rel) + "/results.html\">results.html</a>";
      if (!SteerPage.isRun(f.dir())) return "Hub export (<code>knob steer export --hf</code>): " + page;
      String l = "<a class=\"steer-run\" href=\"/steer/" + esc(rel) + "\">templates, cells, examples</a>";
      return Files.exists(f.dir().resolve(SteerPage.RESULTS)) ? l + " · " + page : l;
    });
    section(b, "Training runs", "train", found, ws, f -> {
      String rel = ws.relativize(f.dir()).toString();
      StringBuilder l = new StringBuilder("<a href=\"/ws/" + esc(rel) + "/metrics.jsonl\">metrics.jsonl</a>");
      if (Files.exists(f.dir().resolve("report.html"))) l.append(" · <a href=\"/ws/").append(esc(rel)).append("/report.html\">charts</a>");
      try (Stream<Path> svgs = Files.list(f.dir())) {
        for (Path p : svgs.filter(p -> p.toString().endsWith(".svg")).sorted().toList())
          l.append(" · <a href=\"/ws/").append(esc(rel)).append("/").append(esc(p.getFileName())).append("\">").append(esc(p.getFileName())).append("</a>");
      } catch (IOException ignored) {
        // no charts
      }
      return l.toString();
    });
    section(b, "Builds", "build", found, ws, f -> {
      String rel = ws.relativize(f.dir()).toString();
      return esc(buildStatus(f.dir().resolve("rows.jsonl"))) + " · <a href=\"/ws/" + esc(rel) + "/rows.jsonl\">rows.jsonl</a>"
          + " · import it as a review queue in <a href=\"/settings\">Settings</a> (path <code>" + esc(rel) + "/rows.jsonl</code>)";
    });
    ctx.html(Html.page("Workspace", s.reviewer(), s.csrf(), b.toString()));
  }

  /** "stage/status: n" counts of a build's rows. */
  static String buildStatus(Path rows) {
    Map<String, Integer> counts = new TreeMap<>();
    try (BufferedReader r = Files.newBufferedReader(rows, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank()) continue;
        JsonNode n = StudioDb.JSON.readTree(line);
        counts.merge(n.path("stage").asText("?") + "/" + n.path("status").asText("?"), 1, Integer::sum);
      }
    } catch (IOException e) {
      return "unreadable";
    }
    StringBuilder b = new StringBuilder();
    counts.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(": ").append(v));
    return b.toString();
  }

  private static void section(StringBuilder b, String title, String kind, List<Found> found, Path ws, java.util.function.Function<Found, String> links) {
    b.append("<h2>").append(title).append("</h2><ul class=\"runs\" id=\"runs-").append(kind).append("\">");
    int n = 0;
    for (Found f : found) {
      if (!f.kind().equals(kind)) continue;
      n++;
      b.append("<li><code>").append(esc(ws.relativize(f.dir()))).append("</code> — ").append(links.apply(f)).append("</li>");
    }
    if (n == 0) b.append("<li class=\"none\">none yet</li>");
    b.append("</ul>");
  }

  static final Map<String, String> TYPES = Map.of("html", "text/html", "svg", "image/svg+xml", "json", "application/json",
      "jsonl", "text/plain", "png", "image/png", "txt", "text/plain", "csv", "text/plain");

  /** Serves a workspace file of a known type; the path may not leave the workspace. Pages run sandboxed. */
  static void serve(Context ctx, Session s, Path workspace) throws IOException {
    Path ws = workspace.toAbsolutePath().normalize();
    String rel = ctx.path().substring("/ws/".length());
    rel = java.net.URLDecoder.decode(rel, StandardCharsets.UTF_8);
    Path p = ws.resolve(rel).normalize();
    if (!p.startsWith(ws) || !Files.isRegularFile(p)) throw new HttpError(404, "no such file in the workspace");
    String n = p.getFileName().toString();
    String ext = n.contains(".") ? n.substring(n.lastIndexOf('.') + 1).toLowerCase() : "";
    String type = TYPES.get(ext);
    if (type == null) throw new HttpError(404, "files of this type are not served");
    // reports are self-contained pages with their own scripts: run them in a sandbox (no cookies, no same-origin access)
    ctx.header("Content-Security-Policy", "sandbox allow-scripts; default-src 'self' 'unsafe-inline' data:");
    ctx.contentType(type + (type.startsWith("text/") || type.endsWith("json") || type.endsWith("xml") ? "; charset=utf-8" : ""));
    ctx.result(Files.readAllBytes(p));
  }
}
