package io.personaknob.eval.run;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import io.personaknob.core.data.PersonaData;
import io.personaknob.core.data.PersonaRow;
import io.personaknob.eval.judge.PersonaFixtures;
import io.personaknob.eval.report.EvalReport;
import io.personaknob.llm.RunStore;
import io.personaknob.llm.bench.LoopbackChatServer;
import io.personaknob.llm.judge.JudgeItem;
import io.personaknob.llm.judge.JudgingProtocol;
import io.personaknob.llm.judge.Rubrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * knob eval with an LLM judge behind a real OpenAI-compatible server on loopback that returns top_logprobs:
 * the judge rates under the configured rubric wordings (their texts reach the prompts stored in the run
 * store), and its distribution over 1..7 reaches the Rasch fit as weighted rows.
 */
class RubricLogprobRunTest {

  static void knobYaml(Path f, String baseUrl) throws Exception {
    Files.writeString(f, "providers:\n  local:\n    base_url: " + baseUrl + "\n    max_retries: 0\n    timeout_seconds: 5\n"
        + "models:\n  judge-a:\n    provider: local\n    model: loopback\n    top_logprobs: 3\n");
  }

  /** The loopback server's distribution for a rating v: 0.6 at v, 0.3 and 0.1 at its neighbours (LoopbackChatServer). */
  static double[] served(int v) {
    double[] p = new double[7];
    String[] nb = LoopbackChatServer.neighbours(Integer.toString(v));
    p[v - 1] = 0.6;
    p[Integer.parseInt(nb[0]) - 1] += 0.3;
    p[Integer.parseInt(nb[1]) - 1] += 0.1;
    return p;
  }

