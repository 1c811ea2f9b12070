package io.personaknob.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The database survives a kill -9 of a process in the middle of writing (SQLite WAL). */
class StudioDbCrashTest {
  @TempDir Path dir;

  /** The child: writes verdicts (and edits) as fast as it can, printing the count after each commit. */
  public static void main(String[] args) {
    try (StudioDb db = new StudioDb(Path.of(args[0]))) {
      Studio s = new Studio(db);
      s.importSample();
      String item = db.items().get(0).id();
      for (int i = 1; ; i++) {
        db.addVerdict(item, "writer", "realistic", i % 2 == 0 ? "pass" : "fail", "comment " + "x".repeat(i % 500), 1, "studio");
        if (i % 10 == 0) db.edit(item, db.item(item).version(), "prompt", "edit " + i, "writer");
        System.out.println(i);
        System.out.flush();
      }
    }
  }

  @Test
  void killMinusNineMidWriteLosesNoCommittedVerdictAndLeavesAHealthyDatabase() throws Exception {
    Path db = dir.resolve("crash.sqlite");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        StudioDbCrashTest.class.getName(), db.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    long acknowledged = 0;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        acknowledged = Long.parseLong(line.trim());
        if (acknowledged >= 300) break;
      }
      // SIGKILL while it keeps writing
      p.destroyForcibly();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    }
    assertEquals(137, p.exitValue(), "killed by SIGKILL");
    assertTrue(acknowledged >= 300, "the child wrote before it was killed");
    try (StudioDb d = new StudioDb(db)) {
      assertEquals("ok", d.integrityCheck());
      assertEquals("wal", d.journalMode());
      long rows = d.count("verdicts");
      assertTrue(rows >= acknowledged, rows + " rows, " + acknowledged + " acknowledged");
      List<StudioDb.Verdict> log = d.log();
      for (int i = 0; i < log.size(); i++) {
        assertEquals(i + 1, log.get(i).id(), "no gap, no torn row");
        assertEquals(i % 2 == 0 ? "fail" : "pass", log.get(i).verdict());
      }
      // edits: versions are consecutive and each holds a whole JSON row
      var versions = d.versions(d.items().get(0).id());
      for (int i = 0; i < versions.size(); i++) assertEquals(i + 1, versions.get(i).get("version"));
      assertTrue(versions.size() >= acknowledged / 10);
      // and it is writable again
      d.addVerdict(d.items().get(0).id(), "after", "realistic", "pass", null, 1, "studio");
      assertEquals(rows + 1, d.count("verdicts"));
    }
  }
}
