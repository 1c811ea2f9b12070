package io.personaknob.llm.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.llm.ChatResponse;
import io.personaknob.llm.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The judges' reply formats: their JSON schemas, validation of a reply against them, and the
 * probability-weighted reading of the verdict token from top_logprobs.
 */
public final class Replies {
  private Replies() {}

  /** {"reason": string, "rating": integer 1..7}. */
  public static final JsonNode POINTWISE_SCHEMA = schema("""
      {"type":"object","properties":{"reason":{"type":"string"},
       "rating":{"type":"integer","minimum":1,"maximum":7}},
       "required":["reason","rating"],"additionalProperties":false}""");

  /** {"reason": string, "preferred": "A" | "B" | "tie"}. */
  public static final JsonNode PAIRWISE_SCHEMA = schema("""
      {"type":"object","properties":{"reason":{"type":"string"},
       "preferred":{"type":"string","enum":["A","B","tie"]}},
       "required":["reason","preferred"],"additionalProperties":false}""");

  private static JsonNode schema(String s) {
    try {
      return Json.read(s);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A validated reply or the reason it is not one (fed back to the judge in the repair turn). */
  public record Parsed(Integer rating, String preferred, String reason, String error) {
    public boolean ok() { return error == null; }
  }

  public static Parsed pointwise(String text) {
    JsonNode n = Json.objectIn(text);
    if (n == null) return new Parsed(null, null, null, "the reply is not a JSON object");
    JsonNode r = n.get("rating");
    if (r == null) return new Parsed(null, null, null, "the key \"rating\" is missing");
    if (!r.isIntegralNumber() && !(r.isNumber() && r.asDouble() == Math.rint(r.asDouble())))
      return new Parsed(null, null, null, "\"rating\" must be an integer from 1 to 7, got " + r);
    int v = r.asInt();
    if (v < 1 || v > 7) return new Parsed(null, null, null, "\"rating\" must be from 1 to 7, got " + v);
    JsonNode reason = n.get("reason");
    if (reason == null || !reason.isTextual()) return new Parsed(null, null, null, "the key \"reason\" (a string) is missing");
    return new Parsed(v, null, reason.asText(), null);
  }

  public static Parsed pairwise(String text) {
    JsonNode n = Json.objectIn(text);
    if (n == null) return new Parsed(null, null, null, "the reply is not a JSON object");
    JsonNode p = n.get("preferred");
    if (p == null || !p.isTextual()) return new Parsed(null, null, null, "the key \"preferred\" (a string) is missing");
    String v = p.asText().strip();
    String norm = v.equalsIgnoreCase("A") ? "A" : v.equalsIgnoreCase("B") ? "B" : v.equalsIgnoreCase("tie") ? "tie" : null;
    if (norm == null) return new Parsed(null, null, null, "\"preferred\" must be \"A\", \"B\" or \"tie\", got \"" + v + "\"");
    JsonNode reason = n.get("reason");
    if (reason == null || !reason.isTextual()) return new Parsed(null, null, null, "the key \"reason\" (a string) is missing");
    return new Parsed(null, norm, reason.asText(), null);
  }

  private static final Pattern RATING = Pattern.compile("\"rating\"\\s*:\\s*\"?([1-7])");
  private static final Pattern PREFERRED = Pattern.compile("\"preferred\"\\s*:\\s*\"(A|B|tie)");

  /**
   * The probability distribution over labels at the token where the verdict was written, from the
   * reply's top_logprobs, renormalised over the labels; null when it cannot be read (no logprobs,
   * tokens that do not spell the reply, or a verdict token that is not a bare label).
   */
  static Map<String, Double> verdictDistribution(ChatResponse r, Pattern p, List<String> labels) {
    if (r == null || r.logprobs().isEmpty()) return null;
    Matcher m = p.matcher(r.content());
    if (!m.find()) return null;
    int at = m.start(1);
    int pos = 0;
    ChatResponse.TokenLogprob hit = null;
    StringBuilder spelled = new StringBuilder();
    for (ChatResponse.TokenLogprob t : r.logprobs()) {
      int end = pos + t.token().length();
      if (hit == null && at >= pos && at < end) hit = t;
      spelled.append(t.token());
      pos = end;
    }
    if (hit == null || !r.content().startsWith(spelled.toString()) && !spelled.toString().equals(r.content())) return null;
    String own = label(hit.token());
    if (own == null || !labels.contains(own) || !m.group(1).startsWith(own)) return null;
    Map<String, Double> mass = new LinkedHashMap<>();
    for (String l : labels) mass.put(l, 0.0);
    boolean ownListed = false;
    for (ChatResponse.Alternative a : hit.top()) {
      String l = label(a.token());
      if (l != null && mass.containsKey(l)) mass.merge(l, Math.exp(a.logprob()), Double::sum);
      if (a.token().equals(hit.token())) ownListed = true;
    }
    if (!ownListed) mass.merge(own, Math.exp(hit.logprob()), Double::sum);
    double z = mass.values().stream().mapToDouble(Double::doubleValue).sum();
    if (!(z > 0)) return null;
    mass.replaceAll((k, v) -> v / z);
    return mass;
  }

  /** A token as a verdict label: without surrounding spaces, quotes and JSON punctuation (" 5", "5}", "\"A"). */
  static String label(String token) {
    int a = 0, b = token.length();
    while (a < b && " \t\n\"',:{}".indexOf(token.charAt(a)) >= 0) a++;
    while (b > a && " \t\n\"',:{}".indexOf(token.charAt(b - 1)) >= 0) b--;
    String t = token.substring(a, b);
    if (t.equalsIgnoreCase("tie")) return "tie";
    return t.isEmpty() ? null : t;
  }

  /**
   * The judge's probability of each rating 1..7 (index k−1) at the rating token, renormalised over 1..7
   * (ratings absent from the top_logprobs get 0), or null when it cannot be read.
   */
  public static double[] ratingDistribution(ChatResponse r) {
    Map<String, Double> d = verdictDistribution(r, RATING, List.of("1", "2", "3", "4", "5", "6", "7"));
    if (d == null) return null;
    double[] p = new double[7];
    for (var x : d.entrySet()) p[Integer.parseInt(x.getKey()) - 1] = x.getValue();
    return p;
  }

  /** Σ k·p(k) over the ratings 1..7, or null. */
  public static Double expectedRating(ChatResponse r) {
    double[] p = ratingDistribution(r);
    if (p == null) return null;
    double e = 0;
    for (int k = 0; k < 7; k++) e += (k + 1) * p[k];
    return e;
  }

  /** P(A preferred) / (P(A) + P(B)) at the verdict token, or null. */
  public static Double probabilityA(ChatResponse r) {
    Map<String, Double> d = verdictDistribution(r, PREFERRED, List.of("A", "B"));
    if (d == null) return null;
    return d.get("A");
  }

  static ObjectNode exampleShape(Mode mode) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("reason", "...");
    if (mode == Mode.POINTWISE) n.put("rating", 4);
    else n.put("preferred", "A");
    return n;
  }
}
