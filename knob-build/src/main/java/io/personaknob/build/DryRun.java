package io.personaknob.build;

import io.personaknob.core.data.Dimension;
import io.personaknob.llm.ChatRequest;
import io.personaknob.llm.KnobConfig;
import io.personaknob.llm.LlmClient;
import io.personaknob.llm.Message;
import io.personaknob.llm.Tokens;
import io.personaknob.llm.judge.JudgingProtocol;
import io.personaknob.llm.judge.Mode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --dry-run}: the calls each stage would make and what they would cost at most, without calling
 * anything. Calls whose request is already known (the generator's first call, and the verifier's and judges'
 * calls of synthesized rows) are counted exactly, with those already in the run store's cache; calls that
 * depend on text not written yet are estimated: one attribution and one verifier call per row, and for the
 * judges |mask| × |J| × judges × 2 (swapped order) pairwise calls, each with the generator's full
 * max_tokens of content in the prompt. Repair turns are not included.
 */
final class DryRun {
  private final LlmClient client;
  private final Prompts prompts;
  private final BuildSpec spec;
  private final KnobConfig cfg;

  DryRun(LlmClient client, Prompts prompts, BuildSpec spec) {
    this.client = client;
    this.prompts = prompts;
    this.spec = spec;
    this.cfg = client.config();
  }

  /** Calls, cached calls, prompt tokens, completion tokens and cost of one stage. */
  static final class Tally {
    int calls, cached, estimated;
    long in, out;
    double cost;
  }

  void print(List<BuildRow> rows, BuildSession.Stages stages, PrintWriter out) {
    boolean synth = stages == BuildSession.Stages.SYNTHESIZE || stages == BuildSession.Stages.RUN;
    boolean verify = stages == BuildSession.Stages.VERIFY || stages == BuildSession.Stages.RUN;
    List<BuildRow> toSynth = rows.stream().filter(BuildRow::needsSynthesis).toList();
    List<BuildRow> toVerify = new ArrayList<>(rows.stream().filter(BuildRow::needsVerification).toList());
    out.printf("dry run: build %s, %d rows planned (%d to synthesize, %d to verify); nothing is called%n", spec.name(),
        rows.size(), toSynth.size(), toVerify.size());
    Tally total = new Tally();
    if (!spec.topics().isEmpty() && spec.seedScenes() == null) {
      Tally t = exact(TopicScenes.requests(spec, prompts));
      line(out, "plan (seed scenes from topics)", t);
      add(total, t);
    }
    if (synth) {
      Synthesizer sy = new Synthesizer(client, prompts, spec.maxRepairs());
      Tally t = exact(toSynth.stream().map(sy::generatorRequest).toList());
      for (BuildRow r : toSynth)
        estimate(t, r.verifier, prompts.render("attribution", java.util.Map.of()), contentTokens(r) / 4);
      line(out, "synthesize (generator + attribution check)", t);
      add(total, t);
    }
    if (verify) {
      Verifier ve = new Verifier(client, prompts, spec);
      JudgingProtocol jp = new JudgingProtocol(client, new JudgingProtocol.Options(spec.seed(), true, spec.maxRepairs(), null));
      List<ChatRequest> known = new ArrayList<>();
      for (BuildRow r : toVerify) {
        known.add(Asker.request(r.verifier, ve.verifierMessages(r), Schemas.verifier(r.dims()), r.attempt));
        for (Dimension k : r.dims())
          known.addAll(jp.plannedRequests(List.of(Verifier.item(r, k)), ve.orderDims(r), r.judges, Mode.PAIRWISE));
      }
      Tally t = exact(known);
      if (synth) {
        for (BuildRow r : toSynth) {
          estimate(t, r.verifier, prompts.render("verifier", java.util.Map.of()), contentTokens(r));
          int perJudge = r.dims().size() * ve.orderDims(r).size() * 2;
          for (String j : r.judges)
            for (int i = 0; i < perJudge; i++) estimate(t, j, List.of(Message.user("x".repeat(1600))), contentTokens(r) / 3);
        }
      }
      line(out, "verify (verifier + partial-order judges)", t);
      add(total, t);
    }
    line(out, "total", total);
    out.printf("costs are upper bounds: full max_tokens per reply, prices per million tokens from %s; repair turns not"
        + " included%n", cfg.source());
  }

  private long contentTokens(BuildRow r) {
    return cfg.model(r.generator).maxTokensOr();
  }

  private Tally exact(List<ChatRequest> reqs) {
    Tally t = new Tally();
    if (reqs.isEmpty()) return t;
    LlmClient.Plan p = client.plan(reqs);
    t.calls = p.calls();
    t.cached = p.cached();
    t.in = p.promptTokens();
    t.out = p.maxCompletionTokens();
    t.cost = p.estimatedCost();
    return t;
  }

  private void estimate(Tally t, String model, List<Message> template, long extraPromptTokens) {
    KnobConfig.ModelConfig mc = cfg.model(model);
    long in = Tokens.estimate(template) + extraPromptTokens;
    long out = mc.maxTokensOr();
    t.calls++;
    t.estimated++;
    t.in += in;
    t.out += out;
    t.cost += (in * mc.inputPrice() + out * mc.outputPrice()) / 1e6;
  }

  private static void add(Tally a, Tally b) {
    a.calls += b.calls;
    a.cached += b.cached;
    a.estimated += b.estimated;
    a.in += b.in;
    a.out += b.out;
    a.cost += b.cost;
  }

  private static void line(PrintWriter out, String stage, Tally t) {
    out.printf("%-44s %6d calls (%d cached, %d estimated), ~%,d prompt + at most %,d completion tokens, cost at most %.6f%n",
        stage + ":", t.calls, t.cached, t.estimated, t.in, t.out, t.cost);
  }
}
