package io.personaknob.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.core.data.Dimension;
import io.personaknob.core.data.PersonaData;
import io.personaknob.llm.Json;
import io.personaknob.llm.testing.ScriptedOpenAiServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole pipeline against the scripted server: every check, resumption, review and release. */
class BuildPipelineTest {

  static List<String> plain(int n) {
    List<String> s = new ArrayList<>();
    for (int i = 0; i < n; i++) s.add("A person asks about topic number " + i + ".");
    return s;
  }

  @Test
  void endToEndEveryPlannedRowPassesToReviewThenReleases(@TempDir Path tmp) throws Exception {
    try (Fixture f = new Fixture(tmp)) {
      assertEquals(0, f.run(f.options(11, f.scenes(plain(11))), BuildSession.Stages.RUN), f.err);
      List<BuildRow> rows = f.rows();
      assertEquals(11, rows.size());
      Set<String> masks = rows.stream().map(r -> r.mask).collect(Collectors.toSet());
      assertEquals(Set.copyOf(Masks.all(List.of(Dimension.values()), 2)), masks, "quota: 11 rows = each mask once");
      Set<String> goldens = new HashSet<>();
      for (BuildRow r : rows) {
        assertEquals("review", r.stage, r.toJson().toString());
        assertEquals(BuildRow.REVIEW, r.status, r.reasons.toString());
        assertTrue(r.reasons.isEmpty());
        assertTrue(List.of("gen-a", "gen-b").contains(r.generator));
        assertEquals("ver", r.verifier);
        assertEquals(Planner.generatorDraw(7, r.index, 2) == 0 ? "gen-a" : "gen-b", r.generator, "seeded draw recorded");
        assertEquals("generator.v1", r.promptVersions.get("generator"));
        assertEquals("verifier.v1", r.promptVersions.get("verifier"));
        assertEquals("attribution.v1", r.promptVersions.get("attribution"));
        assertTrue(r.promptVersions.get("judge").startsWith("knob-llm-rubrics-default@"));
        assertTrue(r.seedSource.startsWith("test-"));
        for (Dimension d : r.dims()) {
          assertTrue(r.trigger.contains(r.attribution.get(d)), "attribution quotes the trigger");
          assertNotEquals(r.golden, r.rejects.get(d));
        }
        assertTrue(Synthesizer.validate(r).isEmpty());
        assertTrue(goldens.add(r.golden), "distinct texts");
        // partial order: |mask| rejects x 4 dimensions x 2 judges
        assertEquals(r.dims().size() * 4 * 2, r.checks.path("order").size());
      }
      // generators used both (seeded draw over 11 rows)
      assertEquals(2, rows.stream().map(r -> r.generator).distinct().count());
      // the scripted generator saw one request per row, and the calls went to the row's generator
      long genCalls = f.server.received().stream().filter(q -> q.schema() != null && q.schema().path("properties").has("golden")).count();
      assertEquals(11, genCalls);
      // rows.jsonl lines carry the contract's columns
      for (String line : Files.readAllLines(BuildState.rowsFile(f.build))) {
        JsonNode n = Json.read(line);
        for (String k : List.of("build_id", "stage", "status", "reasons", "generator", "mask", "seed_scene", "context", "trigger",
            "prompt", "golden", "reject_A", "reject_T", "reject_E", "reject_C")) assertTrue(n.has(k), k);
      }
      JsonNode prov = Json.read(Files.readString(f.build.resolve("rows.jsonl.provenance.json")));
      assertEquals(io.personaknob.core.Provenance.sha256(tmp.resolve("scenes.jsonl")),
          prov.path("provenance").path("data_hashes").path("seed_scenes").asText());
      assertEquals(f.server.requests(), prov.path("calls_this_invocation").path("http_requests").asInt());
      // status
      JsonNode st = Status.json(f.build, rows);
      assertEquals(11, st.path("statuses").path("review").asInt());
      assertEquals(11, st.path("pass_rates").path("synthesize").path("passed").asInt());
      assertEquals(11, st.path("pass_rates").path("verify").path("passed").asInt());
      for (String m : Masks.all(List.of(Dimension.values()), 2)) assertEquals(1, st.path("masks").path(m).asInt());
      // review queue
      List<String> queue = Files.readAllLines(Review.queueFile(f.build));
      assertEquals(11, queue.size());
      JsonNode q0 = Json.read(queue.get(0));
      assertEquals(rows.get(0).buildId, q0.path("item_id").asText());
      assertEquals(Review.checks(rows.get(0)).size(), q0.path("review_checks").size());

      // verdicts: two reviewers pass every check of every row, except that both fail "realistic" on row 1
      StringBuilder v = new StringBuilder();
      for (BuildRow r : rows)
        for (String c : Review.checks(r))
          for (String who : List.of("ann", "bob")) {
            String verdict = r.index == 0 && c.equals("realistic") ? "fail" : "pass";
            v.append(Json.write(Json.MAPPER.createObjectNode().put("item_id", r.buildId).put("reviewer", who).put("check", c)
                .put("verdict", verdict))).append('\n');
          }
      Path vf = tmp.resolve("verdicts.jsonl");
      Files.writeString(vf, v);
      rows = f.rows();
      Review.Outcome out = Review.apply(rows, vf, "majority", 4);
      BuildState.writeRows(f.build, rows);
      assertEquals(10, out.accepted());
      assertEquals(1, out.rejected());
      BuildRow first = f.rows().stream().filter(r -> r.index == 0).findFirst().orElseThrow();
      assertEquals(BuildRow.REJECTED, first.status);
      assertEquals(List.of("review:realistic (0 of 2 reviewers passed)"), first.reasons);

      Path rel = f.build.resolve("release");
      Release.Result res = Release.write(f.build, rel, 0.2, null, false, "mit");
      assertEquals(10, res.train() + res.test());
      // stratified by mask: each of the 10 masks has one row, round(1 x 0.2) = 0 go to test
      assertEquals(0, res.test());
      long[] n = {0};
      var report = PersonaData.scan(rel, i -> { }, r -> n[0]++);
      assertTrue(report.ok(), report.summary());
      assertEquals(10, n[0]);
      String card = Files.readString(rel.resolve("README.md"));
      assertTrue(card.startsWith("---\nlicense: mit\n"), card);
      assertTrue(card.contains("configs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/train-*\n"), card);
      assertTrue(card.contains("  - name: train\n    num_examples: 10\n"), card);
      assertTrue(card.contains("  generators: [gen-a, gen-b]"), card);
      assertTrue(card.contains("  judges: [judge-a, judge-b]"), card);
      assertTrue(card.contains("    synthesize: {decided: 11, passed: 11, rate: 1.0000}"), card);
      assertTrue(card.contains("    review: {decided: 11, passed: 10, rate: 0.9091}"), card);
      assertTrue(card.contains("    AT: 0.1000") || card.contains("    AT: 0.0000") || !card.contains("    AT:"), card);
      assertTrue(Files.exists(rel.resolve("release.provenance.json")));
    }
  }

