package io.personaknob.lm.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personaknob.lm.testing.FakeLanguageModel;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP layer against a real server on an ephemeral loopback port, with a test-only model whose
 * tokens and log-probabilities follow a closed formula ({@link FakeLanguageModel}): after byte t the
 * greedy next byte is t+1.
 */
class OpenAiServerTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient CLIENT = HttpClient.newHttpClient();

  @TempDir static Path dir;
  static FakeLanguageModel model;
  static OpenAiServer server;

  @BeforeAll
  static void start() throws IOException {
    model = new FakeLanguageModel(dir, 64, 0);
    server = new OpenAiServer(model, "fake", "127.0.0.1", 0).start();
  }

  @AfterAll
  static void stop() {
    server.stop(0);
    model.close();
  }

  record Reply(int status, JsonNode body) {}

  static Reply send(OpenAiServer s, String method, String path, String body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path));
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) b.header("Content-Type", "application/json");
    HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), JSON.readTree(r.body()));
  }

  static Reply post(String path, String body) throws IOException, InterruptedException {
    return send(server, "POST", path, body);
  }

  @Test
  void listsTheModel() throws Exception {
    Reply r = send(server, "GET", "/v1/models", null);
    assertEquals(200, r.status());
    assertEquals("list", r.body().path("object").asText());
    assertEquals("fake", r.body().path("data").path(0).path("id").asText());
    assertEquals("model", r.body().path("data").path(0).path("object").asText());
    assertEquals(200, send(server, "GET", "/v1/models/fake", null).status());
    assertEquals(404, send(server, "GET", "/v1/models/other", null).status());
    assertTrue(server.baseUrl().toString().matches("http://127\\.0\\.0\\.1:\\d+/v1"), server.baseUrl().toString());
  }

  @Test
  void chatCompletionGreedyWithUsageAndLogprobs() throws Exception {
    Reply r = post("/v1/chat/completions", """
        {"model": "fake", "messages": [{"role": "user", "content": "ab"}],
         "temperature": 0, "max_tokens": 5, "logprobs": true, "top_logprobs": 2}""");
    assertEquals(200, r.status(), r.body().toString());
    JsonNode b = r.body();
    assertEquals("chat.completion", b.path("object").asText());
    assertTrue(b.path("id").asText().startsWith("chatcmpl-"));
    assertEquals("fake", b.path("model").asText());
    JsonNode c = b.path("choices").path(0);
    assertEquals("assistant", c.path("message").path("role").asText());
    // The ChatML prompt ends "<|im_start|>assistant\n": after '\n' (10) come bytes 11, 12, 13, 14, 15.
    assertEquals("\u000b\u000c\r\u000e\u000f", c.path("message").path("content").asText());
    assertEquals("length", c.path("finish_reason").asText());
    // prompt tokens: <|im_start|> + "user\nab" (7) + <|im_end|> + "\n" + <|im_start|> + "assistant\n" (10)
    assertEquals(21, b.path("usage").path("prompt_tokens").asInt());
    assertEquals(5, b.path("usage").path("completion_tokens").asInt());
    assertEquals(26, b.path("usage").path("total_tokens").asInt());

    JsonNode content = c.path("logprobs").path("content");
    assertEquals(5, content.size());
    // log-softmax of logits {5 at t+1, 0 elsewhere over 259 ids}: 5 - log(e^5 + 258)
    double chosen = 5 - Math.log(Math.exp(5) + 258);
    double other = 0 - Math.log(Math.exp(5) + 258);
    for (int i = 0; i < 5; i++) {
      JsonNode t = content.get(i);
      assertEquals(String.valueOf((char) (11 + i)), t.path("token").asText());
      assertEquals(11 + i, t.path("bytes").path(0).asInt());
      assertEquals(1, t.path("bytes").size());
      assertEquals(chosen, t.path("logprob").asDouble(), 1e-9);
      assertEquals(2, t.path("top_logprobs").size());
      assertEquals(t.path("token").asText(), t.path("top_logprobs").path(0).path("token").asText());
      assertEquals(other, t.path("top_logprobs").path(1).path("logprob").asDouble(), 1e-9);
    }
  }

  @Test
  void chatWithoutLogprobsHasNullLogprobsAndEosStops() throws Exception {
    // after '.', EOS has the highest logit: the prompt must end in '.', so use a completion prompt
    Reply r = post("/v1/completions", """
        {"model": "fake", "prompt": "end.", "temperature": 0, "max_tokens": 5}""");
    assertEquals(200, r.status(), r.body().toString());
    JsonNode c = r.body().path("choices").path(0);
    assertEquals("", c.path("text").asText());
    assertEquals("stop", c.path("finish_reason").asText());
    assertTrue(c.path("logprobs").isNull());
    assertEquals(4, r.body().path("usage").path("prompt_tokens").asInt());
    assertEquals(0, r.body().path("usage").path("completion_tokens").asInt());
  }

  @Test
  void completionWithStopAndLegacyLogprobs() throws Exception {
    Reply r = post("/v1/completions", """
        {"model": "fake", "prompt": "a", "temperature": 0, "max_tokens": 10, "stop": ["ef", "zz"], "logprobs": 2}""");
    assertEquals(200, r.status(), r.body().toString());
    JsonNode b = r.body();
    assertEquals("text_completion", b.path("object").asText());
    assertTrue(b.path("id").asText().startsWith("cmpl-"));
    JsonNode c = b.path("choices").path(0);
    assertEquals("bcd", c.path("text").asText()); // "bcdef" stops before "ef"
    assertEquals("stop", c.path("finish_reason").asText());
    JsonNode lp = c.path("logprobs");
    assertEquals(List.of("b", "c", "d", "e", "f"), strings(lp.path("tokens")));
    assertEquals(List.of(0, 1, 2, 3, 4), ints(lp.path("text_offset")));
    double chosen = 5 - Math.log(Math.exp(5) + 258);
    assertEquals(chosen, lp.path("token_logprobs").path(0).asDouble(), 1e-9);
    JsonNode top0 = lp.path("top_logprobs").path(0);
    assertEquals(2, top0.size());
    assertEquals(chosen, top0.path("b").asDouble(), 1e-9);
  }

  @Test
  void sameSeedSameSampleAndDefaultsApply() throws Exception {
    String req = """
        {"prompt": "a", "temperature": 1.5, "max_tokens": 24, "seed": %d}""";
    String a1 = post("/v1/completions", req.formatted(7)).body().path("choices").path(0).path("text").asText();
    String a2 = post("/v1/completions", req.formatted(7)).body().path("choices").path(0).path("text").asText();
    String b = post("/v1/completions", req.formatted(8)).body().path("choices").path(0).path("text").asText();
    assertEquals(a1, a2);
    assertNotEquals(a1, b); // 24 draws at temperature 1.5 over 259 ids: collisions are astronomically unlikely
    // completions default to 16 tokens, as in OpenAI's API
    Reply d = post("/v1/completions", "{\"prompt\": \"a\", \"temperature\": 0}");
    assertEquals(16, d.body().path("usage").path("completion_tokens").asInt());
    // max_completion_tokens is the newer name of max_tokens
    Reply m = post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"temperature\": 0, \"max_completion_tokens\": 3}");
    assertEquals(3, m.body().path("usage").path("completion_tokens").asInt());
  }

  @Test
  void badRequestsGetOpenAiErrorsAndTheServerKeepsServing() throws Exception {
    assertError(post("/v1/chat/completions", "{not json"), 400, null, "invalid_json");
    assertError(post("/v1/chat/completions", "[1, 2]"), 400, null, "invalid_json");
    assertError(post("/v1/chat/completions", "{\"model\": \"fake\"}"), 400, "messages", null);
    assertError(post("/v1/chat/completions", "{\"messages\": []}"), 400, "messages", null);
    assertError(post("/v1/chat/completions", "{\"messages\": [{\"role\": \"wizard\", \"content\": \"x\"}]}"), 400, "messages[0].role", null);
    assertError(post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\"}]}"), 400, "messages[0].content", null);
    String msgs = "\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]";
    assertError(post("/v1/chat/completions", "{" + msgs + ", \"temperature\": 3}"), 400, "temperature", null);
    assertError(post("/v1/chat/completions", "{" + msgs + ", \"temperature\": \"hot\"}"), 400, "temperature", null);
    assertError(post("/v1/chat/completions", "{" + msgs + ", \"top_p\": 0}"), 400, "top_p", null);
    assertError(post("/v1/chat/completions", "{" + msgs + ", \"top_p\": 1.5}"), 400, "top_p", null);
    assertError(post("/v1/chat/completions", "{" + msgs + ", \"max_tokens\": 0}"), 400, "max_tokens", null);
    assertError(post("/v1/chat/completions", "{" + msgs + ", \"max_tokens\": 2.5}"), 400, "max_tokens", null);
    assertError(post("/v1/chat/completions", "{" + msgs + ", \"top_logprobs\": 3}"), 400, "top_logprobs", null);
    assertError(post("/v1/chat/completions", "{" + msgs + ", \"logprobs\": true, \"top_logprobs\": 21}"), 400, "top_logprobs", null);
    assertError(post("/v1/chat/completions", "{" + msgs + ", \"n\": 9}"), 400, "n", null); // beyond the default --max-n 8
    assertError(post("/v1/chat/completions", "{" + msgs + ", \"stream\": 1}"), 400, "stream", null);
    assertError(post("/v1/chat/completions", "{" + msgs + ", \"response_format\": {\"type\": \"json_object\"}}"), 400,
        "response_format", null); // this model cannot constrain decoding
    assertError(post("/v1/chat/completions", "{" + msgs + ", \"stop\": 5}"), 400, "stop", null);
    assertError(post("/v1/chat/completions", "{" + msgs + ", \"seed\": \"x\"}"), 400, "seed", null);
    assertError(post("/v1/chat/completions", "{" + msgs + ", \"model\": \"gpt-9\"}"), 404, "model", "model_not_found");
    assertError(post("/v1/completions", "{\"prompt\": 3}"), 400, "prompt", null);
    assertError(post("/v1/completions", "{\"prompt\": \"x\", \"logprobs\": 6}"), 400, "logprobs", null);
    // context is 64 tokens: a 70-byte prompt cannot fit, nor can 60 + 10 requested
    assertError(post("/v1/completions", "{\"prompt\": \"" + "x".repeat(70) + "\", \"max_tokens\": 1}"), 400, "prompt", "context_length_exceeded");
    assertError(post("/v1/completions", "{\"prompt\": \"" + "x".repeat(60) + "\", \"max_tokens\": 10}"), 400, "prompt", "context_length_exceeded");
    assertError(send(server, "GET", "/v1/chat/completions", null), 405, null, "method_not_allowed");
    assertError(send(server, "GET", "/v2/nothing", null), 404, null, "not_found");
    // still serving
    assertEquals(200, send(server, "GET", "/v1/models", null).status());
    assertEquals(200, post("/v1/completions", "{\"prompt\": \"" + "x".repeat(60) + "\", \"max_tokens\": 4}").status());
  }

  static void assertError(Reply r, int status, String param, String code) {
    assertEquals(status, r.status(), r.body().toString());
    JsonNode e = r.body().path("error");
    assertTrue(e.path("message").isTextual() && !e.path("message").asText().isEmpty(), r.body().toString());
    assertTrue(e.has("type") && e.has("param") && e.has("code"), r.body().toString());
    if (param == null) assertTrue(e.path("param").isNull(), r.body().toString());
    else assertEquals(param, e.path("param").asText(), r.body().toString());
    if (code != null) assertEquals(code, e.path("code").asText(), r.body().toString());
  }

  @Test
  void concurrentRequestsAreAnsweredCorrectlyWithGenerationSerialisedAndBatched(@TempDir Path d) throws Exception {
    try (FakeLanguageModel slow = new FakeLanguageModel(d, 64, 40);
        OpenAiServer s = new OpenAiServer(slow, "slow", "127.0.0.1", 0).start()) {
      List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String body = "{\"prompt\": \"" + (char) ('a' + i) + "\", \"temperature\": 0, \"max_tokens\": 3}";
        futures.add(CLIENT.sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v1/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
      for (int i = 0; i < 8; i++) {
        HttpResponse<String> r = futures.get(i).join();
        assertEquals(200, r.statusCode());
        char c = (char) ('a' + i);
        String expected = "" + (char) (c + 1) + (char) (c + 2) + (char) (c + 3);
        assertEquals(expected, JSON.readTree(r.body()).path("choices").path(0).path("text").asText());
      }
      assertEquals(1, slow.maxActive.get()); // one generate call at a time
      assertEquals(8, slow.batchSizes.stream().mapToInt(Integer::intValue).sum()); // every request generated once
      assertTrue(slow.calls.get() < 8, "equal-parameter requests queued behind a busy model are batched: " + slow.batchSizes);
    }
  }

  @Test
  void onlyRequestsWithEqualSamplingParametersShareABatchAndBatchingDoesNotChangeResults(@TempDir Path d) throws Exception {
    try (FakeLanguageModel slow = new FakeLanguageModel(d, 64, 500);
        OpenAiServer s = new OpenAiServer(slow, "slow", "127.0.0.1", 0, 4).start()) {
      String sampled = "{\"prompt\": \"q\", \"temperature\": 1.5, \"seed\": 9, \"max_tokens\": 6}";
      String alone = send(s, "POST", "/v1/completions", sampled).body().path("choices").path(0).path("text").asText();
      int before = slow.calls.get();
      var busy = CLIENT.sendAsync(req(s, "{\"prompt\": \"z\", \"temperature\": 0, \"max_tokens\": 1}"), HttpResponse.BodyHandlers.ofString());
      while (slow.active.get() == 0) Thread.sleep(5);
      List<CompletableFuture<HttpResponse<String>>> greedy = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        // greedy requests with different seeds: the seed does not matter at temperature 0
        greedy.add(CLIENT.sendAsync(req(s, "{\"prompt\": \"" + (char) ('a' + i) + "\", \"temperature\": 0, \"max_tokens\": 2, \"seed\": " + i + "}"),
            HttpResponse.BodyHandlers.ofString()));
      }
      var mixed = CLIENT.sendAsync(req(s, sampled), HttpResponse.BodyHandlers.ofString());
      busy.join();
      for (int i = 0; i < 6; i++) {
        char c = (char) ('a' + i);
        assertEquals("" + (char) (c + 1) + (char) (c + 2),
            JSON.readTree(greedy.get(i).join().body()).path("choices").path(0).path("text").asText());
      }
      assertEquals(alone, JSON.readTree(mixed.join().body()).path("choices").path(0).path("text").asText());
      List<Integer> sizes = slow.batchSizes.subList(before, slow.batchSizes.size());
      assertEquals(1 + 6 + 1, sizes.stream().mapToInt(Integer::intValue).sum());
      assertTrue(sizes.stream().allMatch(n -> n <= 4), "batches are capped at 4: " + sizes);
      assertTrue(sizes.size() < 8, "the six greedy requests were batched: " + sizes);
    }
  }

  static HttpRequest req(OpenAiServer s, String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v1/completions"))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  @Test
  void gracefulShutdownFinishesTheRequestInFlight(@TempDir Path d) throws Exception {
    FakeLanguageModel slow = new FakeLanguageModel(d, 64, 600);
    OpenAiServer s = new OpenAiServer(slow, "slow", "127.0.0.1", 0).start();
    int port = s.port();
    var inFlight = CLIENT.sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/completions"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"a\", \"temperature\": 0, \"max_tokens\": 2}")).build(),
        HttpResponse.BodyHandlers.ofString());
    while (slow.active.get() == 0) Thread.sleep(5); // the request is generating
    s.stop(10);
    HttpResponse<String> r = inFlight.join();
    assertEquals(200, r.statusCode());
    assertEquals("bc", JSON.readTree(r.body()).path("choices").path(0).path("text").asText());
    assertThrows(ConnectException.class, () -> CLIENT.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models")).build(),
        HttpResponse.BodyHandlers.ofString()));
    slow.close();
  }

  @Test
  void stopCancelsQueuedGenerationsAndReturnsOnlyWhenTheModelIsIdle(@TempDir Path d) throws Exception {
    FakeLanguageModel slow = new FakeLanguageModel(d, 64, 800);
    OpenAiServer s = new OpenAiServer(slow, "slow", "127.0.0.1", 0).start();
    List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      fs.add(CLIENT.sendAsync(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v1/completions"))
              .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"a\", \"max_tokens\": 1}")).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    while (slow.active.get() == 0) Thread.sleep(5); // one generating, the others queued (or arriving)
    s.stop(0); // no grace: the queued requests are dropped
    assertEquals(0, slow.active.get()); // the model is idle: its owner may close it now
    assertEquals(1, slow.calls.get());  // queued generations never started
    for (var f : fs) f.handle((r, e) -> null).join(); // every client gets an answer or a closed connection
    slow.close();
  }

  @Test
  void chatTemplateKwargsToolsAndRaiseExceptionReachTheTemplate(@TempDir Path d) throws Exception {
    // Qwen3's real template over the byte-level vocabulary (which has <|im_start|> and <|im_end|>).
    String qwen = new ObjectMapper().readTree(io.personaknob.lm.testing.Shared.qwen3().resolve("tokenizer_config.json").toFile())
        .path("chat_template").asText();
    try (FakeLanguageModel m = new FakeLanguageModel(d, 512, 0, qwen);
        OpenAiServer s = new OpenAiServer(m, "q", "127.0.0.1", 0).start()) {
      String msgs = "\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 1";
      int plain = send(s, "POST", "/v1/chat/completions", "{" + msgs + "}").body().path("usage").path("prompt_tokens").asInt();
      int noThink = send(s, "POST", "/v1/chat/completions", "{" + msgs + ", \"chat_template_kwargs\": {\"enable_thinking\": false}}")
          .body().path("usage").path("prompt_tokens").asInt();
      // the template adds '<think>\n\n</think>\n\n' (19 bytes, one token each) when enable_thinking is false
      assertEquals(plain + 19, noThink);
      // <|im_start|> "user\nHi" <|im_end|> "\n" <|im_start|> "assistant\n"
      assertEquals(1 + 7 + 1 + 1 + 1 + 10, plain);
      int withTools = send(s, "POST", "/v1/chat/completions", "{" + msgs
          + ", \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}]}").body().path("usage").path("prompt_tokens").asInt();
      assertTrue(withTools > plain + 100, "tools block rendered: " + withTools);
    }
    String strict = "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('System role not supported') }}"
        + "{% endif %}{{ m.content }}{% endfor %}";
    try (FakeLanguageModel m = new FakeLanguageModel(d.resolve("strict"), 64, 0, strict);
        OpenAiServer s = new OpenAiServer(m, "g", "127.0.0.1", 0).start()) {
      Reply r = send(s, "POST", "/v1/chat/completions", "{\"messages\": [{\"role\": \"system\", \"content\": \"x\"}]}");
      assertError(r, 400, null, null);
      assertTrue(r.body().path("error").path("message").asText().contains("System role not supported"), r.body().toString());
    }
  }

  static List<String> strings(JsonNode a) {
    List<String> out = new ArrayList<>();
    a.forEach(x -> out.add(x.asText()));
    return out;
  }

  static List<Integer> ints(JsonNode a) {
    List<Integer> out = new ArrayList<>();
    a.forEach(x -> out.add(x.asInt()));
    return out;
  }
}
