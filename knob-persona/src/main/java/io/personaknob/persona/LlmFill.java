package io.personaknob.persona;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.llm.ChatRequest;
import io.personaknob.llm.Json;
import io.personaknob.llm.LlmClient;
import io.personaknob.llm.Message;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * Fills the nine LLM-written attributes of census personas through structured output, conditioned on the
 * census fields; every filled persona is checked by the {@link Consistency} rules and, when a judge model
 * is given, by an LLM consistency judge. An inconsistent persona is regenerated (the next attempt is told
 * why the last one failed) up to {@code maxAttempts} times, then dropped with the reason kept.
 */
public final class LlmFill {
  private LlmFill() {}

  public record Options(String model, String judge, int maxAttempts) {}

  public record Dropped(String id, String reason, int attempts) {}

  public record Outcome(List<Persona> kept, List<Dropped> dropped, int regenerated) {}

  /** The schema property of each LLM attribute (snake_case: providers restrict property names). */
  static final Map<PersonaKey, String> FIELDS = new LinkedHashMap<>();

  static {
    for (PersonaKey k : PersonaKey.values()) if (!k.census()) FIELDS.put(k, k.key().replace(' ', '_'));
  }

  static ObjectNode fillSchema() {
    ObjectNode s = Json.MAPPER.createObjectNode();
    s.put("type", "object");
    ObjectNode props = s.putObject("properties");
    ArrayNode req = s.putArray("required");
    for (var e : FIELDS.entrySet()) {
      req.add(e.getValue());
      if (e.getKey() == PersonaKey.BIG_FIVE_SCORES) {
        ObjectNode b = props.putObject(e.getValue());
        b.put("type", "object");
        ObjectNode bp = b.putObject("properties");
        ArrayNode br = b.putArray("required");
        for (String t : Consistency.TRAITS) {
          ArrayNode en = bp.putObject(t).put("type", "string").putArray("enum");
          Consistency.LEVELS.forEach(en::add);
          br.add(t);
        }
        b.put("additionalProperties", false);
      } else {
        props.putObject(e.getValue()).put("type", "string").put("minLength", 1).put("maxLength", 600);
      }
    }
    s.put("additionalProperties", false);
    return s;
  }

  static ObjectNode judgeSchema() {
    ObjectNode s = Json.MAPPER.createObjectNode();
    s.put("type", "object");
    ObjectNode p = s.putObject("properties");
    p.putObject("consistent").put("type", "boolean");
    p.putObject("problems").put("type", "string").put("maxLength", 600);
    s.putArray("required").add("consistent").add("problems");
    s.put("additionalProperties", false);
    return s;
  }

  static final String FILL_SYSTEM = """
      You write the individual details of a synthetic person for a research population. The census facts \
      about the person are fixed; write details that fit them (age, work, household, income, health, \
      language) and make the person specific rather than average. Answer with a JSON object with these \
      fields: detailed_job_description (what the person does day to day, or why they do not work), \
      big_five_scores (each of Openness, Conscientiousness, Extraversion, Agreeableness, Neuroticism: \
      Extremely Low, Low, Average, High or Extremely High), defining_quirks, mannerisms, personal_time, \
      lifestyle, ideology, political_views, religion.""";

  static final String JUDGE_SYSTEM = """
      You check synthetic personas for internal consistency. The census fields are real survey answers; \
      the other fields were written by a model. Say whether any written field contradicts the census \
      fields or another written field (for example a job for a child, a religion practice that the \
      lifestyle denies, an income that a lifestyle could not support). Answer with JSON: consistent \
      (true or false) and problems (empty when consistent).""";

  static String censusBlock(Persona p) {
    StringBuilder sb = new StringBuilder();
    for (PersonaKey k : PersonaKey.values())
      if (k.census()) sb.append(k.key()).append(": ").append(p.get(k) == null ? "N/A" : p.get(k)).append('\n');
    return sb.toString();
  }

