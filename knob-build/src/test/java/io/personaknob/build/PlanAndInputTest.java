package io.personaknob.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plan's counts, seed scenes from every format, and bad input before any call. */
class PlanAndInputTest {
  static final List<String> ELEVEN = Masks.all(List.of(Dimension.values()), 2);

  @Test
  void theElevenMasksInCanonicalOrder() {
    assertEquals(List.of("AT", "AE", "AC", "TE", "TC", "EC", "ATE", "ATC", "AEC", "TEC", "ATEC"), ELEVEN);
    assertEquals(15, Masks.all(List.of(Dimension.values()), 1).size());
    assertEquals(List.of("AT"), Masks.all(List.of(Dimension.A, Dimension.T), 2));
    assertEquals("AT", Masks.parse("t,a", "--masks"));
  }

  static Map<String, Integer> count(List<String> masks) {
    Map<String, Integer> c = new HashMap<>();
    for (String m : masks) c.merge(m, 1, Integer::sum);
    return c;
  }

  @Test
  void quotaGivesExactCountsPerMask() {
    // the published 1,331-row train split: 121 rows per mask, sizes 2/3/4 = 726/484/121
    Map<String, Integer> c = count(Planner.masks("quota", ELEVEN, 1331, 3));
    for (String m : ELEVEN) assertEquals(121, c.get(m), m);
    int[] bySize = new int[5];
    for (var e : c.entrySet()) bySize[e.getKey().length()] += e.getValue();
    assertEquals(726, bySize[2]);
    assertEquals(484, bySize[3]);
    assertEquals(121, bySize[4]);
    // 25 rows: 2 each, and the remainder 3 goes to three distinct masks
    Map<String, Integer> c25 = count(Planner.masks("quota", ELEVEN, 25, 3));
    assertEquals(25, c25.values().stream().mapToInt(Integer::intValue).sum());
    assertEquals(3, c25.values().stream().filter(v -> v == 3).count());
    assertEquals(8, c25.values().stream().filter(v -> v == 2).count());
    // shuffled with the seed: the same seed gives the same order, another seed another order
    assertEquals(Planner.masks("quota", ELEVEN, 50, 3), Planner.masks("quota", ELEVEN, 50, 3));
    assertNotEquals(Planner.masks("quota", ELEVEN, 50, 3), Planner.masks("quota", ELEVEN, 50, 4));
    assertNotEquals(Planner.masks("quota", ELEVEN, 22, 3).subList(0, 11), ELEVEN, "not in mask order");
  }

  @Test
  void uniformDrawsAreSeededAndCoverTheMasks() {
    List<String> a = Planner.masks("uniform", ELEVEN, 2200, 9);
    assertEquals(a, Planner.masks("uniform", ELEVEN, 2200, 9));
    Map<String, Integer> c = count(a);
    assertEquals(11, c.size());
    for (int v : c.values()) assertTrue(v > 130 && v < 270, "about 200 each: " + c); // ±5 sd of Binomial(2200, 1/11)
  }

  @Test
  void generatorDrawIsSeededPerRowAndUniformish() {
    int[] c = new int[3];
    for (int i = 0; i < 3000; i++) c[Planner.generatorDraw(5, i, 3)]++;
    for (int v : c) assertTrue(v > 880 && v < 1120, java.util.Arrays.toString(c));
    assertEquals(Planner.generatorDraw(5, 17, 3), Planner.generatorDraw(5, 17, 3));
  }

