package io.personaknob.persona.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.llm.ChatRequest;
import io.personaknob.llm.Json;
import io.personaknob.llm.LlmClient;
import io.personaknob.llm.Message;
import io.personaknob.persona.Persona;
import io.personaknob.persona.PersonaKey;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * PERSONA Bench (B.6): for each evaluation and mode, the tested model answers questions (persona shown or
 * not), every critic judges each answer for the persona, and the scores are collected per sample. All calls
 * go through {@link LlmClient} (cache, retries, cost; a re-run repeats no finished call).
 *
 * <p>Samples (B.6.3): {@code main} pairs the i-th question with the i-th persona (first n pairs);
 * {@code pass_at_k} makes k attempts for the same pairs (attempt a sends seed a); {@code loo} takes the first
 * {@code looN} pairs and evaluates the full persona, the persona without all chosen attributes, and one
 * variant per attribute without only that one; {@code intersections} keeps the first n pairs whose persona
 * falls in at least one configured subgroup.
 */
public final class PersonaBench {
  private PersonaBench() {}

  public record Question(String id, String text) {}

  public record Options(String model, List<String> critics, List<BenchMode> modes, Set<String> evals, int n, int k,
      double temperature, int looN, List<PersonaKey> looAttributes, List<Intersection> intersections) {}

  /** One generation task. {@code variant}: "full", "without:KEY" or "without:all". */
  public record Task(String eval, BenchMode mode, int pair, Persona persona, Question question, String variant, int attempt) {}

  /** One (task, critic) outcome: score 1/0, or null with an error when the answer or the critique failed. */
  public record Row(Task task, String critic, String answer, Critique critique, Double score, String error) {}

  public static final Set<String> EVALS = Set.of("main", "pass_at_k", "loo", "intersections");

  /** The generation tasks of a run, in a fixed order. */
  public static List<Task> tasks(List<Persona> personas, List<Question> questions, Options o) {
    List<Task> out = new ArrayList<>();
    int pairs = Math.min(o.n(), Math.min(personas.size(), questions.size()));
    for (BenchMode m : o.modes()) {
      if (o.evals().contains("main"))
        for (int i = 0; i < pairs; i++) out.add(new Task("main", m, i, personas.get(i), questions.get(i), "full", 0));
      if (o.evals().contains("pass_at_k"))
        for (int i = 0; i < pairs; i++)
          for (int a = 0; a < o.k(); a++) out.add(new Task("pass_at_k", m, i, personas.get(i), questions.get(i), "full", a));
      if (o.evals().contains("loo")) {
        int ln = Math.min(o.looN(), Math.min(personas.size(), questions.size()));
        for (int i = 0; i < ln; i++) {
          Persona p = personas.get(i);
          out.add(new Task("loo", m, i, p, questions.get(i), "full", 0));
          out.add(new Task("loo", m, i, p.without(o.looAttributes()), questions.get(i), "without:all", 0));
          for (PersonaKey a : o.looAttributes())
            out.add(new Task("loo", m, i, p.without(List.of(a)), questions.get(i), "without:" + a.key(), 0));
        }
      }
      if (o.evals().contains("intersections")) {
        int total = Math.min(personas.size(), questions.size()), kept = 0;
        for (int i = 0; i < total && kept < o.n(); i++) {
          Persona p = personas.get(i);
          if (o.intersections().stream().anyMatch(x -> x.contains(p))) {
            out.add(new Task("intersections", m, i, p, questions.get(i), "full", 0));
            kept++;
          }
        }
      }
    }
    return out;
  }

  static ChatRequest generation(Task t, Options o) {
    String system = t.mode().system(t.persona().text());
    ChatRequest r = ChatRequest.of(o.model(), List.of(Message.system(system), Message.user(t.question().text())))
        .withJsonSchema(t.mode().schema());
    if (t.eval().equals("pass_at_k"))
      r = new ChatRequest(r.model(), r.messages(), o.temperature(), null, (long) t.attempt(), r.jsonSchema(), null, t.attempt());
    return r;
  }