  /** The persona with the fill's fields, or an exception naming the field that could not be read. */
  static Persona apply(Persona p, String content) {
    JsonNode n;
    try {
      n = Json.read(content);
    } catch (IOException e) {
      throw new IllegalArgumentException("the reply is not JSON");
    }
    Persona out = p;
    for (var e : FIELDS.entrySet()) {
      JsonNode v = n.get(e.getValue());
      if (v == null || v.isNull()) throw new IllegalArgumentException("the reply lacks " + e.getValue());
      String text;
      if (e.getKey() == PersonaKey.BIG_FIVE_SCORES && v.isObject()) {
        List<String> parts = new ArrayList<>();
        for (String t : Consistency.TRAITS) parts.add(t + ": " + v.path(t).asText("?"));
        text = String.join(", ", parts);
      } else text = v.isTextual() ? v.asText() : Json.write(v);
      out = out.with(e.getKey(), text);
    }
    return out;
  }

  public static Outcome fill(LlmClient client, List<Persona> personas, Options o, BiConsumer<Integer, Integer> progress) {
    ObjectNode schema = fillSchema(), jschema = judgeSchema();
    AtomicInteger done = new AtomicInteger(), regen = new AtomicInteger();
    List<Object> results = new ArrayList<>();
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Object>> fs = new ArrayList<>();
      for (Persona p : personas) {
        fs.add(ex.submit(() -> {
          String reason = null;
          int attempt;
          for (attempt = 1; attempt <= o.maxAttempts(); attempt++) {
            if (attempt > 1) regen.incrementAndGet();
            String user = "Census facts:\n" + censusBlock(p)
                + (reason == null ? "" : "\nAttempt " + attempt + ". The previous details were rejected: " + reason
                    + "\nWrite new details that avoid this.");
            var r = client.call(ChatRequest.of(o.model(), List.of(Message.system(FILL_SYSTEM), Message.user(user))).withJsonSchema(schema));
            if (!r.ok()) {
              if (r.cancelled()) return new Dropped(p.id(), "cancelled", attempt);
              reason = "the call failed: " + r.error();
              continue;
            }
            Persona filled;
            try {
              filled = apply(p, r.response().content());
            } catch (IllegalArgumentException e) {
              reason = e.getMessage();
              continue;
            }
            List<Consistency.Violation> v = Consistency.check(filled);
            if (!v.isEmpty()) {
              reason = "rule " + v.get(0).rule() + ": " + v.get(0).message();
              continue;
            }
            if (o.judge() != null) {
              var j = client.call(ChatRequest.of(o.judge(), List.of(Message.system(JUDGE_SYSTEM),
                  Message.user("Persona:\n" + filled.text()))).withJsonSchema(jschema));
              if (!j.ok()) {
                if (j.cancelled()) return new Dropped(p.id(), "cancelled", attempt);
                reason = "the judge call failed: " + j.error();
                continue;
              }
              JsonNode jn;
              try {
                jn = Json.read(j.response().content());
              } catch (IOException e) {
                reason = "the judge's reply is not JSON";
                continue;
              }
              if (!jn.path("consistent").isBoolean()) {
                reason = "the judge's reply lacks a boolean 'consistent'";
                continue;
              }
              if (!jn.get("consistent").asBoolean()) {
                reason = "judge: " + jn.path("problems").asText("inconsistent");
                continue;
              }
            }
            return filled;
          }
          return new Dropped(p.id(), reason, attempt - 1);
        }));
      }
      for (Future<Object> f : fs) {
        try {
          results.add(f.get());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        if (progress != null) progress.accept(done.incrementAndGet(), personas.size());
      }
    }
    List<Persona> kept = new ArrayList<>();
    List<Dropped> dropped = new ArrayList<>();
    for (Object r : results) {
      if (r instanceof Persona p) kept.add(p);
      else dropped.add((Dropped) r);
    }
    return new Outcome(kept, dropped, regen.get());
  }
}
