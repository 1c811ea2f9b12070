package io.personaknob.eval.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personaknob.core.UserException;
import io.personaknob.core.data.PersonaData;
import io.personaknob.eval.judge.PersonaFixtures;
import io.personaknob.llm.Json;
import io.personaknob.llm.RunStore;
import io.personaknob.llm.testing.ScriptedOpenAiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An LLM judge's {@code max_repairs} in eval.yaml reaches knob-llm's repair-and-retry, and the run store of
 * {@code knob eval} keeps the client's accounting in its run row (before, the row was never created and the
 * totals were dropped).
 */
class JudgeRepairsRunTest {

  /** 2 test rows × 4 dimensions, one wording: 8 goldens, 8 answers, 8 rejects rated; 8 + 16 comparisons. */
  static final int VERDICTS = 8 + 8 + 8 + 8 + 16;

  static EvalConfig config(Path dir, Path data, String repairs, String url) throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("knob.yaml"), "providers:\n  local: {base_url: " + url + ", max_retries: 0, timeout_seconds: 5}\n"
        + "models:\n  judge-a: {provider: local, model: scripted}\n  ans: {provider: local, model: scripted}\n");
    Path c = dir.resolve("eval.yaml");
    Files.writeString(c, "out: run\nknob_config: knob.yaml\ndata: {personaknob: " + data + "}\n"
        + "models:\n  - {name: api, endpoint: ans}\n"
        + "judges:\n  - {name: judge-a, type: llm" + repairs + "}\n"
        + "rubrics: {A: [default], T: [default], E: [default], C: [default]}\n"
        + "tasks: [generation]\njudge_validity: {policy: flag}\n");
    return EvalConfig.load(c);
  }

  /** The first reply to every judge request is not JSON; a repair turn (a new conversation) gets a valid one. */
  static ScriptedOpenAiServer.Reply firstReplyUnusable(ScriptedOpenAiServer.Request r) {
    if (r.schema() == null) return ScriptedOpenAiServer.Reply.content("Take one small step and check how it goes.");
    boolean repair = r.body().path("messages").size() > 2;
    return repair ? null : ScriptedOpenAiServer.Reply.content("I rate it well.");
  }

  static long runCalls(Path run, String key) {
    try (RunStore rs = RunStore.open(run.resolve("store.sqlite"))) {
      var rows = rs.query("SELECT " + key + " FROM runs WHERE run_id = 'eval-run'");
      assertEquals(1, rows.size(), "knob eval registers its run in the store");
      return ((Number) rows.get(0).get(key)).longValue();
    }
  }

  @Test
  void maxRepairsZeroLeavesAnUnusableReplyFailedAndTheDefaultRepairsIt(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("p.jsonl");
    PersonaData.write(data, PersonaFixtures.shortRows(8));
    try (ScriptedOpenAiServer server = new ScriptedOpenAiServer()) {
      server.script(JudgeRepairsRunTest::firstReplyUnusable);
      // max_repairs 0: one request per verdict, every verdict fails as an unusable reply
      EvalConfig none = config(dir.resolve("a"), data, ", max_repairs: 0", server.baseUrl());
      assertEquals(0, none.judges().get(0).maxRepairs());
      EvalRunner.Result a = EvalRunner.run(none, l -> {}, p -> { throw new AssertionError("no local model"); }, List.of());
      assertEquals(2 + VERDICTS, server.requests());
      assertEquals(VERDICTS, a.report().exclusions().byJudge().stream().mapToInt(x -> x.count()).sum());
      assertTrue(a.report().exclusions().byJudge().stream().allMatch(x -> x.reason().startsWith("unusable reply after 1 attempt(s)")),
          a.report().exclusions().byJudge().toString());
      assertEquals(2 + VERDICTS, runCalls(none.out(), "calls"), "the client's accounting is in the run row");

      // the default (2): each verdict is repaired once and used
      int before = server.requests();
      EvalConfig dflt = config(dir.resolve("b"), data, "", server.baseUrl());
      assertEquals(EvalConfig.JudgeSpec.DEFAULT_MAX_REPAIRS, dflt.judges().get(0).maxRepairs());
      EvalRunner.Result b = EvalRunner.run(dflt, l -> {}, p -> { throw new AssertionError("no local model"); }, List.of());
      // each run directory has its own run store, so the answers are asked for again
      assertEquals(2 + 2 * VERDICTS, server.requests() - before);
      assertEquals(0, b.report().exclusions().invalidRatings());
      assertTrue(b.report().exclusions().byJudge().isEmpty(), b.report().exclusions().byJudge().toString());
      assertEquals(2 + 2 * VERDICTS, runCalls(dflt.out(), "calls"));
      try (RunStore rs = RunStore.open(dflt.out().resolve("store.sqlite"))) {
        for (var j : rs.judgments("eval-run")) assertEquals(2, Json.read(j.rawResponse()).size(), "first reply and its repair");
      }
      // max_repairs enters the journal's hash only when it is not the default
      assertFalse(((Map<?, ?>) ((List<?>) dflt.toMap().get("judges")).get(0)).containsKey("max_repairs"));
      assertEquals(0, ((Map<?, ?>) ((List<?>) none.toMap().get("judges")).get(0)).get("max_repairs"));
    }
  }

  @Test
  void badMaxRepairsNamesFileLineAndKey(@TempDir Path dir) throws Exception {
    Path c = dir.resolve("eval.yaml");
    Files.writeString(c, "models:\n  - {name: a, path: m}\njudges:\n  - {name: j, type: llm,\n     max_repairs: -1}\n");
    var e = assertThrows(UserException.class, () -> EvalConfig.load(c));
    assertEquals(c + ":5: key 'judges[0].max_repairs': '-1' is not a count", e.getMessage());
    Files.writeString(c, "models:\n  - {name: a, path: m}\njudges:\n  - {name: h, type: reward-head, max_repairs: 0}\n");
    e = assertThrows(UserException.class, () -> EvalConfig.load(c));
    assertEquals(c + ":4: key 'judges[0].max_repairs': only LLM judges are asked to repair a reply (this judge is reward-head)",
        e.getMessage());
  }
}
