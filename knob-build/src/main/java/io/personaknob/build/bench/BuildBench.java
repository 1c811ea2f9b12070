package io.personaknob.build.bench;

import io.personaknob.build.BuildOptions;
import io.personaknob.build.BuildRow;
import io.personaknob.build.BuildSession;
import io.personaknob.build.BuildState;
import io.personaknob.build.testing.BuildScript;
import io.personaknob.llm.testing.ScriptedOpenAiServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code knob bench build}: the whole automatic pipeline (plan, synthesize, attribution check, verifier,
 * partial-order judges with swapped order) through a loopback scripted server that answers every model as
 * {@link BuildScript} does, optionally after a fixed latency per request. A share of the seed scenes carries
 * a planted defect so the rejection paths run too. Reports rows per minute, HTTP requests per row that passed
 * to review, and the time of the re-run (everything from the cache).
 */
public final class BuildBench {
  private BuildBench() {}

  public record Result(int rows, int passed, int rejected, int failed, long requests, double seconds,
      double rerunSeconds, long rerunRequests, int concurrency, int latencyMs, String orderDims) {
    public double rowsPerMinute() { return rows / seconds * 60; }
    public double requestsPerPassed() { return passed == 0 ? Double.NaN : (double) requests / passed; }
  }

  public static Result run(int rows, int concurrency, int latencyMs, double badShare, String orderDims) throws IOException {
    Path dir = Files.createTempDirectory("knob-bench-build");
    try (ScriptedOpenAiServer server = new ScriptedOpenAiServer()) {
      BuildScript script = new BuildScript();
      server.script(q -> {
        if (latencyMs > 0) {
          try {
            Thread.sleep(latencyMs);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return script.answer(q);
      });
      Path yaml = dir.resolve("knob.yaml");
      Files.writeString(yaml, """
          providers:
            loop: {base_url: %s, max_in_flight: 256, max_retries: 2, backoff_base_ms: 50}
          models:
            gen-a: {provider: loop, model: gen-a, max_tokens: 1500}
            gen-b: {provider: loop, model: gen-b, max_tokens: 1500}
            gen-c: {provider: loop, model: gen-c, max_tokens: 1500}
            ver: {provider: loop, model: ver, max_tokens: 600}
            judge-a: {provider: loop, model: judge-a}
            judge-b: {provider: loop, model: judge-b}
          """.formatted(server.baseUrl()));
      Path scenes = dir.resolve("scenes.jsonl");
      StringBuilder sb = new StringBuilder();
      List<String> plants = List.of("identical", "no-trigger", "reject-better", "not-needed");
      int bad = (int) Math.round(rows * badShare);
      for (int i = 0; i < rows; i++) {
        String plant = i < bad ? " PLANT:" + plants.get(i % plants.size()) + " here" : "";
        sb.append("{\"text\": \"Scene ").append(i).append(" about a small everyday problem").append(plant).append(".\"}\n");
      }
      Files.writeString(scenes, sb);
      BuildOptions o = new BuildOptions();
      o.dir = dir.resolve("build");
      o.config = yaml;
      o.n = rows;
      o.seed = 1L;
      o.seedScenes = scenes;
      o.generators = List.of("gen-a", "gen-b", "gen-c");
      o.verifiers = List.of("ver");
      o.judges = List.of("judge-a", "judge-b");
      o.concurrency = concurrency;
      o.orderDims = orderDims;
      StringWriter sink = new StringWriter();
      long t0 = System.nanoTime();
      new BuildSession(o, new PrintWriter(sink), new PrintWriter(sink)).execute(BuildSession.Stages.RUN);
      double secs = (System.nanoTime() - t0) / 1e9;
      long requests = server.requests();
      List<BuildRow> out = BuildState.readRows(o.dir);
      int passed = (int) out.stream().filter(r -> r.status.equals(BuildRow.REVIEW)).count();
      int rejected = (int) out.stream().filter(r -> r.status.equals(BuildRow.REJECTED)).count();
      int failed = (int) out.stream().filter(r -> r.status.equals(BuildRow.FAILED)).count();
      out.stream().filter(r -> r.status.equals(BuildRow.FAILED)).map(r -> r.reasons.toString()).distinct().limit(3)
          .forEach(m -> System.err.println("knob bench build: failed row: " + m));
      // the re-run: rows are done, so nothing is processed; force the cache path by clearing the statuses
      for (BuildRow r : out) if (!r.status.equals(BuildRow.FAILED)) {
        r.stage = BuildRow.PLAN;
        r.status = BuildRow.PENDING;
      }
      BuildState.writeRows(o.dir, out);
      long t1 = System.nanoTime();
      new BuildSession(o, new PrintWriter(sink), new PrintWriter(sink)).execute(BuildSession.Stages.RUN);
      double rerun = (System.nanoTime() - t1) / 1e9;
      return new Result(rows, passed, rejected, failed, requests, secs, rerun, server.requests() - requests, concurrency,
          latencyMs, orderDims);
    } finally {
      try (var s = Files.walk(dir)) {
        for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
      }
    }
  }

  public static String markdownHeader() {
    return "| rows | latency/request | rows in flight | order dims | passed / rejected / failed | HTTP requests | requests per"
        + " passed row | wall (s) | rows/minute | re-run from cache (s) | re-run requests |\n"
        + "|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|\n";
  }

  public static String markdownRow(Result r) {
    return String.format("| %d | %d ms | %d | %s | %d / %d / %d | %,d | %.1f | %.1f | %,.0f | %.1f | %d |%n", r.rows(),
        r.latencyMs(), r.concurrency(), r.orderDims(), r.passed(), r.rejected(), r.failed(), r.requests(),
        r.requestsPerPassed(), r.seconds(), r.rowsPerMinute(), r.rerunSeconds(), r.rerunRequests());
  }
}
