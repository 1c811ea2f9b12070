package io.personaknob.llm.judge;

import io.personaknob.core.data.Dimension;
import io.personaknob.llm.ChatRequest;
import io.personaknob.llm.ChatResponse;
import io.personaknob.llm.Json;
import io.personaknob.llm.LlmClient;
import io.personaknob.llm.Message;
import io.personaknob.llm.RunStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The judging protocol: rubric prompts for A/T/E/C, pointwise 1–7 ratings with a reason and
 * pairwise comparisons (A/B order from a deterministic seed, optionally judged again swapped), JSON
 * replies validated against a schema with a bounded repair-and-retry, several judges per item, the
 * probability-weighted expected score from top_logprobs, and every raw prompt and reply stored in the
 * run store beside the parsed verdict. One bad item never stops a run: it ends as a judgment with an
 * {@code error}.
 *
 * <pre>{@code
 * JudgingProtocol p = new JudgingProtocol(client, JudgingProtocol.Options.defaults());
 * List<Judgment> js = p.run(items, List.of(Dimension.A, Dimension.T), List.of("judge-a", "judge-b"),
 *     Mode.POINTWISE, (done, total) -> {});
 * }</pre>
 */
public final class JudgingProtocol {

  /**
   * @param seed seed of the A/B order in pairwise judging
   * @param swap pairwise: judge every pair again with the order swapped
   * @param maxRepairs how many times a judge is asked to fix an unusable reply (0 = never)
   * @param maxTokens completion budget of a judge reply (null: the model's max_tokens)
   */
  public record Options(long seed, boolean swap, int maxRepairs, Integer maxTokens) {
    public static Options defaults() {
      return new Options(0L, false, 2, null);
    }
  }

  /** Called after each finished judgment with (finished, total); judgments cancelled by a stop are not counted. */
  public interface Progress {
    void update(int done, int total);
  }

  private final LlmClient client;
  private final Options options;

  public JudgingProtocol(LlmClient client, Options options) {
    this.client = client;
    this.options = options;
  }

  // --------------------------------------------------------------- prompts

  /** The messages of a pointwise judging call under the default rubric. */
  public static List<Message> pointwisePrompt(JudgeItem item, Dimension d) {
    return pointwisePrompt(item, d, Rubrics.DEFAULT);
  }

  /** The messages of a pointwise judging call under a rubric variant ({@link Rubrics#VARIANTS}). */
  public static List<Message> pointwisePrompt(JudgeItem item, Dimension d, String rubric) {
    String sys = "You are a careful, impartial evaluator of AI assistant answers. Rate ONE dimension of the "
        + "answer with the rubric below and ignore every other quality. Longer is not better.\n\n"
        + Rubrics.text(d, rubric) + "\n\n"
        + "Reply with only a JSON object, no other text: {\"reason\": \"<one or two sentences>\", "
        + "\"rating\": <integer from 1 to 7>}";
    String user = "[User message]\n" + item.prompt() + "\n\n[Assistant answer]\n" + item.answer()
        + "\n\nRate the assistant answer on dimension " + d.name() + " (" + d.title() + ") from 1 to 7.";
    return List.of(Message.system(sys), Message.user(user));
  }

  /** The messages of a pairwise judging call showing {@code first} as A and {@code second} as B. */
  public static List<Message> pairwisePrompt(String prompt, String first, String second, Dimension d) {
    String sys = "You are a careful, impartial evaluator of AI assistant answers. Compare two answers on ONE "
        + "dimension with the rubric below and ignore every other quality. The order in which the answers "
        + "are shown and their length must not influence you.\n\n"
        + Rubrics.text(d) + "\n\n"
        + "Reply with only a JSON object, no other text: {\"reason\": \"<one or two sentences>\", "
        + "\"preferred\": \"A\" or \"B\" or \"tie\"}";
    String user = "[User message]\n" + prompt + "\n\n[Answer A]\n" + first + "\n\n[Answer B]\n" + second
        + "\n\nWhich answer is better on dimension " + d.name() + " (" + d.title() + ")?";
    return List.of(Message.system(sys), Message.user(user));
  }

