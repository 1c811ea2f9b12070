package io.personaknob.lm.structured;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles the JSON-schema subset that structured outputs support into {@link Node}s: type (a name or a
 * list), properties (generated in schema order), required, additionalProperties, items, minItems,
 * maxItems, enum, const, minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf (a power of ten from
 * 1 down to 1e-8: at most that many fraction digits), minLength, maxLength, anyOf (alternatives must start with different characters), and the annotations title, description,
 * default, examples, $schema, $comment. Anything else is refused naming the keyword; a schema that
 * allows no value is refused too. Strings without maxLength get the server's bound so that generation
 * terminates.
 */
final class SchemaCompiler {
  static final Set<String> ANNOTATIONS = Set.of("title", "description", "default", "examples", "$schema", "$comment", "strict");
  static final Set<String> KEYWORDS = Set.of("type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
      "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "anyOf", "multipleOf");
  static final long INT_LIMIT = 999_999_999_999_999_999L;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final int defaultMaxLength;

  SchemaCompiler(int defaultMaxLength) {
    this.defaultMaxLength = defaultMaxLength;
  }

  /** The node of a schema, or null when the schema allows no value. */
  Node compile(JsonNode schema, String path) {
    if (schema.isBoolean()) {
      if (!schema.asBoolean()) return null;
      return new Node.Any(3, defaultMaxLength);
    }
    if (!schema.isObject()) throw new SchemaException(path + ": a schema must be an object");
    for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!KEYWORDS.contains(k) && !ANNOTATIONS.contains(k)) {
        throw new SchemaException(path + ": unsupported JSON schema keyword '" + k + "'");
      }
    }
    if (schema.has("anyOf")) {
      JsonNode alts = schema.get("anyOf");
      if (!alts.isArray() || alts.isEmpty()) throw new SchemaException(path + ".anyOf: must be a non-empty array");
      for (String k : KEYWORDS) {
        if (!k.equals("anyOf") && schema.has(k)) throw new SchemaException(path + ": 'anyOf' beside '" + k + "' is not supported");
      }
      List<Node> nodes = new ArrayList<>();
      for (int i = 0; i < alts.size(); i++) {
        Node n = compile(alts.get(i), path + ".anyOf[" + i + "]");
        if (n != null) nodes.add(n);
      }
      return union(nodes, path);
    }
    List<JsonNode> enumValues = null;
    if (schema.has("enum")) {
      JsonNode e = schema.get("enum");
      if (!e.isArray()) throw new SchemaException(path + ".enum: must be an array");
      enumValues = new ArrayList<>();
      e.forEach(enumValues::add);
    }
    if (schema.has("const")) {
      List<JsonNode> c = List.of(schema.get("const"));
      enumValues = enumValues == null ? c : enumValues.stream().filter(c::contains).toList();
    }
    JsonNode type = schema.get("type");
    List<String> types = new ArrayList<>();
    if (type == null) {
      if (enumValues == null) {
        if (schema.has("properties")) types.add("object");
        else if (schema.has("items")) types.add("array");
        else return new Node.Any(3, defaultMaxLength);
      } else {
        types.addAll(List.of("object", "array", "string", "integer", "number", "boolean", "null"));
      }
    } else if (type.isTextual()) {
      types.add(type.asText());
    } else if (type.isArray()) {
      for (JsonNode t : type) {
        if (!t.isTextual()) throw new SchemaException(path + ".type: must be a string or an array of strings");
        types.add(t.asText());
      }
    } else {
      throw new SchemaException(path + ".type: must be a string or an array of strings");
    }
    if (enumValues != null) return literals(enumValues, types, schema, path);
    List<Node> nodes = new ArrayList<>();
    for (String t : types) {
      Node n = switch (t) {
        case "object" -> object(schema, path);
        case "array" -> array(schema, path);
        case "string" -> string(schema, path);
        case "integer" -> integer(schema, path);
        case "number" -> number(schema, path);
        case "boolean" -> new Node.Lit(List.of(Grammar.bytes("true"), Grammar.bytes("false")));
        case "null" -> new Node.Lit(List.of(Grammar.bytes("null")));
        default -> throw new SchemaException(path + ".type: unknown type '" + t + "'");
      };
      if (n != null) nodes.add(n);
    }
    return union(nodes, path);
  }

  private Node union(List<Node> nodes, String path) {
    if (nodes.isEmpty()) return null;
    if (nodes.size() == 1) return nodes.get(0);
    List<Node> flat = new ArrayList<>();
    for (Node n : nodes) {
      if (n instanceof Node.Union u) flat.addAll(u.alternatives);
      else flat.add(n);
    }
    boolean[] seen = new boolean[256];
    for (Node n : flat) {
      boolean[] first = firstBytes(n);
      for (int b = 0; b < 256; b++) {
        if (first[b] && seen[b]) {
          throw new SchemaException(path + ": alternatives (anyOf or a list of types) that can start with the same character ('"
              + (char) b + "') are not supported");
        }
        seen[b] |= first[b];
      }
    }
    return new Node.Union(flat);
  }

  static boolean[] firstBytes(Node n) {
    boolean[] f = new boolean[256];
    switch (n) {
      case Node.Obj o -> f['{'] = true;
      case Node.Arr a -> f['['] = true;
      case Node.Str s -> f['"'] = true;
      case Node.Lit l -> l.options.forEach(o -> f[o[0] & 0xFF] = true);
      case Node.Int i -> {
        for (int d = '0'; d <= '9'; d++) f[d] = true;
        f['-'] = i.min < 0;
      }
      case Node.Num x -> {
        for (int d = '0'; d <= '9'; d++) f[d] = true;
        f['-'] = x.min < 0;
      }
      case Node.Union u -> u.alternatives.forEach(a -> {
        boolean[] g = firstBytes(a);
        for (int b = 0; b < 256; b++) f[b] |= g[b];
      });
      case Node.Any a -> {
        for (int b : "{[\"-0123456789tfn".getBytes()) f[b] = true;
      }
    }
    return f;
  }

  private Node literals(List<JsonNode> values, List<String> types, JsonNode schema, String path) {
    Set<String> texts = new LinkedHashSet<>();
    for (JsonNode v : values) {
      String t = v.isObject() ? "object" : v.isArray() ? "array" : v.isTextual() ? "string" : v.isIntegralNumber() ? "integer"
          : v.isNumber() ? "number" : v.isBoolean() ? "boolean" : "null";
      boolean ok = types.contains(t) || (t.equals("integer") && types.contains("number"));
      if (t.equals("number") && types.contains("integer") && v.asDouble() == Math.rint(v.asDouble())) ok = true;
      if (!ok) continue;
      try {
        texts.add(JSON.writeValueAsString(v));
      } catch (JsonProcessingException e) {
        throw new SchemaException(path + ".enum: " + e.getOriginalMessage());
      }
    }
    if (texts.isEmpty()) return null;
    if (texts.size() > 64) throw new SchemaException(path + ".enum: more than 64 values are not supported");
    List<byte[]> opts = new ArrayList<>();
    for (String t : texts) opts.add(Grammar.bytes(t));
    return new Node.Lit(opts);
  }

  private Node object(JsonNode schema, String path) {
    JsonNode props = schema.get("properties");
    if (props != null && !props.isObject()) throw new SchemaException(path + ".properties: must be an object");
    Set<String> required = new LinkedHashSet<>();
    JsonNode req = schema.get("required");
    if (req != null) {
      if (!req.isArray()) throw new SchemaException(path + ".required: must be an array of property names");
      for (JsonNode r : req) {
        if (!r.isTextual()) throw new SchemaException(path + ".required: must be an array of property names");
        if (props == null || !props.has(r.asText())) {
          throw new SchemaException(path + ".required: property '" + r.asText() + "' has no schema in 'properties'");
        }
        required.add(r.asText());
      }
    }
    JsonNode ap = schema.get("additionalProperties");
    if (ap != null && !ap.isBoolean() && !ap.isObject()) throw new SchemaException(path + ".additionalProperties: must be a boolean or a schema");
    List<Node.Prop> out = new ArrayList<>();
    if (props != null) {
      for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
        var e = it.next();
        Node v = compile(e.getValue(), path + ".properties." + e.getKey());
        boolean r = required.contains(e.getKey());
        if (v == null) {
          if (r) return null;
          continue;
        }
        try {
          out.add(new Node.Prop(e.getKey(), Grammar.bytes(JSON.writeValueAsString(e.getKey())), v, r));
        } catch (JsonProcessingException ex) {
          throw new SchemaException(path + ".properties: " + ex.getOriginalMessage());
        }
      }
    }
    if (out.size() > 64) throw new SchemaException(path + ".properties: more than 64 properties are not supported");
    return new Node.Obj(out);
  }

  private Node array(JsonNode schema, String path) {
    int min = count(schema, "minItems", 0, path);
    int max = count(schema, "maxItems", Integer.MAX_VALUE, path);
    if (min > max) return null;
    JsonNode items = schema.get("items");
    Node item = items == null ? new Node.Any(3, defaultMaxLength) : compile(items, path + ".items");
    if (item == null) {
      if (min > 0) return null;
      max = 0;
    }
    return new Node.Arr(item, min, max);
  }

  private Node string(JsonNode schema, String path) {
    int min = count(schema, "minLength", 0, path);
    int max = count(schema, "maxLength", Math.max(defaultMaxLength, min), path);
    return min > max ? null : new Node.Str(min, max);
  }

  private Node integer(JsonNode schema, String path) {
    fractionDigits(schema, path); // every integer is a multiple of 1, 0.1, ...
    double lo = bound(schema, "minimum", path);
    double hi = bound(schema, "maximum", path);
    double xlo = bound(schema, "exclusiveMinimum", path);
    double xhi = bound(schema, "exclusiveMaximum", path);
    long min = -INT_LIMIT;
    long max = INT_LIMIT;
    if (!Double.isNaN(lo)) min = Math.max(min, (long) Math.ceil(lo));
    if (!Double.isNaN(xlo)) min = Math.max(min, (long) Math.floor(xlo) + 1);
    if (!Double.isNaN(hi)) max = Math.min(max, (long) Math.floor(hi));
    if (!Double.isNaN(xhi)) max = Math.min(max, (long) Math.ceil(xhi) - 1);
    return min > max ? null : new Node.Int(min, max);
  }

  private Node number(JsonNode schema, String path) {
    double lo = bound(schema, "minimum", path);
    double hi = bound(schema, "maximum", path);
    double xlo = bound(schema, "exclusiveMinimum", path);
    double xhi = bound(schema, "exclusiveMaximum", path);
    double min = Double.NEGATIVE_INFINITY;
    double max = Double.POSITIVE_INFINITY;
    if (!Double.isNaN(lo)) min = Math.max(min, lo);
    if (!Double.isNaN(xlo)) min = Math.max(min, Math.nextUp(xlo));
    if (!Double.isNaN(hi)) max = Math.min(max, hi);
    if (!Double.isNaN(xhi)) max = Math.min(max, Math.nextDown(xhi));
    int fd = fractionDigits(schema, path);
    if (min > max) return null;
    if (Double.isFinite(min) && Double.isFinite(max)) { // some multiple of 10^-fd must lie in [min, max]
      BigDecimal first = new BigDecimal(min).setScale(fd, RoundingMode.CEILING);
      if (first.compareTo(new BigDecimal(max)) > 0) return null;
    }
    return new Node.Num(min, max, fd);
  }

  /** multipleOf as a number of fraction digits: 1 gives 0, 0.1 gives 1, ... 1e-8 gives 8; absent gives 8. */
  private static int fractionDigits(JsonNode schema, String path) {
    JsonNode v = schema.get("multipleOf");
    if (v == null) return Grammar.NumIn.MAX_FRACTION_DIGITS;
    BigDecimal d = v.isNumber() ? v.decimalValue().stripTrailingZeros() : null;
    if (d == null || !java.math.BigInteger.ONE.equals(d.unscaledValue()) || d.scale() < 0
        || d.scale() > Grammar.NumIn.MAX_FRACTION_DIGITS) {
      throw new SchemaException(path + ".multipleOf: only a power of ten from 1 down to 1e-8 is supported, got " + v);
    }
    return d.scale();
  }

  private static int count(JsonNode schema, String k, int dflt, String path) {
    JsonNode v = schema.get(k);
    if (v == null) return dflt;
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
      throw new SchemaException(path + "." + k + ": must be a non-negative integer");
    }
    return v.intValue();
  }

  private static double bound(JsonNode schema, String k, String path) {
    JsonNode v = schema.get(k);
    if (v == null) return Double.NaN;
    if (!v.isNumber()) throw new SchemaException(path + "." + k + ": must be a number");
    return v.doubleValue();
  }
}
