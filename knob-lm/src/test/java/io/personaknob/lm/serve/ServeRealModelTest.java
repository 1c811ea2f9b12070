package io.personaknob.lm.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.LanguageModels;
import io.personaknob.lm.SequenceScore;
import io.personaknob.lm.testing.TinyModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end with a real tiny random Llama in Hub layout (byte-level tokenizer, ChatML template),
 * loaded by {@link LanguageModels#load} and served over loopback.
 */
class ServeRealModelTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient CLIENT = HttpClient.newHttpClient();

  @TempDir static Path dir;
  static DjlLanguageModel model;
  static OpenAiServer server;

  @BeforeAll
  static void start() throws Exception {
    TinyModels.create(dir, "llama", 96, 11);
    model = LanguageModels.load(dir, "cpu");
    server = new OpenAiServer(model, "tiny-llama", "127.0.0.1", 0).start();
  }

  @AfterAll
  static void stop() {
    if (server != null) server.stop(0);
    if (model != null) model.close();
  }

  static JsonNode post(String path, String body, int expectStatus) throws Exception {
    HttpResponse<String> r = CLIENT.send(
        HttpRequest.newBuilder(URI.create(server.baseUrl() + path.substring(3)))
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(expectStatus, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  @Test
  void chatLogprobsAgreeWithScoringTheSameTokens() throws Exception {
    JsonNode b = post("/v1/chat/completions", """
        {"model": "tiny-llama", "messages": [{"role": "user", "content": "Hi"}],
         "temperature": 0, "max_tokens": 8, "logprobs": true, "top_logprobs": 3}""", 200);
    // "<|im_start|>" + "user\nHi" (7 bytes) + "<|im_end|>" + "\n" + "<|im_start|>" + "assistant\n" (10 bytes)
    assertEquals(21, b.path("usage").path("prompt_tokens").asInt());
    JsonNode content = b.path("choices").path(0).path("logprobs").path("content");
    int n = b.path("usage").path("completion_tokens").asInt();
    assertEquals(n, content.size());
    assertTrue(n > 0);
    // Each generated token is a byte: rebuild the ids from "bytes", then score them with the model's
    // batched scoring path (no KV cache) and compare with what generation reported.
    int[] gen = new int[n];
    for (int i = 0; i < n; i++) {
      JsonNode t = content.get(i);
      assertEquals(1, t.path("bytes").size(), t.toString()); // a random model may emit EOS only at the end
      gen[i] = t.path("bytes").path(0).asInt();
      // greedy: the chosen token is the most likely alternative
      assertEquals(t.path("logprob").asDouble(), t.path("top_logprobs").path(0).path("logprob").asDouble(), 1e-6);
      assertTrue(t.path("top_logprobs").path(1).path("logprob").asDouble() <= t.path("logprob").asDouble());
    }
    String prompt = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";
    int[] promptIds = model.tokenizer().encode(prompt, false);
    SequenceScore s = model.score(List.of(promptIds), List.of(gen)).get(0);
    for (int i = 0; i < n; i++) assertEquals(s.perToken()[i], content.get(i).path("logprob").asDouble(), 1e-4);
    String text = b.path("choices").path(0).path("message").path("content").asText();
    byte[] bytes = new byte[n];
    for (int i = 0; i < n; i++) bytes[i] = (byte) gen[i];
    assertEquals(new String(bytes, StandardCharsets.UTF_8), text);
  }

  @Test
  void seededSamplingIsReproducibleAndLengthIsReported() throws Exception {
    String req = """
        {"prompt": "Once upon", "temperature": 1.0, "top_p": 0.9, "top_k": 50, "seed": 5, "max_tokens": 12}""";
    JsonNode a = post("/v1/completions", req, 200);
    JsonNode b = post("/v1/completions", req, 200);
    assertEquals(a.path("choices").path(0).path("text"), b.path("choices").path(0).path("text"));
    assertEquals(9, a.path("usage").path("prompt_tokens").asInt());
    JsonNode c = a.path("choices").path(0);
    if (c.path("finish_reason").asText().equals("length")) assertEquals(12, a.path("usage").path("completion_tokens").asInt());
    else assertEquals("stop", c.path("finish_reason").asText());
  }

  @Test
  void concurrentGreedyRequestsGetTheSameAnswersAsSequentialOnes() throws Exception {
    List<String> prompts = List.of("a", "Hello there", "The quick brown fox", "??");
    List<String> sequential = new java.util.ArrayList<>();
    for (String p : prompts) {
      sequential.add(post("/v1/completions", "{\"prompt\": \"" + p + "\", \"temperature\": 0, \"max_tokens\": 10}", 200)
          .path("choices").path(0).path("text").asText());
    }
    long callsBefore = server.generateCalls();
    var futures = new java.util.ArrayList<java.util.concurrent.CompletableFuture<HttpResponse<String>>>();
    for (int round = 0; round < 3; round++) {
      for (String p : prompts) {
        futures.add(CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/completions"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"" + p + "\", \"temperature\": 0, \"max_tokens\": 10}")).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
    }
    for (int i = 0; i < futures.size(); i++) {
      HttpResponse<String> r = futures.get(i).join();
      assertEquals(200, r.statusCode(), r.body());
      // batched rows (padded to the longest prompt) decode exactly as a prompt alone
      assertEquals(sequential.get(i % prompts.size()), JSON.readTree(r.body()).path("choices").path(0).path("text").asText());
    }
    // continuous batching: fewer forward passes than the 11 per request that one-at-a-time decoding needs
    assertTrue(server.generateCalls() - callsBefore < futures.size() * 11L, "steps: " + (server.generateCalls() - callsBefore));
  }

  @Test
  void promptBeyondTheContextIsA400() throws Exception {
    JsonNode e = post("/v1/completions", "{\"prompt\": \"" + "y".repeat(100) + "\", \"max_tokens\": 1}", 400);
    assertEquals("context_length_exceeded", e.path("error").path("code").asText());
    assertTrue(e.path("error").path("message").asText().contains("96"));
    post("/v1/completions", "{\"prompt\": \"ok\", \"max_tokens\": 2, \"temperature\": 0}", 200);
  }
}
