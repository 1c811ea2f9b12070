package io.personaknob.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.Provenance;
import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import io.personaknob.llm.Json;
import io.personaknob.llm.KnobConfig;
import io.personaknob.llm.LlmClient;
import io.personaknob.llm.RunStore;
import io.personaknob.llm.judge.JudgeItem;
import io.personaknob.llm.judge.JudgingProtocol;
import io.personaknob.llm.judge.Judgment;
import io.personaknob.llm.judge.Mode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code knob judge}: LLM judges rate answers (pointwise) or compare them (pairwise) per dimension. */
@Command(
    name = "judge",
    mixinStandardHelpOptions = true,
    description = {
      "Judge answers with LLM judges from knob.yaml, per persona dimension.",
      "Input: JSONL of {\"id\", \"prompt\", \"answer\"[, \"other_answer\"]}. Output: one JSONL line per (item,"
          + " dimension, judge) with id, dimension, judge and rating (pointwise) or preferred (pairwise:"
          + " answer, other_answer or tie), or an error.",
      "Calls are cached in the run store: re-running the same command makes no call it made before and"
          + " retries only what failed. Interrupt (Ctrl-C) at any time; finished calls are kept."
    },
    footer = {"", "Exit codes: 0 done (items that failed are error lines), 1 bad input or configuration,"
        + " 2 usage error, 3 internal failure, 130 interrupted (re-run to resume)."})
