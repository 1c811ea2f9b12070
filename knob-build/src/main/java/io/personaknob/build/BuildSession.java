package io.personaknob.build;

import io.personaknob.core.Provenance;
import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import io.personaknob.llm.Json;
import io.personaknob.llm.KnobConfig;
import io.personaknob.llm.LlmClient;
import io.personaknob.llm.RunStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Runs the automatic stages of a build (plan, synthesize, verify) against the models of knob.yaml, through
 * knob-llm's client and run store ({@code DIR/store.sqlite} unless {@code --store}): every call is cached, so
 * a re-run after a kill or an outage repeats no successful call and retries only what failed. Rows are
 * processed on virtual threads; {@code rows.jsonl} is rewritten atomically every two seconds and at the end.
 */
public final class BuildSession {
  /** Which automatic stages to run. */
  public enum Stages { PLAN, SYNTHESIZE, VERIFY, RUN }

  private final BuildOptions o;
  private final PrintWriter out;
  private final PrintWriter err;
  private volatile LlmClient current;
  private final AtomicBoolean stopRequested = new AtomicBoolean();

  public BuildSession(BuildOptions options, PrintWriter out, PrintWriter err) {
    this.o = options;
    this.out = out;
    this.err = err;
  }

  /** Asks a running session to stop (Ctrl-C): calls are cancelled, finished rows are kept. */
  public void stop() {
    stopRequested.set(true);
    LlmClient c = current;
    if (c != null) c.cancel();
  }

  /** The result of a session: 0 done, 130 interrupted. */
  public int execute(Stages stages) {
    if (o.dir == null) throw new UserException("--dir is required");
    if (o.n != null && o.n <= 0) throw new UserException("--n must be at least 1, got " + o.n);
    if (o.concurrency <= 0) throw new UserException("--concurrency must be at least 1, got " + o.concurrency);
    if (o.maxRepairs < 0) throw new UserException("--max-repairs must be at least 0, got " + o.maxRepairs);
    if (!List.of("all", "mask").contains(o.orderDims)) throw new UserException("--order-dims must be all or mask, got '" + o.orderDims + "'");
    KnobConfig cfg = KnobConfig.load(KnobConfig.locate(o.config, System::getenv));
    Prompts prompts = Prompts.load(o.prompts, o.dir.resolve("prompts"));
    BuildSpec spec = BuildState.exists(o.dir) ? reconcile(BuildState.readSpec(o.dir)) : newSpec(prompts);
    for (String m : spec.models()) cfg.model(m); // unknown model names: one-line error before anything else
    if (stages != Stages.PLAN && (stages == Stages.VERIFY || stages == Stages.RUN) && spec.judges().isEmpty())
      throw new UserException("--judges is required for the verify stage (the judges of the partial-order check)");
    Path storeFile = o.store != null ? o.store : o.dir.resolve("store.sqlite");
    String runId = "build-" + spec.name();
    Map<String, Object> conf = new LinkedHashMap<>(cfg.describe());
    conf.put("build", Json.MAPPER.convertValue(spec, Map.class));
    conf.put("stages", stages.name().toLowerCase());
    Map<String, Path> inputs = new LinkedHashMap<>();
    if (spec.seedScenes() != null) inputs.put("seed_scenes", Path.of(spec.seedScenes()));
    try (RunStore rs = RunStore.open(storeFile);
         LlmClient client = LlmClient.builder(cfg).store(rs).runId(runId).build()) {
      current = client;
      if (stopRequested.get()) client.cancel();
      List<BuildRow> rows;
      if (BuildState.exists(o.dir) && java.nio.file.Files.exists(BuildState.rowsFile(o.dir))) {
        rows = BuildState.readRows(o.dir);
      } else {
        if (o.dryRun) {
          client.checkReady(spec.models(), false);
          rows = Planner.plan(spec, scenes(spec, client, prompts, true));
        } else {
          client.checkReady(spec.models());
          rs.startRun(runId, "build", Provenance.of(conf, inputs));
          rows = Planner.plan(spec, scenes(spec, client, prompts, false));
          BuildState.writeSpec(o.dir, spec);
          BuildState.writeRows(o.dir, rows);
          err.printf("knob build: planned %d rows in %s (build %s)%n", rows.size(), o.dir, spec.name());
        }
      }
      for (BuildRow r : rows) if (r.judges.isEmpty()) r.judges = new ArrayList<>(spec.judges());
      if (o.dryRun) {
        new DryRun(client, prompts, spec).print(rows, stages, out);
        for (String v : client.missingKeyVariables(spec.models())) out.printf("note: %s is not set; the real run needs it%n", v);
        out.flush();
        return 0;
      }
      if (stages == Stages.PLAN) {
        BuildState.writeSpec(o.dir, spec);
        Status.print(o.dir, rows, false, out);
        return 0;
      }
      client.checkReady(spec.models());
      rs.startRun(runId, "build", Provenance.of(conf, inputs));
      BuildState.writeSpec(o.dir, spec);
      int code = process(rows, stages, spec, prompts, client);
      BuildState.writeRows(o.dir, rows);
      Review.writeQueue(o.dir, rows);
      LlmClient.Stats s = client.stats();
      writeProvenance(Provenance.of(conf, inputs).withVersions(RunStore.componentVersions()), runId, storeFile, s);
      err.printf("knob build: %d HTTP requests, %d replies, %d from cache, %d failed after retries; tokens %,d in / %,d out;"
          + " cost %.6f%n", s.requests(), s.successes(), s.cacheHits(), s.failures(), s.promptTokens(), s.completionTokens(),
          s.cost());
      if (code == 130) {
        err.printf("knob build: interrupted; finished rows are kept in %s. Re-run the same command to resume.%n",
            BuildState.rowsFile(o.dir));
      } else if (!client.downProviders().isEmpty()) {
        err.printf("knob build: provider %s went down during the run; its rows are recorded as failed. Re-run when it is"
            + " back to retry just those.%n", String.join(", ", client.downProviders()));
      }
      err.flush();
      Status.print(o.dir, rows, false, out);
      out.flush();
      return code;
    } finally {
      current = null;
    }
  }

