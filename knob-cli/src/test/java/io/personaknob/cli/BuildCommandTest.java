package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.build.testing.BuildScript;
import io.personaknob.llm.Json;
import io.personaknob.llm.testing.ScriptedOpenAiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code knob build} end to end through the CLI against the scripted server, and its bad-input contract. */
class BuildCommandTest {

  static Path yaml(Path dir, String baseUrl) throws Exception {
    Path y = dir.resolve("knob.yaml");
    Files.writeString(y, """
        providers:
          scripted: {base_url: %s, max_retries: 0, backoff_base_ms: 1}
        models:
          gen-a: {provider: scripted, model: gen-a, max_tokens: 1500}
          gen-b: {provider: scripted, model: gen-b, max_tokens: 1500}
          ver: {provider: scripted, model: ver}
          judge-a: {provider: scripted, model: judge-a}
          judge-b: {provider: scripted, model: judge-b}
        """.formatted(baseUrl));
    return y;
  }

  static Path scenes(Path dir, int n) throws Exception {
    Path f = dir.resolve("scenes.csv");
    StringBuilder sb = new StringBuilder("text,source\n");
    for (int i = 0; i < n; i++) sb.append("\"Someone asks, politely, about thing ").append(i).append("\",forum\n");
    Files.writeString(f, sb);
    return f;
  }

  @Test
  void runStatusReviewReleaseAndValidate(@TempDir Path tmp) throws Exception {
    try (ScriptedOpenAiServer s = new ScriptedOpenAiServer()) {
      s.script(new BuildScript());
      Path y = yaml(tmp, s.baseUrl());
      Path d = tmp.resolve("b");
      String[] run = {"build", "run", "--config", y.toString(), "--dir", d.toString(), "--n", "11", "--seed", "3",
          "--seed-scenes", scenes(tmp, 11).toString(), "--generators", "gen-a,gen-b", "--verifier", "ver",
          "--judges", "judge-a,judge-b", "--order-dims", "mask"};
      Cli r = Cli.run(run);
      assertEquals(0, r.code(), r.toString());
      assertTrue(r.out().contains("review"), r.toString());
      List<String> lines = Files.readAllLines(d.resolve("rows.jsonl"));
      assertEquals(11, lines.size());
      for (String l : lines) {
        JsonNode n = Json.read(l);
        assertEquals("review", n.path("status").asText(), l);
        assertTrue(List.of("gen-a", "gen-b").contains(n.path("generator").asText()));
        assertEquals("forum", n.path("seed_source").asText());
      }
      Cli st = Cli.run("build", "status", "--dir", d.toString(), "--json");
      assertEquals(0, st.code(), st.toString());
      JsonNode j = Json.read(st.out());
      assertEquals(11, j.path("rows").asInt());
      assertEquals(11, j.path("stages").path("review").path("review").asInt());
      assertEquals(11, j.path("statuses").path("review").asInt());
      assertEquals(11, j.path("masks").size());
      j.path("masks").forEach(c -> assertEquals(1, c.asInt()));
      // rows.jsonl itself passes knob data validate (extra build columns are only warnings)
      Cli v0 = Cli.run("data", "validate", d.resolve("rows.jsonl").toString());
      assertEquals(0, v0.code(), v0.toString());

      // a re-run is a no-op: not one request
      int before = s.requests();
      assertEquals(0, Cli.run(run).code());
      assertEquals(before, s.requests());

      StringBuilder verdicts = new StringBuilder();
      for (String l : lines) {
        String id = Json.read(l).path("build_id").asText();
        verdicts.append(Json.write(Json.MAPPER.createObjectNode().put("item_id", id).put("reviewer", "ann")
            .put("check", "realistic").put("verdict", "pass"))).append('\n');
      }
      Path vf = tmp.resolve("verdicts.jsonl");
      Files.writeString(vf, verdicts);
      Cli rv = Cli.run("build", "review", "--dir", d.toString(), "--verdicts", vf.toString());
      assertEquals(0, rv.code(), rv.toString());
      assertTrue(rv.out().startsWith("11 verdicts: 11 rows accepted, 0 rejected, 0 still waiting"), rv.out());
      Cli rl = Cli.run("build", "release", "--dir", d.toString());
      assertEquals(0, rl.code(), rl.toString());
      assertTrue(rl.out().contains("released 11 rows"), rl.out());
      Cli val = Cli.run("data", "validate", d.resolve("release").toString());
      assertEquals(0, val.code(), val.toString());
      assertTrue(Files.readString(d.resolve("release/README.md")).contains("config_name: default"));
    }
  }

