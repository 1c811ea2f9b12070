package io.personaknob.steer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.irt.ElementStat;
import io.personaknob.irt.JmleEstimator;
import io.personaknob.irt.RaschFit;
import io.personaknob.irt.RaschSpec;
import io.personaknob.irt.RatingData;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Judge calibration: one many-facet Rasch fit (knob-irt, rating scale 1–5) of every axis-judge rating,
 * oriented so that a higher category means "the intended pole won" ({@code 3 + signed delta}, rounded to the
 * nearest whole category). Facets: template (positive: its effect), judge (severity), persona pair
 * (difficulty) and call (positive/negative target × forward/reverse order: target and position effects).
 * A template's measure is then its effect with judge severity and pair difficulty taken out, instead of a
 * raw mean that depends on which judges happened to rate it.
 */
public final class Calibration {
  private Calibration() {}

  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  static final String[] CALLS = {"positive_forward", "positive_reverse", "negative_forward", "negative_reverse"};

  /** The oriented, rounded ratings of an examples file's axis judgments (rows as JSON). */
  public static RatingData data(List<ObjectNode> examples) {
    RatingData.Builder b = RatingData.builder("template", "judge", "pair", "call").scale(1, 5).source("axis judgments");
    for (ObjectNode r : examples) {
      if (r.hasNonNull("error") || !r.has("axis_judgments")) continue;
      for (var j : r.get("axis_judgments")) {
        for (String c : CALLS) {
          double d = j.path(c + "_delta").asDouble(Double.NaN);
          if (Double.isNaN(d)) continue;
          int cat = (int) Math.max(1, Math.min(5, Math.rint(3 + d)));
          b.add(cat, r.get("template").asText(), j.get("judge_model").asText(), r.get("persona_pair").asText(), c);
        }
      }
    }
    return b.build();
  }

  /** Fits the model and reports templates (by measure), judges, pairs and calls, plus the agreement with raw means. */
  public static ObjectNode fit(List<ObjectNode> examples, List<ObjectNode> templateStats) {
    RatingData d = data(examples);
    RaschFit fit = JmleEstimator.fit(d, RaschSpec.builder("template").ratingScale().threads(1).build());
    ObjectNode o = F.objectNode();
    o.put("model", "many-facet Rasch, rating scale 1-5; facets template (+), judge, pair, call; JMLE (knob-irt)");
    o.put("ratings", d.size());
    o.put("converged", fit.converged());
    o.put("iterations", fit.iterations());
    Map<String, Double> raw = new HashMap<>();
    for (ObjectNode t : templateStats) raw.put(t.get("template").asText(), t.get("mean_axis_delta").doubleValue());
    for (String facet : List.of("judge", "pair", "call", "template")) {
      ArrayNode a = o.putArray(facet.equals("template") ? "templates" : facet + "s");
      List<ElementStat> els = new ArrayList<>(fit.facet(facet).elements());
      els.sort(Comparator.comparingDouble(ElementStat::measure).reversed());
      for (ElementStat e : els) {
        ObjectNode x = a.addObject();
        x.put("element", e.element());
        x.put("measure", Py.round(e.measure(), 3));
        x.put("se", Py.round(e.se(), 3));
        x.put("infit", Py.round(e.infit(), 2));
        x.put("outfit", Py.round(e.outfit(), 2));
        x.put("fair_average", Py.round(e.fairAverage(), 3));
        x.put("observed_average", Py.round(e.observedAverage(), 3));
        x.put("extreme", e.extreme());
        if (facet.equals("template") && raw.containsKey(e.element())) x.put("raw_mean_axis_delta", raw.get(e.element()));
      }
    }
    // how differently the calibrated measures order the templates than the raw means
    List<ElementStat> ts = fit.facet("template").elements();
    double[] m = ts.stream().mapToDouble(ElementStat::measure).toArray();
    double[] r = ts.stream().mapToDouble(e -> raw.getOrDefault(e.element(), Double.NaN)).toArray();
    o.put("spearman_measure_vs_raw_mean", Py.round4(spearman(m, r)));
    return o;
  }

  static double spearman(double[] a, double[] b) {
    double[] ra = ranks(a);
    double[] rb = ranks(b);
    double ma = 0;
    double mb = 0;
    for (int i = 0; i < ra.length; i++) {
      ma += ra[i];
      mb += rb[i];
    }
    ma /= ra.length;
    mb /= rb.length;
    double sab = 0;
    double saa = 0;
    double sbb = 0;
    for (int i = 0; i < ra.length; i++) {
      sab += (ra[i] - ma) * (rb[i] - mb);
      saa += (ra[i] - ma) * (ra[i] - ma);
      sbb += (rb[i] - mb) * (rb[i] - mb);
    }
    return sab / Math.sqrt(saa * sbb);
  }

  static double[] ranks(double[] x) {
    Integer[] idx = new Integer[x.length];
    for (int i = 0; i < idx.length; i++) idx[i] = i;
    java.util.Arrays.sort(idx, Comparator.comparingDouble(i -> x[i]));
    double[] r = new double[x.length];
    for (int i = 0; i < idx.length; ) {
      int j = i;
      while (j + 1 < idx.length && x[idx[j + 1]] == x[idx[i]]) j++;
      for (int k = i; k <= j; k++) r[idx[k]] = (i + j) / 2.0 + 1;
      i = j + 1;
    }
    return r;
  }
}