  @Test
  void wordingsReachThePromptsAndDistributionsReachTheFit(@TempDir Path dir) throws Exception {
    Path model = TinyModels.create(dir.resolve("m"), 5);
    Path data = dir.resolve("p.jsonl");
    PersonaData.write(data, PersonaFixtures.shortRows(16)); // 4 test rows
    Files.createDirectories(dir.resolve("a"));
    Path c = dir.resolve("a/eval.yaml");
    Files.writeString(c, "out: run\nknob_config: knob.yaml\ndata:\n  personaknob: " + data + "\n"
        + "models:\n  - {name: ref, path: " + model + "}\njudges:\n  - {name: judge-a, type: llm}\n"
        + "rubrics: {T: [default]}\ntasks: [generation]\ngeneration: {max_new_tokens: 4}\n"
        // the loopback judge rates a hash of the prompt (at chance on golden vs reject): used, flagged
        + "judge_validity: {policy: flag}\n");
    EvalConfig cfg = EvalConfig.load(c);
    assertEquals(List.of("default", "checklist"), cfg.judges().get(0).rubricVariants(Dimension.A));
    assertEquals(List.of("default"), cfg.judges().get(0).rubricVariants(Dimension.T));
    try (LoopbackChatServer server = new LoopbackChatServer()) {
      knobYaml(dir.resolve("a/knob.yaml"), server.baseUrl());
      EvalRunner.Result r = EvalRunner.run(cfg, line -> {}, LlmJudgeRunTest.READABLE);
      List<PersonaRow> test = PersonaFixtures.shortRows(16).stream().filter(x -> "test".equals(x.split())).toList();
      int n = test.size();
      // per row: A, E, C under two wordings, T under one (7 ratings) + 4 comparisons + the golden's 7 ratings
      // + validity: the rejects' 7 ratings and 4 golden-vs-reject comparisons in both orders
      assertEquals(n * (7 + 4 + 7 + 7 + 8), server.requests());
      EvalReport rep = r.report();

      // 1. the prompts in the run store carry the wording's text
      Map<String, String> answers = new HashMap<>();
      for (String l : Files.readAllLines(cfg.out().resolve("journal.jsonl"))) {
        JsonNode x = RunJournal.json().readTree(l);
        if (x.has("k") && x.get("k").asText().startsWith("gen|")) answers.put(x.get("k").asText().split("\\|")[2], x.get("v").asText());
      }
      try (RunStore store = RunStore.open(cfg.out().resolve("store.sqlite"))) {
        var rows = store.query("SELECT item_id, dimension, prompt, expected FROM judgments WHERE mode='pointwise' AND item_id LIKE 'ref/%'");
        assertEquals(n * 7, rows.size());
        String checklistA = Rubrics.text(Dimension.A, "checklist"), defaultA = Rubrics.text(Dimension.A);
        assertNotEquals(checklistA, defaultA);
        int checklists = 0;
        for (var row : rows) {
          String item = row.get("item_id").toString(), prompt = row.get("prompt").toString();
          Dimension d = Dimension.valueOf(row.get("dimension").toString());
          boolean chk = item.endsWith("#checklist");
          if (chk) checklists++;
          // the exact system prompt of the protocol for that wording, as stored (JSON-escaped)
          String id = chk ? item.substring(0, item.length() - "#checklist".length()) : item;
          String rowId = id.substring("ref/".length());
          String sys = JudgingProtocol.pointwisePrompt(JudgeItem.of(id, "", ""), d, chk ? "checklist" : "default").get(0).content();
          String firstRubricLine = Rubrics.text(d, chk ? "checklist" : "default").lines().skip(2).findFirst().orElseThrow();
          assertTrue(prompt.contains(io.personaknob.llm.Json.write(firstRubricLine).replaceAll("^\"|\"$", "")), item + " " + d);
          assertTrue(sys.contains(Rubrics.text(d, chk ? "checklist" : "default")));
          if (!chk && d == Dimension.A) assertFalse(prompt.contains("behavioural checklist"), item);
          assertNotNull(answers.get(rowId));
          assertNotEquals(Dimension.T, chk ? d : null, "T is configured with the default wording only");
        }
        assertEquals(n * 3, checklists);
      }

      // 2. hand-computed expected scores: the server's rating v of the protocol's user message, p = served(v)
      for (Dimension d : Dimension.values()) {
        double sumRating = 0, sumExpected = 0, cnt = 0, goldenExpected = 0;
        int wordings = d == Dimension.T ? 1 : 2;
        for (PersonaRow row : test) {
          var msgs = JudgingProtocol.pointwisePrompt(JudgeItem.of("ref/" + row.id(), row.prompt(), answers.get(row.id())), d);
          int v = LoopbackChatServer.ratingFor(msgs.get(msgs.size() - 1).content());
          double[] p = served(v);
          double e = 0;
          for (int k = 1; k <= 7; k++) e += k * p[k - 1];
          var gm = JudgingProtocol.pointwisePrompt(JudgeItem.of("golden/" + row.id(), row.prompt(), row.golden()), d);
          double[] pg = served(LoopbackChatServer.ratingFor(gm.get(gm.size() - 1).content()));
          for (int k = 1; k <= 7; k++) goldenExpected += k * pg[k - 1];
          sumRating += wordings * v;
          sumExpected += wordings * e;
          cnt += wordings;
          // the journal keeps the renormalised distribution of each wording's rating
          for (String w : d == Dimension.T ? List.of("default") : List.of("default", "checklist")) {
            JsonNode j = journalValue(cfg, EvalRunner.rateKeyForTest("judge-a", "ref", row.id(), d, w));
            assertEquals(v, j.get("r").asInt());
            for (int k = 0; k < 7; k++) assertEquals(p[k], j.get("p").get(k).asDouble(), 1e-9, d + " " + w + " p(" + (k + 1) + ")");
          }
        }
        var s = rep.calibrated().stream().filter(x -> x.dimension().equals(d.name())).findFirst().orElseThrow();
        assertEquals(sumRating / cnt, s.rawMean(), 1e-9, d + " raw mean");
        assertEquals(sumExpected / cnt, s.rawExpected(), 1e-9, d + " raw expected");
        assertEquals((int) cnt, s.count());
        // 3. the weighted rows reached the fit: the rubric element's weighted count is the number of ratings
        // (the answers' and the goldens') and its observed average (Σ w·k / Σ w over its rows) is their mean
        // expected score, not the mean rating
        for (var st : rep.rubricStatus()) if (st.dimension().equals(d.name()) && !st.variant().equals("reward-head")) {
          assertEquals(2 * n, st.count(), d + "/" + st.variant());
          assertEquals((sumExpected / wordings + goldenExpected) / (2 * n), st.observedAverage(), 1e-5, d + "/" + st.variant());
        }
        var g = rep.goldens().stream().filter(x -> x.dimension().equals(d.name())).findFirst().orElseThrow();
        assertEquals(goldenExpected / n, g.rawExpected(), 1e-9, d + " golden raw expected");
      }
      assertNotNull(rep.calibration(), rep.notes().toString());
      assertEquals(2 * n * 7, rep.calibration().ratings()); // answers and goldens
      assertEquals(n * 7, rep.calibration().goldenRatings());
      assertTrue(rep.notes().stream().anyMatch(x -> x.contains(2 * n * 7 + " ratings entered the fit as " + 2 * n * 7 * 3 + " rows")), rep.notes().toString());
      // 4. A, E, C have two wordings rated by the same judge: estimated and centred; T has one: not estimable
      var t = rep.rubricStatus().stream().filter(x -> x.dimension().equals("T")).toList();
      assertEquals(1, t.size());
      assertNull(t.get(0).measure());
      assertEquals("not estimable (one rubric per dimension)", t.get(0).status());
      for (String d : List.of("A", "E", "C")) {
        var vs = rep.rubricStatus().stream().filter(x -> x.dimension().equals(d)).toList();
        assertEquals(2, vs.size());
        assertEquals(0, vs.get(0).measure() + vs.get(1).measure(), 1e-9);
        // the server rates the same user message identically under both wordings: no wording effect
        assertEquals(0, vs.get(1).measure() - vs.get(0).measure(), 1e-3);
      }
      assertTrue(Files.readString(r.html()).contains("not estimable (one rubric per dimension)"));
      assertTrue(Files.readString(r.html()).contains("raw expected"));
    }
  }