  @Test
  void badInputIsOneLineExitOneAndNoRowsFile(@TempDir Path tmp) throws Exception {
    try (ScriptedOpenAiServer s = new ScriptedOpenAiServer()) {
      Path y = yaml(tmp, s.baseUrl());
      Path sc = scenes(tmp, 3);
      Path noText = tmp.resolve("q.jsonl");
      Files.writeString(noText, "{\"question\": \"a\"}\n");
      Path d = tmp.resolve("b");
      List<String> base = List.of("build", "run", "--config", y.toString(), "--dir", d.toString(), "--seed", "1",
          "--verifier", "ver", "--judges", "judge-a");
      record Case(List<String> extra, String message) {}
      List<Case> cases = List.of(
          new Case(List.of("--n", "3", "--seed-scenes", sc.toString(), "--generators", "gpt-9"), "unknown model 'gpt-9'"),
          new Case(List.of("--n", "3", "--seed-scenes", noText.toString(), "--generators", "gen-a"), "no text column 'text'"),
          new Case(List.of("--n", "0", "--seed-scenes", sc.toString(), "--generators", "gen-a"), "--n must be at least 1, got 0"),
          new Case(List.of("--n", "-1", "--seed-scenes", sc.toString(), "--generators", "gen-a"), "--n must be at least 1, got -1"),
          new Case(List.of("--n", "3", "--seed-scenes", sc.toString(), "--generators", "gen-a", "--masks", "AT,AX"),
              "'AX' has 'X', which is not a dimension"),
          new Case(List.of("--n", "3", "--seed-scenes", tmp.resolve("missing.jsonl").toString(), "--generators", "gen-a"),
              "missing.jsonl: no such file"));
      for (Case c : cases) {
        List<String> args = new ArrayList<>(base);
        args.addAll(c.extra());
        Cli r = Cli.run(args.toArray(String[]::new));
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().startsWith("knob: ") && r.err().contains(c.message()), r.toString());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r);
        assertFalse(r.err().contains("Exception"), r.toString());
        assertFalse(Files.exists(d.resolve("rows.jsonl")), c.message());
      }
      assertEquals(0, s.requests());
      Cli st = Cli.run("build", "status", "--dir", d.toString());
      assertEquals(1, st.code());
      assertTrue(st.err().contains("no build here"), st.toString());
    }
  }

  /** The round trip with the studio (issue 12): build queue -> knob review queue/import/export -> knob build review. */
  @Test
  void reviewRoundTripThroughTheStudio(@TempDir Path tmp) throws Exception {
    try (ScriptedOpenAiServer s = new ScriptedOpenAiServer()) {
      s.script(new BuildScript());
      Path y = yaml(tmp, s.baseUrl());
      Path d = tmp.resolve("b");
      Path sc = tmp.resolve("scenes.jsonl");
      Files.writeString(sc, "{\"text\": \"A fine scene.\"}\n{\"text\": \"Another fine scene.\"}\n"
          + "{\"text\": \"A bad one PLANT:non-json here.\"}\n");
      Cli r = Cli.run("build", "run", "--config", y.toString(), "--dir", d.toString(), "--n", "3", "--seed", "2",
          "--seed-scenes", sc.toString(), "--generators", "gen-a", "--verifier", "ver", "--judges", "judge-a",
          "--masks", "AT", "--order-dims", "mask");
      assertEquals(0, r.code(), r.toString());
      Path db = tmp.resolve("studio.sqlite");
      Cli q = Cli.run("review", "queue", "--db", db.toString(), "--rows", d.resolve("review-queue.jsonl").toString());
      assertEquals(0, q.code(), q.toString());
      List<String> ids = new ArrayList<>();
      for (String l : Files.readAllLines(d.resolve("review-queue.jsonl"))) ids.add(Json.read(l).path("item_id").asText());
      assertEquals(2, ids.size(), "the failed row is not queued");
      // two reviewers: the first row passes everything, the second fails realistic for both
      StringBuilder csv = new StringBuilder("item_id,reviewer,check,verdict\n");
      for (String who : List.of("ann", "bob")) {
        for (String c : List.of("scenario_needs_traits", "reject_A_fails_A", "reject_A_no_worse", "reject_T_fails_T",
            "reject_T_no_worse", "realistic")) {
          csv.append(ids.get(0)).append(',').append(who).append(',').append(c).append(",pass\n");
          csv.append(ids.get(1)).append(',').append(who).append(',').append(c).append(c.equals("realistic") ? ",fail\n" : ",pass\n");
        }
      }
      Path v = tmp.resolve("v.csv");
      Files.writeString(v, csv);
      Cli imp = Cli.run("review", "import", "--db", db.toString(), "--reviews", v.toString());
      assertEquals(0, imp.code(), imp.toString());
      Path log = tmp.resolve("log.jsonl");
      Cli ex = Cli.run("review", "export", "--db", db.toString(), "--log", log.toString());
      assertEquals(0, ex.code(), ex.toString());
      Cli br = Cli.run("build", "review", "--dir", d.toString(), "--verdicts", log.toString());
      assertEquals(0, br.code(), br.toString());
      assertTrue(br.out().startsWith("24 verdicts: 1 rows accepted, 1 rejected, 0 still waiting"), br.out());
      Cli st = Cli.run("build", "status", "--dir", d.toString(), "--json");
      JsonNode j = Json.read(st.out());
      assertEquals(1, j.path("statuses").path("accepted").asInt());
      assertEquals(1, j.path("statuses").path("rejected").asInt());
      assertEquals(1, j.path("statuses").path("failed").asInt());
      assertEquals(0.5, j.path("pass_rates").path("review").path("rate").asDouble());
    }
  }

  @Test
  void everyBuildHelpRendersCleanly() {
    for (String sub : List.of("", "plan", "synthesize", "verify", "run", "review", "release", "status")) {
      Cli.assertHelpRendersCleanly(sub.isEmpty() ? new String[] {"build"} : new String[] {"build", sub});
    }
    Cli b = Cli.run("bench", "build", "--help");
    assertEquals(0, b.code(), b.toString());
  }

  @Test
  void dryRunPrintsCallsAndCostPerStage(@TempDir Path tmp) throws Exception {
    try (ScriptedOpenAiServer s = new ScriptedOpenAiServer()) {
      Path y = yaml(tmp, s.baseUrl());
      Path d = tmp.resolve("b");
      Cli r = Cli.run("build", "run", "--config", y.toString(), "--dir", d.toString(), "--n", "4", "--seed-scenes",
          scenes(tmp, 4).toString(), "--generators", "gen-a", "--verifier", "ver", "--judges", "judge-a", "--masks", "AT",
          "--dry-run");
      assertEquals(0, r.code(), r.toString());
      // 4 rows x (generator + attribution); 4 x (verifier + 2 rejects x 4 dims x 1 judge x 2 orders)
      assertTrue(r.out().contains("synthesize (generator + attribution check):       8 calls"), r.out());
      assertTrue(r.out().contains("verify (verifier + partial-order judges):        68 calls"), r.out());
      assertTrue(r.out().contains("total:"), r.out());
      assertEquals(0, s.requests());
      assertFalse(Files.exists(d.resolve("rows.jsonl")));
    }
  }
}
