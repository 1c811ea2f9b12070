package io.personaknob.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.personaknob.core.AtomicFile;
import io.personaknob.core.Provenance;
import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import io.personaknob.core.data.PersonaData;
import io.personaknob.core.data.PersonaRow;
import io.personaknob.eval.report.EvalReport;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.LanguageModel;
import io.personaknob.lm.steer.SteeringVector;
import io.personaknob.train.steer.ActivationMonitor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The activation monitor beside the judges of a finished {@code knob eval} run: each local model's generated
 * answers projected on a steering vector per dimension ({@link ActivationMonitor}: the answer-mean residual
 * stream on the vector's unit directions), and the projection's agreement with the judges:
 * <ul>
 *   <li>per answer, Spearman's ρ between the projection and the mean rating the judges gave that answer on d
 *       (every judge and rubric wording with a valid rating; degenerate answers have none and are left out);</li>
 *   <li>per model, Spearman's ρ over the models between the mean projection and the calibrated θ(model, d)
 *       (only with three models or more).</li>
 * </ul>
 * Written to {@code monitor.json} in the run directory. The monitor is a cheap signal: nothing here enters
 * the calibration.
 */
public final class EvalMonitor {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private EvalMonitor() {}

  public record ModelDim(String model, String dimension, int answers, double meanProjection, int rated,
      Double answerSpearman, Double theta) {}

  public record Result(List<ModelDim> cells, Map<String, Double> modelSpearman, Map<String, Double> pooledAnswerSpearman,
      Path file) {}

  public static Result run(Path runDir, EvalConfig cfg, EvalReport report, Map<Dimension, SteeringVector> vectors,
      Function<Path, LanguageModel> loader) {
    Map<String, JsonNode> journal = read(runDir.resolve("journal.jsonl"));
    Map<String, PersonaRow> rows = new LinkedHashMap<>();
    for (PersonaRow r : PersonaData.readAll(cfg.data().personaknob())) rows.put(r.id(), r);
    // judges' mean rating per (model, row, dimension): "rate|judge|model|row|D[:rubric]" -> {"r": rating}
    Map<String, double[]> ratings = new LinkedHashMap<>();
    journal.forEach((k, v) -> {
      if (!k.startsWith("rate|") || !v.has("r")) return;
      String[] p = k.split("\\|");
      if (p.length < 5) return;
      String dim = p[4].contains(":") ? p[4].substring(0, p[4].indexOf(':')) : p[4];
      double[] s = ratings.computeIfAbsent(p[2] + "|" + p[3] + "|" + dim, x -> new double[2]);
      s[0] += v.get("r").asDouble();
      s[1]++;
    });
    Map<String, Double> theta = new LinkedHashMap<>();
    for (EvalReport.Score s : report.calibrated()) if (s.measure() != null) theta.put(s.model() + "|" + s.dimension(), s.measure());
    List<ModelDim> cells = new ArrayList<>();
    Map<String, List<double[]>> pooled = new LinkedHashMap<>();
    for (EvalConfig.ModelSpec m : cfg.models()) {
      if (!m.local()) continue;
      LanguageModel loaded = loader.apply(m.path());
      try {
        if (!(loaded instanceof DjlLanguageModel lm)) throw new UserException("model '" + m.name() + "': the activation monitor needs a local knob-lm model");
        for (var e : vectors.entrySet()) {
          Dimension d = e.getKey();
          var c = lm.model().config();
          e.getValue().checkFits("--monitor " + d, lm.info().name(), lm.info().modelType(), c.hiddenSize(), c.numLayers(), true);
          List<ActivationMonitor.Text> texts = new ArrayList<>();
          List<String> ids = new ArrayList<>();
          for (PersonaRow r : rows.values()) {
            JsonNode a = journal.get(RunJournal.k("gen", m.name(), r.id()));
            if (a == null || !a.isTextual()) continue;
            texts.add(new ActivationMonitor.Text(r.prompt(), a.asText()));
            ids.add(r.id());
          }
          if (texts.isEmpty()) continue;
          double[] proj = ActivationMonitor.scores(lm, e.getValue(), texts, 8, 512, null);
          List<Double> px = new ArrayList<>(), ry = new ArrayList<>();
          double mean = 0;
          for (int i = 0; i < proj.length; i++) {
            mean += proj[i] / proj.length;
            double[] s = ratings.get(m.name() + "|" + ids.get(i) + "|" + d.name());
            if (s == null || s[1] == 0) continue;
            px.add(proj[i]);
            ry.add(s[0] / s[1]);
            pooled.computeIfAbsent(d.name(), x -> new ArrayList<>()).add(new double[] {proj[i], s[0] / s[1]});
          }
          Double rho = px.size() >= 3 ? finite(ActivationMonitor.spearman(unbox(px), unbox(ry))) : null;
          cells.add(new ModelDim(m.name(), d.name(), proj.length, mean, px.size(), rho, theta.get(m.name() + "|" + d.name())));
        }
      } finally {
        loaded.close();
      }
    }
    Map<String, Double> modelRho = new LinkedHashMap<>();
    Map<String, Double> pooledRho = new LinkedHashMap<>();
    for (Dimension d : vectors.keySet()) {
      List<ModelDim> ds = cells.stream().filter(x -> x.dimension().equals(d.name()) && x.theta() != null).toList();
      if (ds.size() >= 3) {
        double[] a = ds.stream().mapToDouble(ModelDim::meanProjection).toArray();
        double[] b = ds.stream().mapToDouble(ModelDim::theta).toArray();
        modelRho.put(d.name(), finite(ActivationMonitor.spearman(a, b)));
      } else {
        modelRho.put(d.name(), null);
      }
      List<double[]> p = pooled.getOrDefault(d.name(), List.of());
      pooledRho.put(d.name(), p.size() >= 3 ? finite(ActivationMonitor.spearman(
          p.stream().mapToDouble(x -> x[0]).toArray(), p.stream().mapToDouble(x -> x[1]).toArray())) : null);
    }
    Path file = runDir.resolve("monitor.json");
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> vec = new LinkedHashMap<>();
    vectors.forEach((d, v) -> vec.put(d.name(), Map.of("model", v.model(), "layers", v.directions().keySet(), "metadata", v.metadata())));
    out.put("provenance", EvalReport.provenanceMap(Provenance.of(Map.of("command", "eval --monitor"), Map.of())));
    out.put("vectors", vec);
    out.put("cells", cells);
    out.put("answer_spearman_pooled", pooledRho);
    out.put("model_spearman", modelRho);
    out.put("note", "projection of the answer-mean residual stream on each dimension's steering vector; agreement is Spearman's rho "
        + "with the judges' mean rating per answer, and over models with the calibrated theta (3+ models); the monitor does not enter "
        + "the calibration");
    try {
      String text = JSON.writeValueAsString(out);
      AtomicFile.write(file, tmp -> Files.writeString(tmp, text + "\n"));
    } catch (IOException e) {
      throw new UserException(file + ": cannot write: " + e.getMessage(), e);
    }
    return new Result(cells, modelRho, pooledRho, file);
  }

  private static Double finite(double x) {
    return Double.isFinite(x) ? x : null;
  }

  private static double[] unbox(List<Double> l) {
    double[] a = new double[l.size()];
    for (int i = 0; i < a.length; i++) a[i] = l.get(i);
    return a;
  }

  private static Map<String, JsonNode> read(Path journal) {
    Map<String, JsonNode> m = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(journal)) {
        if (line.isBlank()) continue;
        try {
          JsonNode n = JSON.readTree(line);
          if (n.has("k")) m.put(n.get("k").asText(), n.get("v"));
        } catch (IOException e) {
          // a torn line, as RunJournal skips it
        }
      }
    } catch (IOException e) {
      throw new UserException(journal + ": cannot read the run journal: " + e.getMessage(), e);
    }
    return m;
  }
}
