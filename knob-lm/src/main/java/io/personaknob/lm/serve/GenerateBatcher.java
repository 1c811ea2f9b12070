package io.personaknob.lm.serve;

import io.personaknob.lm.GenerationResult;
import io.personaknob.lm.LanguageModel;
import io.personaknob.lm.SamplingParams;
import io.personaknob.lm.decode.SequenceListener;
import io.personaknob.lm.decode.TokenConstraint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The backend for models without step-level decoding: one thread takes the oldest request and every
 * request queued behind it, groups them by sampling parameters (in order of arrival) and runs each
 * group as batched {@code generate} calls of at most {@code maxBatch} prompts. Tokens reach the
 * listener when the call returns. Batching changes nothing for a request's result: each row samples
 * with its own generator seeded by the request's seed.
 */
final class GenerateBatcher implements Backend {
  private final LanguageModel model;
  private final int maxBatch;
  private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
  private final Thread worker;
  private final AtomicLong calls = new AtomicLong();
  private volatile boolean stopped;

  private record Job(int[] prompt, SamplingParams params, SequenceListener listener) {}

  GenerateBatcher(LanguageModel model, int maxBatch) {
    this.model = model;
    this.maxBatch = maxBatch;
    // a platform thread: PyTorch keeps per-thread state (grad mode) that must not move between carriers
    this.worker = new Thread(this::loop, "knob-serve-generate");
    worker.setDaemon(true);
    worker.start();
  }

  @Override
  public void submit(int[] prompt, SamplingParams params, TokenConstraint constraint, SequenceListener listener) {
    if (constraint != null) throw new IllegalArgumentException("this backend does not constrain decoding");
    // greedy decoding ignores the seed: fix it so greedy requests share batches
    if (params.temperature() == 0 && params.seed() != 0) {
      params = new SamplingParams(params.maxNewTokens(), 0, params.topK(), params.topP(), 0, params.stop(), params.logprobs(), params.topLogprobs());
    }
    Job job = new Job(prompt, params, listener);
    queue.add(job);
    if (stopped && queue.remove(job)) listener.onError(new CancellationException("the server is shutting down"));
  }

  @Override
  public long calls() {
    return calls.get();
  }

  @Override
  public boolean constrains() {
    return false;
  }

  @Override
  public void stop() {
    stopped = true;
    List<Job> queued = new ArrayList<>();
    queue.drainTo(queued);
    for (Job j : queued) j.listener().onError(new CancellationException("the server is shutting down"));
    worker.interrupt(); // wakes it if idle; a running generate call finishes first
    try {
      while (worker.isAlive()) {
        worker.join(5000);
        if (worker.isAlive()) System.err.println("knob serve: waiting for the generation in progress to finish");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void loop() {
    while (!stopped || !queue.isEmpty()) {
      List<Job> jobs = new ArrayList<>();
      try {
        jobs.add(queue.take());
      } catch (InterruptedException e) {
        if (stopped) return;
        continue;
      }
      queue.drainTo(jobs);
      Map<SamplingParams, List<Job>> groups = new LinkedHashMap<>();
      for (Job j : jobs) groups.computeIfAbsent(j.params(), k -> new ArrayList<>()).add(j);
      for (var g : groups.entrySet()) {
        List<Job> group = g.getValue();
        for (int i = 0; i < group.size(); i += maxBatch) {
          List<Job> chunk = group.subList(i, Math.min(group.size(), i + maxBatch));
          if (stopped) {
            chunk.forEach(j -> j.listener().onError(new CancellationException("the server is shutting down")));
            continue;
          }
          run(chunk, g.getKey());
        }
      }
    }
  }

  private void run(List<Job> chunk, SamplingParams params) {
    List<int[]> prompts = new ArrayList<>(chunk.size());
    for (Job j : chunk) prompts.add(j.prompt());
    List<GenerationResult> results;
    try {
      calls.incrementAndGet();
      results = model.generate(prompts, params);
    } catch (Throwable t) {
      for (Job j : chunk) j.listener().onError(t);
      return;
    }
    for (int i = 0; i < chunk.size(); i++) {
      GenerationResult r = results.get(i);
      SequenceListener l = chunk.get(i).listener();
      for (int k = 0; k < r.tokens().length; k++) l.onToken(r.tokens()[k], r.logprobs().isEmpty() ? null : r.logprobs().get(k));
      l.onFinish(r);
    }
  }
}
