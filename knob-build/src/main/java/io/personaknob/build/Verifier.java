package io.personaknob.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.data.Dimension;
import io.personaknob.llm.LlmClient;
import io.personaknob.llm.Message;
import io.personaknob.llm.judge.JudgeItem;
import io.personaknob.llm.judge.JudgingProtocol;
import io.personaknob.llm.judge.Judgment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Stage 3, verify. First the verifier model (by default not the row's generator) answers, with the verifier
 * prompt, whether the scenario needs every active trait and whether each reject fails its own dimension and
 * keeps the others. Then judges check the partial order with knob-llm's judging protocol, pairwise, blind,
 * each pair judged again in swapped order (a verdict that flips with the order counts as a tie): item
 * {@code BUILD_ID/reject_K} compares the golden (answer) with reject_K (other answer) on dimension J.
 * <ul>
 *   <li>J = K: a strict majority of the judges must prefer the golden ({@code order_golden_not_better:K}).</li>
 *   <li>J ≠ K (all four dimensions, or only the active ones with {@code orderDims=mask}): the row fails when a
 *       strict majority of the judges prefer the reject ({@code order_reject_better_elsewhere:K>J}).</li>
 * </ul>
 * A row that passes goes to the review queue (stage review, status review).
 */
final class Verifier {
  private final LlmClient client;
  private final Prompts prompts;
  private final JudgingProtocol protocol;
  private final BuildSpec spec;

  Verifier(LlmClient client, Prompts prompts, BuildSpec spec) {
    this.client = client;
    this.prompts = prompts;
    this.spec = spec;
    this.protocol = new JudgingProtocol(client, new JudgingProtocol.Options(spec.seed(), true, spec.maxRepairs(), null));
  }

  List<Message> verifierMessages(BuildRow r) {
    StringBuilder rej = new StringBuilder();
    for (Dimension d : r.dims()) {
      rej.append("[reject_").append(d.name()).append(" — meant to fail ").append(d.name()).append(" (").append(d.title())
          .append(") only]\n").append(r.rejects.get(d)).append("\n\n");
    }
    return prompts.render("verifier", Map.of("mask", Synthesizer.maskText(r.dims()), "context", r.context,
        "trigger", r.trigger, "prompt", r.prompt, "golden", r.golden, "rejects", rej.toString().strip(),
        "json_shape", Schemas.shape(Schemas.verifier(r.dims()))));
  }

  /** The dimensions J on which reject_K is compared with the golden. */
  List<Dimension> orderDims(BuildRow r) {
    return "mask".equals(spec.orderDims()) ? r.dims() : List.of(Dimension.values());
  }

  /** The judge items of a row: one per active K. */
  static JudgeItem item(BuildRow r, Dimension k) {
    return new JudgeItem(r.buildId + "/reject_" + k.name(), r.prompt, r.golden, r.rejects.get(k));
  }

  boolean process(BuildRow r) {
    r.resetFor(BuildRow.VERIFY);
    r.promptVersions.put("verifier", prompts.version("verifier"));
    r.promptVersions.put("judge", prompts.version("judge"));
    List<Dimension> mask = r.dims();
    Asker.Result v = Asker.ask(client, r.verifier, verifierMessages(r), Schemas.verifier(mask), spec.maxRepairs(), r.attempt);
    if (v.cancelled() && client.isCancelled()) return false;
    if (!v.ok()) return fail(r, "verifier " + r.verifier + ": " + v.error());
    ObjectNode vc = r.checks.putObject("verifier");
    vc.put("model", r.verifier);
    vc.set("reply", v.value());
    List<String> reasons = new ArrayList<>();
    for (Dimension d : mask) {
      JsonNode e = v.value().path("dimensions").path(d.name());
      if (!e.path("needed").asBoolean()) reasons.add("verifier_trait_not_needed:" + d + ": " + e.path("reason").asText());
    }
    for (Dimension d : mask) {
      JsonNode e = v.value().path("rejects").path(d.name());
      if (!e.path("fails_own").asBoolean()) reasons.add("verifier_reject_keeps_own:" + d + ": " + e.path("reason").asText());
      if (!e.path("keeps_others").asBoolean()) reasons.add("verifier_reject_fails_other:" + d + ": " + e.path("reason").asText());
    }
    if (!reasons.isEmpty()) return reject(r, reasons);

    // partial order: every (K, J, judge) on its own virtual thread
    record Task(Dimension k, Dimension j, String judge) {}
    List<Task> tasks = new ArrayList<>();
    for (Dimension k : mask) for (Dimension j : orderDims(r)) for (String judge : r.judges) tasks.add(new Task(k, j, judge));
    List<Judgment> js = new ArrayList<>();
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Judgment>> fs = new ArrayList<>();
      for (Task t : tasks) fs.add(ex.submit(() -> protocol.pairwise(item(r, t.k()), t.j(), t.judge())));
      for (Future<Judgment> f : fs) js.add(f.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      return fail(r, "judging: " + e.getCause());
    }
    if (client.isCancelled()) return false;
    ArrayNode order = r.checks.putArray("order");
    List<String> errors = new ArrayList<>();
    for (int i = 0; i < tasks.size(); i++) {
      Task t = tasks.get(i);
      Judgment j = js.get(i);
      ObjectNode o = order.addObject();
      o.put("reject", t.k().name());
      o.put("dimension", t.j().name());
      o.put("judge", t.judge());
      if (j.ok()) {
        o.put("preferred", j.preferred().equals("answer") ? "golden" : j.preferred().equals("other_answer") ? "reject" : "tie");
        if (j.consistent() != null) o.put("consistent", j.consistent());
      } else {
        o.put("error", j.error());
        errors.add("judge " + t.judge() + " on reject_" + t.k() + "/" + t.j() + ": " + j.error());
      }
    }
    if (!errors.isEmpty()) return fail(r, errors.get(0) + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : ""));
    int nJudges = r.judges.size();
    for (Dimension k : mask) {
      for (Dimension d : orderDims(r)) {
        int golden = 0, reject = 0;
        for (int i = 0; i < tasks.size(); i++) {
          Task t = tasks.get(i);
          if (t.k() != k || t.j() != d) continue;
          if ("answer".equals(js.get(i).preferred())) golden++;
          else if ("other_answer".equals(js.get(i).preferred())) reject++;
        }
        if (d == k && 2 * golden <= nJudges)
          reasons.add("order_golden_not_better:" + k + " (golden preferred by " + golden + " of " + nJudges + " judges)");
        if (d != k && 2 * reject > nJudges)
          reasons.add("order_reject_better_elsewhere:" + k + ">" + d + " (reject_" + k + " preferred on " + d + " by "
              + reject + " of " + nJudges + " judges)");
      }
    }
    if (!reasons.isEmpty()) return reject(r, reasons);
    r.enter("review", BuildRow.REVIEW);
    return true;
  }

  static boolean fail(BuildRow r, String reason) {
    r.reasons.add(reason);
    r.enter(BuildRow.VERIFY, BuildRow.FAILED);
    return true;
  }

  static boolean reject(BuildRow r, List<String> reasons) {
    r.reasons.addAll(reasons);
    r.enter(BuildRow.VERIFY, BuildRow.REJECTED);
    return true;
  }
}