  @Test
  void releaseSplitIsStratifiedByMask(@TempDir Path tmp) throws Exception {
    try (Fixture f = new Fixture(tmp)) {
      BuildOptions o = f.options(22, f.scenes(plain(22)));
      o.masks = List.of("AT", "EC");
      assertEquals(0, f.run(o, BuildSession.Stages.RUN), f.err);
      Release.Result res = Release.write(f.build, f.build.resolve("rel"), 0.25, null, true, "mit");
      // 11 rows per mask, round(11 x 0.25) = 3 to test in each
      assertEquals(6, res.test());
      assertEquals(16, res.train());
      Map<String, Long> testByMask = f.rows().stream().filter(r -> "test".equals(r.split))
          .collect(Collectors.groupingBy(r -> r.mask, Collectors.counting()));
      assertEquals(Map.of("AT", 3L, "EC", 3L), testByMask);
      assertTrue(Files.readString(f.build.resolve("rel/README.md")).contains("not reviewed by a person"));
    }
  }

  @Test
  void plantedBadItemsAreCaughtEachByItsCheck(@TempDir Path tmp) throws Exception {
    List<String> plants = List.of("identical", "no-trigger", "reject-better", "better-elsewhere", "non-json", "bad-schema",
        "not-needed");
    List<String> scenes = new ArrayList<>();
    for (String p : plants) scenes.add("A planted scene PLANT:" + p + " here.");
    scenes.add("A fine scene.");
    try (Fixture f = new Fixture(tmp)) {
      assertEquals(0, f.run(f.options(scenes.size(), f.scenes(scenes)), BuildSession.Stages.RUN), f.err);
      Map<String, BuildRow> byPlant = f.rows().stream().collect(Collectors.toMap(
          r -> r.seedScene.contains("PLANT:") ? r.seedScene.replaceAll(".*PLANT:(\\S+) here\\.", "$1") : "fine", Function.identity()));
      assertEquals(8, byPlant.size());
      String first = byPlant.get("identical").dims().get(0).name();
      assertStatus(byPlant.get("identical"), "synthesize", "rejected", "reject_identical_to_golden:" + first);
      List<Dimension> nt = byPlant.get("no-trigger").dims();
      assertStatus(byPlant.get("no-trigger"), "synthesize", "rejected", "attribution_not_in_trigger:" + nt.get(nt.size() - 1));
      assertStatus(byPlant.get("reject-better"), "verify", "rejected", "order_golden_not_better:");
      assertStatus(byPlant.get("better-elsewhere"), "verify", "rejected", "order_reject_better_elsewhere:");
      assertStatus(byPlant.get("non-json"), "synthesize", "failed", "unusable reply after 3 attempt(s): the reply is not a JSON object");
      assertStatus(byPlant.get("bad-schema"), "synthesize", "failed", "missing key 'golden'");
      assertStatus(byPlant.get("not-needed"), "verify", "rejected", "verifier_trait_not_needed:" + byPlant.get("not-needed").dims().get(0));
      assertStatus(byPlant.get("fine"), "review", "review", null);
      // the review queue holds only the row in review, as whole build rows that knob-core reads (rows.jsonl
      // cannot be read whole by PersonaData.readAll while it holds failed rows without text)
      List<io.personaknob.core.data.PersonaRow> queued = PersonaData.readAll(Review.queueFile(f.build));
      assertEquals(List.of(byPlant.get("fine").buildId), queued.stream().map(io.personaknob.core.data.PersonaRow::id).toList());
      // a rejected reject_k on its own dimension: every reject loses; the planted row lost on each own dimension
      long ownLosses = byPlant.get("reject-better").reasons.stream().filter(s -> s.startsWith("order_golden_not_better:")).count();
      assertEquals(byPlant.get("reject-better").dims().size(), ownLosses);
      // rows rejected at synthesize never reached the judges
      String id = byPlant.get("identical").buildId;
      assertFalse(f.server.received().stream().anyMatch(q -> q.user().contains("[Answer A]") && q.user().contains(id)));
      assertTrue(byPlant.get("identical").checks.path("order").isMissingNode());
    }
  }

