package io.personaknob.lm.structured;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personaknob.lm.decode.TokenConstraint;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Constrained decoding without a model: a "random model" picks uniformly among the allowed tokens of a
 * vocabulary of all single bytes plus multi-byte tokens that cross JSON's structure (quotes with colons,
 * keys, digits, UTF-8 characters). Every finished output must be valid UTF-8, parse as one JSON value
 * and validate against the schema with an independent validator; the cached masks must equal a brute
 * force over the vocabulary.
 */
class JsonConstraintsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> MULTI = List.of("{\"", "\"}", "\":", "\",", "\", \"", "\": \"", " \"", "true", "false", "null",
      "reason", "rating", "\"reason\": \"", "12", "7", "-1", ".5", "é", "\\n", "\\\"", "abc def", "}]", "]}", "},{", "\"A\"",
      "tie", "\uD83D\uDE00", "a".repeat(30), "\"persona\":{\"", "[\"", "\"]", "0", "00", "1.", "e5", "\\u00e9", "\", ");

  static byte[][] vocabulary() {
    List<byte[]> v = new ArrayList<>();
    for (int b = 0; b < 256; b++) v.add(new byte[] {(byte) b});
    for (String m : MULTI) v.add(m.getBytes(StandardCharsets.UTF_8));
    v.add(null); // an end-of-sequence id: never offered
    return v.toArray(new byte[0][]);
  }

  static final byte[][] VOCAB = vocabulary();
  static final JsonConstraints C = new JsonConstraints(new TokenTrie(VOCAB), 24);

  /** Walks a constraint with uniform random choices; returns the output bytes, or null if it did not finish. */
  static byte[] walk(TokenConstraint c, Random rnd, int maxTokens, boolean bruteForceCheck) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < maxTokens; i++) {
      int[] allowed = c.allowed();
      assertTrue(allowed.length > 0, "no dead end after " + out);
      if (bruteForceCheck) assertArrayEquals(bruteForce(JsonConstraints.stateOf(c)), allowed, "mask after " + out);
      int t = allowed[rnd.nextInt(allowed.length)];
      out.writeBytes(VOCAB[t]);
      c.accept(t);
      if (c.complete()) return out.toByteArray();
    }
    return null;
  }

  static int[] bruteForce(Grammar.St s) {
    List<Integer> ok = new ArrayList<>();
    for (int t = 0; t < VOCAB.length; t++) {
      if (VOCAB[t] == null) continue;
      Grammar.St x = s;
      for (byte b : VOCAB[t]) {
        x = x.step(b & 0xFF);
        if (x == null) break;
      }
      if (x != null) ok.add(t);
    }
    return ok.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Strict UTF-8, one JSON value and nothing after it. */
  static JsonNode parseStrict(byte[] out) throws Exception {
    String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(out)).toString();
    try (JsonParser p = JSON.getFactory().createParser(text)) {
      JsonNode n = JSON.readTree(p);
      assertEquals(null, p.nextToken(), "nothing after the value: " + text);
      return n;
    }
  }

  void conformsOverSeeds(String schemaText, int seeds) throws Exception {
    JsonNode schema = Schemas.parse(schemaText);
    JsonConstraints.Compiled g = C.schema(schema);
    for (int seed = 0; seed < seeds; seed++) {
      byte[] out = walk(g.newConstraint(), new Random(seed), 5000, seed < 3);
      assertTrue(out != null, "seed " + seed + " finished");
      JsonNode v = parseStrict(out);
      assertEquals(List.of(), MiniValidator.validate(schema, v), new String(out, StandardCharsets.UTF_8));
    }
  }

  @Test
  void judgeRepliesAlwaysConformAndReachEveryRating() throws Exception {
    conformsOverSeeds(Schemas.JUDGE, 300);
    Set<Integer> ratings = new TreeSet<>();
    JsonConstraints.Compiled g = C.schema(Schemas.parse(Schemas.JUDGE));
    for (int seed = 0; seed < 300; seed++) ratings.add(parseStrict(walk(g.newConstraint(), new Random(seed), 5000, false)).get("rating").asInt());
    assertEquals(Set.of(1, 2, 3, 4, 5, 6, 7), ratings);
  }

  @Test
  void pairwiseRepliesAlwaysConform() throws Exception {
    conformsOverSeeds(Schemas.PAIRWISE, 300);
  }

  @Test
  void nestedBuildRecordsAlwaysConform() throws Exception {
    conformsOverSeeds(Schemas.BUILD, 300);
  }

  @Test
  void jsonObjectModeGivesAnObject() throws Exception {
    JsonConstraints.Compiled g = C.anyObject(3);
    for (int seed = 0; seed < 200; seed++) {
      byte[] out = walk(g.newConstraint(), new Random(seed), 20000, seed < 3);
      assertTrue(out != null, "seed " + seed);
      assertTrue(parseStrict(out).isObject());
    }
  }

  @Test
  void unsupportedKeywordsAndEmptySchemasAreRefusedNamingTheProblem() {
    for (String kw : List.of("pattern", "format", "$ref", "oneOf", "patternProperties", "uniqueItems")) {
      String schema = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"" + kw + "\":\"x\"}}}";
      SchemaException e = assertThrows(SchemaException.class, () -> C.schema(Schemas.parse(schema)));
      assertTrue(e.getMessage().contains("'" + kw + "'") && e.getMessage().contains("schema.properties.a"), e.getMessage());
    }
    for (String empty : List.of(
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"minimum\":5,\"maximum\":1}},\"required\":[\"a\"]}",
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"minimum\":1.2,\"maximum\":1.8}},\"required\":[\"a\"]}",
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"number\",\"minimum\":1.21,\"maximum\":1.29,\"multipleOf\":0.1}},\"required\":[\"a\"]}",
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"enum\":[1,2]}},\"required\":[\"a\"]}",
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\",\"minItems\":3,\"maxItems\":2}},\"required\":[\"a\"]}",
        "{\"type\":\"object\",\"properties\":{\"a\":false},\"required\":[\"a\"]}")) {
      SchemaException e = assertThrows(SchemaException.class, () -> C.schema(Schemas.parse(empty)));
      assertTrue(e.getMessage().contains("allows no value"), e.getMessage());
    }
    assertThrows(SchemaException.class, () -> C.schema(Schemas.parse("{\"type\":\"string\"}")));
    assertThrows(SchemaException.class, () -> C.schema(Schemas.parse(
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":[\"integer\",\"number\"]}}}")));
    assertThrows(SchemaException.class, () -> C.schema(Schemas.parse("{\"type\":\"object\",\"required\":[\"x\"]}")));
  }

  /** The steering axis judge's rating (1.0 to 5.0 in steps of 0.1) and edge bounds a step grid must not dead-end on. */
  static final String STEPPED = """
      {"type":"object","properties":{
        "r":{"type":"number","minimum":1,"maximum":5,"multipleOf":0.1},
        "w":{"type":"number","minimum":-2.5,"exclusiveMaximum":3,"multipleOf":1},
        "x":{"type":"number","minimum":0.05,"maximum":0.31,"multipleOf":0.01},
        "y":{"type":"number","exclusiveMinimum":-1,"exclusiveMaximum":0,"multipleOf":0.1},
        "z":{"type":"integer","minimum":0,"maximum":9,"multipleOf":0.5e0}},
       "required":["r","w","x","y"],"additionalProperties":false}""";

  @Test
  void multipleOfAPowerOfTenBoundsTheFractionDigitsAndReachesTheEnds() throws Exception {
    assertThrows(SchemaException.class, () -> C.schema(Schemas.parse(STEPPED)), "0.5 is not a power of ten");
    String schema = STEPPED.replace("0.5e0", "1");
    conformsOverSeeds(schema, 300);
    Set<String> ratings = new TreeSet<>();
    JsonConstraints.Compiled g = C.schema(Schemas.parse(schema));
    for (int seed = 0; seed < 2000; seed++) {
      JsonNode v = parseStrict(walk(g.newConstraint(), new Random(seed), 5000, false));
      ratings.add(v.get("r").decimalValue().stripTrailingZeros().toPlainString());
      assertTrue(v.get("w").isIntegralNumber(), v.toString()); // multipleOf 1: no '.'
    }
    assertTrue(ratings.contains("1") && ratings.contains("5") && ratings.contains("4.9") && ratings.contains("1.1"), ratings.toString());
    for (String bad : List.of("0.25", "10", "1e-9", "\"0.1\"", "0")) {
      String s = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"number\",\"multipleOf\":" + bad + "}}}";
      SchemaException e = assertThrows(SchemaException.class, () -> C.schema(Schemas.parse(s)), bad);
      assertTrue(e.getMessage().contains("schema.properties.a.multipleOf"), e.getMessage());
    }
  }

  @Test
  void optionalPropertiesMayBeSkippedButOrderIsKept() throws Exception {
    JsonNode schema = Schemas.parse("""
        {"type":"object","properties":{"a":{"type":"boolean"},"b":{"type":"null"},"c":{"type":"integer","minimum":0,"maximum":3}},
         "required":["c"]}""");
    JsonConstraints.Compiled g = C.schema(schema);
    Set<String> shapes = new TreeSet<>();
    for (int seed = 0; seed < 200; seed++) {
      JsonNode v = parseStrict(walk(g.newConstraint(), new Random(seed), 200, seed < 3));
      assertEquals(List.of(), MiniValidator.validate(schema, v));
      List<String> keys = new ArrayList<>();
      v.fieldNames().forEachRemaining(keys::add);
      shapes.add(String.join(",", keys));
    }
    assertEquals(Set.of("c", "a,c", "b,c", "a,b,c"), shapes);
  }

  @Test
  void theTrieWalkVisitsOnlyAcceptedPrefixes() {
    TokenTrie t = C.trie();
    assertEquals(256 + MULTI.size() + 1 - 1, countTokens(t));
    assertFalse(t.nodes() <= 256);
  }

  private static int countTokens(TokenTrie t) {
    // every token is allowed in a state that accepts any byte sequence
    Grammar.St any = new Grammar.St() {
      @Override
      public Grammar.St step(int b) {
        return this;
      }
    };
    return t.allowed(any).length;
  }
}
