package io.personaknob.lm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.lm.Tokenizer;
import io.personaknob.lm.decode.TokenConstraint;

/** The {@code response_format} of a request: free text, or JSON that constrains decoding. */
final class Structured {
  /** A compiled response format: makes a fresh constraint per sequence. */
  interface Format {
    TokenConstraint newConstraint();
  }

  private final Tokenizer tokenizer;
  private final int maxStringLength;

  Structured(Tokenizer tokenizer, int maxStringLength) {
    this.tokenizer = tokenizer;
    this.maxStringLength = maxStringLength;
  }

  /** The format of a request's {@code response_format}, or null for free text. */
  Format parse(JsonNode rf, boolean backendConstrains) {
    if (rf == null || rf.isNull()) return null;
    if (!rf.isObject()) throw ApiError.invalid("response_format", "Invalid type for 'response_format': expected an object");
    String type = rf.path("type").asText("");
    if (type.equals("text")) return null;
    if ((type.equals("json_object") || type.equals("json_schema")) && !backendConstrains) {
      throw ApiError.invalid("response_format", "This model cannot constrain decoding, so response_format '" + type + "' is not supported");
    }
    throw ApiError.invalid("response_format.type", "Invalid value for 'response_format.type': '" + type + "'; supported: 'text'");
  }
}
