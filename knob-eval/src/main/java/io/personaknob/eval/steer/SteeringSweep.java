package io.personaknob.eval.steer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.personaknob.core.AtomicFile;
import io.personaknob.core.Provenance;
import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import io.personaknob.eval.report.EvalReport;
import io.personaknob.eval.run.EvalConfig;
import io.personaknob.eval.run.EvalRunner;
import io.personaknob.eval.run.Samples;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.LanguageModel;
import io.personaknob.lm.LanguageModels;
import io.personaknob.lm.steer.SteeringVector;
import io.personaknob.train.steer.ActivationMonitor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A coefficient sweep of steering vectors, measured by the calibrated evaluation: for each dimension d
 * with a vector and each coefficient c, the model steered by c·v_d is one "model" of a single
 * {@code knob eval} run on the bundled sample (all variants, the unsteered base and any trained models in
 * one many-facet Rasch fit, so their measures share a frame). Per variant:
 * <pre>
 * on-axis   Δ_on  = θ(variant, d) − θ(base, d)
 * off-axis  drift = (1/3) Σ_{d' ≠ d} |θ(variant, d') − θ(base, d')|
 * monitor   m̄    = mean over the variant's test answers of the answer's projection on v_d (ActivationMonitor)
 * </pre>
 * and per dimension the monitor's agreement with the judges, Spearman's ρ over the variants between m̄ and
 * θ(·, d). A trained model (e.g. Lag-DPO from the same base) gets the same Δ_on and drift, and the steering
 * curve's Δ_on at that drift (linear interpolation over the coefficients ≥ 0) is its steering counterpart.
 */
public final class SteeringSweep {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SteeringSweep() {}

  /** What to run. {@code trained}: name → model directory, evaluated unsteered beside the variants. */
  public record Spec(Path model, Map<Dimension, SteeringVector> vectors, List<Double> coefs, Map<String, Path> trained,
      Path out, int limit, int maxNewTokens) {}

  public record Variant(String name, Dimension dimension, double coef, Map<String, Double> measures, double onAxis,
      double drift, double monitor) {}

  public record Counterpart(String trained, Dimension dimension, double onAxis, double drift, Double steeringOnAxisAtDrift) {}

  public record Result(List<Variant> variants, Map<Dimension, Double> agreement, List<Counterpart> counterparts,
      Path report, Path json, Path markdown) {}

  public static String variantName(Dimension d, double c) {
    return c == 0 ? "base" : d.name() + String.format(Locale.ROOT, "%+g", c).replace(".", "_").replace("+", "p").replace("-", "m");
  }

  public static Result run(Spec s, EvalRunner.Progress progress) {
    if (s.vectors().isEmpty()) throw new UserException("no steering vectors given");
    if (s.coefs().isEmpty()) throw new UserException("no coefficients given");
    Path models = s.out().resolve("models");
    Map<Path, Map<Integer, float[]>> steering = new LinkedHashMap<>();
    List<EvalConfig.ModelSpec> specs = new ArrayList<>();
    Map<String, Dimension> dimOf = new LinkedHashMap<>();
    Map<String, Double> coefOf = new LinkedHashMap<>();
    try {
      Files.createDirectories(models);
      Path base = link(models, "base", s.model());
      specs.add(new EvalConfig.ModelSpec("base", base, null, null, 0.1));
      steering.put(base.toAbsolutePath().normalize(), Map.of());
      for (var e : s.vectors().entrySet()) {
        for (double c : new LinkedHashSet<>(s.coefs())) {
          if (c == 0) continue;
          String name = variantName(e.getKey(), c);
          Path p = link(models, name, s.model());
          specs.add(new EvalConfig.ModelSpec(name, p, null, null, 0.1));
          steering.put(p.toAbsolutePath().normalize(), e.getValue().scaled(c));
          dimOf.put(name, e.getKey());
          coefOf.put(name, c);
        }
      }
      for (var t : s.trained().entrySet()) specs.add(new EvalConfig.ModelSpec(t.getKey(), t.getValue(), null, null, 0.1));
    } catch (IOException e) {
      throw new UserException(models + ": cannot prepare the model links: " + e.getMessage(), e);
    }
    EvalConfig cfg = Samples.config(s.out(), s.out().resolve("eval"), specs, s.maxNewTokens(), s.limit());
    cfg = new EvalConfig(cfg.title().replace("evaluation", "steering sweep"), cfg.out(), cfg.seed(), cfg.data(), cfg.models(),
        cfg.judges(), new LinkedHashSet<>(List.of("generation")), cfg.maxNewTokens(), cfg.knobConfig());
    EvalRunner.Result r = EvalRunner.run(cfg, progress, dir -> {
      DjlLanguageModel lm = LanguageModels.load(dir, "cpu");
      Map<Integer, float[]> st = steering.get(dir.toAbsolutePath().normalize());
      if (st != null && !st.isEmpty()) lm.model().setSteering(st);
      return lm;
    });
    Map<String, Map<String, Double>> theta = new TreeMap<>();
    for (EvalReport.Score sc : r.report().calibrated()) {
      if (sc.measure() != null) theta.computeIfAbsent(sc.model(), k -> new TreeMap<>()).put(sc.dimension(), sc.measure());
    }
    Map<String, Double> base = theta.getOrDefault("base", Map.of());
    // the monitor: each variant's generated answers projected on its dimension's vector
    Map<String, List<String[]>> answers = answers(r.runDir().resolve("journal.jsonl"), cfg);
    List<Variant> variants = new ArrayList<>();
    Map<Dimension, Double> agreement = new LinkedHashMap<>();
    try (DjlLanguageModel lm = LanguageModels.load(s.model(), "cpu")) {
      for (var e : s.vectors().entrySet()) {
        Dimension d = e.getKey();
        List<String> names = new ArrayList<>();
        names.add("base");
        for (var n : dimOf.entrySet()) if (n.getValue() == d) names.add(n.getKey());
        double[] m = new double[names.size()], th = new double[names.size()];
        for (int i = 0; i < names.size(); i++) {
          String name = names.get(i);
          List<ActivationMonitor.Text> texts = new ArrayList<>();
          for (String[] qa : answers.getOrDefault(name, List.of())) texts.add(new ActivationMonitor.Text(qa[0], qa[1]));
          double[] proj = texts.isEmpty() ? new double[0] : ActivationMonitor.scores(lm, e.getValue(), texts, 8, 512, null);
          double mean = 0;
          for (double x : proj) mean += x / proj.length;
          m[i] = proj.length == 0 ? Double.NaN : mean;
          Map<String, Double> mv = theta.getOrDefault(name, Map.of());
          th[i] = mv.getOrDefault(d.name(), Double.NaN);
          double on = th[i] - base.getOrDefault(d.name(), Double.NaN);
          double drift = drift(mv, base, d);
          variants.add(new Variant(name, d, name.equals("base") ? 0 : coefOf.get(name), mv, on, drift, m[i]));
        }
        agreement.put(d, ActivationMonitor.spearman(m, th));
      }
    }
    List<Counterpart> counterparts = new ArrayList<>();
    for (String t : s.trained().keySet()) {
      Map<String, Double> mv = theta.getOrDefault(t, Map.of());
      for (Dimension d : s.vectors().keySet()) {
        double on = mv.getOrDefault(d.name(), Double.NaN) - base.getOrDefault(d.name(), Double.NaN);
        double drift = drift(mv, base, d);
        counterparts.add(new Counterpart(t, d, on, drift, atDrift(variants, d, drift)));
      }
    }
    Path json = s.out().resolve("sweep.json");
    Path md = s.out().resolve("sweep.md");
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("provenance", EvalReport.provenanceMap(Provenance.of(Map.of("command", "steer sweep", "model", s.model().toString(),
        "coefs", s.coefs(), "limit", s.limit(), "max_new_tokens", s.maxNewTokens()), Map.of())));
    j.put("report", r.html().toString());
    j.put("variants", variants);
    j.put("monitor_agreement_spearman", agreement);
    j.put("trained_vs_steering", counterparts);
    j.put("judges_note", "calibrated measures rest on the eval run's judges: read the judge validity in " + r.html().getFileName()
        + " before trusting any of these numbers");
    try {
      String text = JSON.writeValueAsString(j);
      AtomicFile.write(json, tmp -> Files.writeString(tmp, text + "\n"));
    } catch (IOException e) {
      throw new UserException(json + ": cannot write: " + e.getMessage(), e);
    }
    String table = markdown(variants, agreement, counterparts, r.html());
    AtomicFile.write(md, tmp -> Files.writeString(tmp, table));
    return new Result(variants, agreement, counterparts, r.html(), json, md);
  }

  static double drift(Map<String, Double> m, Map<String, Double> base, Dimension d) {
    double sum = 0;
    int n = 0;
    for (Dimension o : Dimension.values()) {
      if (o == d) continue;
      Double a = m.get(o.name()), b = base.get(o.name());
      if (a == null || b == null) continue;
      sum += Math.abs(a - b);
      n++;
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  /** Δ_on of the steering curve of d (coefficients ≥ 0, ordered by drift) at a given drift, or null outside it. */
  static Double atDrift(List<Variant> variants, Dimension d, double drift) {
    List<Variant> curve = new ArrayList<>();
    for (Variant v : variants) if (v.dimension() == d && v.coef() >= 0 && Double.isFinite(v.drift()) && Double.isFinite(v.onAxis())) curve.add(v);
    curve.sort(java.util.Comparator.comparingDouble(Variant::drift));
    for (int i = 0; i + 1 < curve.size(); i++) {
      Variant a = curve.get(i), b = curve.get(i + 1);
      if (drift >= a.drift() && drift <= b.drift()) {
        double t = b.drift() == a.drift() ? 0 : (drift - a.drift()) / (b.drift() - a.drift());
        return a.onAxis() + t * (b.onAxis() - a.onAxis());
      }
    }
    return null;
  }

  /** Prompt and answer per generated test row of each model, from the run journal ("gen|model|row"). */
  static Map<String, List<String[]>> answers(Path journal, EvalConfig cfg) {
    Map<String, String> prompts = new LinkedHashMap<>();
    for (var row : io.personaknob.core.data.PersonaData.readAll(cfg.data().personaknob().resolve(cfg.data().split() + ".jsonl"))) {
      prompts.put(row.id(), row.prompt());
    }
    Map<String, List<String[]>> out = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(journal)) {
        JsonNode n;
        try {
          n = JSON.readTree(line);
        } catch (IOException e) {
          continue; // a torn line
        }
        String k = n.path("k").asText("");
        if (!k.startsWith("gen|")) continue;
        String[] parts = k.split("\\|", 3);
        if (parts.length < 3 || !prompts.containsKey(parts[2]) || !n.path("v").isTextual()) continue;
        out.computeIfAbsent(parts[1], x -> new ArrayList<>()).add(new String[] {prompts.get(parts[2]), n.get("v").asText()});
      }
    } catch (IOException e) {
      throw new UserException(journal + ": cannot read: " + e.getMessage(), e);
    }
    return out;
  }

  static String markdown(List<Variant> variants, Map<Dimension, Double> agreement, List<Counterpart> cps, Path html) {
    StringBuilder b = new StringBuilder();
    b.append("| variant | dim | coef | θ_A | θ_T | θ_E | θ_C | Δ on-axis | off-axis drift | monitor |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (Variant v : variants) {
      b.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %s | %s | %s | %s | %s | %s | %s |\n", v.name(), v.dimension(), v.coef(),
          f(v.measures().get("A")), f(v.measures().get("T")), f(v.measures().get("E")), f(v.measures().get("C")),
          f(v.onAxis()), f(v.drift()), f(v.monitor())));
    }
    b.append("\nMonitor agreement (Spearman ρ over the variants of each dimension, mean projection vs calibrated θ):");
    agreement.forEach((d, r) -> b.append(String.format(Locale.ROOT, " %s %s;", d, f(r))));
    b.append("\n");
    if (!cps.isEmpty()) {
      b.append("\n| trained model | dim | Δ on-axis | off-axis drift | steering Δ on-axis at that drift |\n|---|---|---|---|---|\n");
      for (Counterpart c : cps) {
        b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |\n", c.trained(), c.dimension(), f(c.onAxis()), f(c.drift()),
            c.steeringOnAxisAtDrift() == null ? "outside the sweep" : f(c.steeringOnAxisAtDrift())));
      }
    }
    b.append("\nMeasures from one calibrated run: ").append(html).append(" (read its judge validity first).\n");
    return b.toString();
  }

  private static String f(Double x) {
    return x == null || !Double.isFinite(x) ? "—" : String.format(Locale.ROOT, "%+.3f", x);
  }

  private static Path link(Path dir, String name, Path target) throws IOException {
    Path p = dir.resolve(name);
    if (Files.isSymbolicLink(p)) {
      if (Files.readSymbolicLink(p).equals(target.toAbsolutePath())) return p;
      Files.delete(p);
    } else if (Files.exists(p)) {
      throw new UserException(p + ": exists and is not a link made by a sweep; use another --out");
    }
    return Files.createSymbolicLink(p, target.toAbsolutePath());
  }
}
