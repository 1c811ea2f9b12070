package io.personaknob.persona.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.irt.ElementStat;
import io.personaknob.irt.JmleEstimator;
import io.personaknob.irt.RaschFit;
import io.personaknob.irt.RaschSpec;
import io.personaknob.irt.RatingData;
import io.personaknob.llm.Json;
import io.personaknob.persona.PersonaKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Aggregates bench rows into the results: per mode and critic, main accuracy (bootstrap SE, Wilson 95 %),
 * pass@k curves in both forms, leave-one-out importance, subgroup accuracy, and a many-facet Rasch
 * calibration of all critics together (dichotomous: θ(mode) − severity(critic) − difficulty(pair)).
 * A sample whose answer or critique failed counts as a miss and is counted in {@code failed}.
 */
public final class BenchResults {
  private BenchResults() {}

  /** Accuracy summary of a list of scores (null = failed, scored 0). */
  public record Summary(int n, int passes, int failed, double accuracy, double bootstrapSe, double[] wilson) {
    ObjectNode json() {
      ObjectNode o = Json.MAPPER.createObjectNode();
      o.put("n", n).put("passes", passes).put("failed", failed).put("accuracy", accuracy).put("bootstrap_se", bootstrapSe);
      o.putArray("wilson95").add(wilson[0]).add(wilson[1]);
      return o;
    }
  }

  public static Summary summary(List<Double> scores, long seed) {
    double[] s = new double[scores.size()];
    int failed = 0, passes = 0;
    for (int i = 0; i < s.length; i++) {
      Double x = scores.get(i);
      if (x == null) failed++;
      s[i] = x == null ? 0 : x;
      if (s[i] == 1) passes++;
    }
    return new Summary(s.length, passes, failed, Metrics.accuracy(s), Metrics.bootstrapSe(s, 1000, seed),
        Metrics.wilson(passes, s.length, 1.959964));
  }

  private static <K> Map<K, List<PersonaBench.Row>> group(List<PersonaBench.Row> rows, java.util.function.Function<PersonaBench.Row, K> f) {
    Map<K, List<PersonaBench.Row>> m = new LinkedHashMap<>();
    for (PersonaBench.Row r : rows) m.computeIfAbsent(f.apply(r), x -> new ArrayList<>()).add(r);
    return m;
  }

  public static ObjectNode compute(List<PersonaBench.Row> rows, PersonaBench.Options o, long seed) {
    ObjectNode out = Json.MAPPER.createObjectNode();
    ObjectNode modes = out.putObject("modes");
    for (var byMode : group(rows, r -> r.task().mode().id()).entrySet()) {
      ObjectNode mo = modes.putObject(byMode.getKey());
      for (var byEval : group(byMode.getValue(), r -> r.task().eval()).entrySet()) {
        ObjectNode ev = mo.putObject(byEval.getKey());
        for (var byCritic : group(byEval.getValue(), PersonaBench.Row::critic).entrySet()) {
          List<PersonaBench.Row> rs = byCritic.getValue();
          ObjectNode c = ev.putObject(byCritic.getKey());
          switch (byEval.getKey()) {
            case "main" -> c.setAll(summary(rs.stream().map(PersonaBench.Row::score).toList(), seed).json());
            case "pass_at_k" -> passAtK(c, rs, o.k());
            case "loo" -> loo(c, rs, o, seed);
            case "intersections" -> intersections(c, rs, o, seed);
            default -> { }
          }
        }
      }
    }
    if (rows.stream().anyMatch(r -> r.task().eval().equals("main") && r.score() != null))
      out.set("calibration", calibrate(rows));
    return out;
  }

  /** Per pair the attempts' outcomes (true/false, null when failed), pairs in order. */
  static List<Boolean[]> attempts(List<PersonaBench.Row> rs, int k) {
    Map<Integer, Boolean[]> m = new TreeMap<>();
    for (PersonaBench.Row r : rs) {
      Boolean[] a = m.computeIfAbsent(r.task().pair(), x -> new Boolean[k]);
      a[r.task().attempt()] = r.score() == null ? null : r.score() == 1;
    }
    return new ArrayList<>(m.values());
  }