  static void assertStatus(BuildRow r, String stage, String status, String reasonPart) {
    String desc = r.buildId + " " + r.stage + "/" + r.status + " " + r.reasons;
    assertEquals(stage, r.stage, desc);
    assertEquals(status, r.status, desc);
    if (reasonPart != null) assertTrue(r.reasons.stream().anyMatch(s -> s.contains(reasonPart)), desc);
  }

  @Test
  void outageMidRunThenResumeRetriesOnlyTheFailedRowsAndRepeatsNoSuccessfulCall(@TempDir Path tmp) throws Exception {
    List<String> scenes = plain(12);
    for (int i = 0; i < 4; i++) scenes.set(i, "OUTAGE scene " + i + ".");
    try (Fixture f = new Fixture(tmp)) {
      BuildScriptWithFaults faulty = new BuildScriptWithFaults(q -> q.user().contains("OUTAGE") || q.user().contains("[Answer A]")
          && q.model().equals("judge-b") && q.user().contains("topic number 5."));
      f.server.script(faulty);
      BuildOptions o = f.options(12, f.scenes(scenes));
      assertEquals(0, f.run(o, BuildSession.Stages.RUN), f.err);
      List<BuildRow> after1 = f.rows();
      List<String> failed = after1.stream().filter(r -> r.status.equals(BuildRow.FAILED)).map(r -> r.buildId).toList();
      assertEquals(5, failed.size(), after1.stream().map(r -> r.status + r.reasons).toList().toString());
      for (BuildRow r : after1) {
        if (r.seedScene.startsWith("OUTAGE")) assertStatus(r, "synthesize", "failed", "HTTP 503");
        else if (r.seedScene.contains("number 5.")) assertStatus(r, "verify", "failed", "judge judge-b");
        else assertStatus(r, "review", "review", null);
      }
      int firstRun = f.server.requests();
      Set<String> okBodies = faulty.succeeded();

      // the provider is back: the same command retries just the failed rows
      f.server.script(new BuildScriptWithFaults(q -> false));
      assertEquals(0, f.run(o, BuildSession.Stages.RUN), f.err);
      List<ScriptedOpenAiServer.Request> second = f.server.received().subList(firstRun, f.server.requests());
      for (ScriptedOpenAiServer.Request q : second)
        assertFalse(okBodies.contains(Json.write(q.body())), "a successful call was repeated: " + q.user().lines().findFirst());
      // 4 rows from scratch (generator, attribution, verifier, judges) + the judged row's failed judge calls only
      long gen = second.stream().filter(q -> q.schema() != null && q.schema().path("properties").has("golden")).count();
      assertEquals(4, gen);
      assertTrue(second.stream().filter(q -> q.user().contains("topic number 5.")).allMatch(q -> q.model().equals("judge-b")));
      for (BuildRow r : f.rows()) assertStatus(r, "review", "review", null);
      // a third run has nothing to do
      int before = f.server.requests();
      assertEquals(0, f.run(o, BuildSession.Stages.RUN), f.err);
      assertEquals(before, f.server.requests());
    }
  }