  /**
   * Whether the item's own answer is shown first (as A) in pairwise judging: a fair coin drawn from
   * SHA-256(seed, item id, dimension), so every run with the same seed shows the same order.
   */
  public static boolean answerShownFirst(long seed, String itemId, Dimension d) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] h = md.digest((seed + "\u0000" + itemId + "\u0000" + d.name()).getBytes(StandardCharsets.UTF_8));
      return (h[0] & 1) == 0;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private ChatRequest request(String judge, List<Message> msgs, Mode mode) {
    return new ChatRequest(judge, msgs, null, options.maxTokens(), null,
        mode == Mode.POINTWISE ? Replies.POINTWISE_SCHEMA : Replies.PAIRWISE_SCHEMA, null, 0);
  }

  /** One planned first-attempt call: which item, dimension and judge it is for. */
  public record PlannedCall(String itemId, Dimension dimension, String judge, ChatRequest request) {}

  /** The first-attempt calls a run would make, in run order (for --dry-run: repairs cannot be known ahead). */
  public List<PlannedCall> plannedCalls(List<JudgeItem> items, List<Dimension> dims, List<String> judges, Mode mode) {
    List<PlannedCall> out = new ArrayList<>();
    for (JudgeItem it : items)
      for (Dimension d : dims)
        for (String j : judges) {
          if (mode == Mode.POINTWISE) {
            out.add(new PlannedCall(it.id(), d, j, request(j, pointwisePrompt(it, d), mode)));
          } else {
            boolean first = answerShownFirst(options.seed(), it.id(), d);
            out.add(new PlannedCall(it.id(), d, j, request(j, first ? pairwisePrompt(it.prompt(), it.answer(), it.otherAnswer(), d)
                : pairwisePrompt(it.prompt(), it.otherAnswer(), it.answer(), d), mode)));
            if (options.swap())
              out.add(new PlannedCall(it.id(), d, j, request(j, first ? pairwisePrompt(it.prompt(), it.otherAnswer(), it.answer(), d)
                  : pairwisePrompt(it.prompt(), it.answer(), it.otherAnswer(), d), mode)));
          }
        }
    return out;
  }

  /** The requests of {@link #plannedCalls}. */
  public List<ChatRequest> plannedRequests(List<JudgeItem> items, List<Dimension> dims, List<String> judges, Mode mode) {
    return plannedCalls(items, dims, judges, mode).stream().map(PlannedCall::request).toList();
  }

  // --------------------------------------------------------------- running

  /** One call with repair-and-retry. */
  private record Attempted(Replies.Parsed parsed, ChatResponse response, String error, boolean cancelled) {}

  private Attempted ask(String judge, List<Message> msgs, Mode mode, List<List<Message>> prompts,
      List<String> raws, List<String> keys) {
    List<Message> conv = new ArrayList<>(msgs);
    for (int round = 0; round <= options.maxRepairs(); round++) {
      prompts.add(List.copyOf(conv));
      LlmClient.CallResult r = client.call(request(judge, conv, mode));
      keys.add(r.key());
      if (!r.ok()) {
        raws.add(null);
        return new Attempted(null, null, "call failed: " + r.error(), r.cancelled());
      }
      String content = r.response().content();
      raws.add(content);
      Replies.Parsed p = mode == Mode.POINTWISE ? Replies.pointwise(content) : Replies.pairwise(content);
      if (p.ok()) return new Attempted(p, r.response(), null, false);
      if (round == options.maxRepairs())
        return new Attempted(null, null, "unusable reply after " + (round + 1) + " attempt(s): " + p.error(), false);
      conv.add(Message.assistant(content));
      conv.add(Message.user("Your reply could not be used: " + p.error() + ". Reply again with only the JSON "
          + "object, exactly in this form: " + Json.write(Replies.exampleShape(mode))));
    }
    throw new AssertionError("unreachable");
  }

  /** Judges one item on one dimension with one judge, pointwise (blocking; stores the judgment). */
  public Judgment pointwise(JudgeItem item, Dimension d, String judge) {
    return pointwise(item, d, judge, Rubrics.DEFAULT);
  }

  /**
   * As {@link #pointwise(JudgeItem, Dimension, String)} under a rubric variant. A judgment under a variant
   * other than the default is stored under item id {@code ID#VARIANT} ({@link Judgment#storedItemId()}).
   */
  public Judgment pointwise(JudgeItem item, Dimension d, String judge, String rubric) {
    String variant = rubric == null ? Rubrics.DEFAULT : rubric;
    List<List<Message>> prompts = new ArrayList<>();
    List<String> raws = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    Attempted a = ask(judge, pointwisePrompt(item, d, variant), Mode.POINTWISE, prompts, raws, keys);
    Judgment j;
    if (a.parsed() == null) {
      j = new Judgment(item.id(), d, judge, Mode.POINTWISE, null, null, null, null, null, null, null, a.error(), prompts,
          raws, keys, variant, null);
    } else {
      double[] p = Replies.ratingDistribution(a.response());
      Double expected = null;
      List<Double> probs = null;
      if (p != null) {
        double e = 0;
        for (int k = 0; k < 7; k++) e += (k + 1) * p[k];
        expected = e;
        probs = java.util.Arrays.stream(p).boxed().toList();
      }
      j = new Judgment(item.id(), d, judge, Mode.POINTWISE, a.parsed().rating(), expected, null, null, null, null,
          a.parsed().reason(), null, prompts, raws, keys, variant, probs);
    }
    if (!a.cancelled()) store(j);
    return j;
  }

  /** Judges one item's answer against its other answer on one dimension (blocking; stores it). */
  public Judgment pairwise(JudgeItem item, Dimension d, String judge) {
    if (item.otherAnswer() == null)
      return storeAndReturn(new Judgment(item.id(), d, judge, Mode.PAIRWISE, null, null, null, null, null, null, null,
          "pairwise judging needs other_answer", List.of(), List.of(), List.of()));
    List<List<Message>> prompts = new ArrayList<>();
    List<String> raws = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    boolean first = answerShownFirst(options.seed(), item.id(), d);
    Attempted a = ask(judge, first ? pairwisePrompt(item.prompt(), item.answer(), item.otherAnswer(), d)
        : pairwisePrompt(item.prompt(), item.otherAnswer(), item.answer(), d), Mode.PAIRWISE, prompts, raws, keys);
    if (a.parsed() == null) {
      Judgment j = new Judgment(item.id(), d, judge, Mode.PAIRWISE, null, null, null, null, null, first, null, a.error(), prompts, raws, keys);
      if (!a.cancelled()) store(j);
      return j;
    }
    String pref = toAnswerTerms(a.parsed().preferred(), first);
    Double pA = Replies.probabilityA(a.response());
    Double pAnswer = pA == null ? null : (first ? pA : 1 - pA);
    Boolean consistent = null;
    if (options.swap()) {
      Attempted b = ask(judge, first ? pairwisePrompt(item.prompt(), item.otherAnswer(), item.answer(), d)
          : pairwisePrompt(item.prompt(), item.answer(), item.otherAnswer(), d), Mode.PAIRWISE, prompts, raws, keys);
      if (b.parsed() == null) {
        Judgment j = new Judgment(item.id(), d, judge, Mode.PAIRWISE, null, null, null, null, null, first, a.parsed().reason(),
            "swapped re-judging: " + b.error(), prompts, raws, keys);
        if (!b.cancelled()) store(j);
        return j;
      }
      String pref2 = toAnswerTerms(b.parsed().preferred(), !first);
      consistent = pref.equals(pref2);
      if (!consistent) pref = "tie";
      Double pB = Replies.probabilityA(b.response());
      Double pAnswer2 = pB == null ? null : (!first ? pB : 1 - pB);
      if (pAnswer != null && pAnswer2 != null) pAnswer = (pAnswer + pAnswer2) / 2;
      else pAnswer = null;
    }
    return storeAndReturn(new Judgment(item.id(), d, judge, Mode.PAIRWISE, null, null, pref, pAnswer, consistent, first,
        a.parsed().reason(), null, prompts, raws, keys));
  }

  private static String toAnswerTerms(String ab, boolean answerIsA) {
    if ("tie".equals(ab)) return "tie";
    boolean aWins = "A".equals(ab);
    return aWins == answerIsA ? "answer" : "other_answer";
  }

  private Judgment storeAndReturn(Judgment j) {
    store(j);
    return j;
  }

  private void store(Judgment j) {
    client.store().putJudgment(new RunStore.JudgmentRow(client.runId(), j.storedItemId(), j.dimension().name(), j.judge(),
        j.mode().id(), j.rating(), j.expected(), j.preferred(), j.pAnswer(), j.consistent(), j.reason(), j.error(),
        Json.write(j.prompts()), Json.write(j.rawResponses()), Json.write(j.callKeys())));
  }

  /**
   * Judges every (item, dimension, judge) on virtual threads and returns the judgments in that
   * order. Cancelled judgments (after {@link LlmClient#cancel}) come back with error "cancelled"
   * and are not stored, so a re-run does them.
   */
  public List<Judgment> run(List<JudgeItem> items, List<Dimension> dims, List<String> judges, Mode mode, Progress progress) {
    client.checkReady(new LinkedHashSet<>(judges));
    int total = items.size() * dims.size() * judges.size();
    AtomicInteger done = new AtomicInteger();
    List<Future<Judgment>> fs = new ArrayList<>(total);
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      for (JudgeItem it : items)
        for (Dimension d : dims)
          for (String j : judges)
            fs.add(ex.submit(() -> {
              Judgment r = mode == Mode.POINTWISE ? pointwise(it, d, j) : pairwise(it, d, j);
              // a judgment cut off by cancel() is not finished: it must not advance the progress count
              if (progress != null && !client.isCancelled()) progress.update(done.incrementAndGet(), total);
              return r;
            }));
      List<Judgment> out = new ArrayList<>(total);
      for (Future<Judgment> f : fs) {
        try {
          out.add(f.get());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          client.cancel();
          throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
          Throwable c = e.getCause();
          if (c instanceof RuntimeException re) throw re;
          throw new IllegalStateException(c);
        }
      }
      return out;
    }
  }
}