  private int process(List<BuildRow> rows, Stages stages, BuildSpec spec, Prompts prompts, LlmClient client) {
    boolean synth = stages == Stages.SYNTHESIZE || stages == Stages.RUN;
    boolean verify = stages == Stages.VERIFY || stages == Stages.RUN;
    Synthesizer sy = new Synthesizer(client, prompts, spec.maxRepairs());
    Verifier ve = new Verifier(client, prompts, spec);
    AtomicReferenceArray<BuildRow> live = new AtomicReferenceArray<>(rows.toArray(new BuildRow[0]));
    List<Integer> todo = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      BuildRow r = rows.get(i);
      if ((synth && r.needsSynthesis()) || (verify && r.needsVerification())) todo.add(i);
    }
    err.printf("knob build: %d of %d rows to process (%s)%n", todo.size(), rows.size(), stages.name().toLowerCase());
    err.flush();
    AtomicInteger done = new AtomicInteger();
    AtomicBoolean dirty = new AtomicBoolean();
    Semaphore slots = new Semaphore(o.concurrency);
    Thread saver = Thread.ofPlatform().daemon().start(() -> {
      long last = System.nanoTime();
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        }
        if (System.nanoTime() - last > 2_000_000_000L && dirty.getAndSet(false)) {
          last = System.nanoTime();
          List<BuildRow> snap = new ArrayList<>();
          for (int i = 0; i < live.length(); i++) snap.add(live.get(i));
          BuildState.writeRows(o.dir, snap);
          synchronized (err) {
            err.printf("knob build: %d/%d rows processed%n", done.get(), todo.size());
            err.flush();
          }
        }
      }
    });
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> fs = new ArrayList<>();
      for (int i : todo) {
        fs.add(ex.submit(() -> {
          try {
            slots.acquire();
          } catch (InterruptedException e) {
            return;
          }
          try {
            if (client.isCancelled()) return;
            BuildRow w = BuildRow.fromJson(live.get(i).toJson()); // a working copy; published when a stage ends
            if (o.resampleFailed && w.status.equals(BuildRow.FAILED)) w.attempt++;
            boolean changed = false;
            if (synth && w.needsSynthesis()) {
              if (!sy.process(w)) return;
              live.set(i, w);
              changed = true;
              w = BuildRow.fromJson(w.toJson());
            }
            if (verify && w.needsVerification() && !client.isCancelled()) {
              if (ve.process(w)) {
                live.set(i, w);
                changed = true;
              }
            }
            if (changed) dirty.set(true);
            done.incrementAndGet();
          } catch (UserException e) {
            throw e;
          } catch (RuntimeException e) {
            // a bug must not lose the other rows' work: the row is recorded as failed with the error
            BuildRow w = BuildRow.fromJson(live.get(i).toJson());
            w.reasons = new ArrayList<>(List.of("internal error: " + e));
            w.status = BuildRow.FAILED;
            if (w.stage.equals(BuildRow.PLAN)) w.stage = BuildRow.SYNTHESIZE;
            live.set(i, w);
            dirty.set(true);
          } finally {
            slots.release();
          }
        }));
      }
      for (Future<?> f : fs) {
        try {
          f.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          client.cancel();
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof RuntimeException re) throw re;
          throw new IllegalStateException(e.getCause());
        }
      }
    } finally {
      saver.interrupt();
      try {
        saver.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (int i = 0; i < rows.size(); i++) rows.set(i, live.get(i));
    return client.isCancelled() ? 130 : 0;
  }

  /** DIR/rows.jsonl.provenance.json: what produced the rows (options, knob.yaml names, input hashes) and this run's calls. */
  private void writeProvenance(Provenance p, String runId, Path storeFile, LlmClient.Stats s) {
    var n = Json.MAPPER.createObjectNode();
    n.set("provenance", Json.MAPPER.valueToTree(RunStore.provenanceMap(p)));
    n.put("run", runId);
    n.put("store", storeFile.toString());
    var c = n.putObject("calls_this_invocation");
    c.put("http_requests", s.requests());
    c.put("replies", s.successes());
    c.put("from_cache", s.cacheHits());
    c.put("failed", s.failures());
    c.put("prompt_tokens", s.promptTokens());
    c.put("completion_tokens", s.completionTokens());
    c.put("cost", s.cost());
    io.personaknob.core.AtomicFile.write(o.dir.resolve("rows.jsonl.provenance.json"), tmp -> java.nio.file.Files.writeString(tmp,
        Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n"));
  }

  // ------------------------------------------------------------------ plan

  private BuildSpec newSpec(Prompts prompts) {
    if (o.n == null) throw new UserException("--n is required to plan a build (rows to make)");
    if (o.seedScenes == null && (o.topics == null || o.topics.isEmpty()))
      throw new UserException("give --seed-scenes FILE (JSONL, CSV or Parquet with a text column) or --topics to draw them with an LLM");
    if (o.generators == null || o.generators.isEmpty()) throw new UserException("--generators is required to plan a build");
    if (o.verifiers == null || o.verifiers.isEmpty()) throw new UserException("--verifier is required to plan a build");
    List<Dimension> dims = List.of(Dimension.values());
    if (o.dims != null && !o.dims.isEmpty()) dims = Masks.dims(Masks.parse(String.join("", o.dims), "--dims"));
    List<String> masks;
    if (o.masks != null && !o.masks.isEmpty()) {
      LinkedHashSet<String> ms = new LinkedHashSet<>();
      for (String m : o.masks) {
        String c = Masks.parse(m, "--masks");
        if (c.length() < 2 && !o.allowSingleMasks)
          throw new UserException("--masks: '" + m + "' has one dimension; masks of size 1 need --allow-single-masks");
        ms.add(c);
      }
      masks = List.copyOf(ms);
    } else {
      masks = Masks.all(dims, o.allowSingleMasks ? 1 : 2);
    }
    if (masks.isEmpty()) throw new UserException("--dims " + dims + " leaves no mask of size 2 or more (add --allow-single-masks)");
    long seed = o.seed == null ? 0 : o.seed;
    String sha = o.seedScenes != null ? Provenance.sha256(requireFile(o.seedScenes)) : null;
    if (o.seedScenes != null) SeedScenes.read(o.seedScenes, o.textColumn); // bad file: one-line error before any call
    String name = "pk" + Json.sha256(String.join("|", String.valueOf(o.n), String.valueOf(seed), o.sampler,
        String.join(",", masks), String.valueOf(sha), String.valueOf(o.topics), String.join(",", o.generators))).substring(0, 6);
    List<String> verifiers = List.copyOf(new LinkedHashSet<>(o.verifiers));
    BuildSpec spec = new BuildSpec(name, o.n, seed, o.sampler, masks,
        o.seedScenes == null ? null : o.seedScenes.toAbsolutePath().toString(), sha, o.textColumn, o.topics,
        List.copyOf(new LinkedHashSet<>(o.generators)), verifiers,
        o.judges == null ? List.of() : List.copyOf(new LinkedHashSet<>(o.judges)), o.orderDims, o.maxRepairs,
        o.allowSelfVerify, prompts.versions());
    Planner.masks(spec.sampler(), masks, spec.n(), seed); // checks sampler and n
    for (String g : spec.generators()) Planner.verifierFor(g, spec);
    return spec;
  }

  private static Path requireFile(Path p) {
    if (!java.nio.file.Files.isRegularFile(p)) throw new UserException(p + ": no such file");
    return p;
  }

  /** An existing build: the options given must agree with its plan; judges may be added. */
  private BuildSpec reconcile(BuildSpec s) {
    check("--n", o.n, s.n());
    check("--seed", o.seed, s.seed());
    if (o.generators != null) check("--generators", List.copyOf(new LinkedHashSet<>(o.generators)), s.generators());
    if (o.verifiers != null) check("--verifier", List.copyOf(new LinkedHashSet<>(o.verifiers)), s.verifiers());
    if (o.seedScenes != null) check("--seed-scenes", Provenance.sha256(requireFile(o.seedScenes)), s.seedScenesSha256());
    if (o.judges != null && !o.judges.isEmpty()) {
      List<String> j = List.copyOf(new LinkedHashSet<>(o.judges));
      if (!s.judges().isEmpty()) check("--judges", j, s.judges());
      else s = s.withJudges(j);
    }
    return s;
  }

  private void check(String flag, Object given, Object planned) {
    if (given != null && !Objects.equals(given, planned))
      throw new UserException(o.dir + " holds a build planned with " + flag + " " + planned + ", not " + given
          + "; use another --dir for a different build");
  }

  private List<SeedScenes.Scene> scenes(BuildSpec spec, LlmClient client, Prompts prompts, boolean dryRun) {
    if (spec.seedScenes() != null) return SeedScenes.read(Path.of(spec.seedScenes()), spec.textColumn());
    return TopicScenes.draw(spec, client, prompts, dryRun);
  }
}