final class JudgeCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--judges", required = true, split = ",", paramLabel = "NAMES",
      description = "Judge model names from knob.yaml, comma-separated.")
  List<String> judges;

  @Option(names = "--input", required = true, paramLabel = "FILE", description = "Items to judge (JSONL).")
  Path input;

  @Option(names = "--dimensions", split = ",", defaultValue = "A,T,E,C", paramLabel = "DIMS",
      description = "Dimensions to judge, e.g. A,T (default: ${DEFAULT-VALUE}).")
  List<String> dimensions;

  @Option(names = "--mode", defaultValue = "pointwise", paramLabel = "MODE",
      description = "pointwise (rating 1-7) or pairwise (answer vs other_answer). Default: ${DEFAULT-VALUE}.")
  String mode;

  @Option(names = "--out", paramLabel = "FILE", description = "Output JSONL (required unless --dry-run).")
  Path out;

  @Option(names = "--config", paramLabel = "FILE",
      description = "Configuration (default: $KNOB_CONFIG, then ./knob.yaml).")
  Path config;

  @Option(names = "--store", paramLabel = "FILE",
      description = "Run store (default: 'store' in knob.yaml, then .knob/store.sqlite).")
  Path store;

  @Option(names = "--run", paramLabel = "ID",
      description = "Run id in the store (default: derived from the input and options, so a re-run resumes).")
  String runId;

  @Option(names = "--seed", defaultValue = "0", description = "Seed of the pairwise A/B order (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--swap", description = "Pairwise: judge every pair again with the order swapped.")
  boolean swap;

  @Option(names = "--max-repairs", defaultValue = "2",
      description = "How often a judge is asked to fix an unusable reply (default: ${DEFAULT-VALUE}).")
  int maxRepairs;

  @Option(names = "--dry-run", description = "Print the planned calls and the estimated cost; call nothing.")
  boolean dryRun;

  @Option(names = "--export-parquet", paramLabel = "DIR", description = "Also export the run store's tables as Parquet.")
  Path exportDir;

  @Override
  public Integer call() throws Exception {
    PrintWriter outw = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Mode m;
    try {
      m = Mode.parse(mode);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--mode: " + e.getMessage());
    }
    List<Dimension> dims = new ArrayList<>();
    for (String d : dimensions) {
      Dimension dim = Dimension.parse(d).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
          "--dimensions: unknown dimension '" + d + "' (use A, T, E, C)"));
      if (!dims.contains(dim)) dims.add(dim);
    }
    List<String> judgeNames = new ArrayList<>(new LinkedHashSet<>(judges));
    if (out == null && !dryRun) throw new CommandLine.ParameterException(spec.commandLine(), "--out is required (or give --dry-run)");
    if (maxRepairs < 0) throw new CommandLine.ParameterException(spec.commandLine(), "--max-repairs must be ≥ 0");

    KnobConfig cfg = KnobConfig.load(KnobConfig.locate(config, System::getenv));
    for (String j : judgeNames) cfg.model(j);
    List<JudgeItem> items = readItems(input, m);
    Path storeFile = store != null ? store : cfg.store() != null ? Path.of(cfg.store()) : Path.of(".knob", "store.sqlite");
    String inputHash = Provenance.sha256(input);
    String run = runId != null ? runId : "judge-" + Json.sha256(String.join("|", inputHash, String.join(",", judgeNames),
        dims.toString(), m.id(), Long.toString(seed), Boolean.toString(swap), Integer.toString(maxRepairs))).substring(0, 12);

    Map<String, Object> conf = new LinkedHashMap<>(cfg.describe());
    conf.put("judges", judgeNames);
    conf.put("dimensions", dims.stream().map(Dimension::name).toList());
    conf.put("mode", m.id());
    conf.put("seed", seed);
    conf.put("swap", swap);
    conf.put("max_repairs", maxRepairs);
    Provenance prov = Provenance.of(conf, Map.of("input", input));

    // Ctrl-C / SIGTERM: cancel the calls, then let this thread close the store before the JVM exits.
    AtomicReference<LlmClient> current = new AtomicReference<>();
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    try (StopOnSignal signal = StopOnSignal.install(!dryRun, () -> {
        stop.set(true);
        LlmClient c = current.get();
        if (c != null) c.cancel();
      });
         RunStore rs = RunStore.open(storeFile);
         LlmClient client = LlmClient.builder(cfg).store(rs).runId(run).build()) {
      JudgingProtocol protocol = new JudgingProtocol(client, new JudgingProtocol.Options(seed, swap, maxRepairs, null));
      if (dryRun) {
        client.checkReady(judgeNames, false);
        var planned = protocol.plannedCalls(items, dims, judgeNames, m);
        int i = 0;
        for (var pc : planned) {
          var prep = client.prepare(pc.request());
          boolean cached = rs.contains(prep.key());
          outw.printf("call %d: %s item=%s dimension=%s %s ~%d prompt tokens%s%n", ++i, pc.judge(), pc.itemId(),
              pc.dimension(), m.id(), io.personaknob.llm.Tokens.estimate(pc.request().messages()), cached ? " [cached]" : "");
        }
        LlmClient.Plan plan = client.plan(planned.stream().map(JudgingProtocol.PlannedCall::request).toList());
        outw.printf("dry run: %d planned calls, %d already cached, %d to make%n", plan.calls(), plan.cached(),
            plan.calls() - plan.cached());
        plan.callsPerModel().forEach((k, v) -> outw.printf("  %s: %d calls%n", k, v));
        outw.printf("estimated tokens: ~%,d prompt + at most %,d completion%n", plan.promptTokens(), plan.maxCompletionTokens());
        outw.printf("estimated cost: at most %.6f (prices per million tokens from %s; repair turns not included)%n",
            plan.estimatedCost(), cfg.source());
        for (String v : client.missingKeyVariables(judgeNames))
          outw.printf("note: %s is not set; the real run needs it%n", v);
        outw.flush();
        return Knob.EXIT_OK;
      }
      client.checkReady(judgeNames);
      rs.startRun(run, "judge", prov);
      int total = items.size() * dims.size() * judgeNames.size();
      err.printf("knob judge: %d judgments (%d items x %d dimensions x %d judges), run %s in %s%n", total, items.size(),
          dims.size(), judgeNames.size(), run, storeFile);
      err.flush();

      current.set(client);
      if (stop.get()) client.cancel(); // the signal came before the client existed
      AtomicInteger last = new AtomicInteger();
      long[] lastPrint = {System.nanoTime()};
      List<Judgment> js = protocol.run(items, dims, judgeNames, m, (done, tot) -> {
        long now = System.nanoTime();
        synchronized (lastPrint) {
          if (client.isCancelled()) return; // stopping: the interrupted line below gives the count
          if (done == tot || now - lastPrint[0] > 2_000_000_000L) {
            lastPrint[0] = now;
            last.set(done);
            var s = client.stats();
            err.printf("knob judge: %d/%d judged (%d replies, %d from cache, %d failed; %d HTTP requests)%n", done, tot,
                s.successes(), s.cacheHits(), s.failures(), s.requests());
            err.flush();
          }
        }
      });
      if (client.isCancelled()) {
        long done = js.stream().filter(j -> !"call failed: cancelled".equals(j.error())).count();
        err.printf("knob judge: interrupted; %d of %d judgments finished and stored. Re-run the same command to resume.%n",
            done, js.size());
        err.flush();
        return 130;
      }
      if (!client.downProviders().isEmpty()) {
        long done = js.stream().filter(j -> j.ok() || !j.error().contains("is down")).count();
        throw new UserException("provider " + String.join(", ", client.downProviders()) + " went down during the run"
            + " (calls in a row could not reach it); " + done + " of " + js.size() + " judgments finished and stored,"
            + " no output written. Re-run the same command when it is back to resume.");
      }
      writeOut(out, js);
      var s = client.stats();
      writeProvenance(out, prov.withVersions(RunStore.componentVersions()), run, storeFile, s);
      if (exportDir != null) rs.exportParquet(exportDir);
      long errors = js.stream().filter(j -> !j.ok()).count();
      err.printf("knob judge: wrote %d lines to %s (%d with an error); %d replies, %d from cache, %d failed after"
              + " retries (%d HTTP requests in all); tokens %,d in / %,d out; cost %.6f%n",
          js.size(), out, errors, s.successes(), s.cacheHits(), s.failures(), s.requests(), s.promptTokens(),
          s.completionTokens(), s.cost());
      err.flush();
      return Knob.EXIT_OK;
    }
  }

  /** OUT.provenance.json: what produced the output (config, input hash, versions), the run and its cost. */
  private static void writeProvenance(Path out, Provenance prov, String run, Path storeFile, LlmClient.Stats s)
      throws IOException {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.set("provenance", Json.MAPPER.valueToTree(RunStore.provenanceMap(prov)));
    o.put("run", run);
    o.put("store", storeFile.toString());
    ObjectNode st = o.putObject("calls");
    st.put("made", s.successes());
    st.put("from_cache", s.cacheHits());
    st.put("failed", s.failures());
    st.put("prompt_tokens", s.promptTokens());
    st.put("completion_tokens", s.completionTokens());
    st.put("cost", s.cost());
    Path target = out.toAbsolutePath().resolveSibling(out.getFileName() + ".provenance.json");
    Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
    try {
      Files.writeString(tmp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(o));
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Reads and checks the whole input before any call. */
  static List<JudgeItem> readItems(Path file, Mode mode) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new UserException(file + ": no such file");
    } catch (IOException e) {
      throw new UserException(file + ": cannot read: " + e.getMessage(), e);
    }
    List<JudgeItem> items = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (l.isBlank()) continue;
      String where = file + " line " + (i + 1);
      JsonNode n;
      try {
        n = Json.read(l);
      } catch (IOException e) {
        throw new UserException(where + ": not valid JSON");
      }
      if (!n.isObject()) throw new UserException(where + ": expected a JSON object");
      JsonNode id = n.get("id");
      if (id == null || !(id.isTextual() || id.isIntegralNumber()) || id.asText().isBlank())
        throw new UserException(where + ": field 'id': missing or not a string/integer");
      String prompt = text(n, "prompt", where, true);
      String answer = text(n, "answer", where, true);
      String other = text(n, "other_answer", where, mode == Mode.PAIRWISE);
      if (!ids.add(id.asText())) throw new UserException(where + ": field 'id': duplicate id '" + id.asText() + "'");
      items.add(new JudgeItem(id.asText(), prompt, answer, other));
    }
    if (items.isEmpty()) throw new UserException(file + ": no items");
    return items;
  }

  private static String text(JsonNode n, String field, String where, boolean required) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      if (required) throw new UserException(where + ": field '" + field + "': missing"
          + (field.equals("other_answer") ? " (pairwise mode compares answer with other_answer)" : ""));
      return null;
    }
    if (!v.isTextual()) throw new UserException(where + ": field '" + field + "': expected a string");
    return v.asText();
  }

  private static void writeOut(Path out, List<Judgment> js) throws IOException {
    Path abs = out.toAbsolutePath();
    Path dir = abs.getParent();
    if (dir != null) Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
    try {
      try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        for (Judgment j : js) {
          ObjectNode o = Json.MAPPER.createObjectNode();
          o.put("id", j.itemId());
          o.put("dimension", j.dimension().name());
          o.put("judge", j.judge());
          if (j.error() != null) {
            o.put("error", j.error());
          } else if (j.mode() == Mode.POINTWISE) {
            o.put("rating", j.rating());
            if (j.expected() != null) o.put("expected", j.expected());
          } else {
            o.put("preferred", j.preferred());
            if (j.pAnswer() != null) o.put("p_answer", j.pAnswer());
            if (j.consistent() != null) o.put("consistent", j.consistent());
          }
          if (j.reason() != null) o.put("reason", j.reason());
          w.write(Json.write(o));
          w.write('\n');
        }
      }
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
