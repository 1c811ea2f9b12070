package io.personaknob.lm.structured;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** TEST CODE ONLY: the schemas structured outputs are tested with. */
public final class Schemas {
  private Schemas() {}

  static final ObjectMapper JSON = new ObjectMapper();

  /** knob-llm's pointwise judge reply (Replies.POINTWISE_SCHEMA). */
  public static final String JUDGE = """
      {"type":"object","properties":{"reason":{"type":"string"},
       "rating":{"type":"integer","minimum":1,"maximum":7}},
       "required":["reason","rating"],"additionalProperties":false}""";

  /** knob-llm's pairwise judge reply (Replies.PAIRWISE_SCHEMA). */
  public static final String PAIRWISE = """
      {"type":"object","properties":{"reason":{"type":"string"},
       "preferred":{"type":"string","enum":["A","B","tie"]}},
       "required":["reason","preferred"],"additionalProperties":false}""";

  /** A build-like record: nested objects, arrays with bounds, enums, numbers, booleans, a nullable field, an optional one. */
  public static final String BUILD = """
      {"type":"object","properties":{
        "persona":{"type":"object","properties":{
           "name":{"type":"string","minLength":1,"maxLength":12},
           "age":{"type":"integer","minimum":18,"maximum":99},
           "traits":{"type":"array","items":{"type":"string","enum":["kind","curt","warm","shy"]},"minItems":1,"maxItems":3}},
         "required":["name","age","traits"],"additionalProperties":false},
        "items":{"type":"array","minItems":2,"maxItems":4,"items":{"type":"object","properties":{
           "prompt":{"type":"string","maxLength":20},
           "score":{"type":"number","minimum":-1.5,"maximum":2.25},
           "ok":{"type":"boolean"},
           "note":{"type":["string","null"],"maxLength":8}},
         "required":["prompt","score","ok","note"],"additionalProperties":false}},
        "level":{"type":"integer","exclusiveMinimum":-3,"exclusiveMaximum":3},
        "comment":{"type":"string","maxLength":5}},
       "required":["persona","items","level"],"additionalProperties":false}""";

  public static JsonNode parse(String s) {
    try {
      return JSON.readTree(s);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
