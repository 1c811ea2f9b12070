package io.personaknob.lm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The sampling parameters of an OpenAI request, validated with OpenAI's ranges: temperature 0..2
 * (default 1), top_p in (0, 1] (default 1), max_tokens (or max_completion_tokens) ≥ 1, at most 4 stop
 * strings, 1 ≤ n ≤ the server's maximum, stream with stream_options.include_usage; chat top_logprobs 0..20 (needs logprobs=true), completions logprobs 0..5. top_k is
 * accepted as an extension (0 = off), as vLLM does.
 */
record Sampling(
    Integer maxTokens,
    double temperature,
    int topK,
    double topP,
    Long seed,
    List<String> stop,
    boolean logprobs,
    int topLogprobs,
    int n,
    boolean stream,
    boolean includeUsage) {

  static Sampling parse(ObjectNode req, boolean chat, int maxN) {
    JsonNode st0 = req.get("stream");
    if (st0 != null && !st0.isNull() && !st0.isBoolean()) throw ApiError.invalid("stream", "Invalid type for 'stream': expected a boolean");
    boolean stream = st0 != null && st0.asBoolean(false);
    boolean includeUsage = false;
    JsonNode so = req.get("stream_options");
    if (so != null && !so.isNull()) {
      if (!stream) throw ApiError.invalid("stream_options", "'stream_options' is only allowed when 'stream' is true");
      if (!so.isObject()) throw ApiError.invalid("stream_options", "Invalid type for 'stream_options': expected an object");
      JsonNode iu = so.get("include_usage");
      if (iu != null && !iu.isNull() && !iu.isBoolean()) {
        throw ApiError.invalid("stream_options.include_usage", "Invalid type for 'stream_options.include_usage': expected a boolean");
      }
      includeUsage = iu != null && iu.asBoolean(false);
    }
    Integer nBoxed = integer(req, "n", 1, Integer.MAX_VALUE);
    int n = nBoxed == null ? 1 : nBoxed;
    if (n > maxN) {
      throw ApiError.invalid("n", "Invalid 'n': " + n + " is greater than this server's maximum of " + maxN + " (knob serve --max-n)");
    }
    double temperature = number(req, "temperature", 1.0, 0.0, 2.0);
    double topP = number(req, "top_p", 1.0, 0.0, 1.0);
    if (req.has("top_p") && topP <= 0) throw ApiError.invalid("top_p", "Invalid 'top_p': must be greater than 0 and at most 1");
    Integer topKBoxed = integer(req, "top_k", 0, Integer.MAX_VALUE);
    int topK = topKBoxed == null ? 0 : topKBoxed;
    Integer maxTokens = integer(req, "max_completion_tokens", 1, Integer.MAX_VALUE);
    Integer mt = integer(req, "max_tokens", 1, Integer.MAX_VALUE);
    if (maxTokens == null) maxTokens = mt;
    if (!chat && maxTokens == null) maxTokens = 16; // the OpenAI default for completions
    Long seed = null;
    JsonNode s = req.get("seed");
    if (s != null && !s.isNull()) {
      if (!s.isIntegralNumber() || !s.canConvertToLong()) throw ApiError.invalid("seed", "Invalid type for 'seed': expected an integer");
      seed = s.longValue();
    }
    List<String> stop = new ArrayList<>();
    JsonNode st = req.get("stop");
    if (st != null && !st.isNull()) {
      if (st.isTextual()) stop.add(st.asText());
      else if (st.isArray()) {
        for (JsonNode x : st) {
          if (!x.isTextual()) throw ApiError.invalid("stop", "Invalid 'stop': expected a string or an array of strings");
          stop.add(x.asText());
        }
      } else {
        throw ApiError.invalid("stop", "Invalid 'stop': expected a string or an array of strings");
      }
      if (stop.size() > 4) throw ApiError.invalid("stop", "Invalid 'stop': at most 4 stop sequences");
      if (stop.stream().anyMatch(String::isEmpty)) throw ApiError.invalid("stop", "Invalid 'stop': empty stop sequence");
    }
    boolean logprobs;
    int top;
    if (chat) {
      JsonNode lp = req.get("logprobs");
      if (lp != null && !lp.isNull() && !lp.isBoolean()) throw ApiError.invalid("logprobs", "Invalid type for 'logprobs': expected a boolean");
      logprobs = lp != null && lp.asBoolean(false);
      Integer t = integer(req, "top_logprobs", 0, 20);
      if (t != null && t > 0 && !logprobs) {
        throw ApiError.invalid("top_logprobs", "'top_logprobs' requires 'logprobs' to be true");
      }
      top = t == null ? 0 : t;
    } else {
      Integer t = integer(req, "logprobs", 0, 5);
      logprobs = t != null;
      top = t == null ? 0 : t;
    }
    return new Sampling(maxTokens, temperature, topK, topP, seed, stop, logprobs, top, n, stream, includeUsage);
  }

  private static double number(ObjectNode req, String name, double dflt, double min, double max) {
    JsonNode v = req.get(name);
    if (v == null || v.isNull()) return dflt;
    if (!v.isNumber()) throw ApiError.invalid(name, "Invalid type for '" + name + "': expected a number, got " + v);
    double d = v.doubleValue();
    if (!(d >= min && d <= max)) {
      throw ApiError.invalid(name, "Invalid '" + name + "': " + v + " is not between " + fmt(min) + " and " + fmt(max));
    }
    return d;
  }

  private static Integer integer(ObjectNode req, String name, int min, int max) {
    JsonNode v = req.get(name);
    if (v == null || v.isNull()) return null;
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw ApiError.invalid(name, "Invalid type for '" + name + "': expected an integer, got " + v);
    }
    int i = v.intValue();
    if (name.equals("top_k") && i == -1) return 0; // vLLM's "off"
    if (i < min || i > max) {
      throw ApiError.invalid(name, "Invalid '" + name + "': " + i + (max == Integer.MAX_VALUE ? " is below the minimum of " + min
          : " is not between " + min + " and " + max));
    }
    return i;
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }
}