  static void passAtK(ObjectNode c, List<PersonaBench.Row> rs, int k) {
    List<Boolean[]> a = attempts(rs, k);
    c.put("pairs", a.size()).put("k", k);
    long failed = rs.stream().filter(r -> r.score() == null).count();
    c.put("failed_attempts", failed);
    ArrayNode any = c.putArray("any_of_first_k"), unb = c.putArray("unbiased");
    for (int j = 1; j <= k; j++) {
      any.add(Metrics.passAtKAny(a, j));
      unb.add(Metrics.passAtKUnbiasedMean(a, j));
    }
  }

  static void loo(ObjectNode c, List<PersonaBench.Row> rs, PersonaBench.Options o, long seed) {
    Map<String, List<Double>> byVariant = new LinkedHashMap<>();
    for (PersonaBench.Row r : rs) byVariant.computeIfAbsent(r.task().variant(), x -> new ArrayList<>()).add(r.score());
    ObjectNode v = c.putObject("variants");
    Map<String, Double> acc = new LinkedHashMap<>();
    for (var e : byVariant.entrySet()) {
      Summary s = summary(e.getValue(), seed);
      v.set(e.getKey(), s.json());
      acc.put(e.getKey(), s.accuracy());
    }
    ObjectNode imp = c.putObject("importance");
    for (PersonaKey a : o.looAttributes()) {
      Double full = acc.get("full"), without = acc.get("without:" + a.key());
      if (full != null && without != null) imp.put(a.key(), full - without);
    }
  }

  static void intersections(ObjectNode c, List<PersonaBench.Row> rs, PersonaBench.Options o, long seed) {
    ArrayNode arr = c.putArray("subgroups");
    for (PersonaBench.Intersection x : o.intersections()) {
      List<Double> s = new ArrayList<>();
      for (PersonaBench.Row r : rs) if (x.contains(r.task().persona())) s.add(r.score());
      ObjectNode g = arr.addObject().put("name", x.name());
      if (s.isEmpty()) g.put("n", 0);
      else g.setAll(summary(s, seed).json());
    }
  }

  /**
   * Many-facet Rasch model of the main ratings: facets system (model×mode, positive), critic, pair;
   * dichotomous. Critic severity is then separated from the modes' ability on the same logit scale.
   */
  public static ObjectNode calibrate(List<PersonaBench.Row> rows) {
    RatingData.Builder b = RatingData.builder("system", "critic", "pair").scale(0, 1).source("persona bench main");
    int n = 0;
    for (PersonaBench.Row r : rows) {
      if (!r.task().eval().equals("main") || r.score() == null) continue;
      b.add(r.score().intValue(), r.task().mode().id(), r.critic(), "pair-" + r.task().pair());
      n++;
    }
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("ratings", n);
    RaschFit fit;
    try {
      fit = JmleEstimator.fit(b.build(), RaschSpec.builder("system").dichotomous().build());
    } catch (RuntimeException e) {
      o.put("error", "not calibrated: " + e.getMessage());
      return o;
    }
    o.put("model", "dichotomous many-facet Rasch: logit P(pass) = ability(system) - severity(critic) - difficulty(pair)");
    o.put("converged", fit.converged());
    for (String f : List.of("system", "critic")) {
      ArrayNode a = o.putArray(f.equals("system") ? "ability" : "severity");
      for (ElementStat e : fit.facet(f).elements())
        a.addObject().put(f.equals("system") ? "mode" : "critic", e.element()).put("measure", e.measure()).put("se", e.se())
            .put("infit", e.infit()).put("outfit", e.outfit()).put("extreme", e.extreme()).put("observed_average", e.observedAverage());
    }
    ArrayNode w = o.putArray("warnings");
    fit.warnings().forEach(w::add);
    return o;
  }
}
