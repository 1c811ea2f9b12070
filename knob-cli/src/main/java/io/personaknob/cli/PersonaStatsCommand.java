package io.personaknob.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.core.Provenance;
import io.personaknob.llm.Json;
import io.personaknob.persona.Outputs;
import io.personaknob.persona.PersonaFile;
import io.personaknob.persona.PopulationStats;
import io.personaknob.persona.PumsDictionary;
import java.io.PrintWriter;
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
import picocli.CommandLine.Parameters;

/** {@code knob persona stats}: sampled vs weighted-population marginals per attribute, with TVD. */
@Command(
    name = "stats",
    mixinStandardHelpOptions = true,
    description = {
      "Compare the sample's marginals with the PUMS file's weighted marginals (TVD per attribute).",
      "Per census attribute the",
      "share of each value in the sample and in the population (PWGTP-weighted), and the total-variation distance.",
      "The population is filtered like the sample (--min-age/--states, by default read from the sample's provenance).",
      "Ages and incomes are grouped in bands."
    })
final class PersonaStatsCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "pop.jsonl") Path file;
  @Option(names = "--pums", required = true, paramLabel = "PERSONS.csv") Path pums;
  @Option(names = "--housing", paramLabel = "HOUSING.csv", description = "Housing file (for household language, type, family).") Path housing;
  @Option(names = "--dictionary", required = true, paramLabel = "DICT.csv") Path dictionary;
  @Option(names = "--min-age", description = "Default: the sample's, from pop.jsonl.provenance.json, else 0.") Integer minAgeOpt;
  @Option(names = "--states", split = ",", paramLabel = "ST", description = "Default: the sample's, from its provenance.") List<String> states;
  int minAge;
  @Option(names = "--json", description = "Print JSON instead of tables.") boolean json;
  @Option(names = "--svg", paramLabel = "FILE", description = "Also write the bars (sample vs population) as SVG.") Path svg;
  @Option(names = "--out", paramLabel = "FILE", description = "Also write the JSON to a file (with provenance).") Path outFile;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
    var sample = PersonaFile.read(file, w -> err.println("warning: " + w));
    // the population must be filtered like the sample: take the sample's filters unless given
    Path provFile = file.toAbsolutePath().resolveSibling(file.getFileName() + ".provenance.json");
    minAge = minAgeOpt != null ? minAgeOpt : 0;
    if ((minAgeOpt == null || states == null) && java.nio.file.Files.exists(provFile)) {
      try {
        JsonNode c = Json.read(java.nio.file.Files.readString(provFile)).path("provenance").path("config");
        if (minAgeOpt == null && c.path("min_age").isInt()) minAge = c.get("min_age").asInt();
        if (states == null && c.path("states").isArray()) {
          states = new ArrayList<>();
          for (JsonNode x : c.get("states")) states.add(x.asText());
        }
        err.printf("knob persona stats: filters of the sample (%s): min age %d, states %s%n", provFile.getFileName(), minAge,
            states == null || states.isEmpty() ? "all" : String.join(",", states));
      } catch (java.io.IOException e) {
        err.println("warning: " + provFile + ": not readable JSON; using the filters given");
      }
    }
    List<String> warnings = new ArrayList<>();
    var st = PopulationStats.compute(sample, pums, housing, PumsDictionary.read(dictionary), minAge,
        new LinkedHashSet<>(states == null ? List.of() : states), warnings);
    for (String w : warnings) err.println("warning: " + w);
    err.flush();
    var j = st.toJson();
    if (json) out.println(Json.MAPPER.valueToTree(j).toPrettyString());
    else out.print(st.render());
    out.flush();
    Map<String, Object> conf = new LinkedHashMap<>();
    conf.put("min_age", minAge);
    conf.put("states", states == null ? List.of() : states);
    Map<String, Path> in = new LinkedHashMap<>();
    in.put("personas", file);
    in.put("pums", pums);
    in.put("dictionary", dictionary);
    if (housing != null) in.put("housing", housing);
    if (svg != null) Outputs.text(svg, st.svg());
    if (outFile != null) {
      Outputs.json(outFile, j);
      Outputs.provenance(outFile, Provenance.of(conf, in), null);
    }
    return Knob.EXIT_OK;
  }
}
