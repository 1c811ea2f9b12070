package io.personaknob.lm.decode;

import io.personaknob.lm.GenerationResult;
import io.personaknob.lm.Sampler;
import io.personaknob.lm.SamplingParams;
import io.personaknob.lm.TokenLogprob;
import io.personaknob.lm.Tokenizer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Continuous batching (iteration-level scheduling, as vLLM and TGI do it): one thread runs decoding
 * steps over the running sequences; between two steps finished sequences leave, cancelled ones are
 * dropped and waiting ones join (their prompts are prefilled in the joining step), up to
 * {@code maxBatch} running at once. Every sequence keeps its own sampling parameters, random generator
 * (seeded by its seed), stop strings, token constraint and KV cache row, so its output does not depend
 * on what else is running.
 */
public final class Decoder implements AutoCloseable {
  private final StepModel model;
  private final Tokenizer tokenizer;
  private final int maxBatch;
  private final Set<Integer> eos;
  private final LinkedBlockingQueue<Seq> queue = new LinkedBlockingQueue<>();
  private final List<Seq> waiting = new ArrayList<>();
  private final List<Seq> running = new ArrayList<>();
  private final Thread thread;
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong steps = new AtomicLong();
  private final AtomicLong rowSteps = new AtomicLong();
  private volatile boolean stopping;

  public Decoder(StepModel model, Tokenizer tokenizer, int maxBatch) {
    if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1");
    this.model = model;
    this.tokenizer = tokenizer;
    this.maxBatch = maxBatch;
    this.eos = model.eosTokenIds();
    this.thread = new Thread(this::loop, "knob-decode");
    thread.setDaemon(true);
    thread.start();
  }

  /** Decoding steps (forward passes) run so far. */
  public long steps() {
    return steps.get();
  }

  /** Sum over steps of the sequences in the step (mean batch = rowSteps / steps). */
  public long rowSteps() {
    return rowSteps.get();
  }

  /**
   * Queues a sequence. The prompt must fit the context (the caller checks); {@code constraint} may be
   * null. Results reach the listener on the decoding thread.
   */
  public void submit(int[] prompt, SamplingParams params, TokenConstraint constraint, SequenceListener listener) {
    Sampler.validate(params);
    if (prompt.length == 0) throw new IllegalArgumentException("empty prompt");
    Seq s = new Seq(ids.incrementAndGet(), prompt, params, constraint, listener);
    if (stopping) {
      listener.onError(new CancellationException("the decoder is stopped"));
      return;
    }
    queue.add(s);
  }