  @Test
  void seedScenesFromJsonlCsvAndParquet(@TempDir Path tmp) throws Exception {
    Path j = tmp.resolve("s.jsonl");
    Files.writeString(j, "{\"question\": \"Q one\", \"source\": \"src-a\"}\n\n{\"question\": \"Q two\"}\n");
    var sj = SeedScenes.read(j, "question");
    assertEquals(List.of(new SeedScenes.Scene("Q one", "src-a"), new SeedScenes.Scene("Q two", "s.jsonl:3")), sj);
    Path c = tmp.resolve("s.csv");
    Files.writeString(c, "id,text\n1,\"Hello, world\"\n2,Second\n");
    assertEquals(List.of(new SeedScenes.Scene("Hello, world", "s.csv:2"), new SeedScenes.Scene("Second", "s.csv:3")),
        SeedScenes.read(c, "text"));
    Path p = tmp.resolve("s.parquet");
    try (var conn = java.sql.DriverManager.getConnection("jdbc:duckdb:"); var st = conn.createStatement()) {
      st.execute("COPY (SELECT * FROM (VALUES ('P one', 'hub'), ('P two', 'hub')) t(text, source)) TO '" + p + "' (FORMAT PARQUET)");
    }
    assertEquals(List.of(new SeedScenes.Scene("P one", "hub"), new SeedScenes.Scene("P two", "hub")), SeedScenes.read(p, "text"));
    UserException e = assertThrows(UserException.class, () -> SeedScenes.read(c, "prompt"));
    assertEquals(c + ": prompt: no text column 'prompt' (columns: id, text); name it with --text-column", e.getMessage());
    UserException e2 = assertThrows(UserException.class, () -> SeedScenes.read(j, "text"));
    assertEquals(j + ":1: text: no text column 'text' (columns: question, source); name it with --text-column", e2.getMessage());
  }

