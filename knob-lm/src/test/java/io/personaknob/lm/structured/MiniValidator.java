package io.personaknob.lm.structured;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * TEST CODE ONLY: an independent validator of the JSON-schema keywords the tests use, written from the
 * JSON Schema 2020-12 validation vocabulary (type, properties, required, additionalProperties: false,
 * items, minItems, maxItems, enum, const, minimum, maximum, exclusiveMinimum, exclusiveMaximum,
 * multipleOf, minLength, maxLength counted in code points, anyOf). Shares no code with the server.
 */
public final class MiniValidator {
  private MiniValidator() {}

  public static List<String> validate(JsonNode schema, JsonNode v) {
    List<String> errors = new ArrayList<>();
    check(schema, v, "$", errors);
    return errors;
  }

  private static void check(JsonNode s, JsonNode v, String at, List<String> errors) {
    if (s.has("anyOf")) {
      for (JsonNode alt : s.get("anyOf")) if (validate(alt, v).isEmpty()) return;
      errors.add(at + ": no anyOf alternative matches");
      return;
    }
    JsonNode type = s.get("type");
    if (type != null) {
      boolean ok = false;
      if (type.isTextual()) ok = hasType(v, type.asText());
      else for (JsonNode t : type) ok |= hasType(v, t.asText());
      if (!ok) {
        errors.add(at + ": not of type " + type);
        return;
      }
    }
    if (s.has("enum")) {
      boolean found = false;
      for (JsonNode e : s.get("enum")) found |= equal(e, v);
      if (!found) errors.add(at + ": not in enum " + s.get("enum"));
    }
    if (s.has("const") && !equal(s.get("const"), v)) errors.add(at + ": not the const");
    if (v.isObject()) {
      JsonNode props = s.path("properties");
      for (JsonNode r : s.path("required")) if (!v.has(r.asText())) errors.add(at + ": missing required '" + r.asText() + "'");
      for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
        var e = it.next();
        if (props.has(e.getKey())) check(props.get(e.getKey()), e.getValue(), at + "." + e.getKey(), errors);
        else if (s.path("additionalProperties").isBoolean() && !s.path("additionalProperties").asBoolean()) {
          errors.add(at + ": additional property '" + e.getKey() + "'");
        }
      }
    }
    if (v.isArray()) {
      if (s.has("minItems") && v.size() < s.get("minItems").asInt()) errors.add(at + ": fewer than minItems");
      if (s.has("maxItems") && v.size() > s.get("maxItems").asInt()) errors.add(at + ": more than maxItems");
      if (s.has("items")) for (int i = 0; i < v.size(); i++) check(s.get("items"), v.get(i), at + "[" + i + "]", errors);
    }
    if (v.isTextual()) {
      int len = v.asText().codePointCount(0, v.asText().length());
      if (s.has("minLength") && len < s.get("minLength").asInt()) errors.add(at + ": shorter than minLength");
      if (s.has("maxLength") && len > s.get("maxLength").asInt()) errors.add(at + ": longer than maxLength");
    }
    if (v.isNumber()) {
      double d = v.asDouble();
      if (s.has("minimum") && d < s.get("minimum").asDouble()) errors.add(at + ": below minimum");
      if (s.has("maximum") && d > s.get("maximum").asDouble()) errors.add(at + ": above maximum");
      if (s.has("exclusiveMinimum") && d <= s.get("exclusiveMinimum").asDouble()) errors.add(at + ": not above exclusiveMinimum");
      if (s.has("exclusiveMaximum") && d >= s.get("exclusiveMaximum").asDouble()) errors.add(at + ": not below exclusiveMaximum");
      if (s.has("multipleOf") && v.decimalValue().remainder(s.get("multipleOf").decimalValue()).signum() != 0) {
        errors.add(at + ": not a multiple of " + s.get("multipleOf"));
      }
    }
  }

  private static boolean equal(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) return a.decimalValue().compareTo(b.decimalValue()) == 0;
    return a.equals(b);
  }

  private static boolean hasType(JsonNode v, String t) {
    return switch (t) {
      case "object" -> v.isObject();
      case "array" -> v.isArray();
      case "string" -> v.isTextual();
      case "integer" -> v.isIntegralNumber() || (v.isNumber() && v.asDouble() == Math.rint(v.asDouble()));
      case "number" -> v.isNumber();
      case "boolean" -> v.isBoolean();
      case "null" -> v.isNull();
      default -> false;
    };
  }
}
