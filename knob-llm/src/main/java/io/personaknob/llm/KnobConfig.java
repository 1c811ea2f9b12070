package io.personaknob.llm;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.personaknob.core.UserException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The {@code knob.yaml} configuration of LLM providers and models. Unknown keys, wrong types and
 * missing required keys are reported with the file, line and key path. API keys are never part of the
 * configuration: only the <em>name</em> of the environment variable that holds each key.
 *
 * <p>Lookup order ({@link #locate}): an explicit path ({@code --config}), the {@code KNOB_CONFIG}
 * variable, then {@code ./knob.yaml}.
 */
public record KnobConfig(
    @JsonProperty("store") String store,
    @JsonProperty("providers") Map<String, ProviderConfig> providers,
    @JsonProperty("models") Map<String, ModelConfig> models,
    Path source) {

  public KnobConfig {
    providers = providers == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(providers));
    models = models == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(models));
  }

  /** One OpenAI-compatible endpoint (OpenAI, OpenRouter, vLLM, Ollama, llama.cpp server, knob serve). */
  public record ProviderConfig(
      @JsonProperty(value = "base_url", required = true) String baseUrl,
      @JsonProperty("api_key_env") String apiKeyEnv,
      @JsonProperty("max_in_flight") Integer maxInFlight,
      @JsonProperty("requests_per_minute") Double requestsPerMinute,
      @JsonProperty("tokens_per_minute") Double tokensPerMinute,
      @JsonProperty("timeout_seconds") Double timeoutSeconds,
      @JsonProperty("max_retries") Integer maxRetries,
      @JsonProperty("backoff_base_ms") Long backoffBaseMs,
      @JsonProperty("backoff_max_ms") Long backoffMaxMs,
      @JsonProperty("response_format") String responseFormat,
      @JsonProperty("headers") Map<String, String> headers,
      @JsonProperty("max_consecutive_failures") Integer maxConsecutiveFailures) {

    public int maxInFlightOr() { return maxInFlight == null ? 64 : maxInFlight; }
    public double timeoutSecondsOr() { return timeoutSeconds == null ? 120 : timeoutSeconds; }
    public int maxRetriesOr() { return maxRetries == null ? 6 : maxRetries; }
    public long backoffBaseMsOr() { return backoffBaseMs == null ? 500 : backoffBaseMs; }
    public long backoffMaxMsOr() { return backoffMaxMs == null ? 60_000 : backoffMaxMs; }
    /** json_schema (default), json_object or none. */
    public String responseFormatOr() { return responseFormat == null ? "json_schema" : responseFormat; }
    public Map<String, String> headersOr() { return headers == null ? Map.of() : headers; }
    /** Calls in a row that fail to reach the provider before it counts as down (0 = never). */
    public int maxConsecutiveFailuresOr() { return maxConsecutiveFailures == null ? 10 : maxConsecutiveFailures; }
  }

  /** A named model: which provider serves it, its id there, limits and prices. */
  public record ModelConfig(
      @JsonProperty(value = "provider", required = true) String provider,
      @JsonProperty(value = "model", required = true) String model,
      @JsonProperty("requests_per_minute") Double requestsPerMinute,
      @JsonProperty("tokens_per_minute") Double tokensPerMinute,
      @JsonProperty("input_price_per_mtok") Double inputPricePerMtok,
      @JsonProperty("output_price_per_mtok") Double outputPricePerMtok,
      @JsonProperty("temperature") Double temperature,
      @JsonProperty("max_tokens") Integer maxTokens,
      @JsonProperty("top_logprobs") Integer topLogprobs,
      @JsonProperty("response_format") String responseFormat) {

    public double inputPrice() { return inputPricePerMtok == null ? 0 : inputPricePerMtok; }
    public double outputPrice() { return outputPricePerMtok == null ? 0 : outputPricePerMtok; }
    public double temperatureOr() { return temperature == null ? 0.0 : temperature; }
    public int maxTokensOr() { return maxTokens == null ? 256 : maxTokens; }
    /** 0 = do not ask for logprobs. */
    public int topLogprobsOr() { return topLogprobs == null ? 0 : topLogprobs; }
  }

  /** Resolves the configuration file: explicit path, then $KNOB_CONFIG, then ./knob.yaml. */
  public static Path locate(Path explicit, Function<String, String> env) {
    if (explicit != null) return explicit;
    String v = env.apply("KNOB_CONFIG");
    if (v != null && !v.isBlank()) return Path.of(v);
    return Path.of("knob.yaml");
  }

  /** Loads and validates a configuration file. */
  public static KnobConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new UserException(file + ": no such file (give --config FILE, set KNOB_CONFIG, or create ./knob.yaml)");
    } catch (IOException e) {
      throw new UserException(file + ": cannot read: " + e.getMessage(), e);
    }
    return parse(text, file);
  }

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** Raw file shape (the record above adds the source path). */
  private record Raw(
      @JsonProperty("store") String store,
      @JsonProperty("providers") Map<String, ProviderConfig> providers,
      @JsonProperty("models") Map<String, ModelConfig> models) {}

  /** Parses configuration text; {@code source} only names the file in messages. */
  public static KnobConfig parse(String text, Path source) {
    Raw raw;
    try {
      raw = YAML.readValue(text, Raw.class);
    } catch (JsonProcessingException e) {
      throw new UserException(describe(e, source, text), e);
    }
    if (raw == null) throw new UserException(source + ": empty configuration");
    KnobConfig c = new KnobConfig(raw.store(), raw.providers(), raw.models(), source);
    c.validate(text);
    return c;
  }

  private static String describe(JsonProcessingException e, Path source, String text) {
    var syntax = io.personaknob.core.ParseErrors.yaml(e);
    if (syntax.isPresent()) return syntaxError(source, syntax.get());
    JsonLocation loc = e.getLocation();
    int line = loc != null && loc.getLineNr() > 0 ? loc.getLineNr() : 0;
    if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
      // The parser has moved on by the time the binder complains: find the key's own line.
      String p = path(m.getPath());
      int l = lineOf(text, p);
      if (l > 0) line = l;
    }
    String where = source + (line > 0 ? " line " + line : "");
    if (e instanceof UnrecognizedPropertyException u) {
      String parent = path(u.getPath().subList(0, u.getPath().size() - 1));
      return where + ": unknown key '" + u.getPropertyName() + "'" + (parent.isEmpty() ? "" : " in " + parent)
          + " (known: " + String.join(", ", u.getKnownPropertyIds().stream().map(Object::toString).sorted().toList()) + ")";
    }
    if (e instanceof InvalidFormatException f) {
      return where + ": key " + path(f.getPath()) + ": expected " + simpleType(f.getTargetType())
          + ", got '" + f.getValue() + "'";
    }
    if (e instanceof MismatchedInputException m) {
      String msg = m.getOriginalMessage();
      if (msg != null && msg.startsWith("Missing required creator property")) {
        String key = msg.replaceAll("(?s)^Missing required creator property '([^']*)'.*$", "$1");
        var refs = m.getPath();
        if (!refs.isEmpty() && key.equals(refs.get(refs.size() - 1).getFieldName())) refs = refs.subList(0, refs.size() - 1);
        String p = path(refs);
        return where + ": " + (p.isEmpty() ? "" : p + ": ") + "missing required key '" + key + "'";
      }
      return where + ": key " + path(m.getPath()) + ": expected " + simpleType(m.getTargetType());
    }
    if (e instanceof JsonMappingException m) {
      return where + ": key " + path(m.getPath()) + ": " + firstLine(m.getOriginalMessage());
    }
    return syntaxError(source, io.personaknob.core.ParseErrors.of(e));
  }

  /** "FILE line L, column C: malformed YAML: the parser's whole reason". */
  private static String syntaxError(Path source, io.personaknob.core.ParseErrors.Where w) {
    String at = w.line() > 0 ? " line " + w.line() + (w.column() > 0 ? ", column " + w.column() : "") : "";
    return source + at + ": malformed YAML: " + w.reason();
  }

  private static String firstLine(String s) {
    if (s == null) return "";
    int i = s.indexOf('\n');
    return i < 0 ? s : s.substring(0, i);
  }

  private static String simpleType(Class<?> t) {
    if (t == null) return "a different value";
    if (t == Integer.class || t == int.class || t == Long.class || t == long.class) return "an integer";
    if (t == Double.class || t == double.class) return "a number";
    if (t == String.class) return "a string";
    if (Map.class.isAssignableFrom(t) || t.isRecord()) return "a mapping";
    return t.getSimpleName();
  }

  private static String path(List<JsonMappingException.Reference> refs) {
    StringBuilder sb = new StringBuilder();
    for (var r : refs) {
      if (r.getFieldName() != null) {
        if (!sb.isEmpty()) sb.append('.');
        sb.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private void validate(String text) {
    List<String> formats = List.of("json_schema", "json_object", "none");
    for (var e : providers.entrySet()) {
      String p = "providers." + e.getKey();
      ProviderConfig pc = e.getValue();
      if (pc == null) throw err(text, p, "empty provider entry");
      try {
        URI u = URI.create(pc.baseUrl());
        if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null)
          throw new IllegalArgumentException();
      } catch (IllegalArgumentException ex) {
        throw err(text, p + ".base_url", "not an http(s) URL: '" + pc.baseUrl() + "'");
      }
      if (pc.maxInFlight() != null && pc.maxInFlight() < 1) throw err(text, p + ".max_in_flight", "must be ≥ 1");
      if (pc.maxRetries() != null && pc.maxRetries() < 0) throw err(text, p + ".max_retries", "must be ≥ 0");
      if (pc.maxConsecutiveFailures() != null && pc.maxConsecutiveFailures() < 0)
        throw err(text, p + ".max_consecutive_failures", "must be ≥ 0");
      if (pc.timeoutSeconds() != null && !(pc.timeoutSeconds() > 0)) throw err(text, p + ".timeout_seconds", "must be > 0");
      if (pc.responseFormat() != null && !formats.contains(pc.responseFormat()))
        throw err(text, p + ".response_format", "must be one of " + formats);
      positive(text, p + ".requests_per_minute", pc.requestsPerMinute());
      positive(text, p + ".tokens_per_minute", pc.tokensPerMinute());
      if (pc.apiKeyEnv() != null && !pc.apiKeyEnv().matches("[A-Za-z_][A-Za-z0-9_]*"))
        throw err(text, p + ".api_key_env", "must be the NAME of an environment variable (letters, digits, _), not a key");
    }
    for (var e : models.entrySet()) {
      String p = "models." + e.getKey();
      ModelConfig mc = e.getValue();
      if (mc == null) throw err(text, p, "empty model entry");
      if (!providers.containsKey(mc.provider()))
        throw err(text, p + ".provider", "unknown provider '" + mc.provider() + "' (known: "
            + String.join(", ", providers.keySet()) + ")");
      positive(text, p + ".requests_per_minute", mc.requestsPerMinute());
      positive(text, p + ".tokens_per_minute", mc.tokensPerMinute());
      if (mc.maxTokens() != null && mc.maxTokens() < 1) throw err(text, p + ".max_tokens", "must be ≥ 1");
      if (mc.topLogprobs() != null && (mc.topLogprobs() < 0 || mc.topLogprobs() > 20))
        throw err(text, p + ".top_logprobs", "must be between 0 and 20");
      if (mc.inputPricePerMtok() != null && mc.inputPricePerMtok() < 0) throw err(text, p + ".input_price_per_mtok", "must be ≥ 0");
      if (mc.outputPricePerMtok() != null && mc.outputPricePerMtok() < 0) throw err(text, p + ".output_price_per_mtok", "must be ≥ 0");
      if (mc.responseFormat() != null && !formats.contains(mc.responseFormat()))
        throw err(text, p + ".response_format", "must be one of " + formats);
    }
  }

  private void positive(String text, String key, Double v) {
    if (v != null && !(v > 0)) throw err(text, key, "must be > 0");
  }

  private UserException err(String text, String keyPath, String msg) {
    int line = lineOf(text, keyPath);
    return new UserException(source + (line > 0 ? " line " + line : "") + ": key " + keyPath + ": " + msg);
  }

  /**
   * The line of a dotted key path in block-style YAML (1-based), or of its deepest parent found; 0 when
   * none is found. Used for messages only.
   */
  static int lineOf(String text, String keyPath) {
    String[] keys = keyPath.split("\\.");
    String[] lines = text.split("\n", -1);
    int from = 0, found = 0, minIndent = -1;
    for (String k : keys) {
      int hit = -1;
      for (int i = from; i < lines.length; i++) {
        String l = lines[i];
        String t = l.stripLeading();
        if (t.isEmpty() || t.startsWith("#")) continue;
        int ind = l.length() - t.length();
        if (ind <= minIndent) break;
        if (t.startsWith(k + ":") || t.startsWith("\"" + k + "\":") || t.startsWith("'" + k + "':")) {
          hit = i;
          minIndent = ind;
          break;
        }
      }
      if (hit < 0) break;
      found = hit + 1;
      from = hit + 1;
    }
    return found;
  }

  /** The model entry for a name, or a clear error listing the known names. */
  public ModelConfig model(String name) {
    ModelConfig m = models.get(name);
    if (m == null)
      throw new UserException(source + ": unknown model '" + name + "' (known: " + String.join(", ", models.keySet()) + ")");
    return m;
  }

  /** The provider entry for a name, or a clear error. */
  public ProviderConfig provider(String name) {
    ProviderConfig p = providers.get(name);
    if (p == null)
      throw new UserException(source + ": unknown provider '" + name + "' (known: " + String.join(", ", providers.keySet()) + ")");
    return p;
  }

  /** The configuration as plain data for provenance (it holds no secrets: only variable names). */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("source", String.valueOf(source));
    m.put("providers", new ArrayList<>(providers.keySet()));
    m.put("models", new ArrayList<>(models.keySet()));
    return m;
  }
}
