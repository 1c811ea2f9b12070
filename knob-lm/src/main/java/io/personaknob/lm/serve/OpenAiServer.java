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
import io.personaknob.lm.decode.SequenceListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
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

/**
 * An OpenAI-compatible HTTP server over one {@link LanguageModel}: {@code GET /v1/models},
 * {@code POST /v1/chat/completions}, {@code POST /v1/completions} (and {@code GET /health}), with
 * streaming (server-sent events), n choices per request and structured outputs (a
 * {@code response_format} JSON schema constrains decoding, see {@link Structured}).
 *
 * <p>Built on the JDK's {@code com.sun.net.httpserver} with a virtual thread per request: no extra
 * dependency, and requests (listing models, validation, templating, errors) are served concurrently.
 * Generation runs on one dedicated platform thread (PyTorch keeps per-thread state such as grad mode,
 * which must not move between carrier threads as a virtual thread can): with continuous batching
 * ({@link io.personaknob.lm.decode.Decoder}) when the model decodes step by step, else batched
 * {@code generate} calls ({@link GenerateBatcher}). Bad requests get a 4xx with an OpenAI-shaped error
 * body and the server keeps serving.
 */
public final class OpenAiServer implements AutoCloseable {
  /** Largest request body accepted (bytes). */
  public static final int MAX_BODY = 8 << 20;

  /** Default largest batch of sequences decoded together. */
  public static final int DEFAULT_MAX_BATCH = 8;

  /**
   * Server limits.
   *
   * @param maxBatch most sequences decoded together (1 = one at a time)
   * @param maxN largest {@code n} accepted
   * @param maxStringLength bound on the characters of a JSON string in structured outputs when the schema
   *     gives no {@code maxLength} (so constrained generation terminates)
   */
  public record Options(int maxBatch, int maxN, int maxStringLength) {
    public Options {
      if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
      if (maxN < 1) throw new IllegalArgumentException("maxN must be >= 1, got " + maxN);
      if (maxStringLength < 1) throw new IllegalArgumentException("maxStringLength must be >= 1, got " + maxStringLength);
    }

    public static Options defaults() {
      return new Options(DEFAULT_MAX_BATCH, 8, 512);
    }

    public Options withMaxBatch(int b) {
      return new Options(b, maxN, maxStringLength);
    }
  }

  static final ObjectMapper JSON = new ObjectMapper();

