package io.personaknob.lm.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.personaknob.core.UserException;
import io.personaknob.lm.ChatMessage;
import io.personaknob.lm.ChatTemplate;
import io.personaknob.lm.GenerationResult;
import io.personaknob.lm.LanguageModel;
import io.personaknob.lm.SamplingParams;
import io.personaknob.lm.TokenLogprob;
import io.personaknob.lm.Tokenizer;
import io.personaknob.lm.chat.JinjaChatTemplate;
import io.personaknob.lm.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * An OpenAI-compatible HTTP server over one {@link LanguageModel}: {@code GET /v1/models},
 * {@code POST /v1/chat/completions}, {@code POST /v1/completions} (and {@code GET /health}).
 *
 * <p>Built on the JDK's {@code com.sun.net.httpserver} with a virtual thread per request: no extra
 * dependency, and requests (listing models, validation, templating, errors) are served concurrently.
 * Generation runs on one dedicated platform thread (PyTorch keeps per-thread state such as grad mode,
 * which must not move between carrier threads as a virtual thread can); requests that queue up while
 * the model is busy are batched when their sampling parameters are equal (see {@link #generationLoop}). Bad requests get a
 * 4xx with an OpenAI-shaped error body and the server keeps serving.
 */
public final class OpenAiServer implements AutoCloseable {
  /** Largest request body accepted (bytes). */
  public static final int MAX_BODY = 8 << 20;

  /** Default largest batch of queued requests generated together. */
  public static final int DEFAULT_MAX_BATCH = 8;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final LanguageModel model;
  private final String modelId;
  private final HttpServer http;
  private final ExecutorService executor;
  private final int maxBatch;
  private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
  private final Thread worker;
  private final AtomicLong generateCalls = new AtomicLong();
  private final long created = Instant.now().getEpochSecond();
  private final AtomicLong requests = new AtomicLong();
  private final SecureRandom random = new SecureRandom();
  private volatile boolean stopped;

  /**
   * Binds (port 0 picks a free port) but does not start serving; call {@link #start()}.
   *
   * @param modelId the name clients pass as "model"
   */
  public OpenAiServer(LanguageModel model, String modelId, String host, int port) throws IOException {
    this(model, modelId, host, port, DEFAULT_MAX_BATCH);
  }

  /**
   * @param maxBatch most queued requests with identical sampling parameters run as one batched
   *     {@code generate} call (1 = one request at a time)
   */
  public OpenAiServer(LanguageModel model, String modelId, String host, int port, int maxBatch) throws IOException {
    if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
    this.model = model;
    this.modelId = modelId;
    this.maxBatch = maxBatch;
    this.http = HttpServer.create(new InetSocketAddress(host, port), 128);
    this.executor = Executors.newVirtualThreadPerTaskExecutor();
    this.worker = new Thread(this::generationLoop, "knob-serve-generate");
    worker.setDaemon(true);
    http.setExecutor(executor);
    http.createContext("/", this::handle);
  }

  public OpenAiServer start() {
    worker.start();
    http.start();
    return this;
  }

  /** Number of {@code generate} calls made on the model (fewer than requests when batched). */
  public long generateCalls() {
    return generateCalls.get();
  }

  /** The base URL, e.g. {@code http://127.0.0.1:8000/v1}. */
  public URI baseUrl() {
    InetSocketAddress a = http.getAddress();
    String host = a.getAddress().getHostAddress();
    if (host.contains(":")) host = "[" + host + "]";
    return URI.create("http://" + host + ":" + a.getPort() + "/v1");
  }

  public int port() {
    return http.getAddress().getPort();
  }

  /** Number of requests answered so far. */
  public long requestCount() {
    return requests.get();
  }

  /**
   * Stops accepting connections and waits up to {@code graceSeconds} for requests in flight to finish;
   * requests still queued for generation after that are cancelled. Returns only once no generation
   * is running, so the caller may then close the model (closing it under a running forward pass would
   * free native memory in use). Does not close the model itself.
   */
  public synchronized void stop(int graceSeconds) {
    if (stopped) return;
    stopped = true;
    http.stop(graceSeconds);
    List<Job> queued = new ArrayList<>();
    queue.drainTo(queued);
    for (Job j : queued) j.result().cancel(false);
    worker.interrupt(); // wakes it if idle; a running generate call finishes first
    try {
      while (worker.isAlive()) {
        worker.join(5000);
        if (worker.isAlive()) System.err.println("knob serve: waiting for the generation in progress to finish");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    executor.shutdown();
  }

  @Override
  public void close() {
    stop(0);
  }

  // ------------------------------------------------------------------------------------- routing

  private void handle(HttpExchange ex) {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      if (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
      String method = ex.getRequestMethod();
      try {
        JsonNode reply = switch (path) {
          case "/v1/models" -> {
            requireMethod(method, "GET");
            yield models();
          }
          case "/v1/chat/completions" -> {
            requireMethod(method, "POST");
            yield chatCompletions(body(ex));
          }
          case "/v1/completions" -> {
            requireMethod(method, "POST");
            yield completions(body(ex));
          }
          case "/health" -> JSON.createObjectNode().put("status", "ok");
          default -> {
            if (path.startsWith("/v1/models/")) {
              requireMethod(method, "GET");
              String id = path.substring("/v1/models/".length());
              if (!id.equals(modelId)) throw unknownModel(id);
              yield modelCard();
            }
            throw new ApiError(404, "invalid_request_error", null, "not_found",
                "Unknown endpoint " + method + " " + path + "; this server has GET /v1/models, POST /v1/chat/completions, POST /v1/completions");
          }
        };
        send(ex, 200, reply);
      } catch (ApiError e) {
        send(ex, e.status(), errorBody(e.getMessage(), e.type(), e.param(), e.code()));
      } catch (UserException e) {
        send(ex, 400, errorBody(e.getMessage(), "invalid_request_error", null, null));
      } catch (RuntimeException | Error e) {
        System.err.println("knob serve: internal error on " + method + " " + path + ": " + e);
        send(ex, 500, errorBody("Internal server error: " + e.getClass().getSimpleName(), "server_error", null, null));
      }
    } catch (IOException e) {
      // the client went away; nothing to answer
    } finally {
      requests.incrementAndGet();
    }
  }

  private static void requireMethod(String got, String want) {
    if (!got.equals(want)) {
      throw new ApiError(405, "invalid_request_error", null, "method_not_allowed", "Method " + got + " not allowed; use " + want);
    }
  }

  private static ObjectNode body(HttpExchange ex) throws IOException {
    byte[] bytes;
    try (InputStream in = ex.getRequestBody()) {
      bytes = in.readNBytes(MAX_BODY + 1);
    }
    if (bytes.length > MAX_BODY) {
      throw new ApiError(413, "invalid_request_error", null, "request_too_large", "Request body larger than " + MAX_BODY + " bytes");
    }
    JsonNode n;
    try {
      n = JSON.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new ApiError(400, "invalid_request_error", null, "invalid_json",
          "We could not parse the JSON body of your request: " + io.personaknob.core.ParseErrors.describe(e));
    }
    if (n == null || !n.isObject()) {
      throw new ApiError(400, "invalid_request_error", null, "invalid_json", "The request body must be a JSON object");
    }
    return (ObjectNode) n;
  }

  private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  static ObjectNode errorBody(String message, String type, String param, String code) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode e = root.putObject("error");
    e.put("message", message);
    e.put("type", type);
    e.put("param", param);
    e.put("code", code);
    return root;
  }

  private ApiError unknownModel(String id) {
    return new ApiError(404, "invalid_request_error", "model", "model_not_found",
        "The model '" + id + "' does not exist; this server serves '" + modelId + "'");
  }

  // ------------------------------------------------------------------------------------- endpoints

  private ObjectNode modelCard() {
    ObjectNode m = JSON.createObjectNode();
    m.put("id", modelId);
    m.put("object", "model");
    m.put("created", created);
    m.put("owned_by", "personaknob");
    m.put("max_model_len", model.contextLength());
    return m;
  }

  private ObjectNode models() {
    ObjectNode root = JSON.createObjectNode();
    root.put("object", "list");
    root.putArray("data").add(modelCard());
    return root;
  }

  private ObjectNode chatCompletions(ObjectNode req) {
    checkModel(req);
    JsonNode msgs = req.get("messages");
    if (msgs == null || msgs.isNull()) throw ApiError.invalid("messages", "Missing required parameter: 'messages'");
    if (!msgs.isArray() || msgs.isEmpty()) throw ApiError.invalid("messages", "'messages' must be a non-empty array");
    List<Map<String, Object>> messages = new ArrayList<>();
    for (int i = 0; i < msgs.size(); i++) messages.add(message(msgs.get(i), i));
    Sampling s = Sampling.parse(req, true);
    ChatTemplate template = model.chatTemplate().orElseThrow(() -> ApiError.invalid("messages",
        "The model '" + modelId + "' has no chat template (tokenizer_config.json chat_template); use /v1/completions"));
    Map<String, Object> kwargs = new LinkedHashMap<>();
    JsonNode ctk = req.get("chat_template_kwargs");
    if (ctk != null && !ctk.isNull()) {
      if (!ctk.isObject()) throw ApiError.invalid("chat_template_kwargs", "'chat_template_kwargs' must be an object");
      kwargs.putAll(JSON.convertValue(ctk, new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {}));
    }
    JsonNode tools = req.get("tools");
    if (tools != null && !tools.isNull()) kwargs.put("tools", JSON.convertValue(tools, List.class));
    String prompt;
    if (template instanceof JinjaChatTemplate j) {
      prompt = j.render(messages, true, kwargs);
    } else {
      List<ChatMessage> plain = new ArrayList<>();
      for (Map<String, Object> m : messages) plain.add(new ChatMessage((String) m.get("role"), String.valueOf(m.getOrDefault("content", ""))));
      prompt = template.render(plain, true);
    }
    Tokenizer tok = tokenizer();
    int[] ids = tok.encode(prompt, false);
    GenerationResult r = generate(ids, s, "messages");

    ObjectNode root = JSON.createObjectNode();
    root.put("id", "chatcmpl-" + randomId());
    root.put("object", "chat.completion");
    root.put("created", Instant.now().getEpochSecond());
    root.put("model", modelId);
    ObjectNode choice = root.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode message = choice.putObject("message");
    message.put("role", "assistant");
    message.put("content", r.text());
    if (s.logprobs()) {
      ArrayNode content = choice.putObject("logprobs").putArray("content");
      for (TokenLogprob t : r.logprobs()) {
        ObjectNode o = content.addObject();
        tokenFields(o, tok, t.token(), t.logprob());
        ArrayNode top = o.putArray("top_logprobs");
        for (TokenLogprob.Alternative a : t.top()) tokenFields(top.addObject(), tok, a.token(), a.logprob());
      }
    } else {
      choice.putNull("logprobs");
    }
    choice.put("finish_reason", r.finishReason());
    usage(root, r);
    return root;
  }

  private ObjectNode completions(ObjectNode req) {
    checkModel(req);
    JsonNode p = req.get("prompt");
    if (p == null || p.isNull()) throw ApiError.invalid("prompt", "Missing required parameter: 'prompt'");
    if (p.isArray()) {
      if (p.size() != 1 || !p.get(0).isTextual()) {
        throw ApiError.invalid("prompt", "'prompt' must be a string or a list of one string (batches: one request each)");
      }
      p = p.get(0);
    }
    if (!p.isTextual()) throw ApiError.invalid("prompt", "'prompt' must be a string");
    if (req.path("echo").asBoolean(false)) throw ApiError.invalid("echo", "'echo' is not supported");
    if (req.has("suffix") && !req.get("suffix").isNull()) throw ApiError.invalid("suffix", "'suffix' is not supported");
    Sampling s = Sampling.parse(req, false);
    Tokenizer tok = tokenizer();
    int[] ids = tok.encode(p.asText(), true);
    GenerationResult r = generate(ids, s, "prompt");

    ObjectNode root = JSON.createObjectNode();
    root.put("id", "cmpl-" + randomId());
    root.put("object", "text_completion");
    root.put("created", Instant.now().getEpochSecond());
    root.put("model", modelId);
    ObjectNode choice = root.putArray("choices").addObject();
    choice.put("text", r.text());
    choice.put("index", 0);
    if (s.logprobs()) {
      ObjectNode lp = choice.putObject("logprobs");
      ArrayNode tokens = lp.putArray("tokens");
      ArrayNode tokenLogprobs = lp.putArray("token_logprobs");
      ArrayNode topLogprobs = lp.putArray("top_logprobs");
      ArrayNode offsets = lp.putArray("text_offset");
      int offset = 0;
      for (TokenLogprob t : r.logprobs()) {
        String text = tokenText(tok, t.token());
        tokens.add(text);
        tokenLogprobs.add(t.logprob());
        ObjectNode top = topLogprobs.addObject();
        for (TokenLogprob.Alternative a : t.top()) {
          String at = tokenText(tok, a.token());
          if (!top.has(at)) top.put(at, a.logprob());
        }
        offsets.add(offset);
        offset += text.length();
      }
    } else {
      choice.putNull("logprobs");
    }
    choice.put("finish_reason", r.finishReason());
    usage(root, r);
    return root;
  }

  // ------------------------------------------------------------------------------------- helpers

  private void checkModel(ObjectNode req) {
    JsonNode m = req.get("model");
    if (m == null || m.isNull()) return; // accepted: there is only one model
    if (!m.isTextual()) throw ApiError.invalid("model", "'model' must be a string");
    if (!m.asText().equals(modelId)) throw unknownModel(m.asText());
  }

  private Tokenizer tokenizer() {
    Tokenizer t = model.tokenizer();
    if (t == null) throw new ApiError(500, "server_error", null, null, "The model has no tokenizer");
    return t;
  }

  private static Map<String, Object> message(JsonNode m, int i) {
    String where = "messages[" + i + "]";
    if (!m.isObject()) throw ApiError.invalid(where, where + " must be an object");
    JsonNode role = m.get("role");
    if (role == null || !role.isTextual()) throw ApiError.invalid(where + ".role", "Missing required parameter: '" + where + ".role'");
    String r = role.asText();
    if (!List.of("system", "developer", "user", "assistant", "tool").contains(r)) {
      throw ApiError.invalid(where + ".role", "Invalid value for '" + where + ".role': '" + r
          + "'; supported: 'system', 'developer', 'user', 'assistant', 'tool'");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> out = JSON.convertValue(m, LinkedHashMap.class);
    if (r.equals("developer")) out.put("role", "system");
    JsonNode c = m.get("content");
    if (c == null || c.isNull()) {
      if (!r.equals("assistant")) throw ApiError.invalid(where + ".content", "Missing required parameter: '" + where + ".content'");
      out.put("content", "");
    } else if (c.isArray()) { // content parts: only text
      StringBuilder sb = new StringBuilder();
      for (JsonNode part : c) {
        if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
          throw ApiError.invalid(where + ".content", "Only text content parts are supported in '" + where + ".content'");
        }
        if (!sb.isEmpty()) sb.append('\n');
        sb.append(part.get("text").asText());
      }
      out.put("content", sb.toString());
    } else if (!c.isTextual()) {
      throw ApiError.invalid(where + ".content", "'" + where + ".content' must be a string or an array of text parts");
    }
    return out;
  }

  private GenerationResult generate(int[] promptIds, Sampling s, String param) {
    int ctx = model.contextLength();
    int maxTokens = s.maxTokens() != null ? s.maxTokens() : ctx - promptIds.length;
    if (promptIds.length + Math.max(maxTokens, 1) > ctx) {
      throw new ApiError(400, "invalid_request_error", param, "context_length_exceeded",
          "This model's maximum context length is " + ctx + " tokens. However, you requested "
              + (promptIds.length + maxTokens) + " tokens (" + promptIds.length + " in the prompt, " + maxTokens
              + " for the completion). Please reduce the prompt or the completion length.");
    }
    // greedy decoding ignores the seed: fix it so greedy requests share batches
    long seed = s.temperature() == 0 ? 0 : s.seed() != null ? s.seed() : random.nextLong();
    SamplingParams params = new SamplingParams(maxTokens, s.temperature(), s.topK(), s.topP(), seed, s.stop(), s.logprobs(), s.topLogprobs());
    if (stopped) throw new ApiError(503, "server_error", null, null, "The server is shutting down");
    Job job = new Job(promptIds, params, new CompletableFuture<>());
    queue.add(job);
    if (stopped && queue.remove(job)) throw new ApiError(503, "server_error", null, null, "The server is shutting down");
    try {
      return job.result().get();
    } catch (CancellationException e) {
      throw new ApiError(503, "server_error", null, null, "The server is shutting down");
    } catch (InterruptedException e) {
      job.result().cancel(false);
      Thread.currentThread().interrupt();
      throw new ApiError(503, "server_error", null, null, "Interrupted");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) throw re;
      if (c instanceof Error er) throw er;
      throw new IllegalStateException(c);
    }
  }

  /** A request waiting for generation. */
  private record Job(int[] prompt, SamplingParams params, CompletableFuture<GenerationResult> result) {}

  /**
   * The generation thread: takes the oldest request and every request queued behind it, groups them
   * by sampling parameters (in order of arrival) and runs each group as batched {@code generate}
   * calls of at most {@code maxBatch} prompts. Batching changes nothing for a request's result: the
   * model samples each row with its own generator seeded by the request's seed, and greedy rows are
   * deterministic; it only lets waiting requests share forward passes.
   */
  private void generationLoop() {
    while (!stopped || !queue.isEmpty()) {
      List<Job> jobs = new ArrayList<>();
      try {
        jobs.add(queue.take());
      } catch (InterruptedException e) {
        if (stopped) return;
        continue;
      }
      queue.drainTo(jobs);
      Map<SamplingParams, List<Job>> groups = new LinkedHashMap<>();
      for (Job j : jobs) groups.computeIfAbsent(j.params(), k -> new ArrayList<>()).add(j);
      for (var g : groups.entrySet()) {
        List<Job> group = g.getValue();
        for (int i = 0; i < group.size(); i += maxBatch) {
          List<Job> chunk = group.subList(i, Math.min(group.size(), i + maxBatch));
          if (stopped) {
            chunk.forEach(j -> j.result().cancel(false));
            continue;
          }
          run(chunk, g.getKey());
        }
      }
    }
  }

  private void run(List<Job> chunk, SamplingParams params) {
    List<int[]> prompts = new ArrayList<>(chunk.size());
    for (Job j : chunk) prompts.add(j.prompt());
    try {
      generateCalls.incrementAndGet();
      List<GenerationResult> results = model.generate(prompts, params);
      for (int i = 0; i < chunk.size(); i++) chunk.get(i).result().complete(results.get(i));
    } catch (Throwable t) {
      for (Job j : chunk) j.result().completeExceptionally(t);
    }
  }

  private static void tokenFields(ObjectNode o, Tokenizer tok, int id, double logprob) {
    byte[] b = Tokenizers.tokenBytes(tok, id);
    o.put("token", new String(b, StandardCharsets.UTF_8));
    o.put("logprob", logprob);
    ArrayNode bytes = o.putArray("bytes");
    for (byte x : b) bytes.add(x & 0xFF);
  }

  private static String tokenText(Tokenizer tok, int id) {
    return new String(Tokenizers.tokenBytes(tok, id), StandardCharsets.UTF_8);
  }

  private static void usage(ObjectNode root, GenerationResult r) {
    ObjectNode u = root.putObject("usage");
    u.put("prompt_tokens", r.promptTokens());
    u.put("completion_tokens", r.tokens().length);
    u.put("total_tokens", r.promptTokens() + r.tokens().length);
  }

  private String randomId() {
    byte[] b = new byte[12];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
