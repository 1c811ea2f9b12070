package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.core.data.Dimension;
import io.personaknob.llm.Json;
import io.personaknob.llm.bench.LoopbackChatServer;
import io.personaknob.llm.judge.JudgeItem;
import io.personaknob.llm.judge.JudgingProtocol;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code knob judge} end to end against a loopback OpenAI-compatible server. */
class JudgeCommandTest {

  static Path config(Path dir, String baseUrl, String keyEnv) throws Exception {
    Path f = dir.resolve("knob.yaml");
    Files.writeString(f, """
        providers:
          local:
            base_url: %s
        %s
        models:
          judge-a:
            provider: local
            model: tiny
          judge-b:
            provider: local
            model: tiny-2
            top_logprobs: 3
        """.formatted(baseUrl, keyEnv == null ? "" : "    api_key_env: " + keyEnv));
    return f;
  }

  static Path items(Path dir, int n) throws Exception {
    Path f = dir.resolve("items.jsonl");
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++)
      sb.append(Json.write(Json.MAPPER.createObjectNode().put("id", "q" + i).put("prompt", "Is the moon made of cheese? #" + i)
          .put("answer", i % 2 == 0 ? "GOOD: no, it is rock." : "Yes, it is.")
          .put("other_answer", i % 2 == 0 ? "Yes, it is." : "GOOD: no, it is rock."))).append('\n');
    Files.writeString(f, sb.toString());
    return f;
  }

  static List<JsonNode> lines(Path f) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String l : Files.readAllLines(f)) out.add(Json.read(l));
    return out;
  }

  @Test
  void pointwiseWritesOneLinePerItemDimensionJudgeAndRerunsFromTheCache(@TempDir Path dir) throws Exception {
    try (LoopbackChatServer server = new LoopbackChatServer()) {
      Path cfg = config(dir, server.baseUrl(), null);
      Path in = items(dir, 5);
      Path out = dir.resolve("out.jsonl");
      String[] args = {"judge", "--config", cfg.toString(), "--store", dir.resolve("store.sqlite").toString(),
          "--judges", "judge-a,judge-b", "--input", in.toString(), "--dimensions", "A,T", "--mode", "pointwise",
          "--out", out.toString()};
      Cli r = Cli.run(args);
      assertEquals(0, r.code(), r.err());
      List<JsonNode> ls = lines(out);
      assertEquals(5 * 2 * 2, ls.size());
      int k = 0;
      for (int i = 0; i < 5; i++)
        for (Dimension d : List.of(Dimension.A, Dimension.T))
          for (String j : List.of("judge-a", "judge-b")) {
            JsonNode l = ls.get(k++);
            assertEquals("q" + i, l.path("id").asText());
            assertEquals(d.name(), l.path("dimension").asText());
            assertEquals(j, l.path("judge").asText());
            String user = JudgingProtocol.pointwisePrompt(new JudgeItem("q" + i, "Is the moon made of cheese? #" + i,
                i % 2 == 0 ? "GOOD: no, it is rock." : "Yes, it is.", null), d).get(1).content();
            assertEquals(LoopbackChatServer.ratingFor(user), l.path("rating").asInt());
            assertEquals(j.equals("judge-b"), l.has("expected"), "expected score only where logprobs were asked");
          }
      assertEquals(20, server.requests());
      JsonNode prov = Json.read(Files.readString(dir.resolve("out.jsonl.provenance.json")));
      assertEquals(io.personaknob.core.Provenance.sha256(in), prov.path("provenance").path("data_hashes").path("input").asText());
      assertEquals("[judge-a, judge-b]", prov.path("provenance").path("config").path("judges").toString().replace("\"", "").replace(",", ", "));
      assertEquals(20, prov.path("calls").path("made").asInt());
      String first = Files.readString(out);
      Cli again = Cli.run(args);
      assertEquals(0, again.code(), again.err());
      assertEquals(20, server.requests(), "the re-run is served from the run store");
      assertEquals(first, Files.readString(out));
      assertTrue(again.err().contains("0 replies, 20 from cache, 0 failed after retries (0 HTTP requests in all)"), again.err());
    }
  }

  @Test
  void pairwiseWithSwapPrefersTheGoodAnswerWhicheverSideItIsOn(@TempDir Path dir) throws Exception {
    try (LoopbackChatServer server = new LoopbackChatServer()) {
      Path out = dir.resolve("pw.jsonl");
      Cli r = Cli.run("judge", "--config", config(dir, server.baseUrl(), null).toString(), "--store",
          dir.resolve("s.sqlite").toString(), "--judges", "judge-a", "--input", items(dir, 6).toString(),
          "--dimensions", "C", "--mode", "pairwise", "--swap", "--seed", "3", "--out", out.toString(),
          "--export-parquet", dir.resolve("pq").toString());
      assertEquals(0, r.code(), r.err());
      List<JsonNode> ls = lines(out);
      assertEquals(6, ls.size());
      for (int i = 0; i < 6; i++) {
        assertEquals(i % 2 == 0 ? "answer" : "other_answer", ls.get(i).path("preferred").asText());
        assertTrue(ls.get(i).path("consistent").asBoolean());
      }
      assertEquals(12, server.requests());
      assertTrue(Files.size(dir.resolve("pq/judgments.parquet")) > 0);
    }
  }

  @Test
  void badInputFailsBeforeAnyCallAndWritesNothing(@TempDir Path dir) throws Exception {
    try (LoopbackChatServer server = new LoopbackChatServer()) {
      Path cfg = config(dir, server.baseUrl(), null);
      Path in = dir.resolve("bad.jsonl");
      Files.writeString(in, "{\"id\": \"a\", \"prompt\": \"p\", \"answer\": \"x\"}\n{\"id\": \"b\", \"answer\": \"y\"}\n");
      Path out = dir.resolve("out.jsonl");
      Cli r = Cli.run("judge", "--config", cfg.toString(), "--store", dir.resolve("s.sqlite").toString(), "--judges", "judge-a",
          "--input", in.toString(), "--out", out.toString());
      assertEquals(1, r.code());
      assertEquals("knob: " + in + " line 2: field 'prompt': missing", r.err().strip());
      assertFalse(Files.exists(out));

      Cli pw = Cli.run("judge", "--config", cfg.toString(), "--store", dir.resolve("s.sqlite").toString(), "--judges", "judge-a",
          "--input", items(dir, 2).toString().replace("items.jsonl", "items.jsonl"), "--mode", "pairwise", "--out", out.toString());
      assertEquals(0, pw.code(), pw.err()); // items() has other_answer
      Files.delete(out);

      Cli unknownJudge = Cli.run("judge", "--config", cfg.toString(), "--judges", "judge-z", "--input", in.toString(),
          "--out", out.toString());
      assertEquals(1, unknownJudge.code());
      assertTrue(unknownJudge.err().contains("unknown model 'judge-z' (known: judge-a, judge-b)"), unknownJudge.err());

      Cli badDim = Cli.run("judge", "--config", cfg.toString(), "--judges", "judge-a", "--input", in.toString(),
          "--dimensions", "A,X", "--out", out.toString());
      assertEquals(2, badDim.code());
      assertTrue(badDim.err().contains("unknown dimension 'X'"), badDim.err());
      assertEquals(2 * 4, server.requests(), "only the valid pairwise run (2 items x 4 dimensions) called the server");
    }
  }

  @Test
  void refusedEndpointIsAClearErrorAndDryRunCallsNothing(@TempDir Path dir) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path cfg = config(dir, "http://127.0.0.1:" + port + "/v1", null);
    Path in = items(dir, 3);
    Path out = dir.resolve("o.jsonl");
    Cli r = Cli.run("judge", "--config", cfg.toString(), "--store", dir.resolve("s.sqlite").toString(), "--judges", "judge-a",
        "--input", in.toString(), "--out", out.toString());
    assertEquals(1, r.code());
    assertEquals("knob: provider 'local': cannot connect to http://127.0.0.1:" + port + "/v1 (connection refused)", r.err().strip());
    assertFalse(Files.exists(out));

    Cli dry = Cli.run("judge", "--config", cfg.toString(), "--store", dir.resolve("s.sqlite").toString(), "--judges",
        "judge-a,judge-b", "--input", in.toString(), "--dimensions", "E", "--dry-run");
    assertEquals(0, dry.code(), dry.err());
    assertTrue(dry.out().contains("call 6: judge-b item=q2 dimension=E pointwise"), dry.out());
    assertTrue(dry.out().contains("dry run: 6 planned calls, 0 already cached, 6 to make"), dry.out());
    assertTrue(dry.out().contains("estimated cost: at most 0.000000"), dry.out());

    // planning needs no key: a provider whose key variable is unset still gets its dry run, with a note
    Path keyed = config(Files.createDirectories(dir.resolve("keyed")), "http://127.0.0.1:" + port + "/v1", "KNOB_TEST_UNSET_KEY_VAR");
    Cli dryKeyed = Cli.run("judge", "--config", keyed.toString(), "--store", dir.resolve("s2.sqlite").toString(),
        "--judges", "judge-a", "--input", in.toString(), "--dimensions", "E", "--dry-run");
    assertEquals(0, dryKeyed.code(), dryKeyed.err());
    assertTrue(dryKeyed.out().contains("dry run: 3 planned calls"), dryKeyed.out());
    assertTrue(dryKeyed.out().contains("note: KNOB_TEST_UNSET_KEY_VAR is not set; the real run needs it"), dryKeyed.out());
    // the real run still refuses, naming the variable
    Cli realKeyed = Cli.run("judge", "--config", keyed.toString(), "--store", dir.resolve("s2.sqlite").toString(),
        "--judges", "judge-a", "--input", in.toString(), "--dimensions", "E", "--out", dir.resolve("k.jsonl").toString());
    assertEquals(1, realKeyed.code());
    assertTrue(realKeyed.err().contains("KNOB_TEST_UNSET_KEY_VAR, which is not set"), realKeyed.err());
  }

  /** The real process: a planted key in the environment must appear in no output, file or store. */
  @Test
  void plantedKeyAppearsNowhere(@TempDir Path dir) throws Exception {
    String key = "sk-PLANTED-cli-93e1c0ffee42";
    try (LoopbackChatServer server = new LoopbackChatServer()) {
      Path cfg = config(dir, server.baseUrl(), "KNOB_TEST_API_KEY");
      Path in = items(dir, 3);
      Path out = dir.resolve("out.jsonl");
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
          System.getProperty("java.class.path"), "io.personaknob.cli.Knob", "--verbose", "judge",
          "--judges", "judge-a", "--input", in.toString(), "--dimensions", "A", "--out", out.toString(),
          "--store", dir.resolve("store.sqlite").toString(), "--export-parquet", dir.resolve("pq").toString());
      pb.environment().put("KNOB_TEST_API_KEY", key);
      pb.environment().put("KNOB_CONFIG", cfg.toString());
      pb.directory(dir.toFile());
      pb.redirectOutput(dir.resolve("stdout.txt").toFile());
      pb.redirectError(dir.resolve("stderr.txt").toFile());
      Process p = pb.start();
      assertTrue(p.waitFor(120, TimeUnit.SECONDS));
      assertEquals(0, p.exitValue(), Files.readString(dir.resolve("stderr.txt")));
      assertEquals(3, lines(out).size());
      assertEquals(3, server.requests());
      // Without the variable: the variable is named, no call is made.
      pb.environment().remove("KNOB_TEST_API_KEY");
      pb.redirectError(dir.resolve("stderr2.txt").toFile());
      Process p2 = pb.start();
      assertTrue(p2.waitFor(120, TimeUnit.SECONDS));
      assertEquals(1, p2.exitValue());
      assertTrue(Files.readString(dir.resolve("stderr2.txt")).contains("KNOB_TEST_API_KEY, which is not set"));
      assertEquals(3, server.requests());
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList())
        assertFalse(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(key), f + " holds the key");
    }
  }

  /** The real process, stopped by a signal mid-run, then resumed: no finished call is made twice. */
  @Test
  void interruptedRunResumesWithoutRepeatingFinishedCalls(@TempDir Path dir) throws Exception {
    java.util.Map<String, Integer> seen = new java.util.concurrent.ConcurrentHashMap<>();
    com.sun.net.httpserver.HttpServer slow = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 64);
    slow.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    slow.createContext("/v1/chat/completions", ex -> {
      try (ex) {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        seen.merge(body, 1, Integer::sum);
        Thread.sleep(150);
        byte[] b = LoopbackChatServer.reply(Json.read(body)).getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, b.length);
        ex.getResponseBody().write(b);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    slow.start();
    try {
      Path yaml = dir.resolve("knob.yaml");
      Files.writeString(yaml, """
          providers:
            slow: {base_url: "http://127.0.0.1:%d/v1", max_in_flight: 2}
          models:
            judge-a: {provider: slow, model: tiny}
          """.formatted(slow.getAddress().getPort()));
      Path in = items(dir, 30);
      Path out = dir.resolve("out.jsonl");
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
          System.getProperty("java.class.path"), "io.personaknob.cli.Knob", "judge", "--config", yaml.toString(),
          "--judges", "judge-a", "--input", in.toString(), "--dimensions", "A", "--out", out.toString(),
          "--store", dir.resolve("store.sqlite").toString());
      pb.redirectErrorStream(true);
      pb.redirectOutput(dir.resolve("log1.txt").toFile());
      Process p = pb.start();
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (seen.size() < 8 && System.nanoTime() < deadline) Thread.sleep(20);
      assertTrue(seen.size() >= 8, "the run got going");
      p.destroy(); // SIGTERM: the shutdown hook cancels the client
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      assertTrue(p.exitValue() != 0);
      assertFalse(Files.exists(out), "no partial output");
      String log1 = Files.readString(dir.resolve("log1.txt"));
      assertTrue(log1.contains("knob judge: interrupted;") && log1.contains("Re-run the same command to resume"), log1);
      // progress counts finished judgments only: never more than the interrupted line reports, never "30/30"
      Matcher fin = Pattern.compile("interrupted; (\\d+) of 30 judgments finished").matcher(log1);
      assertTrue(fin.find(), log1);
      int finishedFirst = Integer.parseInt(fin.group(1));
      assertTrue(finishedFirst < 30, log1);
      Matcher prog = Pattern.compile("(\\d+)/30 judged").matcher(log1);
      while (prog.find()) assertTrue(Integer.parseInt(prog.group(1)) <= finishedFirst, "progress ahead of the finished count: " + log1);
      int firstRun = seen.size();
      assertTrue(firstRun < 30, "stopped before the end: " + firstRun);

      pb.redirectOutput(dir.resolve("log2.txt").toFile());
      Process p2 = pb.start();
      assertTrue(p2.waitFor(120, TimeUnit.SECONDS));
      assertEquals(0, p2.exitValue(), Files.readString(dir.resolve("log2.txt")));
      assertEquals(30, lines(out).size());
      assertEquals(30, seen.size());
      // A call the first run finished (and stored) is not made again; only calls cut off in flight may repeat.
      long repeated = seen.values().stream().filter(n -> n > 1).count();
      assertTrue(repeated <= 2, "at most the in-flight calls (max_in_flight 2) repeat: " + repeated);
      String log2 = Files.readString(dir.resolve("log2.txt"));
      assertTrue(log2.contains("from cache"), log2);
    } finally {
      slow.stop(0);
    }
  }
}
