package io.personaknob.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.Provenance;
import io.personaknob.core.UserException;
import io.personaknob.llm.Json;
import io.personaknob.llm.KnobConfig;
import io.personaknob.llm.LlmClient;
import io.personaknob.llm.RunStore;
import io.personaknob.steer.Inputs;
import io.personaknob.steer.StatsTables;
import io.personaknob.steer.SteerRun;
import io.personaknob.steer.SteerStats;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code knob steer run}: measure templates × persona pairs × scenarios with a generator and judges from knob.yaml. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Measure steering templates (the persona-steering-template-library's protocol): for every scenario x persona pair x"
          + " template one generation per pole, blind A/B axis judges on both targets in both orders, a style and a confound"
          + " judge, lexical audits and the strict pass.",
      "Writes DIR/examples.jsonl (the library's examples schema), DIR/run.json (settings, calls, cost, provenance) and the"
          + " tables of `knob steer stats`. Calls are cached in the run store: re-running resumes; Ctrl-C keeps finished calls."
    },
    footer = {"", "Exit codes: 0 done (examples that failed are error rows), 1 bad input or configuration, 2 usage error,"
        + " 3 internal failure, 130 interrupted (re-run to resume)."})
final class SteerRunCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--templates", required = true, paramLabel = "ARG",
      description = "A template catalog (.yaml/.yml/.jsonl: its active templates), a text file (one {persona} template a line),"
          + " 'controls', 'skill' (the pairs' verbatim personas), or templates separated by ||.")
  String templates;

  @Option(names = "--tags", split = ",", paramLabel = "TAGS", description = "Only catalog templates carrying one of these tags.")
  List<String> tags;

  @Option(names = "--limit-templates", defaultValue = "0", paramLabel = "K", description = "Use only the first K templates (0: all).")
  int limitTemplates;

  @Option(names = "--pairs", required = true, paramLabel = "FILE", description = "Persona pairs JSONL.")
  Path pairs;

  @Option(names = "--scenarios", required = true, paramLabel = "FAMILIES",
      description = "Scenario families: JSONL paths or 'character', comma-separated.")
  String scenarios;

  @Option(names = "--n", defaultValue = "2", description = "Scenarios selected (seeded shuffle, as the library). Default: ${DEFAULT-VALUE}.")
  int n;

  @Option(names = "--seed", defaultValue = "24", description = "Run seed. Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--generator", required = true, paramLabel = "NAME", description = "Generator model name from knob.yaml.")
  String generator;

  @Option(names = "--axis-judges", required = true, split = ",", paramLabel = "NAMES", description = "Axis judge model names, comma-separated.")
  List<String> axisJudges;

  @Option(names = "--judge", required = true, paramLabel = "NAME", description = "Style and confound judge model name.")
  String judge;

  @Option(names = "--gen-temperature", defaultValue = "0", description = "Generation temperature. Default: ${DEFAULT-VALUE}.")
  double genTemperature;

  @Option(names = "--gen-max-tokens", defaultValue = "260", description = "Generation token limit. Default: ${DEFAULT-VALUE}.")
  int genMaxTokens;

  @Option(names = "--max-word-delta-frac", defaultValue = "0", description = "Hard length gate (0: report only). Default: ${DEFAULT-VALUE}.")
  double maxWordDeltaFrac;

  @Option(names = "--out", paramLabel = "DIR", description = "Output directory (required unless --dry-run).")
  Path out;

  @Option(names = "--config", paramLabel = "FILE", description = "Configuration (default: $KNOB_CONFIG, then ./knob.yaml).")
  Path config;

  @Option(names = "--store", paramLabel = "FILE", description = "Run store (default: 'store' in knob.yaml, then .knob/store.sqlite).")
  Path store;

  @Option(names = "--run", paramLabel = "ID", description = "Run id (default: derived from inputs and options, so a re-run resumes).")
  String runId;

  @Option(names = "--dry-run", description = "Print the plan, the calls and the estimated cost; call nothing.")
  boolean dryRun;

  @Override
  public Integer call() throws Exception {
    PrintWriter outw = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (out == null && !dryRun) throw new CommandLine.ParameterException(spec.commandLine(), "--out is required (or give --dry-run)");
    if (n < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--n must be ≥ 1");
    Set<String> tagSet = tags == null ? Set.of() : new LinkedHashSet<>(tags);
    List<String> ts = Inputs.templates(templates, tagSet);
    if (limitTemplates > 0 && ts.size() > limitTemplates) ts = ts.subList(0, limitTemplates);
    if (ts.isEmpty()) throw new UserException(templates + ": no active templates" + (tagSet.isEmpty() ? "" : " with tags " + tagSet));
    List<Inputs.PersonaPair> ps = Inputs.readPairs(pairs);
    List<Inputs.Scenario> sc = Inputs.select(scenarios, n, seed);
    KnobConfig cfg = KnobConfig.load(KnobConfig.locate(config, System::getenv));
    List<String> judges = new ArrayList<>(new LinkedHashSet<>(axisJudges));
    List<String> models = new ArrayList<>(judges);
    models.add(judge);
    models.add(generator);
    for (String m : models) cfg.model(m);
    String generatorId = cfg.model(generator).model();
    boolean noThink = generatorId.replaceFirst("^openrouter/", "").startsWith("qwen/");
    String run = runId != null ? runId : "steer-" + Json.sha256(String.join("|", String.join("||", ts), Provenance.sha256(pairs),
        scenarios, Integer.toString(n), Long.toString(seed), generator, String.join(",", judges), judge, Double.toString(genTemperature),
        Integer.toString(genMaxTokens), Double.toString(maxWordDeltaFrac))).substring(0, 12);
    SteerRun.Options o = new SteerRun.Options(seed, generator, judges, judge, genTemperature, genMaxTokens, maxWordDeltaFrac, 5,
        noThink, out == null ? run : out.resolve("examples.jsonl").toString());
    List<SteerRun.Cell> cells = SteerRun.plan(sc, ps, ts);

    Map<String, Object> conf = new LinkedHashMap<>(cfg.describe());
    conf.put("command", "steer run");
    conf.put("templates", ts.size());
    conf.put("scenarios", sc.stream().map(Inputs.Scenario::id).toList());
    conf.put("seed", seed);
    conf.put("generator", generator);
    conf.put("generator_model_id", generatorId);
    conf.put("gen_temperature", genTemperature);
    conf.put("gen_max_tokens", genMaxTokens);
    conf.put("gen_top_p", "provider default (not sent)");
    conf.put("qwen_no_think", noThink);
    conf.put("axis_judges", judges);
    conf.put("style_confound_judge", judge);
    conf.put("judge_temperature", 0.0);
    conf.put("max_word_delta_frac", maxWordDeltaFrac);
    Map<String, Path> inputs = new HashMap<>();
    inputs.put("pairs", pairs);
    if (Files.exists(Path.of(templates))) inputs.put("templates", Path.of(templates));
    int fi = 0;
    for (String f : scenarios.split(",")) if (Files.exists(Path.of(f.strip()))) inputs.put("scenarios" + (fi++ == 0 ? "" : fi), Path.of(f.strip()));
    Provenance prov = Provenance.of(conf, inputs);

    Path storeFile = store != null ? store : cfg.store() != null ? Path.of(cfg.store()) : Path.of(".knob", "store.sqlite");
    AtomicReference<LlmClient> current = new AtomicReference<>();
    AtomicBoolean stop = new AtomicBoolean();
    try (StopOnSignal signal = StopOnSignal.install(!dryRun, () -> {
        stop.set(true);
        LlmClient c = current.get();
        if (c != null) c.cancel();
      });
         RunStore rs = RunStore.open(storeFile);
         LlmClient client = LlmClient.builder(cfg).store(rs).runId(run).build()) {
      SteerRun steer = new SteerRun(client, o);
      if (dryRun) {
        client.checkReady(models, false);
        var reqs = steer.plannedRequests(cells);
        LlmClient.Plan plan = client.plan(reqs);
        outw.printf("plan: %d scenarios (%s) x %d persona pairs x %d templates = %d examples%n", sc.size(),
            String.join(", ", sc.stream().map(Inputs.Scenario::id).toList()), ps.size(), ts.size(), cells.size());
        outw.printf("calls per example: 2 generations + %d axis judge calls (%d judges x 2 targets x 2 orders) + style + confound%n",
            4 * judges.size(), judges.size());
        outw.printf("dry run: %d planned calls (judge prompts estimated with 140-word stand-in answers), %d already cached%n",
            plan.calls(), plan.cached());
        plan.callsPerModel().forEach((k, v) -> outw.printf("  %s: %d calls%n", k, v));
        outw.printf("estimated tokens: ~%,d prompt + at most %,d completion%n", plan.promptTokens(), plan.maxCompletionTokens());
        outw.printf("estimated cost: at most %.6f (prices per million tokens from %s)%n", plan.estimatedCost(), cfg.source());
        for (String v : client.missingKeyVariables(models)) outw.printf("note: %s is not set; the real run needs it%n", v);
        outw.flush();
        return Knob.EXIT_OK;
      }
      client.checkReady(models);
      rs.startRun(run, "steer", prov);
      err.printf("knob steer run: %d examples (%d scenarios x %d pairs x %d templates), run %s in %s%n", cells.size(), sc.size(),
          ps.size(), ts.size(), run, storeFile);
      err.flush();
      current.set(client);
      if (stop.get()) client.cancel();
      long[] last = {System.nanoTime()};
      SteerRun.Result res = steer.run(cells, (done, total) -> {
        long now = System.nanoTime();
        synchronized (last) {
          if (done.equals(total) || now - last[0] > 2_000_000_000L) {
            last[0] = now;
            var s = client.stats();
            err.printf("knob steer run: %d/%d examples (%d replies, %d from cache, %d failed)%n", done, total, s.successes(),
                s.cacheHits(), s.failures());
            err.flush();
          }
        }
      });
      var s = client.stats();
      rs.addToRun(run, s);
      if (client.isCancelled() || res.cancelled() > 0 && !client.downProviders().isEmpty()) {
        err.printf("knob steer run: interrupted or provider down; %d of %d examples not done, finished calls are stored."
            + " Re-run the same command to resume. No output written.%n", res.cancelled(), cells.size());
        err.flush();
        return client.isCancelled() ? 130 : Knob.EXIT_USER;
      }
      Path ex = out.resolve("examples.jsonl");
      StatsTables.writeText(ex, StatsTables.jsonl(res.rows()));
      ObjectNode meta = Json.MAPPER.createObjectNode();
      meta.set("provenance", Json.MAPPER.valueToTree(RunStore.provenanceMap(prov.withVersions(RunStore.componentVersions()))));
      meta.put("run", run);
      meta.put("store", storeFile.toString());
      meta.put("examples", res.rows().size());
      meta.put("errors", res.errors());
      ObjectNode calls = meta.putObject("calls");
      calls.put("made", s.successes());
      calls.put("from_cache", s.cacheHits());
      calls.put("failed", s.failures());
      calls.put("http_requests", s.requests());
      calls.put("prompt_tokens", s.promptTokens());
      calls.put("completion_tokens", s.completionTokens());
      calls.put("cost", s.cost());
      StatsTables.writeText(out.resolve("run.json"), Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(meta) + "\n");
      if (res.errors() < res.rows().size()) {
        SteerStats.Options so = new SteerStats.Options(io.personaknob.steer.Scores.Kind.HEAD, 1000, seed, true, 0, 2, 2, 0, judges.size());
        SteerStats.write(out, SteerStats.compute(ex, so), prov);
      }
      err.printf("knob steer run: wrote %s (%d examples, %d with an error); %d replies, %d from cache, %d failed; tokens %,d in /"
              + " %,d out; cost %.6f%n", ex, res.rows().size(), res.errors(), s.successes(), s.cacheHits(), s.failures(),
          s.promptTokens(), s.completionTokens(), s.cost());
      err.flush();
      return Knob.EXIT_OK;
    }
  }
}