  /** The cooperative script, except that requests matching {@code fault} get a 503; records the bodies answered 200. */
  static final class BuildScriptWithFaults implements ScriptedOpenAiServer.Script {
    final java.util.function.Predicate<ScriptedOpenAiServer.Request> fault;
    final io.personaknob.build.testing.BuildScript ok = new io.personaknob.build.testing.BuildScript();
    final Set<String> succeeded = java.util.concurrent.ConcurrentHashMap.newKeySet();

    BuildScriptWithFaults(java.util.function.Predicate<ScriptedOpenAiServer.Request> fault) {
      this.fault = fault;
    }

    @Override
    public ScriptedOpenAiServer.Reply answer(ScriptedOpenAiServer.Request req) {
      if (fault.test(req)) return ScriptedOpenAiServer.Reply.error(503, "scripted outage");
      succeeded.add(Json.write(req.body()));
      return ok.answer(req);
    }

    Set<String> succeeded() {
      return Set.copyOf(succeeded);
    }
  }

  @Test
  void resampleFailedRetriesAnUnusableReplyWithANewCall(@TempDir Path tmp) throws Exception {
    List<String> scenes = List.of("A fine scene.", "A scene the model garbles.");
    try (Fixture f = new Fixture(tmp)) {
      io.personaknob.build.testing.BuildScript ok = new io.personaknob.build.testing.BuildScript();
      // the generator answers prose for the second scene, whatever is asked
      f.server.script(q -> q.user().contains("garbles") && q.schema() != null && q.schema().path("properties").has("golden")
          ? ScriptedOpenAiServer.Reply.content("Sorry, here is prose.") : ok.answer(q));
      BuildOptions o = f.options(2, f.scenes(scenes));
      o.masks = List.of("AT");
      o.orderDims = "mask";
      o.maxRepairs = 0;
      assertEquals(0, f.run(o, BuildSession.Stages.RUN), f.err);
      BuildRow bad = f.rows().stream().filter(r -> r.seedScene.contains("garbles")).findFirst().orElseThrow();
      assertStatus(bad, "synthesize", "failed", "unusable reply after 1 attempt(s)");
      f.server.script(ok); // the model would now answer well
      int before = f.server.requests();
      assertEquals(0, f.run(o, BuildSession.Stages.RUN), f.err);
      assertEquals(before, f.server.requests(), "a plain re-run serves the cached prose again");
      assertStatus(f.rows().stream().filter(r -> r.buildId.equals(bad.buildId)).findFirst().orElseThrow(), "synthesize", "failed", null);
      o.resampleFailed = true;
      assertEquals(0, f.run(o, BuildSession.Stages.RUN), f.err);
      BuildRow now = f.rows().stream().filter(r -> r.buildId.equals(bad.buildId)).findFirst().orElseThrow();
      assertStatus(now, "review", "review", null);
      assertEquals(1, now.attempt);
      // only the resampled row's calls were made: generator, attribution, verifier, 2 rejects x 2 dims x 2 judges x 2 orders
      assertEquals(3 + 16, f.server.requests() - before);
    }
  }