  static ChatRequest critique(Task t, String critic, String answer, Persona full) {
    // the critic always sees the whole persona, whatever the mode or the LOO variant showed the model
    return ChatRequest.of(critic, List.of(Message.system(Critique.SYSTEM),
        Message.user(Critique.user(t.question().text(), answer, full.text())))).withJsonSchema(Critique.schema());
  }

  /** Runs every task on virtual threads; rows come back in task order, one per critic. */
  public static List<Row> run(LlmClient client, List<Persona> personas, List<Question> questions, Options o,
      BiConsumer<Integer, Integer> progress) {
    List<Task> ts = tasks(personas, questions, o);
    AtomicInteger done = new AtomicInteger();
    List<Row> rows = new ArrayList<>();
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<List<Row>>> fs = new ArrayList<>();
      for (Task t : ts) {
        Persona full = personas.get(t.pair());
        fs.add(ex.submit(() -> {
          List<Row> out = new ArrayList<>();
          var g = client.call(generation(t, o));
          String answer = null, err = null;
          if (!g.ok()) err = "generation failed: " + g.error();
          else {
            try {
              JsonNode n = Json.read(g.response().content());
              if (!n.path("answer_to_question").isTextual() || n.get("answer_to_question").asText().isBlank())
                err = "generation: no answer_to_question in the reply";
              else answer = n.get("answer_to_question").asText();
            } catch (IOException e) {
              err = "generation: the reply is not JSON";
            }
          }
          if (answer == null) {
            for (String c : o.critics()) out.add(new Row(t, c, null, null, null, err));
            return out;
          }
          for (String c : o.critics()) {
            var r = client.call(critique(t, c, answer, full));
            if (!r.ok()) {
              out.add(new Row(t, c, answer, null, null, "critique failed: " + r.error()));
              continue;
            }
            try {
              Critique cq = Critique.parse(r.response().content());
              out.add(new Row(t, c, answer, cq, cq.score(), null));
            } catch (IllegalArgumentException e) {
              out.add(new Row(t, c, answer, null, null, e.getMessage()));
            }
          }
          return out;
        }));
      }
      for (Future<List<Row>> f : fs) {
        try {
          rows.addAll(f.get());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        if (progress != null) progress.accept(done.incrementAndGet(), ts.size());
      }
    }
    return rows;
  }

  /** Reads an intersections config in the reference format: [{"name"?, "attributes": [{"attribute", "values"}]}]. */
  public static List<Intersection> intersections(JsonNode n, String where) {
    List<Intersection> out = new ArrayList<>();
    if (!n.isArray()) throw new io.personaknob.core.UserException(where + ": expected a JSON array of intersections");
    int count = 0;
    for (JsonNode x : n) {
      final int i = ++count;
      JsonNode attrs = x.path("attributes");
      if (!attrs.isArray() || attrs.isEmpty())
        throw new io.personaknob.core.UserException(where + ": intersection " + i + ": 'attributes' must be a non-empty array");
      Map<PersonaKey, Set<String>> cond = new java.util.LinkedHashMap<>();
      List<String> label = new ArrayList<>();
      for (JsonNode a : attrs) {
        String key = a.path("attribute").asText();
        PersonaKey k = PersonaKey.parse(key).orElseThrow(() -> new io.personaknob.core.UserException(
            where + ": intersection " + i + ": unknown attribute '" + key + "' (not one of the 33 keys)"));
        Set<String> vals = new java.util.LinkedHashSet<>();
        for (JsonNode v : a.path("values")) vals.add(v.asText());
        if (vals.isEmpty()) throw new io.personaknob.core.UserException(where + ": intersection " + i + ": " + key + ": no values");
        cond.put(k, vals);
        label.add(key + " in " + vals);
      }
      out.add(new Intersection(x.hasNonNull("name") ? x.get("name").asText() : String.join(" & ", label), cond));
    }
    return out;
  }

  /** A subgroup: a persona is in it if, for every condition, its value is one of the listed values (as text). */
  public record Intersection(String name, Map<PersonaKey, Set<String>> conditions) {
    public boolean contains(Persona p) {
      for (var e : conditions.entrySet()) {
        String v = p.get(e.getKey());
        if (v == null || !e.getValue().contains(v)) return false;
      }
      return true;
    }
  }
}
