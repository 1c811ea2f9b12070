package io.personaknob.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.data.Dimension;
import io.personaknob.llm.Json;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The JSON schemas of the pipeline's structured outputs (sent as {@code response_format} json_schema), and
 * a validator for the subset they use, whose messages go back to the model in a repair turn.
 */
public final class Schemas {
  private Schemas() {}

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private static ObjectNode str() {
    // no minLength: OpenAI's strict structured outputs reject it; emptiness is checked by violation()
    return F.objectNode().put("type", "string");
  }

  private static ObjectNode bool() {
    return F.objectNode().put("type", "boolean");
  }

  private static ObjectNode object(Map<String, ObjectNode> props) {
    ObjectNode o = F.objectNode().put("type", "object");
    ObjectNode p = o.putObject("properties");
    ArrayNode req = o.putArray("required");
    props.forEach((k, v) -> {
      p.set(k, v);
      req.add(k);
    });
    o.put("additionalProperties", false);
    return o;
  }

  private static ObjectNode perDim(List<Dimension> mask, java.util.function.Supplier<ObjectNode> each) {
    Map<String, ObjectNode> m = new java.util.LinkedHashMap<>();
    for (Dimension d : mask) m.put(d.name(), each.get());
    return object(m);
  }

  /** The generator's reply: context, trigger, prompt, golden, rejects{K}, attribution{K} for K in the mask. */
  public static ObjectNode generator(List<Dimension> mask) {
    Map<String, ObjectNode> m = new java.util.LinkedHashMap<>();
    m.put("context", str());
    m.put("trigger", str());
    m.put("prompt", str());
    m.put("golden", str());
    m.put("rejects", perDim(mask, Schemas::str));
    m.put("attribution", perDim(mask, Schemas::str));
    return object(m);
  }

  /** The attribution checker's reply: {dimensions: {K: {traced, reason}}}. */
  public static ObjectNode attribution(List<Dimension> mask) {
    return object(Map.of("dimensions", perDim(mask, () -> object(ordered("traced", bool(), "reason", str())))));
  }

  /** The verifier's reply: {dimensions: {K: {needed, reason}}, rejects: {K: {fails_own, keeps_others, reason}}}. */
  public static ObjectNode verifier(List<Dimension> mask) {
    Map<String, ObjectNode> m = new java.util.LinkedHashMap<>();
    m.put("dimensions", perDim(mask, () -> object(ordered("needed", bool(), "reason", str()))));
    m.put("rejects", perDim(mask, () -> {
      Map<String, ObjectNode> r = new java.util.LinkedHashMap<>();
      r.put("fails_own", bool());
      r.put("keeps_others", bool());
      r.put("reason", str());
      return object(r);
    }));
    return object(m);
  }

  /** Seed scenes drawn by an LLM: {scenes: [string × count]}. */
  public static ObjectNode seedScenes(int count) {
    ObjectNode arr = F.objectNode().put("type", "array").put("minItems", count).put("maxItems", count);
    arr.set("items", str());
    return object(Map.of("scenes", arr));
  }

  private static Map<String, ObjectNode> ordered(String k1, ObjectNode v1, String k2, ObjectNode v2) {
    Map<String, ObjectNode> m = new java.util.LinkedHashMap<>();
    m.put(k1, v1);
    m.put(k2, v2);
    return m;
  }

  /** A compact example of the shape (for prompts and repair turns): strings as "...", booleans as true. */
  public static String shape(JsonNode schema) {
    return Json.write(example(schema));
  }

  private static JsonNode example(JsonNode s) {
    switch (s.path("type").asText()) {
      case "object": {
        ObjectNode o = F.objectNode();
        s.path("properties").fields().forEachRemaining(e -> o.set(e.getKey(), example(e.getValue())));
        return o;
      }
      case "array":
        return F.arrayNode().add(example(s.path("items")));
      case "boolean":
        return F.booleanNode(true);
      default:
        return F.textNode("...");
    }
  }

  /** Null when {@code v} conforms to {@code schema}, else the first violation as "path: problem". */
  public static String violation(JsonNode v, JsonNode schema) {
    return check(v, schema, "$");
  }

  private static String check(JsonNode v, JsonNode s, String path) {
    String type = s.path("type").asText();
    switch (type) {
      case "object": {
        if (!v.isObject()) return path + ": expected an object";
        for (JsonNode r : s.path("required")) if (!v.has(r.asText()) || v.get(r.asText()).isNull())
          return path + ": missing key '" + r.asText() + "'";
        if (!s.path("additionalProperties").asBoolean(true)) {
          Iterator<String> it = v.fieldNames();
          while (it.hasNext()) {
            String k = it.next();
            if (!s.path("properties").has(k)) return path + ": unexpected key '" + k + "'";
          }
        }
        Iterator<Map.Entry<String, JsonNode>> it = s.path("properties").fields();
        while (it.hasNext()) {
          var e = it.next();
          if (v.has(e.getKey())) {
            String err = check(v.get(e.getKey()), e.getValue(), path + "." + e.getKey());
            if (err != null) return err;
          }
        }
        return null;
      }
      case "array": {
        if (!v.isArray()) return path + ": expected an array";
        if (s.has("minItems") && v.size() < s.get("minItems").asInt()) return path + ": needs at least " + s.get("minItems").asInt() + " items";
        if (s.has("maxItems") && v.size() > s.get("maxItems").asInt()) return path + ": needs at most " + s.get("maxItems").asInt() + " items";
        for (int i = 0; i < v.size(); i++) {
          String err = check(v.get(i), s.path("items"), path + "[" + i + "]");
          if (err != null) return err;
        }
        return null;
      }
      case "boolean":
        return v.isBoolean() ? null : path + ": expected true or false";
      case "string":
        if (!v.isTextual()) return path + ": expected a string";
        if (v.asText().isBlank()) return path + ": empty";
        return null;
      default:
        return null;
    }
  }
}
