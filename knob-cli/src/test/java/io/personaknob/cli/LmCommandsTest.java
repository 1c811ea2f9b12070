package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `knob generate`, `knob model score` and `knob serve` on a tiny random Llama made by `knob model init` (byte-level tokenizer). */
class LmCommandsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static Path model;

  @BeforeAll
  static void makeModel() {
    model = tmp.resolve("tiny-llama");
    Cli init = Cli.run("model", "init", "--arch", "llama", "--size", "tiny", "--tokenizer", "bytes", "--context", "128",
        "--seed", "21", "--out", model.toString());
    assertEquals(0, init.code(), init.err());
  }

  @Test
  void generateIsDeterministicForAFixedSeedAndValidatesFlags() {
    Cli a = Cli.run("generate", "--model", model.toString(), "--prompt", "Hello", "--max-tokens", "12", "--temperature", "0.8", "--seed", "3");
    Cli b = Cli.run("generate", "--model", model.toString(), "--prompt", "Hello", "--max-tokens", "12", "--temperature", "0.8", "--seed", "3");
    assertEquals(0, a.code(), a.err());
    assertEquals(a.out(), b.out());
    assertTrue(a.err().contains("5 prompt tokens"), a.err()); // "Hello": 5 bytes, no BOS added
    Cli chat = Cli.run("generate", "--model", model.toString(), "--prompt", "Hi", "--chat", "--system", "S", "--max-tokens", "4");
    assertEquals(0, chat.code(), chat.err());
    // ChatML: <|im_start|> "system\nS" <|im_end|> "\n" <|im_start|> "user\nHi" <|im_end|> "\n" <|im_start|> "assistant\n"
    assertTrue(chat.err().contains((1 + 8 + 1 + 1 + 1 + 7 + 1 + 1 + 1 + 10) + " prompt tokens"), chat.err());

    assertEquals(2, Cli.run("generate", "--model", model.toString(), "--prompt", "x", "--temperature", "-1").code());
    assertEquals(2, Cli.run("generate", "--model", model.toString(), "--prompt", "x", "--top-p", "0").code());
    assertEquals(2, Cli.run("generate", "--model", model.toString(), "--prompt", "x", "--system", "s").code());
    Cli missing = Cli.run("generate", "--model", tmp.resolve("nope").toString(), "--prompt", "x");
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("nope"), missing.err());
  }

  @Test
  void scoreObeysTheChainRuleAndBatchingDoesNotChangeResults() throws Exception {
    Path in = tmp.resolve("pairs.jsonl");
    Files.writeString(in, """
        {"id": "a", "prompt": "Hello", "completion": " world, how"}
        {"id": "b", "prompt": "Hello", "completion": " world"}

        {"id": "c", "prompt": "Hello world", "completion": ", how"}
        """);
    Path out1 = tmp.resolve("scores1.jsonl");
    Path out16 = tmp.resolve("scores16.jsonl");
    Cli r = Cli.run("model", "score", "--model", model.toString(), "--input", in.toString(), "-o", out1.toString(), "--batch-size", "1");
    assertEquals(0, r.code(), r.err());
    assertEquals(0, Cli.run("model", "score", "--model", model.toString(), "--input", in.toString(), "-o", out16.toString()).code());
    List<JsonNode> s1 = lines(out1);
    List<JsonNode> s16 = lines(out16);
    assertEquals(3, s1.size());
    assertEquals(List.of("a", "b", "c"), s1.stream().map(n -> n.path("id").asText()).toList());
    for (int i = 0; i < 3; i++) {
      JsonNode n = s1.get(i);
      // byte-level tokenizer: one token per UTF-8 byte of the completion
      assertEquals(n.path("completion").asText().getBytes(java.nio.charset.StandardCharsets.UTF_8).length, n.path("tokens").asInt());
      assertEquals(n.path("sum_logprob").asDouble() / n.path("tokens").asInt(), n.path("mean_logprob").asDouble(), 1e-9);
      assertTrue(n.path("sum_logprob").asDouble() < 0);
      assertEquals(n.path("sum_logprob").asDouble(), s16.get(i).path("sum_logprob").asDouble(), 1e-4);
    }
    // log p(" world, how" | "Hello") = log p(" world" | "Hello") + log p(", how" | "Hello world")
    assertEquals(
        s1.get(0).path("sum_logprob").asDouble(),
        s1.get(1).path("sum_logprob").asDouble() + s1.get(2).path("sum_logprob").asDouble(),
        1e-3);
  }

  @Test
  void scoreTakesPreferencePairsAndReportsTheMarginAsTrlDoes() throws Exception {
    // the pair format knob data pairs writes (TRL's prompt/chosen/rejected), beside the completion format
    Path pairs = tmp.resolve("dpo-pairs.jsonl");
    Files.writeString(pairs, """
        {"row_id": "r1", "dimension": "A", "prompt": "Hello", "chosen": " world, how", "rejected": " there"}
        {"row_id": "r2", "dimension": "E", "prompt": "Hi", "chosen": "!", "rejected": " you, fine"}
        """);
    Path singles = tmp.resolve("dpo-singles.jsonl");
    Files.writeString(singles, """
        {"prompt": "Hello", "completion": " world, how"}
        {"prompt": "Hello", "completion": " there"}
        {"prompt": "Hi", "completion": "!"}
        {"prompt": "Hi", "completion": " you, fine"}
        """);
    Path outP = tmp.resolve("dpo-pairs-scored.jsonl");
    Path outS = tmp.resolve("dpo-singles-scored.jsonl");
    Cli r = Cli.run("model", "score", "--model", model.toString(), "--input", pairs.toString(), "-o", outP.toString(), "--batch-size", "3");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("scored 2 lines (4 completions)"), r.err());
    assertEquals(0, Cli.run("model", "score", "--model", model.toString(), "--input", singles.toString(), "-o", outS.toString()).code());
    List<JsonNode> p = lines(outP);
    List<JsonNode> s = lines(outS);
    assertEquals(2, p.size());
    for (int i = 0; i < 2; i++) {
      JsonNode row = p.get(i);
      JsonNode c = s.get(2 * i);
      JsonNode rj = s.get(2 * i + 1);
      assertEquals(c.path("sum_logprob").asDouble(), row.path("chosen_sum_logprob").asDouble(), 1e-4);
      assertEquals(rj.path("sum_logprob").asDouble(), row.path("rejected_sum_logprob").asDouble(), 1e-4);
      assertEquals(c.path("mean_logprob").asDouble(), row.path("chosen_mean_logprob").asDouble(), 1e-4);
      assertEquals(rj.path("mean_logprob").asDouble(), row.path("rejected_mean_logprob").asDouble(), 1e-4);
      // byte-level tokenizer: one token per byte
      assertEquals(row.path("chosen").asText().length(), row.path("chosen_tokens").asInt());
      assertEquals(row.path("rejected").asText().length(), row.path("rejected_tokens").asInt());
      // TRL's margin: chosen minus rejected summed log-probability
      assertEquals(row.path("chosen_sum_logprob").asDouble() - row.path("rejected_sum_logprob").asDouble(), row.path("margin").asDouble(), 1e-9);
      assertFalse(row.has("sum_logprob"));
    }
    assertEquals("r1", p.get(0).path("row_id").asText()); // the input fields are kept
    // a pair without its rejected answer names the field
    Files.writeString(pairs, "{\"prompt\": \"a\", \"chosen\": \"b\"}\n");
    r = Cli.run("model", "score", "--model", model.toString(), "--input", pairs.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains(pairs + ":1: field 'rejected': missing"), r.err());
    Files.writeString(pairs, "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": 3}\n");
    r = Cli.run("model", "score", "--model", model.toString(), "--input", pairs.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains(pairs + ":1: field 'rejected': not a string (a number)"), r.err());
  }

  @Test
  void scoreReportsFileLineAndFieldAndWritesNothingOnError() throws Exception {
    Path in = tmp.resolve("bad.jsonl");
    Path out = tmp.resolve("bad-out.jsonl");
    Files.writeString(in, "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"a\"}\n");
    Cli r = Cli.run("model", "score", "--model", model.toString(), "--input", in.toString(), "-o", out.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains(in + ":2: field 'completion': missing"), r.err());
    assertFalse(Files.exists(out));
    Files.writeString(in, "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"a\", \"completion\": \n");
    r = Cli.run("model", "score", "--model", model.toString(), "--input", in.toString(), "-o", out.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains(in + ":2: invalid JSON"), r.err());
    Files.writeString(in, "{\"prompt\": \"a\", \"completion\": \"" + "z".repeat(200) + "\"}\n");
    r = Cli.run("model", "score", "--model", model.toString(), "--input", in.toString(), "-o", out.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains(in + ":1: prompt + completion have 201 tokens, more than the model's context of 128"), r.err());
    assertFalse(Files.exists(out));
    try (var files = Files.list(tmp)) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")));
    }
  }

  @Test
  void serveAnswersOverLoopbackAndStopsOnSignal() throws Exception {
    CommandLine cl = Knob.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    ServeCommand serve = (ServeCommand) cl.getSubcommands().get("serve").getCommand();
    AtomicInteger code = new AtomicInteger(-1);
    Thread t = new Thread(() -> code.set(cl.execute("serve", "--model", model.toString(), "--port", "0", "--name", "tiny")));
    t.start();
    Pattern url = Pattern.compile("ready at (http://127\\.0\\.0\\.1:\\d+/v1)");
    Matcher m = url.matcher("");
    long deadline = System.currentTimeMillis() + 60_000;
    while (!(m = url.matcher(out.toString())).find()) {
      assertTrue(t.isAlive(), "serve exited: " + err);
      assertTrue(System.currentTimeMillis() < deadline, "serve did not become ready: " + out + err);
      Thread.sleep(20);
    }
    HttpClient client = HttpClient.newHttpClient();
    HttpResponse<String> models = client.send(HttpRequest.newBuilder(URI.create(m.group(1) + "/models")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, models.statusCode());
    assertEquals("tiny", JSON.readTree(models.body()).path("data").path(0).path("id").asText());
    HttpResponse<String> chat = client.send(HttpRequest.newBuilder(URI.create(m.group(1) + "/chat/completions"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"tiny\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 3}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, chat.statusCode(), chat.body());
    serve.stopSignal.countDown();
    t.join(30_000);
    assertEquals(0, code.get(), err.toString());
    assertTrue(err.toString().contains("stopped after 2 requests"), err.toString());
  }

  static List<JsonNode> lines(Path p) throws Exception {
    return Files.readAllLines(p).stream().filter(s -> !s.isBlank()).map(s -> {
      try {
        return JSON.readTree(s);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }).toList();
  }
}
