package io.personaknob.steer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.llm.ChatRequest;
import io.personaknob.llm.LlmClient;
import io.personaknob.llm.Message;
import io.personaknob.steer.Inputs.PersonaPair;
import io.personaknob.steer.Inputs.Scenario;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * The measurement (HEAD protocol): for every scenario × persona pair × template, one generation per pole,
 * the blind A/B order from the library's key, every axis judge on {positive, negative target} × {forward,
 * reverse}, the style judge and the confound judge, then audits and the strict pass. All calls go through
 * {@link LlmClient} (run-store cache, retries, accounting): a re-run repeats no finished call. An example
 * whose call fails or whose judge reply is unusable becomes an error row (the library's behaviour) and is
 * left out of the aggregates.
 */
public final class SteerRun {

  /**
   * Settings of a run.
   *
   * @param seed run seed: scenario selection, blind order, eval ids and the providers' sampling seed
   * @param generator knob.yaml model name of the generator
   * @param axisJudges knob.yaml model names of the axis judges
   * @param styleJudge knob.yaml model name of the style and confound judge
   * @param genTemperature generation temperature (library default 0)
   * @param genMaxTokens generation token limit (library: 260)
   * @param maxWordDeltaFrac optional hard length gate (0 = report only)
   * @param jsonAttempts attempts on a judge reply that is not JSON (library: 5)
   * @param qwenNoThink prefix "/no_think" to the generation prompt (the library does so for qwen/ generators)
   * @param artifact the value of the {@code artifact} column
   */
  public record Options(long seed, String generator, List<String> axisJudges, String styleJudge, double genTemperature,
      int genMaxTokens, double maxWordDeltaFrac, int jsonAttempts, boolean qwenNoThink, String artifact) {
    public String judgeModelKey() {
      return String.join(",", axisJudges) + "|" + styleJudge;
    }
  }

  /** One planned example. */
  public record Cell(int rowI, Scenario scenario, PersonaPair pair, String template) {}

  private final LlmClient client;
  private final Options o;

  public SteerRun(LlmClient client, Options options) {
    this.client = client;
    this.o = options;
  }

  /** The library's task order: scenarios (row_i), then pairs, then templates. */
  public static List<Cell> plan(List<Scenario> scenarios, List<PersonaPair> pairs, List<String> templates) {
    List<Cell> cells = new ArrayList<>();
    for (int i = 0; i < scenarios.size(); i++) {
      for (PersonaPair p : pairs) {
        for (String t : templates) cells.add(new Cell(i + 1, scenarios.get(i), p, t));
      }
    }
    return cells;
  }

  /** The example's fixed inputs: personas, prompts, eval id. */
  public ExampleMath.Inputs inputs(Cell c) {
    String pp = Prompts.persona(c.pair(), c.template(), true);
    String np = Prompts.persona(c.pair(), c.template(), false);
    String scen = c.scenario().prompt();
    boolean sc = c.scenario().selfContained();
    String id = ExampleMath.evalId(o.seed(), c.rowI(), c.scenario().id(), scen, c.pair().id(), c.template(), o.generator(),
        o.judgeModelKey(), o.genTemperature());
    return new ExampleMath.Inputs(o.artifact(), id, c.template(), c.pair(), c.scenario(), c.rowI(), pp, np,
        Prompts.generation(pp, scen, sc, o.qwenNoThink()), Prompts.generation(np, scen, sc, o.qwenNoThink()),
        o.maxWordDeltaFrac());
  }

  ChatRequest generation(String prompt) {
    return new ChatRequest(o.generator(), List.of(Message.user(prompt)), o.genTemperature(), o.genMaxTokens(), o.seed(),
        null, null, 0);
  }

  ChatRequest judge(String model, String prompt, ObjectNode schema, int maxTokens) {
    return new ChatRequest(model, List.of(Message.user(prompt)), 0.0, maxTokens, o.seed(), schema, null, 0);
  }

  /** The first-attempt requests of a run for a dry run: the generations exactly, the judges with stand-in answers. */
  public List<ChatRequest> plannedRequests(List<Cell> cells) {
    String standIn = "word ".repeat(140).strip();
    List<ChatRequest> out = new ArrayList<>();
    for (Cell c : cells) {
      ExampleMath.Inputs in = inputs(c);
      out.add(generation(in.posPrompt()));
      if (!in.posPersona().equals(in.negPersona())) out.add(generation(in.negPrompt()));
      String s = c.scenario().prompt();
      for (String j : o.axisJudges()) {
        for (int k = 0; k < 4; k++) {
          out.add(judge(j, Prompts.axis(k < 2 ? c.pair().positiveBehavior() : c.pair().negativeBehavior(), s, standIn, standIn + k),
              Prompts.axisSchema(), 1200));
        }
      }
      out.add(judge(o.styleJudge(), Prompts.style(s, standIn, standIn), Prompts.styleSchema(), 4096));
      out.add(judge(o.styleJudge(), Prompts.confound(c.pair(), s, standIn, standIn), Prompts.confoundSchema(), 4096));
    }
    return out;
  }

  /** A call that failed after its retries, or was cancelled. */
  static final class CallFailed extends Exception {
    private static final long serialVersionUID = 1L;
    final boolean cancelled;
    CallFailed(String m, boolean cancelled) {
      super(m);
      this.cancelled = cancelled;
    }
  }

  private String text(ChatRequest r, String what) throws CallFailed {
    LlmClient.CallResult res = client.call(r);
    if (!res.ok()) throw new CallFailed(what + " call failed: " + res.error(), res.cancelled());
    return res.response().content() == null ? "" : res.response().content();
  }

  /** Asks until the reply parses as a JSON object (up to jsonAttempts; a new sample index forces a new call). */
  private ObjectNode json(ChatRequest r, String what) throws CallFailed, ExampleMath.BadReply {
    ExampleMath.BadReply last = null;
    for (int a = 0; a < Math.max(1, o.jsonAttempts()); a++) {
      String t = text(r.withSample(a), what);
      try {
        return ExampleMath.parse(t);
      } catch (ExampleMath.BadReply e) {
        last = e;
      }
    }
    throw new ExampleMath.BadReply(what + ": " + last.getMessage() + " (after " + o.jsonAttempts() + " attempts)");
  }

  /** Result of a run: the rows in plan order and how many were cancelled (not done). */
  public record Result(List<ObjectNode> rows, int errors, int cancelled) {}

  /** Runs every cell on virtual threads; {@code progress} gets (done, total). */
  public Result run(List<Cell> cells, BiConsumer<Integer, Integer> progress) throws InterruptedException {
    List<Future<ObjectNode>> fs = new ArrayList<>();
    AtomicInteger done = new AtomicInteger();
    AtomicInteger cancelled = new AtomicInteger();
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      for (Cell c : cells) {
        fs.add(ex.submit(() -> {
          ObjectNode row = one(c, cancelled);
          progress.accept(done.incrementAndGet(), cells.size());
          return row;
        }));
      }
      List<ObjectNode> rows = new ArrayList<>();
      int errors = 0;
      for (Future<ObjectNode> f : fs) {
        try {
          ObjectNode r = f.get();
          if (!r.get("error").isNull()) errors++;
          rows.add(r);
        } catch (java.util.concurrent.ExecutionException e) {
          throw new IllegalStateException(e.getCause());
        }
      }
      return new Result(rows, errors, cancelled.get());
    }
  }

  ObjectNode one(Cell c, AtomicInteger cancelled) {
    ExampleMath.Inputs in = inputs(c);
    try {
      CompletableFuture<String> posF = CompletableFuture.supplyAsync(() -> call(generation(in.posPrompt()), "generator pos"), VT);
      CompletableFuture<String> negF = in.posPersona().equals(in.negPersona()) ? posF
          : CompletableFuture.supplyAsync(() -> call(generation(in.negPrompt()), "generator neg"), VT);
      String pos = unwrap(posF).strip();
      String neg = unwrap(negF).strip();
      if (pos.isEmpty() || neg.isEmpty())
        throw new ExampleMath.BadReply("empty generation: pos_words=" + Audits.words(pos).size() + ", neg_words=" + Audits.words(neg).size());
      boolean posIsA = ExampleMath.posIsA(o.seed(), c.pair().id(), c.template(), c.rowI(), c.scenario().prompt());
      String a = posIsA ? pos : neg;
      String b = posIsA ? neg : pos;
      String s = c.scenario().prompt();
      List<CompletableFuture<ObjectNode>> axisF = new ArrayList<>();
      for (String j : o.axisJudges()) {
        axisF.add(jsonAsync(judge(j, Prompts.axis(c.pair().positiveBehavior(), s, a, b), Prompts.axisSchema(), 1200), j + " positive forward"));
        axisF.add(jsonAsync(judge(j, Prompts.axis(c.pair().positiveBehavior(), s, b, a), Prompts.axisSchema(), 1200), j + " positive reverse"));
        axisF.add(jsonAsync(judge(j, Prompts.axis(c.pair().negativeBehavior(), s, a, b), Prompts.axisSchema(), 1200), j + " negative forward"));
        axisF.add(jsonAsync(judge(j, Prompts.axis(c.pair().negativeBehavior(), s, b, a), Prompts.axisSchema(), 1200), j + " negative reverse"));
      }
      var styleF = jsonAsync(judge(o.styleJudge(), Prompts.style(s, a, b), Prompts.styleSchema(), 4096), o.styleJudge() + " style");
      var confF = jsonAsync(judge(o.styleJudge(), Prompts.confound(c.pair(), s, a, b), Prompts.confoundSchema(), 4096),
          o.styleJudge() + " confound");
      List<ExampleMath.AxisReplies> axis = new ArrayList<>();
      for (int i = 0; i < o.axisJudges().size(); i++) {
        axis.add(new ExampleMath.AxisReplies(o.axisJudges().get(i), unwrap(axisF.get(4 * i)), unwrap(axisF.get(4 * i + 1)),
            unwrap(axisF.get(4 * i + 2)), unwrap(axisF.get(4 * i + 3))));
      }
      ObjectNode style = unwrap(styleF);
      ObjectNode conf = unwrap(confF);
      try {
        return ExampleMath.example(in, posIsA, pos, neg, axis, style, conf);
      } catch (ExampleMath.BadReply e) {
        throw new ExampleMath.BadReply("judge reply unusable: " + e.getMessage());
      }
    } catch (CallFailed e) {
      if (e.cancelled) cancelled.incrementAndGet();
      return error(in, e.getMessage());
    } catch (ExampleMath.BadReply e) {
      return error(in, e.getMessage());
    }
  }

  private static final java.util.concurrent.Executor VT = Executors.newVirtualThreadPerTaskExecutor();

  private ObjectNode error(ExampleMath.Inputs in, String msg) {
    ObjectNode h = ExampleMath.header(in);
    h.put("error", msg);
    return h;
  }

  private CompletableFuture<ObjectNode> jsonAsync(ChatRequest r, String what) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return json(r, what);
      } catch (CallFailed | ExampleMath.BadReply e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    }, VT);
  }

  private String call(ChatRequest r, String what) {
    try {
      return text(r, what);
    } catch (CallFailed e) {
      throw new java.util.concurrent.CompletionException(e);
    }
  }

  private static <T> T unwrap(CompletableFuture<T> f) throws CallFailed, ExampleMath.BadReply {
    try {
      return f.join();
    } catch (java.util.concurrent.CompletionException e) {
      Throwable c = e.getCause();
      if (c instanceof CallFailed cf) throw cf;
      if (c instanceof ExampleMath.BadReply br) throw br;
      throw e;
    }
  }
}
