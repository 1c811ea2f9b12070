package io.personaknob.persona;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import io.personaknob.llm.ChatRequest;
import io.personaknob.llm.Json;
import io.personaknob.llm.LlmClient;
import io.personaknob.llm.Message;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * Persona-conditioned feedback (B.5): for each persona and each of its assigned prompts, an
 * {@code original} answer, a {@code critique} of it from the persona's point of view, and a revision
 * ({@code data}) that applies the critique; the revision is preferred to the original for that persona.
 */
public final class Feedback {
  private Feedback() {}

  public record Prompt(String id, String text) {}

  public record Options(String generator, String critic, String reviser) {}

  public record Item(Persona persona, Prompt prompt) {}

  /** One row in the released column layout plus ids, models and an error when a step failed. */
  public record Row(String personaId, String promptId, String persona, String instruction, String original,
      String critique, String data, Options models, String error) {
    public boolean ok() { return error == null; }

    public ObjectNode toJson() {
      ObjectNode o = Json.MAPPER.createObjectNode();
      o.put("persona_id", personaId).put("prompt_id", promptId).put("persona", persona).put("instruction", instruction)
          .put("original", original).put("critique", critique).put("data", data);
      ObjectNode m = o.putObject("models");
      m.put("original", models.generator()).put("critique", models.critic()).put("data", models.reviser());
      if (error != null) o.put("error", error);
      return o;
    }
  }

