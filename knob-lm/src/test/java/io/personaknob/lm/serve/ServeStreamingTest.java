package io.personaknob.lm.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.LanguageModels;
import io.personaknob.lm.testing.TinyModels;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streaming and n > 1 against a real tiny random Llama served with continuous batching, read by an
 * independent SSE parser ({@link SseClient}).
 */
class ServeStreamingTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient CLIENT = HttpClient.newHttpClient();

  @TempDir static Path dir;
  static DjlLanguageModel model;
  static OpenAiServer server;

  @BeforeAll
  static void start() throws Exception {
    TinyModels.create(dir, "llama", 512, 11);
    model = LanguageModels.load(dir, "cpu");
    server = new OpenAiServer(model, "tiny", "127.0.0.1", 0, new OpenAiServer.Options(8, 4, 64)).start();
    assertTrue(server.continuousBatching());
  }

  @AfterAll
  static void stop() {
    if (server != null) server.stop(0);
    if (model != null) model.close();
  }

  static HttpRequest req(String path, String body) {
    return req(server, path, body);
  }

  static HttpRequest req(OpenAiServer server, String path, String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  static JsonNode post(String path, String body, int status) throws Exception {
    HttpResponse<String> r = CLIENT.send(req(path, body), HttpResponse.BodyHandlers.ofString());
    assertEquals(status, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  /** The data of every event of a streamed answer, checked for the content type. */
  static List<String> stream(String path, String body) throws Exception {
    return stream(server, path, body);
  }

  static List<String> stream(OpenAiServer server, String path, String body) throws Exception {
    HttpResponse<java.io.InputStream> r = CLIENT.send(req(server, path, body), HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"), r.headers().toString());
    try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      List<String> data = new ArrayList<>();
      for (SseClient.Event e : SseClient.parse(in, Integer.MAX_VALUE)) {
        assertEquals("message", e.type());
        data.add(e.data());
      }
      return data;
    }
  }

  static final String CHAT = """
      {"model": "tiny", "messages": [{"role": "user", "content": "Tell me about peers."}],
       "temperature": 0.9, "seed": 7, "max_tokens": 60, "logprobs": true, "top_logprobs": 2%s}""";

  @Test
  void chatStreamConcatenatesToTheNonStreamedAnswer() throws Exception {
    JsonNode whole = post("/v1/chat/completions", CHAT.formatted(""), 200);
    List<String> data = stream("/v1/chat/completions", CHAT.formatted(", \"stream\": true, \"stream_options\": {\"include_usage\": true}"));
    assertEquals("[DONE]", data.get(data.size() - 1));
    List<JsonNode> chunks = new ArrayList<>();
    for (String d : data.subList(0, data.size() - 1)) chunks.add(JSON.readTree(d));
    JsonNode first = chunks.get(0);
    assertEquals("chat.completion.chunk", first.path("object").asText());
    assertEquals("assistant", first.path("choices").path(0).path("delta").path("role").asText());
    StringBuilder text = new StringBuilder();
    List<JsonNode> lps = new ArrayList<>();
    String finish = null;
    String id = first.path("id").asText();
    for (int i = 0; i < chunks.size() - 1; i++) {
      JsonNode c = chunks.get(i);
      assertEquals(id, c.path("id").asText());
      assertTrue(c.has("usage") && c.get("usage").isNull(), "usage is null until the last chunk: " + c);
      JsonNode ch = c.path("choices").path(0);
      assertTrue(finish == null, "nothing after the finish chunk but usage");
      text.append(ch.path("delta").path("content").asText(""));
      for (JsonNode lp : ch.path("logprobs").path("content")) lps.add(lp);
      if (!ch.path("finish_reason").isNull()) finish = ch.path("finish_reason").asText();
    }
    JsonNode wc = whole.path("choices").path(0);
    assertEquals(wc.path("message").path("content").asText(), text.toString());
    assertEquals(wc.path("finish_reason").asText(), finish);
    assertEquals(wc.path("logprobs").path("content"), JSON.valueToTree(lps), "the chunks' logprobs are the answer's");
    JsonNode last = chunks.get(chunks.size() - 1);
    assertEquals(0, last.path("choices").size());
    assertEquals(whole.path("usage"), last.path("usage"));
  }

  @Test
  void completionStreamWithStopStringsConcatenatesToTheNonStreamedText() throws Exception {
    for (int seed = 0; seed < 6; seed++) {
      String body = "{\"prompt\": \"Once upon\", \"temperature\": 1.2, \"seed\": " + seed + ", \"max_tokens\": 50, \"stop\": [\"e\", \"xyz\"]%s}";
      JsonNode whole = post("/v1/completions", body.formatted(""), 200);
      List<String> data = stream("/v1/completions", body.formatted(", \"stream\": true"));
      assertEquals("[DONE]", data.get(data.size() - 1));
      StringBuilder text = new StringBuilder();
      String finish = null;
      for (String d : data.subList(0, data.size() - 1)) {
        JsonNode ch = JSON.readTree(d).path("choices").path(0);
        assertEquals("text_completion", JSON.readTree(d).path("object").asText());
        text.append(ch.path("text").asText());
        if (!ch.path("finish_reason").isNull()) finish = ch.path("finish_reason").asText();
      }
      assertEquals(whole.path("choices").path(0).path("text").asText(), text.toString(), "seed " + seed);
      assertEquals(whole.path("choices").path(0).path("finish_reason").asText(), finish);
    }
  }

  @Test
  void nChoicesEachWithItsOwnSeedStreamedOrNot() throws Exception {
    String body = "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"temperature\": 1.0, \"seed\": 3, \"max_tokens\": 24%s}";
    JsonNode one = post("/v1/chat/completions", body.formatted(""), 200);
    JsonNode three = post("/v1/chat/completions", body.formatted(", \"n\": 3"), 200);
    assertEquals(3, three.path("choices").size());
    List<String> texts = new ArrayList<>();
    int tokens = 0;
    for (int i = 0; i < 3; i++) {
      assertEquals(i, three.path("choices").path(i).path("index").asInt());
      texts.add(three.path("choices").path(i).path("message").path("content").asText());
    }
    assertEquals(one.path("choices").path(0).path("message").path("content").asText(), texts.get(0), "choice 0 uses the request's seed");
    assertNotEquals(texts.get(1), texts.get(2), "choices sample from different seeds");
    assertEquals(three, three); // shape
    JsonNode again = post("/v1/chat/completions", body.formatted(", \"n\": 3"), 200);
    for (int i = 0; i < 3; i++) assertEquals(texts.get(i), again.path("choices").path(i).path("message").path("content").asText());
    assertEquals(one.path("usage").path("prompt_tokens"), three.path("usage").path("prompt_tokens"));
    // streamed: chunks carry the choice index
    List<String> data = stream("/v1/chat/completions", body.formatted(", \"n\": 3, \"stream\": true"));
    StringBuilder[] parts = {new StringBuilder(), new StringBuilder(), new StringBuilder()};
    int roles = 0;
    for (String d : data.subList(0, data.size() - 1)) {
      for (JsonNode ch : JSON.readTree(d).path("choices")) {
        if (ch.path("delta").has("role")) roles++;
        parts[ch.path("index").asInt()].append(ch.path("delta").path("content").asText(""));
      }
    }
    assertEquals(3, roles);
    for (int i = 0; i < 3; i++) assertEquals(texts.get(i), parts[i].toString());
  }

  @Test
  void badStreamingAndNRequestsGet400sAndTheServerKeepsServing() throws Exception {
    JsonNode e = post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"n\": 5}", 400);
    assertEquals("n", e.path("error").path("param").asText());
    assertTrue(e.path("error").path("message").asText().contains("maximum of 4"));
    e = post("/v1/completions", "{\"prompt\": \"x\", \"n\": 0}", 400);
    assertEquals("n", e.path("error").path("param").asText());
    e = post("/v1/completions", "{\"prompt\": \"x\", \"stream\": \"yes\"}", 400);
    assertEquals("stream", e.path("error").path("param").asText());
    e = post("/v1/completions", "{\"prompt\": \"x\", \"stream_options\": {\"include_usage\": true}}", 400);
    assertEquals("stream_options", e.path("error").path("param").asText());
    assertEquals(4, post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 2, \"n\": 4, \"temperature\": 0}", 200).path("choices").size());
  }

  @Test
  void aClientThatGoesAwayStopsItsGeneration() throws Exception {
    long before = server.generateCalls();
    String body = "{\"prompt\": \"a\", \"temperature\": 0.8, \"seed\": 1, \"max_tokens\": 480, \"stream\": true}";
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      OutputStream o = s.getOutputStream();
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      o.write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n")
          .getBytes(StandardCharsets.UTF_8));
      o.write(b);
      o.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      int dataLines = 0;
      String line;
      while (dataLines < 3 && (line = in.readLine()) != null) if (line.startsWith("data:")) dataLines++;
    } // closed after three chunks
    long last = -1;
    long now = server.generateCalls();
    while (now != last) { // wait until decoding is idle
      last = now;
      Thread.sleep(300);
      now = server.generateCalls();
    }
    assertTrue(now - before < 200, "the generation stopped long before 480 tokens: " + (now - before) + " steps");
  }
}
