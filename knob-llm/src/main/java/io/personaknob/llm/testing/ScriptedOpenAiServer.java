package io.personaknob.llm.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.personaknob.llm.Json;
import io.personaknob.llm.bench.LoopbackChatServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted OpenAI-compatible chat server on loopback, for tests and offline demos of every pipeline
 * that calls LLMs (build, PERSONA, steering, judging). By default it answers a request that carries a
 * {@code response_format} JSON schema with a deterministic, varied value conforming to that schema
 * ({@link SchemaFaker}, seeded by the request body), a {@code json_object} request with
 * {@code {"text": ...}}, and a plain request with a sentence. A {@link Script} can replace any answer
 * (its own content, an HTTP error, a stall, a malformed body), decided per request and per how many times
 * that exact body arrived, so tests can plant known-bad items and faults. Every request is recorded.
 *
 * <pre>{@code
 * try (ScriptedOpenAiServer s = new ScriptedOpenAiServer()) {
 *   s.script(req -> req.user().contains("bad") ? Reply.content("{\"rating\": 1}") : null); // null = default
 *   String url = s.baseUrl(); // http://127.0.0.1:PORT/v1
 * }
 * }</pre>
 */
public final class ScriptedOpenAiServer implements AutoCloseable {

  /** One received request as a script sees it. {@code seen} = 1 the first time this exact body arrives. */
  public record Request(JsonNode body, int seen, int index) {
    public String model() { return body.path("model").asText(); }
    /** The system message, or "". */
    public String system() {
      JsonNode first = body.path("messages").path(0);
      return "system".equals(first.path("role").asText()) ? first.path("content").asText() : "";
    }
    /** The last user message, or "". */
    public String user() { return LoopbackChatServer.lastUser(body); }
    /** The JSON schema of a json_schema response format, or null. */
    public JsonNode schema() {
      JsonNode s = body.path("response_format").path("json_schema").path("schema");
      return s.isMissingNode() ? null : s;
    }
    /** A seed derived from the whole body, stable across runs. */
    public long seed() { return Json.sha256(Json.write(body)).hashCode() * 2654435761L; }
    /** The default answer content for this request (what the server says when the script returns null). */
    public String defaultContent() {
      if (schema() != null) return Json.write(SchemaFaker.fake(schema(), seed()));
      String type = body.path("response_format").path("type").asText("");
      var rnd = new java.util.SplittableRandom(seed());
      if (type.equals("json_object")) return "{\"text\": \"" + SchemaFaker.sentence(rnd, 8, 20) + "\"}";
      return SchemaFaker.sentence(rnd, 10, 30) + " " + SchemaFaker.sentence(rnd, 8, 20);
    }
  }

  /** What to answer. Build with the static factories. */
  public record Reply(int status, String content, String rawBody, double delaySeconds) {
    /** A normal 200 answer with this message content. */
    public static Reply content(String content) { return new Reply(200, content, null, 0); }
    /** An OpenAI-shaped error with this HTTP status (429 gets Retry-After: 0). */
    public static Reply error(int status, String message) {
      return new Reply(status, null, "{\"error\":{\"message\":" + Json.write(Json.MAPPER.getNodeFactory().textNode(message))
          + ",\"type\":\"scripted\"}}", 0);
    }
    /** A 200 whose body is not JSON at all. */
    public static Reply malformed() { return new Reply(200, null, "<html>not json", 0); }
    /** The default content after a delay (to test timeouts and interruption). */
    public static Reply stall(double seconds) { return new Reply(200, null, null, seconds); }
  }

  /** Decides the reply to a request; returning null means the default schema-conforming answer. */
  @FunctionalInterface
  public interface Script {
    Reply answer(Request request);
  }

  private final HttpServer server;
  private volatile Script script = r -> null;
  private final List<Request> received = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
  private final AtomicInteger count = new AtomicInteger();

  public ScriptedOpenAiServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/v1/chat/completions", this::handle);
    server.createContext("/v1/models", ex -> send(ex, 200, "{\"object\":\"list\",\"data\":[]}"));
    server.start();
  }

  /** Replaces the script (thread-safe; takes effect for the next request). */
  public ScriptedOpenAiServer script(Script s) {
    this.script = s == null ? r -> null : s;
    return this;
  }

  /** The base URL to put in knob.yaml, e.g. http://127.0.0.1:PORT/v1. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  /** Every request received so far, in arrival order. */
  public List<Request> received() {
    return List.copyOf(received);
  }

  /** The number of chat requests received. */
  public int requests() {
    return count.get();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String text;
      try (InputStream is = ex.getRequestBody()) {
        text = new String(is.readAllBytes(), StandardCharsets.UTF_8);
      }
      JsonNode body;
      try {
        body = Json.read(text);
      } catch (IOException e) {
        send(ex, 400, "{\"error\":{\"message\":\"request body is not JSON\",\"type\":\"invalid_request_error\"}}");
        return;
      }
      int n = seen.computeIfAbsent(text, k -> new AtomicInteger()).incrementAndGet();
      Request req = new Request(body, n, count.getAndIncrement());
      received.add(req);
      Reply r;
      try {
        r = script.answer(req);
      } catch (RuntimeException e) {
        r = Reply.error(500, "script failed: " + e);
      }
      if (r == null) r = Reply.content(req.defaultContent());
      if (r.delaySeconds() > 0) {
        try {
          Thread.sleep((long) (r.delaySeconds() * 1000));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      if (r.rawBody() != null) {
        if (r.status() == 429) ex.getResponseHeaders().add("Retry-After", "0");
        send(ex, r.status(), r.rawBody());
        return;
      }
      String content = r.content() != null ? r.content() : req.defaultContent();
      send(ex, 200, LoopbackChatServer.replyWith(body, content));
    }
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] out = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, out.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(out);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((ExecutorService) server.getExecutor()).shutdownNow();
  }
}
