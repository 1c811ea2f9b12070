package io.personaknob.persona;

import static org.junit.jupiter.api.Assertions.*;

import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import io.personaknob.core.data.PersonaData;
import io.personaknob.core.data.PersonaRow;
import io.personaknob.core.data.PreferencePair;
import io.personaknob.llm.LlmClient;
import io.personaknob.llm.RunStore;
import io.personaknob.llm.testing.ScriptedOpenAiServer;
import io.personaknob.llm.testing.ScriptedOpenAiServer.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The feedback chain, its pair exports (read back by knob-core's PersonaData, as knob train does), and the LLM fill. */
class FeedbackAndFillTest {

  static List<Persona> personas() {
    List<Persona> ps = new ArrayList<>();
    for (int i = 0; i < 3; i++) ps.add(ConsistencyTest.clean().with(PersonaKey.AGE, Integer.toString(30 + i)).with(PersonaKey.DEFINING_QUIRKS, null)
        .with(PersonaKey.BIG_FIVE_SCORES, null));
    return List.of(new Persona("a", null, 1, ps.get(0).values()), new Persona("b", null, 1, ps.get(1).values()),
        new Persona("c", null, 1, ps.get(2).values()));
  }

  @Test
  void seededAssignmentIsPersonaMajorAndDistinct() {
    List<Feedback.Prompt> qs = new ArrayList<>();
    for (int i = 0; i < 10; i++) qs.add(new Feedback.Prompt("q" + i, "question " + i));
    var a = Feedback.assign(personas(), qs, 4, 7);
    assertEquals(12, a.size());
    for (int p = 0; p < 3; p++) {
      Set<String> ids = new HashSet<>();
      for (int j = 0; j < 4; j++) {
        assertEquals(personas().get(p).id(), a.get(p * 4 + j).persona().id(), "rows p·k … p·k+k−1 belong to persona p");
        ids.add(a.get(p * 4 + j).prompt().id());
      }
      assertEquals(4, ids.size(), "distinct prompts per persona");
    }
    assertEquals(a, Feedback.assign(personas(), qs, 4, 7));
    assertNotEquals(a, Feedback.assign(personas(), qs, 4, 8));
    assertThrows(UserException.class, () -> Feedback.assign(personas(), qs, 11, 7));
  }

  @Test
  void emptyPromptFileIsAClearError(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("prompts.jsonl");
    Files.writeString(f, "\n  \n");
    UserException e = assertThrows(UserException.class, () -> Feedback.readPrompts(f));
    assertEquals(f + ": no prompts (the file is empty)", e.getMessage());
    Files.writeString(f, "{\"id\": 1, \"text\": \"no prompt field\"}\n");
    e = assertThrows(UserException.class, () -> Feedback.readPrompts(f));
    assertTrue(e.getMessage().startsWith(f + ":1: prompt: missing"), e.getMessage());
  }

  @Test
  void chainOfOriginalCritiqueRevisionAndPairsTheTrainerReads(@TempDir Path dir) throws Exception {
    List<Feedback.Prompt> qs = List.of(new Feedback.Prompt("q1", "How should I save for retirement?"),
        new Feedback.Prompt("q2", "Is it worth learning to cook?"));
    var items = Feedback.assign(personas(), qs, 2, 1);
    try (ScriptedOpenAiServer s = new ScriptedOpenAiServer(); RunStore store = RunStore.open(dir.resolve("s.sqlite"))) {
      s.script(r -> {
        if (r.system().startsWith("You are a helpful assistant")) return Reply.content("ORIGINAL for " + r.user());
        if (r.system().startsWith("You are the person")) {
          assertTrue(r.system().contains("age: "), "the critic speaks as the persona");
          assertTrue(r.user().contains("Answer: ORIGINAL for "), "and critiques the original answer");
          return Reply.content("CRITIQUE as " + r.system().lines().filter(l -> l.startsWith("age: ")).findFirst().orElseThrow());
        }
        assertTrue(r.user().contains("[Critique]\nCRITIQUE as age: "), "the revision applies the critique");
        return Reply.content("REVISED " + r.user().hashCode());
      });
      List<Feedback.Row> rows;
      var models = new Feedback.Options("tested", "critic-a", "critic-b");
      try (LlmClient c = LlmClient.builder(TestLlm.config(s.baseUrl())).store(store).runId("f1").build()) {
        rows = Feedback.run(c, items, models, null);
      }
      assertEquals(6, rows.size());
      assertEquals(2 + 6 + 6, s.requests(), "the original does not depend on the persona: one per prompt (cached), then a critique and a revision per item");
      for (Feedback.Row r : rows) {
        assertTrue(r.ok(), r.error());
        assertEquals("ORIGINAL for " + r.instruction(), r.original());
        assertTrue(r.critique().startsWith("CRITIQUE as age: 3"), r.critique());
        assertTrue(r.data().startsWith("REVISED "));
        var j = r.toJson();
        assertEquals(List.of("persona_id", "prompt_id", "persona", "instruction", "original", "critique", "data", "models"),
            iter(j.fieldNames()));
      }
      // a re-run is free
      try (LlmClient c = LlmClient.builder(TestLlm.config(s.baseUrl())).store(store).runId("f2").build()) {
        Feedback.run(c, items, models, null);
      }
      assertEquals(14, s.requests());

      // knob rows: read by knob-core's PersonaData (the reader knob train uses), one pair each: data ≻ original
      Path knob = dir.resolve("pairs.jsonl");
      Outputs.jsonl(knob, rows.stream().map(r -> Feedback.pair(r, Feedback.PairFormat.KNOB, Dimension.E)).toList());
      var report = PersonaData.scan(knob, issue -> fail("knob rows must validate cleanly: " + issue), row -> {});
      assertNotNull(report);
      List<PersonaRow> read = PersonaData.readAll(knob);
      assertEquals(6, read.size());
      for (int i = 0; i < 6; i++) {
        List<PreferencePair> pp = PersonaData.pairs(read.get(i));
        assertEquals(1, pp.size());
        assertEquals(rows.get(i).data(), pp.get(0).chosen());
        assertEquals(rows.get(i).original(), pp.get(0).rejected());
        assertTrue(pp.get(0).prompt().contains(rows.get(i).persona()) && pp.get(0).prompt().endsWith(rows.get(i).instruction()));
      }
      var trl = Feedback.pair(rows.get(0), Feedback.PairFormat.TRL, Dimension.E);
      assertEquals("system", trl.path("prompt").get(0).path("role").asText());
      assertEquals(rows.get(0).persona(), trl.path("prompt").get(0).path("content").asText());
      assertEquals(rows.get(0).data(), trl.path("chosen").get(0).path("content").asText());
      assertEquals(rows.get(0).original(), Feedback.pair(rows.get(0), Feedback.PairFormat.DPO, Dimension.E).path("rejected").asText());
    }
  }

  static List<String> iter(java.util.Iterator<String> it) {
    List<String> l = new ArrayList<>();
    it.forEachRemaining(l::add);
    return l;
  }

  @Test
  void fillIsCheckedByRulesAndJudgeRegeneratedOrDroppedWithTheReason(@TempDir Path dir) throws Exception {
    List<Persona> ps = personas();
    try (ScriptedOpenAiServer s = new ScriptedOpenAiServer(); RunStore store = RunStore.open(dir.resolve("s.sqlite"))) {
      s.script(r -> {
        if (r.model().equals("tiny-tested")) {
          boolean first = !r.user().contains("Attempt ");
          // persona age 30: the first fill breaks the big-five rule, the retry is fine
          if (r.user().contains("age: 30") && first) {
            var v = (com.fasterxml.jackson.databind.node.ObjectNode) io.personaknob.llm.testing.SchemaFaker.fake(r.schema(), 1);
            v.put("big_five_scores", "very open");
            return Reply.content(v.toString());
          }
          return null; // schema-conforming default
        }
        // judge: persona age 32 is always inconsistent
        boolean bad = r.user().contains("age: 32");
        return Reply.content("{\"consistent\": " + !bad + ", \"problems\": \"" + (bad ? "a pacifist who hunts" : "") + "\"}");
      });
      LlmFill.Outcome o;
      try (LlmClient c = LlmClient.builder(TestLlm.config(s.baseUrl())).store(store).runId("fill").build()) {
        o = LlmFill.fill(c, ps, new LlmFill.Options("tested", "critic-a", 3), null);
      }
      assertEquals(List.of("a", "b"), o.kept().stream().map(Persona::id).toList());
      assertEquals(1, o.dropped().size());
      assertEquals("c", o.dropped().get(0).id());
      assertEquals("judge: a pacifist who hunts", o.dropped().get(0).reason());
      assertEquals(3, o.dropped().get(0).attempts());
      assertEquals(1 + 2, o.regenerated(), "a once (rule), c twice (judge)");
      assertTrue(s.received().stream().anyMatch(r -> r.user().contains("rejected: big five scores") || r.user().contains("rejected: rule big-five-format")),
          "the retry is told why");
      for (Persona p : o.kept()) {
        assertEquals(List.of(), Consistency.check(p));
        for (PersonaKey k : LlmFill.FIELDS.keySet()) assertNotNull(p.get(k), k.key());
        assertNull(Consistency.bigFiveProblem(p.get(PersonaKey.BIG_FIVE_SCORES)));
      }
    }
  }

  @Test
  void personaFileWarnsAboutUnknownKeys(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("pop.jsonl");
    Files.writeString(f, "{\"id\": \"x\", \"age\": 40, \"sex\": \"Male\", \"favourite colour\": \"blue\"}\n{\"id\": \"y\", \"age\": \"41\"}\n");
    List<String> warn = new ArrayList<>();
    var ps = PersonaFile.read(f, warn::add);
    assertEquals(List.of(f + ":1: unknown key 'favourite colour' ignored (not one of the 33 PERSONA keys)"), warn);
    assertEquals("40", ps.get(0).get(PersonaKey.AGE));
    Files.writeString(f, "{\"id\": \"x\"}\n{\"id\": \"x\"}\n");
    assertThrows(UserException.class, () -> PersonaFile.read(f, w -> {}));
  }
}
