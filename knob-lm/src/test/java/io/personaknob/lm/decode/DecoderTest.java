package io.personaknob.lm.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.GenerationResult;
import io.personaknob.lm.LanguageModels;
import io.personaknob.lm.SamplingParams;
import io.personaknob.lm.TokenLogprob;
import io.personaknob.lm.testing.TinyModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continuous batching against the model's own batched {@code generate} (an independent code path: one
 * static batch, its own cache): sequences that join a running batch mid-way, with different sampling
 * parameters and prompt lengths, and leave at different times, produce exactly what each produces alone.
 */
class DecoderTest {
  @TempDir static Path dir;
  static DjlLanguageModel model;

  @BeforeAll
  static void load() {
    TinyModels.create(dir, "llama", 256, 21);
    model = LanguageModels.load(dir, "cpu");
  }

  @AfterAll
  static void close() {
    if (model != null) model.close();
  }

  record Job(int[] prompt, SamplingParams params) {}

  static final class Collect implements SequenceListener {
    final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
    final List<Integer> streamed = new ArrayList<>();
    final CountDownLatch firstTokens;

    Collect(int waitFor) {
      firstTokens = new CountDownLatch(waitFor);
    }

    @Override
    public void onToken(int token, TokenLogprob logprob) {
      streamed.add(token);
      firstTokens.countDown();
    }

    @Override
    public void onFinish(GenerationResult r) {
      result.complete(r);
      while (firstTokens.getCount() > 0) firstTokens.countDown();
    }

    @Override
    public void onError(Throwable error) {
      result.completeExceptionally(error);
    }
  }

  static int[] ids(String s) {
    return model.tokenizer().encode(s, true);
  }

  @Test
  void sequencesJoiningAndLeavingARunningBatchDecodeAsAlone() throws Exception {
    List<Job> jobs = List.of(
        new Job(ids("The first prompt is a long one, longer than the others."), SamplingParams.greedy(40)),
        new Job(ids("b"), new SamplingParams(70, 0.9, 0, 1.0, 3, List.of(), true, 2)),
        new Job(ids("Third!"), new SamplingParams(25, 0, 0, 1.0, 0, List.of(), true, 3)),
        new Job(ids("Fourth prompt here"), new SamplingParams(60, 1.3, 20, 0.9, 11, List.of(), false, 0)),
        new Job(ids("5"), SamplingParams.greedy(90)));
    // alone: the model's static batched generate, one prompt per call
    List<GenerationResult> alone = new ArrayList<>();
    for (Job j : jobs) alone.add(model.generate(List.of(j.prompt()), j.params()).get(0));
    try (Decoder d = new Decoder(model.stepModel().orElseThrow(), model.tokenizer(), 4)) {
      List<Collect> cs = new ArrayList<>();
      for (int i = 0; i < jobs.size(); i++) {
        Collect c = new Collect(7);
        cs.add(c);
        d.submit(jobs.get(i).prompt(), jobs.get(i).params(), null, c);
        c.firstTokens.await(60, TimeUnit.SECONDS); // the next one joins a batch that is already decoding
      }
      for (int i = 0; i < jobs.size(); i++) {
        GenerationResult r = cs.get(i).result.get(60, TimeUnit.SECONDS);
        GenerationResult a = alone.get(i);
        assertArrayEquals(a.tokens(), r.tokens(), "job " + i);
        assertEquals(a.text(), r.text());
        assertEquals(a.finishReason(), r.finishReason());
        assertEquals(a.promptTokens(), r.promptTokens());
        assertEquals(a.logprobs().size(), r.logprobs().size());
        for (int k = 0; k < a.logprobs().size(); k++) {
          assertEquals(a.logprobs().get(k).logprob(), r.logprobs().get(k).logprob(), 1e-4);
          assertEquals(a.logprobs().get(k).top().size(), r.logprobs().get(k).top().size());
        }
        assertEquals(List.of(java.util.Arrays.stream(r.tokens()).boxed().toArray()), List.of(cs.get(i).streamed.toArray()));
      }
      assertTrue(d.rowSteps() > d.steps(), "sequences shared steps: " + d.rowSteps() + " rows in " + d.steps() + " steps");
    }
  }
}
