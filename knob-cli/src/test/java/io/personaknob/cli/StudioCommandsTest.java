package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** knob review import/stats/queue/export and knob studio from the command line. */
class StudioCommandsTest {
  @TempDir Path dir;

  @Test
  void reviewImportThenStatsJsonGivesThePublishedAlphas() throws Exception {
    // Krippendorff (2011) reliability data, four observers, twelve units, missing values
    String[] obs = {"1,2,3,3,2,1,4,1,2,,,", "1,2,3,3,2,2,4,1,2,5,,3", ",3,3,3,2,3,4,2,2,5,1,", "1,2,3,3,2,4,4,1,2,5,1,"};
    StringBuilder csv = new StringBuilder("item_id,reviewer,check,verdict\n");
    for (int o = 0; o < 4; o++) {
      String[] v = (obs[o] + " ").split(",");
      for (int u = 0; u < 12; u++) if (!v[u].isBlank()) csv.append("u").append(u + 1).append(',').append("ABCD".charAt(o)).append(",rating,").append(v[u].trim()).append('\n');
    }
    Path reviews = dir.resolve("reviews.csv");
    Files.writeString(reviews, csv);
    Path db = dir.resolve("studio.sqlite");
    Cli imp = Cli.run("review", "import", "--db", db.toString(), "--reviews", reviews.toString());
    assertEquals(0, imp.code(), imp.toString());
    assertTrue(imp.out().contains("imported 41 verdicts"));
    Cli stats = Cli.run("review", "stats", "--db", db.toString(), "--json", "--bootstrap", "200");
    assertEquals(0, stats.code(), stats.toString());
    JsonNode j = new ObjectMapper().readTree(stats.out());
    for (String scope : new String[] {"/checks/rating", "/overall"}) {
      JsonNode c = j.at(scope);
      assertEquals(12, c.get("n_items").asInt());
      assertEquals(4, c.get("n_reviewers").asInt());
      assertEquals(0.743, c.at("/krippendorff_alpha_nominal/value").asDouble(), 0.0005);
      assertEquals(0.815, c.at("/krippendorff_alpha_ordinal/value").asDouble(), 0.0005);
      assertEquals(0.849, c.at("/krippendorff_alpha_interval/value").asDouble(), 0.0005);
      for (String k : new String[] {"percent_agreement", "fleiss_kappa", "krippendorff_alpha_nominal"}) {
        assertTrue(c.get(k).has("ci_low") && c.get(k).has("ci_high"), k);
      }
    }
    assertTrue(j.has("provenance"));
    Cli table = Cli.run("review", "stats", "--db", db.toString(), "--bootstrap", "50");
    assertEquals(0, table.code());
    assertTrue(table.out().contains("rating") && table.out().contains("0.743"), table.out());
  }

  @Test
  void badReviewLinesExitOneNameFileLineFieldAndImportNothing() throws Exception {
    Path db = dir.resolve("studio.sqlite");
    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(bad, "{\"item_id\":\"a\",\"reviewer\":\"ann\",\"check\":\"realistic\",\"verdict\":\"pass\"}\n"
        + "{\"item_id\":\"b\",\"reviewer\":\"ann\",\"check\":\"realistic\",\"verdict\":\"great\"}\n"
        + "{\"item_id\":\"c\",\"check\":\"realistic\",\"verdict\":\"pass\"}\n");
    Cli r = Cli.run("review", "import", "--db", db.toString(), "--reviews", bad.toString());
    assertEquals(1, r.code(), r.toString());
    assertTrue(r.err().contains(bad + ":2: verdict: 'great'"), r.err());
    assertTrue(r.err().contains(bad + ":3: reviewer: missing"), r.err());
    assertTrue(!r.err().contains("Exception"), r.err());
    Cli stats = Cli.run("review", "stats", "--db", db.toString(), "--json");
    assertEquals(0, stats.code());
    assertEquals(0, new ObjectMapper().readTree(stats.out()).get("checks").size(), "nothing was imported");
    Cli missing = Cli.run("review", "stats", "--db", dir.resolve("none.sqlite").toString());
    assertEquals(1, missing.code());
  }

  @Test
  void queueAndExportFromTheCommandLine() throws Exception {
    Path db = dir.resolve("studio.sqlite");
    Cli q = Cli.run("review", "queue", "--db", db.toString(), "--sample");
    assertEquals(0, q.code(), q.toString());
    assertTrue(q.out().contains("queued 16 new items"));
    Path log = dir.resolve("log.jsonl");
    Path acc = dir.resolve("accepted.jsonl");
    Cli e = Cli.run("review", "export", "--db", db.toString(), "--accepted", acc.toString(), "--log", log.toString());
    assertEquals(0, e.code(), e.toString());
    assertEquals("", Files.readString(acc));
    assertTrue(Files.exists(log));
  }