  @Test
  void badInputFailsBeforeAnyCallAndWritesNothing(@TempDir Path tmp) throws Exception {
    try (Fixture f = new Fixture(tmp)) {
      Path scenes = f.scenes(BuildPipelineTest.plain(3));
      record Case(String expect, java.util.function.Consumer<BuildOptions> change) {}
      List<Case> cases = List.of(
          new Case("unknown model 'gen-x' (known: gen-a, gen-b, ver, judge-a, judge-b)", o -> o.generators = List.of("gen-x")),
          new Case("--n must be at least 1, got 0", o -> o.n = 0),
          new Case("--n must be at least 1, got -3", o -> o.n = -3),
          new Case("--masks: 'AX' has 'X', which is not a dimension (use the letters A, T, E, C)", o -> o.masks = List.of("AX")),
          new Case("--dims: 'ATQ' has 'Q', which is not a dimension (use the letters A, T, E, C)", o -> o.dims = List.of("A", "T", "Q")),
          new Case("--masks: 'E' has one dimension; masks of size 1 need --allow-single-masks", o -> o.masks = List.of("E")),
          new Case("no text column 'body'", o -> o.textColumn = "body"),
          new Case("--sampler must be quota or uniform, got 'random'", o -> o.sampler = "random"),
          new Case("generator 'ver' is also the only verifier", o -> o.generators = List.of("ver")));
      for (Case c : cases) {
        BuildOptions o = f.options(3, scenes);
        c.change().accept(o);
        UserException e = assertThrows(UserException.class, () -> f.run(o, BuildSession.Stages.RUN), c.expect());
        assertTrue(e.getMessage().contains(c.expect()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
        assertFalse(Files.exists(f.build.resolve("rows.jsonl")), "no rows file after: " + c.expect());
        assertFalse(Files.exists(f.build.resolve("build.json")));
      }
      assertEquals(0, f.server.requests(), "nothing was called");
      // single masks with the flag
      BuildOptions o = f.options(4, scenes);
      o.masks = List.of("E", "AT");
      o.allowSingleMasks = true;
      assertEquals(0, f.run(o, BuildSession.Stages.PLAN), f.err);
      assertEquals(Map.of("E", 2, "AT", 2), count(f.rows().stream().map(r -> r.mask).toList()));
      // a re-run with other plan options is refused
      BuildOptions other = f.options(5, scenes);
      UserException e = assertThrows(UserException.class, () -> f.run(other, BuildSession.Stages.RUN));
      assertTrue(e.getMessage().contains("holds a build planned with --n 4, not 5"), e.getMessage());
    }
  }

  @Test
  void dryRunCountsCallsPerStageAndCallsNothing(@TempDir Path tmp) throws Exception {
    try (Fixture f = new Fixture(tmp)) {
      BuildOptions o = f.options(11, f.scenes(BuildPipelineTest.plain(11)));
      o.dryRun = true;
      assertEquals(0, f.run(o, BuildSession.Stages.RUN), f.err);
      assertEquals(0, f.server.requests());
      assertFalse(Files.exists(f.build.resolve("rows.jsonl")));
      // synthesize: 11 generator calls (exact) + 11 attribution calls (estimated)
      assertTrue(f.out.contains("synthesize (generator + attribution check):      22 calls (0 cached, 11 estimated)"), f.out);
      // verify: 11 verifier calls + judges: sum over the 11 masks of |mask| x 4 dims x 2 judges x 2 orders
      int judge = 0;
      for (String m : ELEVEN) judge += m.length() * 4 * 2 * 2;
      assertEquals(448, judge);
      assertTrue(f.out.contains("verify (verifier + partial-order judges):       " + (11 + judge) + " calls"), f.out);
      assertTrue(f.out.contains("cost at most"), f.out);
      // after a real run, a dry run finds everything done
      o.dryRun = false;
      assertEquals(0, f.run(o, BuildSession.Stages.RUN), f.err);
      o.dryRun = true;
      int before = f.server.requests();
      assertEquals(0, f.run(o, BuildSession.Stages.RUN), f.err);
      assertTrue(f.out.contains("0 to synthesize, 0 to verify"), f.out);
      assertEquals(before, f.server.requests());
    }
  }

  @Test
  void reviewRulesFollowTheContract(@TempDir Path tmp) throws Exception {
    try (Fixture f = new Fixture(tmp)) {
      BuildOptions o = f.options(3, f.scenes(BuildPipelineTest.plain(3)));
      o.masks = List.of("AT");
      assertEquals(0, f.run(o, BuildSession.Stages.RUN), f.err);
      List<BuildRow> rows = f.rows();
      String a = rows.get(0).buildId, b = rows.get(1).buildId;
      // row a: realistic pass/pass/unsure -> majority 2 of 3 passes, all fails
      // row b: needs_all_traits pass/fail -> 1 of 2 is not a strict majority; later line of bob replaces earlier
      Path csv = tmp.resolve("v.csv");
      Files.writeString(csv, "item_id,reviewer,check,verdict,comment\n"
          + a + ",ann,realistic,pass,\n" + a + ",bob,realistic,pass,\n" + a + ",cy,realistic,unsure,hmm\n"
          + b + ",ann,needs_all_traits,pass,\n" + b + ",bob,needs_all_traits,pass,\n" + b + ",bob,needs_all_traits,fail,changed mind\n"
          + b + ",ann,realistic,6,\n");
      Review.Outcome m = Review.apply(rows, csv, "majority", 4);
      assertEquals(1, m.accepted());
      assertEquals(1, m.rejected());
      assertEquals(1, m.stillWaiting());
      assertEquals(BuildRow.ACCEPTED, rows.get(0).status);
      assertEquals(List.of("review:needs_all_traits (1 of 2 reviewers passed)"), rows.get(1).reasons);
      List<BuildRow> again = f.rows();
      Review.Outcome all = Review.apply(again, csv, "all", 4);
      assertEquals(0, all.accepted());
      assertEquals(List.of("review:realistic (2 of 3 reviewers passed)"), again.get(0).reasons);
      // the studio's review log: oldest first, an undo is a null verdict; its own check ids
      Path log = tmp.resolve("review-log.jsonl");
      Files.writeString(log, String.join("\n",
          "{\"id\":1,\"item_id\":\"" + b + "\",\"reviewer\":\"ann\",\"check\":\"reject_A_fails_A\",\"verdict\":\"fail\",\"time\":\"t\",\"source\":\"web\"}",
          "{\"id\":2,\"item_id\":\"" + b + "\",\"reviewer\":\"ann\",\"check\":\"reject_A_fails_A\",\"verdict\":null,\"time\":\"t\",\"source\":\"web\"}",
          "{\"id\":3,\"item_id\":\"" + b + "\",\"reviewer\":\"ann\",\"check\":\"scenario_needs_traits\",\"verdict\":\"pass\",\"time\":\"t\",\"source\":\"web\"}") + "\n");
      List<BuildRow> fromLog = f.rows();
      Review.Outcome lo = Review.apply(fromLog, log, "majority", 4);
      assertEquals(1, lo.accepted(), "the withdrawn fail no longer counts");
      assertEquals(BuildRow.ACCEPTED, fromLog.get(1).status);
      assertFalse(fromLog.get(1).checks.path("review").has("reject_A_fails_A"));
      Path bad = tmp.resolve("bad.jsonl");
      Files.writeString(bad, "{\"item_id\": \"" + a + "\", \"reviewer\": \"ann\", \"check\": \"realistic\", \"verdict\": \"maybe\"}\n");
      UserException e = assertThrows(UserException.class, () -> Review.apply(f.rows(), bad, "majority", 4));
      assertEquals(bad + ":1: verdict: 'maybe' (expected pass, fail, unsure or an integer rating)", e.getMessage());
      Files.writeString(bad, "{\"item_id\": \"nope\", \"reviewer\": \"ann\", \"check\": \"realistic\", \"verdict\": \"pass\"}\n");
      e = assertThrows(UserException.class, () -> Review.apply(f.rows(), bad, "majority", 4));
      assertEquals(bad + ":1: item_id: 'nope' is not a row of this build", e.getMessage());
    }
  }

  @Test
  void seedScenesDrawnFromTopicsByTheFirstGenerator(@TempDir Path tmp) throws Exception {
    try (Fixture f = new Fixture(tmp)) {
      BuildOptions o = f.options(5, null);
      o.topics = List.of("cooking", "taxes");
      assertEquals(0, f.run(o, BuildSession.Stages.PLAN), f.err);
      List<BuildRow> rows = f.rows();
      assertEquals(5, rows.size());
      // 5 rows over 2 topics: 3 + 2 scenes, one call per topic, by gen-a
      assertEquals(Map.of("llm:gen-a:cooking", 3, "llm:gen-a:taxes", 2), count(rows.stream().map(r -> r.seedSource).toList()));
      assertEquals(2, f.server.requests());
      assertTrue(f.server.received().stream().allMatch(q -> q.model().equals("gen-a")));
      assertEquals(5, rows.stream().map(r -> r.seedScene).distinct().count());
      // planning again (a new directory, same options) is served from the same store
      BuildOptions again = f.options(5, null);
      again.topics = List.of("cooking", "taxes");
      again.dir = tmp.resolve("build2");
      again.store = f.build.resolve("store.sqlite");
      assertEquals(0, f.run(again, BuildSession.Stages.PLAN), f.err);
      assertEquals(2, f.server.requests());
    }
  }

  @Test
  void promptOverridesAreRecordedByHash(@TempDir Path tmp) throws Exception {
    try (Fixture f = new Fixture(tmp)) {
      Files.createDirectories(f.build.resolve("prompts"));
      String text = Prompts.resource("generator.v1.txt").replace("You write training data", "You carefully write training data");
      Files.writeString(f.build.resolve("prompts/generator.txt"), text);
      BuildOptions o = f.options(2, f.scenes(BuildPipelineTest.plain(2)));
      o.masks = List.of("AT");
      assertEquals(0, f.run(o, BuildSession.Stages.SYNTHESIZE), f.err);
      String v = "generator.txt@" + io.personaknob.llm.Json.sha256(text).substring(0, 12);
      for (BuildRow r : f.rows()) {
        assertEquals(v, r.promptVersions.get("generator"));
        assertEquals(BuildRow.SYNTHESIZE, r.stage);
        assertEquals(BuildRow.PENDING, r.status);
      }
      assertTrue(f.server.received().stream().filter(q -> q.schema() != null && q.schema().path("properties").has("golden"))
          .allMatch(q -> q.system().contains("You carefully write training data")));
    }
  }
}
