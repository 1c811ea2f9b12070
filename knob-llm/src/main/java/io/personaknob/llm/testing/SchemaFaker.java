package io.personaknob.llm.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Iterator;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Deterministic, varied values that conform to a JSON schema (the subset LLM structured outputs use:
 * objects with properties, arrays with minItems/maxItems, enums and const, strings with
 * minLength/maxLength, integers and numbers with minimum/maximum (numbers also with a power-of-ten multipleOf), booleans, nullable type lists).
 * Every property of an object is filled, so the value satisfies any {@code required} list. Strings are
 * pseudo-sentences drawn from a word pool, different for each seed and property name, so scripted
 * pipelines see distinct texts. Test and demo support: no real model is asked anything.
 */
public final class SchemaFaker {

  private static final String[] WORDS = (
      "the a my our their this that river kitchen ledger winter garden manager sister neighbour clinic "
      + "budget deadline promise letter invoice station harbour recipe fever exam project landlord "
      + "colleague bicycle window report meeting question answer doubt careful honest gentle quiet "
      + "sudden late early small large new old bright tired worried certain unsure clear plain "
      + "because although while after before until unless since when where how why which "
      + "noticed asked wrote said checked promised forgot moved built fixed missed chose kept "
      + "admits explains suggests offers notes wonders doubts believes hopes fears plans tries "
      + "again still only even also perhaps probably rarely often never always together alone "
      + "evidence source number estimate schedule routine habit pattern detail option reason "
      + "step idea draft sketch outline map list note plan test trial guess").split("\\s+");

  private SchemaFaker() {}

  /** A value for {@code schema} from {@code seed}; the same seed gives the same value. */
  public static JsonNode fake(JsonNode schema, long seed) {
    return value(schema == null ? JsonNodeFactory.instance.objectNode() : schema, new SplittableRandom(seed), "");
  }

  /** A pseudo-sentence of {@code minWords}..{@code maxWords} words, capitalised, with a full stop. */
  public static String sentence(SplittableRandom rnd, int minWords, int maxWords) {
    int n = minWords + rnd.nextInt(Math.max(1, maxWords - minWords + 1));
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      String w = WORDS[rnd.nextInt(WORDS.length)];
      if (i == 0) w = Character.toUpperCase(w.charAt(0)) + w.substring(1);
      if (i > 0) sb.append(' ');
      sb.append(w);
    }
    return sb.append('.').toString();
  }

  private static JsonNode value(JsonNode s, SplittableRandom rnd, String path) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (s.has("const")) return s.get("const").deepCopy();
    if (s.has("enum") && s.get("enum").size() > 0) return s.get("enum").get(rnd.nextInt(s.get("enum").size())).deepCopy();
    for (String alt : new String[] {"anyOf", "oneOf"}) {
      if (s.path(alt).size() > 0) return value(s.get(alt).get(rnd.nextInt(s.get(alt).size())), rnd, path);
    }
    String type = s.path("type").isArray() ? firstNonNull(s.get("type")) : s.path("type").asText(null);
    if (type == null) type = s.has("properties") ? "object" : s.has("items") ? "array" : "string";
    switch (type) {
      case "object": {
        ObjectNode o = f.objectNode();
        Iterator<Map.Entry<String, JsonNode>> it = s.path("properties").fields();
        while (it.hasNext()) {
          Map.Entry<String, JsonNode> e = it.next();
          o.set(e.getKey(), value(e.getValue(), rnd.split(), path + "/" + e.getKey()));
        }
        return o;
      }
      case "array": {
        int min = s.path("minItems").asInt(1), max = s.path("maxItems").asInt(Math.max(min, 3));
        int n = min + rnd.nextInt(Math.max(1, max - min + 1));
        ArrayNode a = f.arrayNode();
        for (int i = 0; i < n; i++) a.add(value(s.path("items"), rnd.split(), path + "/" + i));
        return a;
      }
      case "integer": {
        long lo = s.has("minimum") ? s.get("minimum").asLong() : 0, hi = s.has("maximum") ? s.get("maximum").asLong() : lo + 100;
        return f.numberNode(lo + rnd.nextLong(Math.max(1, hi - lo + 1)));
      }
      case "number": {
        double lo = s.has("minimum") ? s.get("minimum").asDouble() : 0, hi = s.has("maximum") ? s.get("maximum").asDouble() : lo + 1;
        if (!s.has("multipleOf")) return f.numberNode(Math.round((lo + rnd.nextDouble() * (hi - lo)) * 100) / 100.0);
        // as many decimals as a power-of-ten multipleOf (0.1, 1, ...) allows, rounded inwards so the bounds hold
        int places = Math.max(0, s.get("multipleOf").decimalValue().stripTrailingZeros().scale());
        BigDecimal v = BigDecimal.valueOf(lo + rnd.nextDouble() * (hi - lo)).setScale(places, RoundingMode.HALF_EVEN);
        if (v.doubleValue() > hi) v = BigDecimal.valueOf(hi).setScale(places, RoundingMode.FLOOR);
        if (v.doubleValue() < lo) v = BigDecimal.valueOf(lo).setScale(places, RoundingMode.CEILING);
        return f.numberNode(v.doubleValue());
      }
      case "boolean":
        return f.booleanNode(rnd.nextBoolean());
      case "null":
        return f.nullNode();
      default: {
        int min = s.path("minLength").asInt(0), max = s.path("maxLength").asInt(400);
        String t = sentence(rnd, 6, 18);
        while (t.length() < min) t = t + " " + sentence(rnd, 6, 18);
        if (t.length() > max) t = t.substring(0, max);
        return f.textNode(t);
      }
    }
  }

  private static String firstNonNull(JsonNode types) {
    for (JsonNode t : types) if (!"null".equals(t.asText())) return t.asText();
    return "null";
  }
}
