package io.personaknob.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.Provenance;
import io.personaknob.core.UserException;
import io.personaknob.llm.Json;
import io.personaknob.persona.Feedback;
import io.personaknob.persona.PersonaFile;
import io.personaknob.persona.PersonaKey;
import io.personaknob.persona.bench.BenchMode;
import io.personaknob.persona.bench.BenchOutput;
import io.personaknob.persona.bench.PersonaBench;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code knob persona bench}: PERSONA Bench with critics from knob.yaml; results, samples and an HTML report. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "PERSONA Bench: critics judge how well a model personalises its answers.",
      "The model answers questions in each mode (baseline, output_only, chain_of_thought,",
      "demographic_summary); each critic judges whether the answer still needs personalising for the persona",
      "(score 1 if not). Evaluations: main, pass_at_k, loo, intersections. Writes OUT/results.json, OUT/samples.jsonl",
      "and OUT/report.html. Calls are cached in the run store: re-running the same command resumes."
    })
final class PersonaBenchCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--personas", required = true, paramLabel = "pop.jsonl") Path personas;
  @Option(names = "--questions", required = true, paramLabel = "FILE", description = "JSONL with question/prompt, or text lines.") Path questions;
  @Option(names = "--model", required = true, paramLabel = "MODEL", description = "The model under test (knob.yaml).") String model;
  @Option(names = "--critics", required = true, split = ",", paramLabel = "MODELS", description = "Critic models (knob.yaml).") List<String> critics;
  @Option(names = "--modes", split = ",", defaultValue = "baseline,output_only,chain_of_thought,demographic_summary") List<String> modes;
  @Option(names = "--evals", split = ",", defaultValue = "main", paramLabel = "main,pass_at_k,loo,intersections") List<String> evals;
  @Option(names = "--n", defaultValue = "300", description = "Pairs for main, pass_at_k and intersections (default: ${DEFAULT-VALUE}).") int n;
  @Option(names = "--k", defaultValue = "16", description = "Attempts for pass_at_k (default: ${DEFAULT-VALUE}).") int k;
  @Option(names = "--temperature", defaultValue = "1.0", description = "pass_at_k sampling temperature (default: ${DEFAULT-VALUE}).") double temperature;
  @Option(names = "--loo-n", defaultValue = "30", description = "Pairs for loo (default: ${DEFAULT-VALUE}).") int looN;
  @Option(names = "--loo", paramLabel = "FILE", description = "LOO config {\"attributes\": [\"age\", ...]}.") Path looFile;
  @Option(names = "--intersections", paramLabel = "FILE", description = "Intersections config [{\"attributes\": [{\"attribute\", \"values\"}]}].") Path interFile;
  @Option(names = "--seed", defaultValue = "0", description = "Seed of the bootstrap (default: ${DEFAULT-VALUE}).") long seed;
  @Option(names = "--out", required = true, paramLabel = "DIR") Path out;
  @Option(names = "--config", paramLabel = "FILE") Path config;
  @Option(names = "--store", paramLabel = "FILE") Path store;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    List<BenchMode> ms = new ArrayList<>();
    for (String m : modes) {
      try {
        ms.add(BenchMode.parse(m));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--modes: " + e.getMessage());
      }
    }
    for (String e : evals)
      if (!PersonaBench.EVALS.contains(e))
        throw new CommandLine.ParameterException(spec.commandLine(), "--evals: unknown evaluation '" + e + "' (main, pass_at_k, loo, intersections)");
    if (n < 1 || k < 1 || looN < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--n, --k and --loo-n must be at least 1");
    List<PersonaKey> loo = new ArrayList<>();
    if (evals.contains("loo")) {
      if (looFile == null) throw new CommandLine.ParameterException(spec.commandLine(), "--evals loo needs --loo FILE");
      JsonNode j = readJson(looFile);
      if (!j.path("attributes").isArray() || j.get("attributes").isEmpty())
        throw new UserException(looFile + ": attributes: expected a non-empty array of persona keys");
      for (JsonNode a : j.get("attributes"))
        loo.add(PersonaKey.parse(a.asText()).orElseThrow(() -> new UserException(looFile + ": attributes: unknown key '"
            + a.asText() + "' (not one of the 33 PERSONA keys)")));
    }
    List<PersonaBench.Intersection> inter = List.of();
    if (evals.contains("intersections")) {
      if (interFile == null) throw new CommandLine.ParameterException(spec.commandLine(), "--evals intersections needs --intersections FILE");
      inter = PersonaBench.intersections(readJson(interFile), interFile.toString());
    }
    var ps = PersonaFile.read(personas, w -> err.println("warning: " + w));
    var qs = Feedback.readPrompts(questions).stream().map(p -> new PersonaBench.Question(p.id(), p.text())).toList();
    var o = new PersonaBench.Options(model, List.copyOf(new LinkedHashSet<>(critics)), ms, new LinkedHashSet<>(evals), n, k,
        temperature, looN, loo, inter);
    Map<String, Object> conf = new LinkedHashMap<>();
    conf.put("model", model);
    conf.put("critics", o.critics());
    conf.put("modes", modes);
    conf.put("evals", evals);
    conf.put("n", n);
    conf.put("k", k);
    conf.put("temperature", temperature);
    conf.put("loo_n", looN);
    conf.put("loo", loo.stream().map(PersonaKey::key).toList());
    conf.put("intersections", inter.stream().map(PersonaBench.Intersection::name).toList());
    conf.put("seed", seed);
    Map<String, Path> in = new LinkedHashMap<>();
    in.put("personas", personas);
    in.put("questions", questions);
    Provenance prov = Provenance.of(conf, in);
    String run = "persona-bench-" + Json.sha256(Provenance.sha256(personas) + Provenance.sha256(questions) + conf).substring(0, 12);
    List<String> allModels = new ArrayList<>(new LinkedHashSet<>(List.of(model)));
    for (String c : o.critics()) if (!allModels.contains(c)) allModels.add(c);
    int tasks = PersonaBench.tasks(ps, qs, o).size();
    err.printf("knob persona bench: %d generations x (1 + %d critics), run %s%n", tasks, o.critics().size(), run);
    err.flush();
    try (PersonaLlm llm = new PersonaLlm(config, store, run, "persona-bench", prov, allModels)) {
      var rows = PersonaBench.run(llm.client, ps, qs, o, llm.progress(err, "bench"));
      if (llm.client.isCancelled()) {
        err.println("knob persona bench: interrupted; finished calls are stored. Re-run the same command to resume.");
        return 130;
      }
      if (!llm.client.downProviders().isEmpty())
        throw new UserException("provider " + String.join(", ", llm.client.downProviders()) + " went down; finished calls are"
            + " stored, no output written. Re-run the same command when it is back.");
      ObjectNode res = BenchOutput.results(model, o, rows, seed);
      res.set("calls", llm.callsJson());
      BenchOutput.write(out, res, rows, prov.withVersions(io.personaknob.llm.RunStore.componentVersions()));
      long failed = rows.stream().filter(r -> r.score() == null).count();
      err.printf("knob persona bench: %d samples (%d failed) -> %s/{results.json,samples.jsonl,report.html}; %s%n", rows.size(),
          failed, out, llm.summary());
      err.flush();
    }
    return Knob.EXIT_OK;
  }

  private static JsonNode readJson(Path f) {
    try {
      return Json.read(Files.readString(f));
    } catch (java.nio.file.NoSuchFileException e) {
      throw new UserException(f + ": no such file");
    } catch (IOException e) {
      throw new UserException(f + ": not valid JSON");
    }
  }
}