  private final LanguageModel model;
  final String modelId;
  private final HttpServer http;
  private final ExecutorService executor;
  private final Options options;
  private final Backend backend;
  final Structured structured;
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
    this(model, modelId, host, port, Options.defaults());
  }

  /** @param maxBatch most sequences decoded together (1 = one request at a time) */
  public OpenAiServer(LanguageModel model, String modelId, String host, int port, int maxBatch) throws IOException {
    this(model, modelId, host, port, Options.defaults().withMaxBatch(maxBatch));
  }

  public OpenAiServer(LanguageModel model, String modelId, String host, int port, Options options) throws IOException {
    this.model = model;
    this.modelId = modelId;
    this.options = options;
    this.http = HttpServer.create(new InetSocketAddress(host, port), 128);
    this.executor = Executors.newVirtualThreadPerTaskExecutor();
    this.backend = Backend.of(model, options.maxBatch());
    this.structured = new Structured(model, options.maxStringLength());
    http.setExecutor(executor);
    http.createContext("/", this::handle);
  }

  public OpenAiServer start() {
    http.start();
    return this;
  }

  /** Forward passes (continuous batching) or {@code generate} calls made on the model so far. */
  public long generateCalls() {
    return backend.calls();
  }

  /**
   * Sequences decoded per forward pass so far on average (continuous batching), or 0 when the model is
   * served by generate calls.
   */
  public double meanBatch() {
    if (backend instanceof Backend.Continuous c && c.decoder().steps() > 0) return (double) c.decoder().rowSteps() / c.decoder().steps();
    return 0;
  }

  /** The structured-output masks: trie walks (cache misses) and look-ups so far; zeros before the first structured request. */
  public long[] maskStats() {
    return structured.stats();
  }

  /** Whether generation uses continuous batching (the model decodes step by step). */
  public boolean continuousBatching() {
    return backend instanceof Backend.Continuous;
  }

  Backend backend() {
    return backend;
  }

  boolean stopped() {
    return stopped;
  }

  Tokenizer tokenizerOrFail() {
    return tokenizer();
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
    backend.stop();
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
          case "/v1/chat/completions", "/v1/completions" -> {
            requireMethod(method, "POST");
            boolean chat = path.equals("/v1/chat/completions");
            ObjectNode req = body(ex);
            Prepared p = chat ? prepareChat(req) : prepareCompletion(req);
            if (p.s().stream()) {
              if (stopped) throw new ApiError(503, "server_error", null, null, "The server is shutting down");
              new SseStream(this, ex, p).run();
              yield null;
            }
            yield chat ? chatCompletion(p) : completion(p);
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
        if (reply != null) send(ex, 200, reply);
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

  /** A validated generation request: prompt ids, parameters per choice and the constraint, if any. */
  record Prepared(boolean chat, int[] ids, Sampling s, List<SamplingParams> choices, Structured.Format format) {}

  private Prepared prepareChat(ObjectNode req) {
    checkModel(req);
    JsonNode msgs = req.get("messages");
    if (msgs == null || msgs.isNull()) throw ApiError.invalid("messages", "Missing required parameter: 'messages'");
    if (!msgs.isArray() || msgs.isEmpty()) throw ApiError.invalid("messages", "'messages' must be a non-empty array");
    List<Map<String, Object>> messages = new ArrayList<>();
    for (int i = 0; i < msgs.size(); i++) messages.add(message(msgs.get(i), i));
    Sampling s = Sampling.parse(req, true, options.maxN());
    Structured.Format format = structured.parse(req.get("response_format"), backend.constrains());
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
    int[] ids = tokenizer().encode(prompt, false);
    return new Prepared(true, ids, s, choices(ids, s, "messages"), format);
  }

  private Prepared prepareCompletion(ObjectNode req) {
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
    JsonNode bo = req.get("best_of");
    if (bo != null && !bo.isNull() && !(bo.isIntegralNumber() && bo.asInt() == req.path("n").asInt(1))) {
      throw ApiError.invalid("best_of", "'best_of' is not supported (use n)");
    }
    Sampling s = Sampling.parse(req, false, options.maxN());
    Structured.Format format = structured.parse(req.get("response_format"), backend.constrains());
    int[] ids = tokenizer().encode(p.asText(), true);
    return new Prepared(false, ids, s, choices(ids, s, "prompt"), format);
  }

  /** The sampling parameters of each of the n choices: choice i samples from its own seed, derived from the request's. */
  private List<SamplingParams> choices(int[] promptIds, Sampling s, String param) {
    int ctx = model.contextLength();
    int maxTokens = s.maxTokens() != null ? s.maxTokens() : ctx - promptIds.length;
    if (promptIds.length + Math.max(maxTokens, 1) > ctx) {
      throw new ApiError(400, "invalid_request_error", param, "context_length_exceeded",
          "This model's maximum context length is " + ctx + " tokens. However, you requested "
              + (promptIds.length + maxTokens) + " tokens (" + promptIds.length + " in the prompt, " + maxTokens
              + " for the completion). Please reduce the prompt or the completion length.");
    }
    long base = s.seed() != null ? s.seed() : random.nextLong();
    List<SamplingParams> out = new ArrayList<>();
    for (int i = 0; i < s.n(); i++) {
      out.add(new SamplingParams(maxTokens, s.temperature(), s.topK(), s.topP(), choiceSeed(base, i), s.stop(), s.logprobs(), s.topLogprobs()));
    }
    return out;
  }

  /** Choice 0 uses the request's seed (so n=1 is unchanged); choice i > 0 a mix of the seed and i. */
  static long choiceSeed(long seed, int i) {
    if (i == 0) return seed;
    long z = seed + i * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Generates every choice of a request and waits for them. */
  private List<GenerationResult> generateAll(Prepared p) {
    if (stopped) throw new ApiError(503, "server_error", null, null, "The server is shutting down");
    List<CompletableFuture<GenerationResult>> fs = new ArrayList<>();
    for (SamplingParams sp : p.choices()) {
      CompletableFuture<GenerationResult> f = new CompletableFuture<>();
      fs.add(f);
      backend.submit(p.ids(), sp, p.format() == null ? null : p.format().newConstraint(), new SequenceListener() {
        @Override
        public void onToken(int token, TokenLogprob logprob) {}

        @Override
        public void onFinish(GenerationResult result) {
          f.complete(result);
        }

        @Override
        public void onError(Throwable error) {
          f.completeExceptionally(error);
        }

        @Override
        public boolean cancelled() {
          return f.isCancelled();
        }
      });
    }
    List<GenerationResult> out = new ArrayList<>();
    try {
      for (var f : fs) out.add(f.get());
      return out;
    } catch (InterruptedException e) {
      fs.forEach(f -> f.cancel(false));
      Thread.currentThread().interrupt();
      throw new ApiError(503, "server_error", null, null, "Interrupted");
    } catch (ExecutionException e) {
      fs.forEach(f -> f.cancel(false));
      Throwable c = e.getCause();
      if (c instanceof CancellationException) throw new ApiError(503, "server_error", null, null, "The server is shutting down");
      if (c instanceof RuntimeException re) throw re;
      if (c instanceof Error er) throw er;
      throw new IllegalStateException(c);
    }
  }

  private ObjectNode chatCompletion(Prepared p) {
    List<GenerationResult> rs = generateAll(p);
    Tokenizer tok = tokenizer();
    ObjectNode root = Responses.envelope("chatcmpl-" + randomId(), "chat.completion", Instant.now().getEpochSecond(), modelId);
    ArrayNode choices = root.putArray("choices");
    for (int i = 0; i < rs.size(); i++) {
      GenerationResult r = rs.get(i);
      ObjectNode choice = choices.addObject();
      choice.put("index", i);
      ObjectNode message = choice.putObject("message");
      message.put("role", "assistant");
      message.put("content", r.text());
      if (p.s().logprobs()) choice.putObject("logprobs").set("content", Responses.chatLogprobs(tok, r.logprobs()));
      else choice.putNull("logprobs");
      choice.put("finish_reason", r.finishReason());
    }
    Responses.usage(root, rs);
    return root;
  }

  private ObjectNode completion(Prepared p) {
    List<GenerationResult> rs = generateAll(p);
    Tokenizer tok = tokenizer();
    ObjectNode root = Responses.envelope("cmpl-" + randomId(), "text_completion", Instant.now().getEpochSecond(), modelId);
    ArrayNode choices = root.putArray("choices");
    for (int i = 0; i < rs.size(); i++) {
      GenerationResult r = rs.get(i);
      ObjectNode choice = choices.addObject();
      choice.put("text", r.text());
      choice.put("index", i);
      if (p.s().logprobs()) choice.set("logprobs", Responses.completionLogprobs(tok, r.logprobs(), 0));
      else choice.putNull("logprobs");
      choice.put("finish_reason", r.finishReason());
    }
    Responses.usage(root, rs);
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

  String randomId() {
    byte[] b = new byte[12];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