  static JsonNode journalValue(EvalConfig cfg, String key) throws Exception {
    for (String l : Files.readAllLines(cfg.out().resolve("journal.jsonl"))) {
      JsonNode x = RunJournal.json().readTree(l);
      if (x.has("k") && x.get("k").asText().equals(key)) return x.get("v");
    }
    throw new AssertionError("not journalled: " + key);
  }

  @Test
  void badRubricConfigurationNamesFileLineAndKey(@TempDir Path dir) throws Exception {
    Path c = dir.resolve("eval.yaml");
    Files.writeString(c, "models:\n  - {name: a, path: m}\njudges:\n  - {name: j, type: llm}\nrubrics:\n  A: [default, strict]\n");
    var e = assertThrows(UserException.class, () -> EvalConfig.load(c));
    assertEquals(c + ":6: key 'rubrics.A[1]': unknown rubric variant 'strict' (known: default, checklist)", e.getMessage());
    Files.writeString(c, "models:\n  - {name: a, path: m}\njudges:\n  - {name: j, type: llm}\nrubrics:\n  T: [default]\n  X: [default]\n");
    e = assertThrows(UserException.class, () -> EvalConfig.load(c));
    assertEquals(c + ":7: key 'rubrics.X': not a dimension (known: A, T, E, C)", e.getMessage());
    Files.writeString(c, "models:\n  - {name: a, path: m}\njudges:\n  - {name: h, type: reward-head}\n  - {name: j, type: llm,\n     rubrics: {C: [checklist]}}\n");
    assertEquals(List.of("checklist"), EvalConfig.load(c).judges().get(1).rubricVariants(Dimension.C));
    assertEquals(List.of(), EvalConfig.load(c).judges().get(0).rubricVariants(Dimension.C));
    Files.writeString(c, "models:\n  - {name: a, path: m}\njudges:\n  - {name: h, type: reward-head, rubrics: {C: [checklist]}}\n");
    e = assertThrows(UserException.class, () -> EvalConfig.load(c));
    assertEquals(c + ":4: key 'judges[0].rubrics': only LLM judges rate under rubrics (this judge is reward-head)", e.getMessage());
  }
}