  /** Reads prompts: JSONL with a "prompt", "question" or "instruction" field (and optional "id"), or plain text, one per line. */
  public static List<Prompt> readPrompts(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new UserException(file + ": no such file");
    } catch (IOException e) {
      throw new UserException(file + ": cannot read: " + e.getMessage());
    }
    List<Prompt> out = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i).strip();
      if (l.isEmpty()) continue;
      String where = file + ":" + (i + 1);
      String id = "q" + (i + 1), text;
      if (l.startsWith("{")) {
        JsonNode n;
        try {
          n = Json.read(l);
        } catch (IOException e) {
          throw new UserException(where + ": not valid JSON");
        }
        JsonNode t = n.hasNonNull("prompt") ? n.get("prompt") : n.hasNonNull("question") ? n.get("question") : n.get("instruction");
        if (t == null || !t.isTextual() || t.asText().isBlank())
          throw new UserException(where + ": prompt: missing or blank (expected a 'prompt', 'question' or 'instruction' text field)");
        text = t.asText();
        if (n.hasNonNull("id")) id = n.get("id").asText();
      } else text = l;
      if (!ids.add(id)) throw new UserException(where + ": id: duplicate id '" + id + "'");
      out.add(new Prompt(id, text));
    }
    if (out.isEmpty()) throw new UserException(file + ": no prompts (the file is empty)");
    return out;
  }

  /**
   * Seeded assignment: each persona gets {@code perPersona} distinct prompts (a partial Fisher–Yates shuffle
   * from its own stream), persona-major like the released data (rows p·k … p·k+k−1 belong to persona p).
   */
  public static List<Item> assign(List<Persona> personas, List<Prompt> prompts, int perPersona, long seed) {
    if (perPersona < 1) throw new UserException("--per-persona must be at least 1");
    if (perPersona > prompts.size())
      throw new UserException("--per-persona " + perPersona + " exceeds the " + prompts.size() + " prompts available");
    List<Item> out = new ArrayList<>();
    SplittableRandom root = new SplittableRandom(seed);
    for (Persona p : personas) {
      SplittableRandom r = root.split();
      int[] idx = new int[prompts.size()];
      for (int i = 0; i < idx.length; i++) idx[i] = i;
      for (int i = 0; i < perPersona; i++) {
        int j = i + r.nextInt(idx.length - i);
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        out.add(new Item(p, prompts.get(idx[i])));
      }
    }
    return out;
  }

  static final String ORIGINAL_SYSTEM = "You are a helpful assistant. Answer the user's question.";

  static String critiqueSystem(Persona p) {
    return "You are the person described below. Read a question you asked and the answer you got. From your own point"
        + " of view, say whether the answer fits you and how it should change: what does not suit your situation, values"
        + " or needs, and what is missing. Be specific and brief.\n[BEGIN PERSON]\n" + p.text() + "\n[END PERSON]";
  }

  static final String REVISE_SYSTEM = "Rewrite the answer so that it applies the critique for this person while still"
      + " answering the question helpfully and harmlessly. Do not quote the person's attributes. Output only the revised answer.";

  public static List<Row> run(LlmClient client, List<Item> items, Options o, BiConsumer<Integer, Integer> progress) {
    AtomicInteger done = new AtomicInteger();
    List<Row> rows = new ArrayList<>();
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Row>> fs = new ArrayList<>();
      for (Item it : items) {
        fs.add(ex.submit(() -> {
          Persona p = it.persona();
          String q = it.prompt().text();
          var a = client.call(ChatRequest.of(o.generator(), List.of(Message.system(ORIGINAL_SYSTEM), Message.user(q))));
          if (!a.ok()) return new Row(p.id(), it.prompt().id(), p.text(), q, null, null, null, o, "original: " + a.error());
          String original = a.response().content();
          var c = client.call(ChatRequest.of(o.critic(), List.of(Message.system(critiqueSystem(p)),
              Message.user("Question: " + q + "\n\nAnswer: " + original))));
          if (!c.ok()) return new Row(p.id(), it.prompt().id(), p.text(), q, original, null, null, o, "critique: " + c.error());
          String critique = c.response().content();
          var d = client.call(ChatRequest.of(o.reviser(), List.of(Message.system(REVISE_SYSTEM), Message.user(
              "[Person]\n" + p.text() + "\n\n[Question]\n" + q + "\n\n[Answer]\n" + original + "\n\n[Critique]\n" + critique))));
          if (!d.ok()) return new Row(p.id(), it.prompt().id(), p.text(), q, original, critique, null, o, "revision: " + d.error());
          return new Row(p.id(), it.prompt().id(), p.text(), q, original, critique, d.response().content(), o, null);
        }));
      }
      for (Future<Row> f : fs) {
        try {
          rows.add(f.get());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        if (progress != null) progress.accept(done.incrementAndGet(), items.size());
      }
    }
    return rows;
  }

  /** Pair formats: {@code trl} (conversational, persona as system message), {@code dpo} (flat with "system"), {@code knob} (rows {@code knob train} reads). */
  public enum PairFormat { TRL, DPO, KNOB }

  /** Rows with an error or an identical revision are skipped (no preference). */
  public static boolean usable(Row r) {
    return r.ok() && r.data() != null && !r.data().strip().equals(r.original().strip());
  }

  public static ObjectNode pair(Row r, PairFormat f, Dimension slot) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    String id = r.personaId() + "-" + r.promptId();
    switch (f) {
      case TRL -> {
        o.put("id", id);
        var p = o.putArray("prompt");
        p.addObject().put("role", "system").put("content", r.persona());
        p.addObject().put("role", "user").put("content", r.instruction());
        o.putArray("chosen").addObject().put("role", "assistant").put("content", r.data());
        o.putArray("rejected").addObject().put("role", "assistant").put("content", r.original());
      }
      case DPO -> o.put("id", id).put("system", r.persona()).put("prompt", r.instruction()).put("chosen", r.data())
          .put("rejected", r.original());
      case KNOB -> {
        // knob train renders 'prompt' as one user turn (it has no system role), so the persona leads the prompt
        o.put("id", id);
        o.putArray("mask").add(slot.name());
        o.put("seed_scene", r.instruction());
        o.put("context", r.persona());
        o.put("trigger", "persona-conditioned feedback (PERSONA)");
        o.put("prompt", "You are talking with this person:\n" + r.persona() + "\n\n" + r.instruction());
        o.put("golden", r.data());
        for (Dimension d : Dimension.values()) o.putNull(d.rejectColumn());
        o.put(slot.rejectColumn(), r.original());
      }
    }
    if (f != PairFormat.KNOB) { // knob rows keep the ids in 'id' (an extra column would be an unknown-column warning)
      o.put("persona_id", r.personaId());
      o.put("prompt_id", r.promptId());
    }
    return o;
  }
}
