package io.personaknob.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.AtomicFile;
import io.personaknob.core.Provenance;
import io.personaknob.core.data.Dimension;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.LanguageModels;
import io.personaknob.lm.steer.SteeringVector;
import io.personaknob.train.steer.ActivationMonitor;
import io.personaknob.train.steer.ContrastPairs;
import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code knob steer monitor}: a vector as a trait monitor over a preference set — per pair the projection
 * of the positive (chosen) and negative answers and the shift between them; pairs with |z| &gt; 2 flagged
 * (the rows that would push the persona most, or against the set).
 */
@Command(
    name = "monitor",
    mixinStandardHelpOptions = true,
    description = {
      "Project a preference set's answers on a steering vector and flag the pairs that shift it most.",
      "Per pair the positive and negative projections and their shift, with pairs far from the set's shift",
      "(|z| > 2) flagged. Pairs as for `knob steer vector`."
    })
final class SteerMonitorCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "DIR") Path model;
  @Option(names = "--vector", required = true, paramLabel = "V.safetensors") Path vector;
  @Option(names = "--pairs", required = true, paramLabel = "FILE") Path pairs;
  @Option(names = "--dimension", paramLabel = "A|T|E|C") String dimension;
  @Option(names = "--batch-size", defaultValue = "8") int batchSize;
  @Option(names = "--max-length", defaultValue = "512") int maxLength;
  @Option(names = "--device", defaultValue = "auto") String device;
  @Option(names = "--top", defaultValue = "10", description = "Pairs to list, largest |z| first (default: ${DEFAULT-VALUE}).") int top;
  @Option(names = {"-o", "--output"}, paramLabel = "OUT.jsonl", description = "Every pair's shift as JSONL (atomically).") Path output;

  @Override
  public Integer call() {
    CommandLine cl = spec.commandLine();
    Dimension dim = dimension == null ? null : Dimension.parse(dimension).orElseThrow(() ->
        new CommandLine.ParameterException(cl, "--dimension " + dimension + ": expected one of A, T, E, C"));
    List<ContrastPairs.Pair> ps = ContrastPairs.read(pairs, dim);
    SteeringVector v = SteeringVector.load(vector);
    PrintWriter out = cl.getOut();
    try (DjlLanguageModel lm = LanguageModels.load(model, device)) {
      var c = lm.model().config();
      v.checkFits(vector.toString(), lm.info().name(), lm.info().modelType(), c.hiddenSize(), c.numLayers(), false);
      List<ActivationMonitor.Shift> shifts = ActivationMonitor.screen(lm, v, ps, batchSize, maxLength, null);
      long flagged = shifts.stream().filter(ActivationMonitor.Shift::flagged).count();
      double mean = shifts.stream().mapToDouble(ActivationMonitor.Shift::shift).average().orElse(Double.NaN);
      long positive = shifts.stream().filter(s -> s.shift() > 0).count();
      out.println(String.format(Locale.ROOT, "%d pairs: mean shift %.4f, positive above negative in %d (%.1f%%), %d flagged (|z| > 2)",
          shifts.size(), mean, positive, 100.0 * positive / shifts.size(), flagged));
      List<ActivationMonitor.Shift> sorted = new ArrayList<>(shifts);
      sorted.sort(Comparator.comparingDouble((ActivationMonitor.Shift s) -> Math.abs(s.z())).reversed());
      out.println("id                          shift       z");
      for (ActivationMonitor.Shift s : sorted.subList(0, Math.min(top, sorted.size()))) {
        out.println(String.format(Locale.ROOT, "%-24s  %9.4f  %6.2f%s", s.pair().id(), s.shift(), s.z(), s.flagged() ? "  flagged" : ""));
      }
      if (output != null) {
        Map<String, Object> prov = CliJson.provenance(Provenance.of(Map.of("command", "steer monitor", "model", lm.info().name()),
            Map.of("vector", vector)));
        AtomicFile.write(output, tmp -> {
          try (BufferedWriter w = Files.newBufferedWriter(tmp)) {
            for (ActivationMonitor.Shift s : shifts) {
              ObjectNode o = JSON.createObjectNode();
              o.put("id", s.pair().id());
              o.put("positive", s.positive());
              o.put("negative", s.negative());
              o.put("shift", s.shift());
              o.put("z", s.z());
              o.put("flagged", s.flagged());
              w.write(JSON.writeValueAsString(o));
              w.write('\n');
            }
          }
        });
        Files.writeString(output.resolveSibling(output.getFileName() + ".provenance.json"), CliJson.pretty(prov) + "\n");
        out.println("wrote " + output);
      }
      out.flush();
    } catch (java.io.IOException e) {
      throw new io.personaknob.core.UserException(output + ": cannot write: " + e.getMessage(), e);
    }
    return Knob.EXIT_OK;
  }
}
