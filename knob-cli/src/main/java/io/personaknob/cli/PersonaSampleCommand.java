package io.personaknob.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.Provenance;
import io.personaknob.core.UserException;
import io.personaknob.llm.Json;
import io.personaknob.persona.LlmFill;
import io.personaknob.persona.Outputs;
import io.personaknob.persona.Persona;
import io.personaknob.persona.PersonaFile;
import io.personaknob.persona.Population;
import io.personaknob.persona.PumsDictionary;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code knob persona sample}: a persona population drawn from PUMS records by person weight. */
@Command(
    name = "sample",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Draw a persona population from ACS PUMS records (by person weight, seeded, streamed).",
      "Whole records are drawn from the person file by PWGTP; the output JSONL has: id, source_serialno, weight, the 33 PERSONA keys in canonical order, text.",
      "Codes become labels through the Census data-dictionary CSV; --housing joins HHL, HHT2, FPARC on SERIALNO.",
      "With --fill MODEL the nine LLM attributes are written by that model (knob.yaml), checked by the consistency",
      "rules and, with --judge, by an LLM judge; inconsistent personas are regenerated, then dropped with the reason."
    })
final class PersonaSampleCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--pums", required = true, paramLabel = "PERSONS.csv", description = "PUMS person file (psam_p*.csv).") Path pums;
  @Option(names = "--housing", paramLabel = "HOUSING.csv", description = "PUMS housing file (psam_h*.csv) for HHL, HHT2, FPARC.") Path housing;
  @Option(names = "--dictionary", required = true, paramLabel = "DICT.csv", description = "PUMS data dictionary CSV (PUMS_Data_Dictionary_YYYY.csv).") Path dictionary;
  @Option(names = "--n", required = true, description = "Personas to draw.") int n;
  @Option(names = "--seed", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).") long seed;
  @Option(names = "--min-age", defaultValue = "0", description = "Only records of at least this age (default: ${DEFAULT-VALUE}).") int minAge;
  @Option(names = "--states", split = ",", paramLabel = "ST", description = "Only these ST codes, e.g. 06,48.") List<String> states;
  @Option(names = "--method", defaultValue = "es", paramLabel = "es|pps",
      description = "es: weighted without replacement, one pass (A-ES); pps: exact PPS with replacement, two passes. Default: ${DEFAULT-VALUE}.")
  String method;
  @Option(names = "--out", required = true, paramLabel = "pop.jsonl", description = "Output JSONL.") Path out;
  @Option(names = "--fill", paramLabel = "MODEL", description = "Model (knob.yaml) that writes the nine LLM attributes.") String fill;
  @Option(names = "--judge", paramLabel = "MODEL", description = "Model (knob.yaml) that judges each filled persona's consistency.") String judge;
  @Option(names = "--max-attempts", defaultValue = "3", description = "Fill attempts per persona before it is dropped (default: ${DEFAULT-VALUE}).") int maxAttempts;
  @Option(names = "--config", paramLabel = "FILE", description = "Configuration (default: $KNOB_CONFIG, then ./knob.yaml).") Path config;
  @Option(names = "--store", paramLabel = "FILE", description = "Run store (default: 'store' in knob.yaml, then .knob/store.sqlite).") Path store;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    Population.Method m;
    try {
      m = Population.Method.valueOf(method.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--method: use es or pps");
    }
    if (judge != null && fill == null) throw new CommandLine.ParameterException(spec.commandLine(), "--judge needs --fill");
    if (maxAttempts < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--max-attempts must be at least 1");
    PumsDictionary dict = PumsDictionary.read(dictionary);
    var opts = new Population.Options(n, seed, minAge, new LinkedHashSet<>(states == null ? List.of() : states), m);
    long t0 = System.nanoTime();
    var res = Population.sample(pums, housing, dict, opts, rows -> {
      err.printf("knob persona sample: %,d rows read%n", rows);
      err.flush();
    });
    for (String w : res.warnings()) err.println("warning: " + w);
    err.printf(Locale.ROOT, "knob persona sample: %,d rows, %,d eligible (weight %,.0f), drew %d in %.1f s%n", res.rowsRead(),
        res.rowsEligible(), res.eligibleWeight(), res.personas().size(), (System.nanoTime() - t0) / 1e9);
    err.flush();

    Map<String, Object> conf = new LinkedHashMap<>();
    conf.put("n", n);
    conf.put("seed", seed);
    conf.put("min_age", minAge);
    conf.put("states", states == null ? List.of() : states);
    conf.put("method", m.name().toLowerCase(Locale.ROOT));
    if (fill != null) {
      conf.put("fill", fill);
      conf.put("judge", judge);
      conf.put("max_attempts", maxAttempts);
    }
    Map<String, Path> inputs = new LinkedHashMap<>();
    inputs.put("pums", pums);
    inputs.put("dictionary", dictionary);
    if (housing != null) inputs.put("housing", housing);
    Provenance prov = Provenance.of(conf, inputs);

    List<Persona> personas = res.personas();
    ObjectNode extra = Json.MAPPER.createObjectNode();
    extra.put("rows_read", res.rowsRead()).put("rows_eligible", res.rowsEligible()).put("eligible_weight", res.eligibleWeight());
    var warn = extra.putArray("warnings");
    res.warnings().forEach(warn::add);
    if (fill != null) {
      List<String> models = new ArrayList<>(List.of(fill));
      if (judge != null && !judge.equals(fill)) models.add(judge);
      String run = "persona-fill-" + Json.sha256(String.join("|", Provenance.sha256(pums), Long.toString(seed), Integer.toString(n),
          fill, String.valueOf(judge), Integer.toString(minAge), String.valueOf(states), m.name())).substring(0, 12);
      try (PersonaLlm llm = new PersonaLlm(config, store, run, "persona-fill", prov, models)) {
        var outcome = LlmFill.fill(llm.client, personas, new LlmFill.Options(fill, judge, maxAttempts), llm.progress(err, "fill"));
        if (llm.client.isCancelled()) {
          err.println("knob persona sample: interrupted; finished calls are stored. Re-run the same command to resume.");
          return 130;
        }
        personas = outcome.kept();
        var dropped = extra.putArray("dropped");
        for (var d : outcome.dropped()) {
          dropped.addObject().put("id", d.id()).put("reason", d.reason()).put("attempts", d.attempts());
          err.println("dropped " + d.id() + " after " + d.attempts() + " attempt(s): " + d.reason());
        }
        extra.put("regenerated", outcome.regenerated());
        extra.set("calls", llm.callsJson());
        err.printf("knob persona sample: filled %d, dropped %d, %d regenerations; %s%n", outcome.kept().size(),
            outcome.dropped().size(), outcome.regenerated(), llm.summary());
      }
    }
    if (personas.isEmpty()) throw new UserException("no persona left to write (all dropped; see the reasons above)");
    PersonaFile.write(out, personas);
    extra.put("personas", personas.size());
    Outputs.provenance(out, prov, extra);
    err.printf("knob persona sample: wrote %d personas to %s%n", personas.size(), out);
    err.flush();
    return Knob.EXIT_OK;
  }
}
