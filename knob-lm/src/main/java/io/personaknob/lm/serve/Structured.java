package io.personaknob.lm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.lm.LanguageModel;
import io.personaknob.lm.decode.StepModel;
import io.personaknob.lm.decode.TokenConstraint;
import io.personaknob.lm.structured.JsonConstraints;
import io.personaknob.lm.structured.SchemaException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code response_format} of a request: free text ({@code text} or absent), any JSON object
 * ({@code json_object}) or JSON following a schema ({@code json_schema}); both JSON formats constrain
 * decoding ({@link JsonConstraints}). Compiled grammars, with their caches of allowed tokens per parser
 * state, are kept per schema text for later requests.
 */
final class Structured {
  /** A compiled response format: makes a fresh constraint per sequence. */
  interface Format {
    TokenConstraint newConstraint();
  }

  /** Nesting allowed in json_object answers. */
  static final int ANY_DEPTH = 4;

  private final LanguageModel model;
  private final int maxStringLength;
  private JsonConstraints constraints;
  private final Map<String, JsonConstraints.Compiled> compiled = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, JsonConstraints.Compiled> e) {
      return size() > 64;
    }
  };

  Structured(LanguageModel model, int maxStringLength) {
    this.model = model;
    this.maxStringLength = maxStringLength;
  }

  /** The vocabulary trie, built at the first structured request (a 150k vocabulary takes a moment). */
  synchronized JsonConstraints constraints() {
    if (constraints == null) {
      StepModel sm = model.stepModel().orElseThrow();
      constraints = new JsonConstraints(model.tokenizer(), sm.vocabSize(), sm.eosTokenIds(), maxStringLength);
    }
    return constraints;
  }

  synchronized long[] stats() {
    return constraints == null ? new long[2] : constraints.stats();
  }

  /** The format of a request's {@code response_format}, or null for free text. */
  Format parse(JsonNode rf, boolean backendConstrains) {
    if (rf == null || rf.isNull()) return null;
    if (!rf.isObject()) throw ApiError.invalid("response_format", "Invalid type for 'response_format': expected an object");
    String type = rf.path("type").asText("");
    if (type.equals("text")) return null;
    if (!type.equals("json_object") && !type.equals("json_schema")) {
      throw ApiError.invalid("response_format.type", "Invalid value for 'response_format.type': '" + type
          + "'; supported: 'text', 'json_object', 'json_schema'");
    }
    if (!backendConstrains || model.tokenizer() == null) {
      throw ApiError.invalid("response_format", "This model cannot constrain decoding, so response_format '" + type + "' is not supported");
    }
    String key;
    JsonNode schema = null;
    if (type.equals("json_object")) {
      key = "json_object";
    } else {
      JsonNode js = rf.get("json_schema");
      if (js == null || !js.isObject()) {
        throw ApiError.invalid("response_format.json_schema", "Missing required parameter: 'response_format.json_schema'");
      }
      schema = js.get("schema");
      if (schema == null || !(schema.isObject() || schema.isBoolean())) {
        throw ApiError.invalid("response_format.json_schema.schema", "Missing required parameter: 'response_format.json_schema.schema' (an object)");
      }
      JsonNode strict = js.get("strict");
      if (strict != null && !strict.isNull() && !strict.isBoolean()) {
        throw ApiError.invalid("response_format.json_schema.strict", "Invalid type for 'response_format.json_schema.strict': expected a boolean");
      }
      key = schema.toString();
    }
    JsonConstraints.Compiled g;
    synchronized (compiled) {
      g = compiled.get(key);
    }
    if (g == null) {
      JsonConstraints c = constraints();
      try {
        g = schema == null ? c.anyObject(ANY_DEPTH) : c.schema(schema);
      } catch (SchemaException e) {
        throw ApiError.invalid("response_format.json_schema.schema", "Invalid schema for response_format: " + e.getMessage());
      }
      synchronized (compiled) {
        compiled.put(key, g);
      }
    }
    return g::newConstraint;
  }
}