  @Test
  void killedMidRunResumesWithoutRepeatingAFinishedCall(@TempDir Path tmp) throws Exception {
    try (Fixture f = new Fixture(tmp)) {
      BuildOptions o = f.options(11, f.scenes(plain(11)));
      o.concurrency = 2;
      BuildScriptWithFaults rec = new BuildScriptWithFaults(q -> false);
      // judges are slow, so the stop lands while rows are mid-stage
      f.server.script(q -> {
        if (q.user().contains("[Answer A]")) {
          try {
            Thread.sleep(30);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return rec.answer(q);
      });
      StringWriter sink = new StringWriter();
      BuildSession s = new BuildSession(o, new PrintWriter(sink), new PrintWriter(sink));
      Thread killer = Thread.ofPlatform().start(() -> {
        while (f.server.requests() < 150) Thread.onSpinWait();
        s.stop();
      });
      int code = s.execute(BuildSession.Stages.RUN);
      killer.join();
      assertEquals(130, code, sink.toString());
      List<BuildRow> mid = f.rows();
      assertEquals(11, mid.size(), "rows.jsonl is whole after the kill");
      assertTrue(mid.stream().anyMatch(r -> !r.status.equals(BuildRow.REVIEW)), "the kill left work undone");
      int firstRun = f.server.requests();
      // every call whose reply was stored before the kill (the paid ones); a call cut off in flight is not stored
      Set<JsonNode> stored = new HashSet<>();
      try (io.personaknob.llm.RunStore rs = io.personaknob.llm.RunStore.open(f.build.resolve("store.sqlite"))) {
        for (var c : rs.query("SELECT request FROM calls")) stored.add(Json.read((String) c.get("request")));
      }
      assertTrue(stored.size() >= 20, "the kill came after real work: " + stored.size());
      f.server.script(new io.personaknob.build.testing.BuildScript());
      assertEquals(0, f.run(o, BuildSession.Stages.RUN), f.err);
      List<ScriptedOpenAiServer.Request> second = f.server.received().subList(firstRun, f.server.requests());
      assertFalse(second.isEmpty());
      for (ScriptedOpenAiServer.Request q : second)
        assertFalse(stored.contains(q.body()), "a stored call was repeated: " + q.user().lines().findFirst());
      // repeats of bodies sent before the kill are only the calls that were in flight then (not stored)
      long repeats = second.stream().filter(q -> q.seen() > 1).count();
      assertTrue(repeats <= firstRun - stored.size(), repeats + " repeats, " + (firstRun - stored.size()) + " unstored in run 1");
      for (BuildRow r : f.rows()) assertStatus(r, "review", "review", null);
    }
  }
}
