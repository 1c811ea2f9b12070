package io.personaknob.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.data.Dimension;
import io.personaknob.core.data.Format;
import io.personaknob.core.data.Issue;
import io.personaknob.core.data.PersonaData;
import io.personaknob.llm.ChatRequest;
import io.personaknob.llm.LlmClient;
import io.personaknob.llm.Message;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Stage 2, synthesize: the row's generator writes context, trigger, prompt, golden, one reject per active
 * dimension and, per active dimension, the phrase of the trigger that makes it necessary (structured output).
 * Then the row is checked: no reject may equal the golden; every attribution phrase must be present and be
 * found word for word in the trigger; the row must pass knob-core's validator (what {@code knob data validate}
 * applies); and the verifier model confirms, with the attribution prompt, that each phrase really calls for its
 * dimension. A failed check rejects the row with its reason; an unusable reply or a failed call fails it.
 */
final class Synthesizer {
  private final LlmClient client;
  private final Prompts prompts;
  private final int maxRepairs;

  Synthesizer(LlmClient client, Prompts prompts, int maxRepairs) {
    this.client = client;
    this.prompts = prompts;
    this.maxRepairs = maxRepairs;
  }

  static String maskText(List<Dimension> mask) {
    List<String> s = new ArrayList<>();
    for (Dimension d : mask) s.add(d.name() + " (" + d.title() + ")");
    return String.join(", ", s);
  }

  static String dimensionLines(List<Dimension> mask) {
    StringBuilder sb = new StringBuilder();
    for (Dimension d : mask) sb.append("- ").append(d.name()).append(": ").append(d.title()).append('\n');
    return sb.toString().strip();
  }

  /** The generator's first request for a row. */
  ChatRequest generatorRequest(BuildRow r) {
    return Asker.request(r.generator, generatorMessages(r), Schemas.generator(r.dims()), r.attempt);
  }

  List<Message> generatorMessages(BuildRow r) {
    return prompts.render("generator", Map.of("seed_scene", r.seedScene, "mask", maskText(r.dims()),
        "dimensions", dimensionLines(r.dims()), "json_shape", Schemas.shape(Schemas.generator(r.dims()))));
  }

  List<Message> attributionMessages(BuildRow r) {
    StringBuilder at = new StringBuilder();
    for (Dimension d : r.dims()) at.append(d.name()).append(": ").append(r.attribution.get(d)).append('\n');
    return prompts.render("attribution", Map.of("context", r.context, "trigger", r.trigger,
        "attribution", at.toString().strip(), "mask", maskText(r.dims()),
        "json_shape", Schemas.shape(Schemas.attribution(r.dims()))));
  }

  /** Runs the stage on a working copy of a row; returns false when the row was left untouched (cancelled). */
  boolean process(BuildRow r) {
    r.resetFor(BuildRow.SYNTHESIZE);
    r.promptVersions.put("generator", prompts.version("generator"));
    r.promptVersions.put("attribution", prompts.version("attribution"));
    List<Dimension> mask = r.dims();
    Asker.Result g = Asker.ask(client, r.generator, generatorMessages(r), Schemas.generator(mask), maxRepairs, r.attempt);
    if (g.cancelled() && client.isCancelled()) return false;
    if (!g.ok()) return fail(r, "generator " + r.generator + ": " + g.error());
    JsonNode v = g.value();
    r.context = v.path("context").asText().strip();
    r.trigger = v.path("trigger").asText().strip();
    r.prompt = v.path("prompt").asText().strip();
    r.golden = v.path("golden").asText().strip();
    for (Dimension d : mask) {
      r.rejects.put(d, v.path("rejects").path(d.name()).asText().strip());
      r.attribution.put(d, v.path("attribution").path(d.name()).asText().strip());
    }
    List<String> reasons = new ArrayList<>();
    for (Dimension d : mask) {
      if (norm(r.rejects.get(d)).equals(norm(r.golden))) reasons.add("reject_identical_to_golden:" + d);
    }
    for (Dimension d : mask) {
      String ev = r.attribution.get(d);
      if (ev == null || ev.isBlank()) reasons.add("attribution_missing:" + d);
      else if (!norm(r.trigger).contains(norm(ev).replaceAll("^[\"'“”‘’]+|[\"'“”‘’.]+$", "")))
        reasons.add("attribution_not_in_trigger:" + d);
    }
    for (Issue i : validate(r)) reasons.add("invalid:" + i.field() + ": " + i.message());
    if (!reasons.isEmpty()) return reject(r, reasons);

    Asker.Result a = Asker.ask(client, r.verifier, attributionMessages(r), Schemas.attribution(mask), maxRepairs, r.attempt);
    if (a.cancelled() && client.isCancelled()) return false;
    if (!a.ok()) return fail(r, "attribution check " + r.verifier + ": " + a.error());
    ObjectNode at = r.checks.putObject("attribution");
    at.put("model", r.verifier);
    at.set("reply", a.value());
    for (Dimension d : mask) {
      JsonNode e = a.value().path("dimensions").path(d.name());
      if (!e.path("traced").asBoolean()) reasons.add("attribution_not_traced:" + d + ": " + e.path("reason").asText());
    }
    if (!reasons.isEmpty()) return reject(r, reasons);
    r.enter(BuildRow.SYNTHESIZE, BuildRow.PENDING);
    return true;
  }

  /** The errors knob-core's validator finds in the row (what `knob data validate` would reject). */
  static List<Issue> validate(BuildRow r) {
    String line = PersonaData.toJsonLine(r.toPersonaRow());
    List<Issue> errors = new ArrayList<>();
    PersonaData.scan(new ByteArrayInputStream((line + "\n").getBytes(StandardCharsets.UTF_8)), r.buildId + ".jsonl",
        Format.JSONL, i -> {
          if (i.isError()) errors.add(i);
        }, row -> {});
    return errors;
  }

  static String norm(String s) {
    return s == null ? "" : s.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
  }

  static boolean fail(BuildRow r, String reason) {
    r.reasons.add(reason);
    r.enter(BuildRow.SYNTHESIZE, BuildRow.FAILED);
    return true;
  }

  static boolean reject(BuildRow r, List<String> reasons) {
    r.reasons.addAll(reasons);
    r.enter(BuildRow.SYNTHESIZE, BuildRow.REJECTED);
    return true;
  }
}
