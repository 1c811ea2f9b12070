package io.personaknob.llm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The shared Jackson mapper and small helpers. */
public final class Json {
  /**
   * Buffers come from a shared lock-free pool rather than per thread: every call runs on a fresh
   * virtual thread, which would otherwise allocate new parser buffers each time.
   */
  public static final ObjectMapper MAPPER = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
      .recyclerPool(com.fasterxml.jackson.core.util.JsonRecyclerPools.sharedConcurrentDequePool()).build());

  private Json() {}

  public static String write(Object o) {
    try {
      return MAPPER.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static JsonNode read(String s) throws JsonProcessingException {
    return MAPPER.readTree(s);
  }

  /**
   * The JSON object in a model's reply: the whole text, or the span from the first '{' to the last '}'
   * (a reply wrapped in prose or a code fence); null when there is none or it does not parse as an object.
   */
  public static JsonNode objectIn(String text) {
    if (text == null) return null;
    String t = text.strip();
    int a = t.indexOf('{'), b = t.lastIndexOf('}');
    if (a < 0 || b <= a) return null;
    try {
      JsonNode n = read(t.substring(a, b + 1));
      return n.isObject() ? n : null;
    } catch (Exception e) {
      return null;
    }
  }

  public static String sha256(String s) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
