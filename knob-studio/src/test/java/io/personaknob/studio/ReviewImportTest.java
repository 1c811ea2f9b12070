package io.personaknob.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.core.UserException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** knob review import: formats, validation with file:line:field, all-or-nothing; stats through the same path. */
class ReviewImportTest {
  @TempDir Path dir;

  JsonNode stats(StudioDb db) {
    return StudioDb.JSON.valueToTree(new Studio(db).stats(200));
  }

  /** Krippendorff's worked example imported as integer ratings gives the published alphas through `review stats`. */
  @Test
  void krippendorffDataThroughImportAndStats() throws Exception {
    Integer[][] byObserver = {
      {1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null},
      {1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3},
      {null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null},
      {1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null},
    };
    StringBuilder csv = new StringBuilder("item_id,reviewer,check,verdict\n");
    for (int o = 0; o < 4; o++) for (int u = 0; u < 12; u++) if (byObserver[o][u] != null)
      csv.append("u").append(u + 1).append(",").append("ABCD".charAt(o)).append(",severity,").append(byObserver[o][u]).append('\n');
    Path f = dir.resolve("k.csv");
    Files.writeString(f, csv);
    try (StudioDb db = new StudioDb(dir.resolve("s.sqlite"))) {
      assertEquals(41, ReviewImport.importInto(f, db));
      JsonNode s = stats(db);
      JsonNode c = s.at("/checks/severity");
      assertEquals(12, c.get("n_items").asInt());
      assertEquals(4, c.get("n_reviewers").asInt());
      assertEquals(0.743, c.at("/krippendorff_alpha_nominal/value").asDouble(), 0.0005);
      assertEquals(0.815, c.at("/krippendorff_alpha_ordinal/value").asDouble(), 0.0005);
      assertEquals(0.849, c.at("/krippendorff_alpha_interval/value").asDouble(), 0.0005);
      assertTrue(c.at("/krippendorff_alpha_interval/ci_low").asDouble() < 0.849);
      assertTrue(c.at("/krippendorff_alpha_interval/ci_high").asDouble() > 0.849);
      assertTrue(c.get("cohen_kappa").isNull(), "four reviewers: no Cohen's kappa");
      assertTrue(c.at("/pass_rate/value").isNull(), "ratings have no pass rate");
      assertEquals(6, c.get("confusion").size(), "one table per pair of the 4 reviewers");
    }
  }

  /** The Cohen's kappa textbook example through JSONL import: kappa 0.4 with its interval; pass rate with Wilson. */
  @Test
  void cohenExampleThroughJsonlImport() throws Exception {
    StringBuilder j = new StringBuilder();
    int u = 0;
    int[][] cells = {{20, 1, 1}, {5, 1, 0}, {10, 0, 1}, {15, 0, 0}};
    for (int[] c : cells) {
      for (int i = 0; i < c[0]; i++) {
        u++;
        j.append("{\"item_id\":\"i").append(u).append("\",\"reviewer\":\"ann\",\"check\":\"realistic\",\"verdict\":\"").append(c[1] == 1 ? "pass" : "fail").append("\"}\n");
        j.append("{\"item_id\":\"i").append(u).append("\",\"reviewer\":\"bob\",\"check\":\"realistic\",\"verdict\":\"").append(c[2] == 1 ? "pass" : "fail").append("\"}\n");
      }
    }
    Path f = dir.resolve("c.jsonl");
    Files.writeString(f, j);
    try (StudioDb db = new StudioDb(dir.resolve("s.sqlite"))) {
      assertEquals(100, ReviewImport.importInto(f, db));
      JsonNode s = stats(db);
      JsonNode c = s.at("/checks/realistic");
      assertEquals(0.4, c.at("/cohen_kappa/value").asDouble(), 1e-12);
      assertEquals(0.7, c.at("/percent_agreement/value").asDouble(), 1e-12);
      // majority pass (2 of 2) only where both passed: 20 of 50
      assertEquals(20, c.at("/pass_rate/passed").asInt());
      assertEquals(50, c.at("/pass_rate/n").asInt());
      var w = io.personaknob.studio.stats.Agreement.wilson(20, 50, io.personaknob.studio.stats.Agreement.Z95);
      assertEquals(w.low(), c.at("/pass_rate/ci_low").asDouble(), 1e-12);
      // overall = the one check here; items unknown to the database need every check that has verdicts
      assertEquals(0.4, s.at("/overall/pass_rate/value").asDouble(), 1e-12);
    }
  }

  @Test
  void badLinesAreAllReportedAndNothingIsImported() throws Exception {
    try (StudioDb db = new StudioDb(dir.resolve("s.sqlite"))) {
      new Studio(db).importSample();
      String id = db.items().get(0).id();
      Path f = dir.resolve("bad.csv");
      Files.writeString(f, "item_id,reviewer,check,verdict\n"
          + id + ",ann,realistic,pass\n"
          + id + ",ann,realistic,maybe\n"
          + id + ",,realistic,pass\n"
          + id + ",ann,no_such_check,pass\n"
          + "\"x,1\",ann,\"quoted, check\",3\n"
          + id + ",ann,realistic\n");
      ReviewImport.BadLines e = assertThrows(ReviewImport.BadLines.class, () -> ReviewImport.importInto(f, db));
      assertEquals(List.of(
          f + ":3: verdict: 'maybe' is not pass, fail, unsure or an integer rating",
          f + ":4: reviewer: missing",
          f + ":5: check: item " + id + " has no check 'no_such_check' (its checks: " + String.join(", ", db.items().get(0).checks()) + ")",
          f + ":7: columns: 3 values for 4 columns"), e.errors());
      assertTrue(e.getMessage().startsWith(f + ":3: verdict:") && e.getMessage().contains("and 3 more"));
      assertEquals(0, db.count("verdicts"));
      Path j = dir.resolve("bad.jsonl");
      Files.writeString(j, "{\"item_id\":\"a\",\"reviewer\":\"r\",\"check\":\"c\",\"verdict\":\"pass\"}\nnot json\n");
      ReviewImport.BadLines e2 = assertThrows(ReviewImport.BadLines.class, () -> ReviewImport.importInto(j, db));
      assertEquals(List.of(j + ":2: json: not a JSON object"), e2.errors());
      assertEquals(0, db.count("verdicts"));
      assertThrows(UserException.class, () -> ReviewImport.importInto(dir.resolve("none.csv"), db));
      Path txt = dir.resolve("r.txt");
      Files.writeString(txt, "x");
      assertThrows(UserException.class, () -> ReviewImport.importInto(txt, db));
    }
  }

  @Test
  void quotedCsvFieldsAndImportedVerdictsCarryTheItemVersion() throws Exception {
    try (StudioDb db = new StudioDb(dir.resolve("s.sqlite"))) {
      new Studio(db).importSample();
      var it = db.items().get(0);
      Path f = dir.resolve("ok.csv");
      Files.writeString(f, "item_id,reviewer,check,verdict,comment\n" + it.id() + ",ann,realistic,PASS,\"a comment, with a comma\nand a newline\"\n"
          + "external-1,ann,anything,4,\n");
      assertEquals(2, ReviewImport.importInto(f, db));
      var v = db.current();
      assertEquals("pass", v.get(0).verdict());
      assertEquals("a comment, with a comma\nand a newline", v.get(0).comment());
      assertEquals(1, v.get(0).itemVersion());
      assertNull(v.get(1).itemVersion(), "an item the database does not hold has no version");
      assertTrue(v.get(0).source().startsWith("import:"));
    }
  }
}