  /** Stops after the current step: running and queued sequences get {@link SequenceListener#onError}. Waits for the thread. */
  @Override
  public void close() {
    stopping = true;
    thread.interrupt();
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void loop() {
    try {
      while (true) {
        if (running.isEmpty() && waiting.isEmpty()) {
          try {
            waiting.add(queue.take());
          } catch (InterruptedException e) {
            if (stopping) break;
            continue;
          }
        }
        queue.drainTo(waiting);
        if (stopping) break;
        for (Iterator<Seq> it = waiting.iterator(); it.hasNext(); ) {
          Seq s = it.next();
          if (s.listener.cancelled()) it.remove();
        }
        running.removeIf(s -> s.listener.cancelled());
        while (running.size() < maxBatch && !waiting.isEmpty()) {
          Seq s = waiting.remove(0);
          if (s.params.maxNewTokens() == 0 || s.prompt.length >= model.contextLength()) {
            finish(s, "length");
          } else {
            running.add(s);
          }
        }
        if (running.isEmpty()) continue;
        try {
          step();
        } catch (RuntimeException | Error e) {
          for (Seq s : running) s.listener.onError(e);
          running.clear();
          model.reset();
        }
      }
    } finally {
      CancellationException c = new CancellationException("the server is shutting down");
      queue.drainTo(waiting);
      for (Seq s : running) s.listener.onError(c);
      for (Seq s : waiting) s.listener.onError(c);
      running.clear();
      waiting.clear();
      model.reset();
    }
  }

  private void step() {
    int b = running.size();
    long[] rowIds = new long[b];
    List<int[]> inputs = new ArrayList<>(b);
    for (int i = 0; i < b; i++) {
      Seq s = running.get(i);
      rowIds[i] = s.id;
      inputs.add(s.input);
    }
    float[] logits = model.step(rowIds, inputs);
    steps.incrementAndGet();
    rowSteps.addAndGet(b);
    int v = model.vocabSize();
    List<Seq> still = new ArrayList<>(b);
    for (int i = 0; i < b; i++) {
      Seq s = running.get(i);
      if (advance(s, logits, i * v, v)) still.add(s);
    }
    running.clear();
    running.addAll(still);
  }

  /** Samples the sequence's next token; returns whether it keeps running. */
  private boolean advance(Seq s, float[] logits, int off, int v) {
    SamplingParams p = s.params;
    int tok;
    if (s.constraint != null) {
      int[] allowed = s.constraint.allowed();
      if (allowed.length == 0) {
        finish(s, "stop");
        return false;
      }
      float[] sub = new float[allowed.length];
      for (int j = 0; j < allowed.length; j++) sub[j] = logits[off + allowed[j]];
      tok = allowed[Sampler.next(sub, 0, sub.length, p, s.rnd)];
    } else {
      tok = Sampler.next(logits, off, v, p, s.rnd);
      if (eos.contains(tok)) {
        finish(s, "stop");
        return false;
      }
    }
    s.tokens.add(tok);
    TokenLogprob lp = null;
    if (p.logprobs() || p.topLogprobs() > 0) {
      lp = TokenLogprob.fromLogits(logits, off, v, tok, p.topLogprobs(), tokenizer);
      s.logprobs.add(lp);
    }
    s.listener.onToken(tok, lp);
    if (s.constraint != null) {
      s.constraint.accept(tok);
      if (s.constraint.complete()) {
        finish(s, "stop");
        return false;
      }
    }
    if (!p.stop().isEmpty() && s.checkStop()) {
      finish(s, "stop");
      return false;
    }
    if (s.tokens.size() >= p.maxNewTokens() || s.prompt.length + s.tokens.size() >= model.contextLength()) {
      finish(s, "length");
      return false;
    }
    s.input = new int[] {tok};
    return true;
  }

  private void finish(Seq s, String reason) {
    int[] toks = s.tokens.stream().mapToInt(Integer::intValue).toArray();
    String text = s.stopText != null ? s.stopText : tokenizer == null ? "" : tokenizer.decode(toks, true);
    s.listener.onFinish(new GenerationResult(text, toks, reason, s.prompt.length, List.copyOf(s.logprobs)));
  }

  private final class Seq {
    final long id;
    final int[] prompt;
    final SamplingParams params;
    final TokenConstraint constraint;
    final SequenceListener listener;
    final Random rnd;
    final List<Integer> tokens = new ArrayList<>();
    final List<TokenLogprob> logprobs = new ArrayList<>();
    int[] input;
    String stopText;

    Seq(long id, int[] prompt, SamplingParams params, TokenConstraint constraint, SequenceListener listener) {
      this.id = id;
      this.prompt = prompt;
      this.params = params;
      this.constraint = constraint;
      this.listener = listener;
      this.rnd = new Random(params.seed());
      this.input = prompt;
    }

    boolean checkStop() {
      String text = tokenizer.decode(tokens.stream().mapToInt(Integer::intValue).toArray(), true);
      int cut = -1;
      for (String st : params.stop()) {
        int i = text.indexOf(st);
        if (i >= 0 && (cut < 0 || i < cut)) cut = i;
      }
      if (cut < 0) return false;
      stopText = text.substring(0, cut);
      return true;
    }
  }
}