  @Test
  void theReviewLogExportsAsParquetWithTheSameRowsAsJsonl() throws Exception {
    Path db = dir.resolve("studio-log.sqlite");
    Path csv = dir.resolve("verdicts.csv");
    Files.writeString(csv, "item_id,reviewer,check,verdict\nr1,ana,realistic,pass\nr1,ben,realistic,fail\nr2,ana,realistic,unsure\n");
    Cli i = Cli.run("review", "import", "--db", db.toString(), "--reviews", csv.toString());
    assertEquals(0, i.code(), i.toString());
    Path jsonl = dir.resolve("log.jsonl");
    Path parquet = dir.resolve("log.parquet");
    assertEquals(0, Cli.run("review", "export", "--db", db.toString(), "--log", jsonl.toString()).code());
    Cli e = Cli.run("review", "export", "--db", db.toString(), "--log", parquet.toString());
    assertEquals(0, e.code(), e.toString());
    var rows = io.personaknob.core.data.ParquetTables.read(parquet);
    var lines = Files.readAllLines(jsonl).stream().filter(l -> !l.isBlank()).toList();
    assertEquals(3, rows.size());
    assertEquals(lines.size(), rows.size());
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    for (int k = 0; k < rows.size(); k++) {
      var j = mapper.readTree(lines.get(k));
      for (String f : new String[] {"item_id", "reviewer", "check", "verdict"}) {
        assertEquals(j.path(f).asText(), String.valueOf(rows.get(k).get(f)), "row " + k + " " + f);
      }
    }
  }

  @Test
  void humanRatingsExportInTheLongFormatThatKnobIrtFits() throws Exception {
    Path db = dir.resolve("studio.sqlite");
    StringBuilder outs = new StringBuilder();
    for (int r = 0; r < 8; r++) for (String m : new String[] {"base", "tuned"})
      outs.append("{\"row_id\":\"r").append(r).append("\",\"model\":\"").append(m).append("\",\"prompt\":\"p\",\"answer\":\"a ").append(m)
          .append("\",\"mask\":[\"A\",\"E\"]}\n");
    Path outputs = dir.resolve("outputs.jsonl");
    Files.writeString(outputs, outs);
    Cli t = Cli.run("review", "tasks", "--db", db.toString(), "--outputs", outputs.toString());
    assertEquals(0, t.code(), t.toString());
    assertTrue(t.out().contains("added 48 judgment tasks"), t.out()); // 8 rows x 2 models x 2 dims + 8 rows x 2 dims pairs
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
    try (io.personaknob.studio.StudioDb d = new io.personaknob.studio.StudioDb(db)) {
      for (var task : d.tasks()) {
        if (!task.kind().equals("pointwise")) continue;
        for (String who : new String[] {"ann", "bob"}) {
          int base = task.modelA().equals("tuned") ? 4 : 2;
          d.addJudgment(task.id(), who, Integer.toString(Math.min(7, base + rnd.nextInt(3) + (who.equals("bob") ? 1 : 0))), null);
        }
      }
    }
    Path csv = dir.resolve("human.csv");
    Cli e = Cli.run("review", "export", "--db", db.toString(), "--human-ratings", csv.toString());
    assertEquals(0, e.code(), e.toString());
    assertEquals(65, Files.readAllLines(csv).size(), "header + 32 tasks x 2 reviewers");
    Cli fit = Cli.run("irt", "fit", csv.toString(), "--facets", "model_dimension,judge,item", "--positive", "model_dimension",
        "--rating", "rating", "--format", "json");
    assertEquals(0, fit.code(), fit.toString());
    JsonNode j = new ObjectMapper().readTree(fit.out());
    assertTrue(j.toString().contains("human:ann") && j.toString().contains("human:bob"));
  }

  @Test
  void studioServesTheSampleQueueOnLoopbackAndRefusesOtherHostsWithoutAToken() throws Exception {
    Cli refused = Cli.run("studio", "--host", "0.0.0.0", "--port", "0", "--workspace", dir.toString());
    assertEquals(1, refused.code(), refused.toString());
    assertTrue(refused.err().contains("--token"), refused.err());

    StudioCommand cmd = new StudioCommand();
    CommandLine cl = new CommandLine(cmd);
    StringWriter out = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    Thread t = new Thread(() -> cl.execute("--port", "0", "--workspace", dir.toString()));
    t.start();
    long deadline = System.currentTimeMillis() + 60_000;
    while ((cmd.server == null || !out.toString().contains("serving")) && System.currentTimeMillis() < deadline) Thread.sleep(50);
    try {
      assertTrue(out.toString().contains("queued the bundled sample (16 rows)"), out.toString());
      String url = "http://127.0.0.1:" + cmd.server.port() + "/";
      assertTrue(out.toString().contains("serving " + url), out.toString());
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "login")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      assertTrue(Files.exists(dir.resolve("studio.sqlite")));
    } finally {
      cmd.stop.countDown();
      t.join(30_000);
    }
  }
}
