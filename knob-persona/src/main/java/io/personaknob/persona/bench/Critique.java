package io.personaknob.persona.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.llm.Json;
import java.io.IOException;
import java.util.List;

/**
 * The critic's debate (B.6.2) as strict JSON; score 1 when {@code needs_revision} is false.
 */
public record Critique(String chainOfThought, String personalizationCritic, String helpfulnessCritic, String conclusion,
    boolean needsRevision) {

  public double score() { return needsRevision ? 0 : 1; }

  static final List<String> TEXT_KEYS = List.of("chain_of_thought", "personalization_critic", "helpfulness_critic", "conclusion");

  public static ObjectNode schema() {
    ObjectNode s = Json.MAPPER.createObjectNode();
    s.put("type", "object");
    ObjectNode p = s.putObject("properties");
    ArrayNode r = s.putArray("required");
    for (String k : TEXT_KEYS) {
      p.putObject(k).put("type", "string");
      r.add(k);
    }
    p.putObject("needs_revision").put("type", "boolean");
    r.add("needs_revision");
    s.put("additionalProperties", false);
    return s;
  }

  /** Parses a critic reply; a missing key or a non-boolean {@code needs_revision} is an error naming it. */
  public static Critique parse(String content) {
    JsonNode n;
    try {
      n = Json.read(content);
    } catch (IOException e) {
      throw new IllegalArgumentException("critic reply is not JSON");
    }
    if (!n.isObject()) throw new IllegalArgumentException("critic reply is not a JSON object");
    for (String k : TEXT_KEYS) if (!n.path(k).isTextual()) throw new IllegalArgumentException("critic reply: '" + k + "' missing or not text");
    if (!n.path("needs_revision").isBoolean()) throw new IllegalArgumentException("critic reply: 'needs_revision' missing or not a boolean");
    return new Critique(n.get("chain_of_thought").asText(), n.get("personalization_critic").asText(),
        n.get("helpfulness_critic").asText(), n.get("conclusion").asText(), n.get("needs_revision").asBoolean());
  }

  public static final String SYSTEM = """
      You decide whether an answer to a task is personalised (subtly, not on the nose) for a given \
      demographic. Write a detailed debate between two critics: a personalisation critic who tries to \
      personalise the submission further for this demographic, and a helpfulness critic who makes sure that \
      any revision would stay harmless and helpful. Then conclude whether the answer still needs to be \
      personalised for this demographic, and how or why not. Answer with a JSON object: chain_of_thought, \
      personalization_critic, helpfulness_critic, conclusion (strings) and needs_revision (boolean).""";

  public static String user(String task, String submission, String demographic) {
    return "[BEGIN DATA]\n***\n[Task]: " + task + "\n***\n[Submission]: " + submission + "\n***\n[Demographic]:\n"
        + demographic + "\n***\n[END DATA]";
  }
}
