package io.personaknob.cli;

import io.personaknob.core.Provenance;
import io.personaknob.llm.KnobConfig;
import io.personaknob.llm.LlmClient;
import io.personaknob.llm.RunStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Collection;

/**
 * The LLM session of a {@code knob persona} command: knob.yaml, the run store, a client whose calls are
 * cached (a re-run of the same command repeats no finished call), and Ctrl-C handling that cancels the
 * calls and closes the store so the next run resumes.
 */
final class PersonaLlm implements AutoCloseable {
  final KnobConfig config;
  final RunStore store;
  final LlmClient client;
  final Path storeFile;
  final String run;
  private final StopOnSignal signal;

  PersonaLlm(Path configFile, Path storeOpt, String run, String kind, Provenance prov, Collection<String> models) {
    this.config = KnobConfig.load(KnobConfig.locate(configFile, System::getenv));
    for (String m : models) config.model(m);
    this.storeFile = storeOpt != null ? storeOpt : config.store() != null ? Path.of(config.store()) : Path.of(".knob", "store.sqlite");
    this.run = run;
    this.store = RunStore.open(storeFile);
    this.client = LlmClient.builder(config).store(store).runId(run).build();
    client.checkReady(models);
    store.startRun(run, kind, prov);
    signal = StopOnSignal.install(true, client::cancel);
  }

  /** Prints progress at most every two seconds, and at the end. */
  java.util.function.BiConsumer<Integer, Integer> progress(PrintWriter err, String what) {
    long[] last = {0};
    return (done, total) -> {
      long now = System.nanoTime();
      synchronized (last) {
        if (done.equals(total) || now - last[0] > 2_000_000_000L) {
          last[0] = now;
          var s = client.stats();
          err.printf("knob persona %s: %d/%d (%d calls, %d from cache, %d failed)%n", what, done, total, s.successes(),
              s.cacheHits(), s.failures());
          err.flush();
        }
      }
    };
  }

  String summary() {
    var s = client.stats();
    return String.format(java.util.Locale.ROOT, "%d calls made, %d from cache, %d failed; tokens %,d in / %,d out; cost %.6f",
        s.successes(), s.cacheHits(), s.failures(), s.promptTokens(), s.completionTokens(), s.cost());
  }

  com.fasterxml.jackson.databind.node.ObjectNode callsJson() {
    var s = client.stats();
    var o = io.personaknob.llm.Json.MAPPER.createObjectNode();
    o.put("run", run).put("store", storeFile.toString()).put("made", s.successes()).put("from_cache", s.cacheHits())
        .put("failed", s.failures()).put("prompt_tokens", s.promptTokens()).put("completion_tokens", s.completionTokens())
        .put("cost", s.cost());
    return o;
  }

  @Override
  public void close() {
    try {
      client.close();
      store.close();
    } finally {
      signal.close();
    }
  }
}
