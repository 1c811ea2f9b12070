package io.personaknob.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.data.Dimension;
import io.personaknob.core.data.PersonaRow;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One planned row of a build and everything the pipeline learnt about it: the PersonaKnob columns, the
 * stage it has gone through, its status, the reasons it was rejected or failed, the models and prompt
 * versions that made it, and the details of every check. One line of {@code rows.jsonl}.
 *
 * <p>{@code stage} is the last stage the row went through: {@code plan}, {@code synthesize},
 * {@code verify} or {@code review}. {@code status}: {@code pending} (waiting for the next stage),
 * {@code review} (passed every automatic check, waiting for human review), {@code accepted},
 * {@code rejected} (a check failed; kept with its reasons) or {@code failed} (a call or a reply could not
 * be used; a re-run retries the stage).
 */
public final class BuildRow {
  public static final String PENDING = "pending", REVIEW = "review", ACCEPTED = "accepted", REJECTED = "rejected",
      FAILED = "failed";
  public static final String PLAN = "plan", SYNTHESIZE = "synthesize", VERIFY = "verify";

  public String buildId;
  public int index;
  /** How often the row was deliberately re-sampled after a failure ({@code --resample-failed}); 0 at first. */
  public int attempt;
  public String mask;
  public String seedScene;
  public String seedSource;
  public String context, trigger, prompt, golden;
  public final Map<Dimension, String> rejects = new EnumMap<>(Dimension.class);
  public String task, split;
  public String stage = PLAN;
  public String status = PENDING;
  public List<String> reasons = new ArrayList<>();
  public String generator, verifier;
  public List<String> judges = new ArrayList<>();
  public Map<String, String> promptVersions = new LinkedHashMap<>();
  public final Map<Dimension, String> attribution = new EnumMap<>(Dimension.class);
  public ObjectNode checks = JsonNodeFactory.instance.objectNode();

  public List<Dimension> dims() {
    return Masks.dims(mask);
  }

  /** Needs the synthesize stage: planned and not yet synthesized, or failed there. */
  public boolean needsSynthesis() {
    return (PLAN.equals(stage) && PENDING.equals(status)) || (SYNTHESIZE.equals(stage) && FAILED.equals(status));
  }

  /** Needs the verify stage: synthesized and waiting, or failed there. */
  public boolean needsVerification() {
    return (SYNTHESIZE.equals(stage) && PENDING.equals(status)) || (VERIFY.equals(stage) && FAILED.equals(status));
  }

  /** Moves the row to a stage with a status; reasons and the stage's checks start afresh on a retry. */
  void enter(String newStage, String newStatus) {
    stage = newStage;
    status = newStatus;
  }

  /** Clears what a retry of {@code stageName} recomputes. */
  void resetFor(String stageName) {
    reasons = new ArrayList<>();
    if (stageName.equals(SYNTHESIZE)) {
      context = trigger = prompt = golden = null;
      rejects.clear();
      attribution.clear();
      checks = JsonNodeFactory.instance.objectNode();
    } else if (stageName.equals(VERIFY)) {
      checks.remove(List.of("verifier", "order"));
    }
  }

  /** The PersonaKnob row (id = build id). */
  public PersonaRow toPersonaRow() {
    return new PersonaRow(buildId, dims(), seedScene, context, trigger, prompt, golden, rejects, task, split);
  }

  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("build_id", buildId);
    o.put("id", buildId);
    ArrayNode m = o.putArray("mask");
    for (Dimension d : dims()) m.add(d.name());
    o.put("seed_scene", seedScene);
    o.put("context", context);
    o.put("trigger", trigger);
    o.put("prompt", prompt);
    o.put("golden", golden);
    for (Dimension d : Dimension.values()) o.put(d.rejectColumn(), rejects.get(d));
    o.put("task", task);
    o.put("split", split);
    o.put("stage", stage);
    o.put("status", status);
    ArrayNode r = o.putArray("reasons");
    reasons.forEach(r::add);
    o.put("generator", generator);
    o.put("verifier", verifier);
    ArrayNode j = o.putArray("judges");
    judges.forEach(j::add);
    o.put("index", index);
    if (attempt > 0) o.put("attempt", attempt);
    o.put("seed_source", seedSource);
    ObjectNode pv = o.putObject("prompt_versions");
    promptVersions.forEach(pv::put);
    ObjectNode at = o.putObject("attribution");
    attribution.forEach((d, s) -> at.put(d.name(), s));
    o.set("checks", checks);
    return o;
  }

  public static BuildRow fromJson(JsonNode o) {
    BuildRow r = new BuildRow();
    r.buildId = text(o, "build_id");
    r.index = o.path("index").asInt();
    r.attempt = o.path("attempt").asInt(0);
    List<Dimension> ds = new ArrayList<>();
    for (JsonNode d : o.path("mask")) Dimension.parse(d.asText()).ifPresent(ds::add);
    r.mask = Masks.canonical(ds);
    r.seedScene = text(o, "seed_scene");
    r.context = text(o, "context");
    r.trigger = text(o, "trigger");
    r.prompt = text(o, "prompt");
    r.golden = text(o, "golden");
    for (Dimension d : Dimension.values()) if (text(o, d.rejectColumn()) != null) r.rejects.put(d, text(o, d.rejectColumn()));
    r.task = text(o, "task");
    r.split = text(o, "split");
    r.stage = text(o, "stage");
    r.status = text(o, "status");
    for (JsonNode s : o.path("reasons")) r.reasons.add(s.asText());
    r.generator = text(o, "generator");
    r.verifier = text(o, "verifier");
    for (JsonNode s : o.path("judges")) r.judges.add(s.asText());
    r.seedSource = text(o, "seed_source");
    o.path("prompt_versions").fields().forEachRemaining(e -> r.promptVersions.put(e.getKey(), e.getValue().asText()));
    o.path("attribution").fields().forEachRemaining(e -> Dimension.parse(e.getKey())
        .ifPresent(d -> r.attribution.put(d, e.getValue().asText())));
    if (o.path("checks").isObject()) r.checks = (ObjectNode) o.get("checks");
    return r;
  }

  private static String text(JsonNode o, String k) {
    JsonNode v = o.get(k);
    return v == null || v.isNull() ? null : v.asText();
  }
}
