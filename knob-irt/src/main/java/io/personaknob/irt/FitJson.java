package io.personaknob.irt;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.personaknob.core.Provenance;
import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.util.List;
import java.util.Map;

/**
 * JSON form of a fit with the keys of issue 3: {@code converged}, {@code iterations}, {@code facets} (facet →
 * list of {element, measure, se, real_se, count, observed_average, fair_average, infit, outfit, infit_z,
 * outfit_z, extreme}), {@code thresholds}, {@code reliability} (facet → {separation, strata, reliability}),
 * {@code subsets}, {@code bias}; plus {@code score}/{@code anchored} per element, {@code warnings} and
 * {@code provenance}. A non-finite number is a bug and fails the write rather than reaching the output.
 */
public final class FitJson {
  private FitJson() {}

  public static String toJson(RaschFit fit) {
    StringWriter sw = new StringWriter();
    try {
      write(fit, sw);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return sw.toString();
  }

  public static void write(RaschFit fit, Writer out) throws IOException {
    ObjectMapper om = new ObjectMapper();
    try (JsonGenerator g = om.getFactory().createGenerator(out)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      g.writeBooleanField("converged", fit.converged());
      g.writeNumberField("iterations", fit.iterations());
      num(g, "max_score_residual", fit.maxScoreResidual());
      num(g, "max_logit_change", fit.maxLogitChange());
      g.writeObjectFieldStart("facets");
      for (FacetResult f : fit.facets()) {
        g.writeArrayFieldStart(f.name());
        for (ElementStat e : f.elements()) {
          g.writeStartObject();
          g.writeStringField("element", e.element());
          num(g, "measure", e.measure());
          num(g, "se", e.se());
          num(g, "real_se", e.realSe());
          num(g, "count", e.count());
          num(g, "score", e.score());
          num(g, "observed_average", e.observedAverage());
          num(g, "fair_average", e.fairAverage());
          num(g, "infit", e.infit());
          num(g, "outfit", e.outfit());
          num(g, "infit_z", e.infitZ());
          num(g, "outfit_z", e.outfitZ());
          g.writeBooleanField("extreme", e.extreme());
          g.writeBooleanField("anchored", e.anchored());
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      g.writeEndObject();
      g.writeArrayFieldStart("thresholds");
      for (ThresholdStat t : fit.thresholds()) {
        g.writeStartObject();
        if (t.group() == null) g.writeNullField("group");
        else g.writeStringField("group", t.group());
        g.writeNumberField("category", t.category());
        if (t.measure() == null) g.writeNullField("measure");
        else num(g, "measure", t.measure());
        if (t.se() == null) g.writeNullField("se");
        else num(g, "se", t.se());
        num(g, "count", t.count());
        g.writeBooleanField("anchored", t.anchored());
        g.writeBooleanField("structural_zero", t.structuralZero());
        g.writeEndObject();
      }
      g.writeEndArray();
      // the lowest category of each group: no threshold below it, only its count
      g.writeArrayFieldStart("bottom_categories");
      for (ThresholdStat t : fit.bottomCategories()) {
        g.writeStartObject();
        if (t.group() == null) g.writeNullField("group");
        else g.writeStringField("group", t.group());
        g.writeNumberField("category", t.category());
        num(g, "count", t.count());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeObjectFieldStart("reliability");
      for (FacetResult f : fit.facets()) {
        g.writeObjectFieldStart(f.name());
        num(g, "separation", f.reliability().separation());
        num(g, "strata", f.reliability().strata());
        num(g, "reliability", f.reliability().reliability());
        num(g, "rmse", f.reliability().rmse());
        num(g, "true_sd", f.reliability().trueSd());
        g.writeEndObject();
      }
      g.writeEndObject();
      g.writeArrayFieldStart("subsets");
      for (Subset s : fit.subsets()) {
        g.writeStartObject();
        g.writeNumberField("subset", s.id());
        g.writeObjectFieldStart("elements");
        for (String facet : fit.facets().stream().map(FacetResult::name).toList()) {
          List<String> els = s.elements().get(facet);
          if (els == null) continue;
          g.writeArrayFieldStart(facet);
          for (String e : els) g.writeString(e);
          g.writeEndArray();
        }
        g.writeEndObject();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("bias");
      for (BiasTerm b : fit.bias()) {
        g.writeStartObject();
        g.writeStringField(fit.biasFacetA(), b.elementA());
        g.writeStringField(fit.biasFacetB(), b.elementB());
        num(g, "count", b.count());
        num(g, "observed", b.observed());
        num(g, "expected", b.expected());
        num(g, "obs_exp_average", b.obsExpAverage());
        num(g, "bias", b.bias());
        num(g, "se", b.se());
        num(g, "t", b.t());
        num(g, "infit", b.infit());
        num(g, "outfit", b.outfit());
        g.writeBooleanField("extreme", b.extreme());
        g.writeEndObject();
      }
      g.writeEndArray();
      if (!fit.comparisons().isEmpty()) {
        // only with paired comparisons (a rating-only fit.json is unchanged)
        g.writeArrayFieldStart("comparisons");
        for (ComparisonStat c : fit.comparisons()) {
          g.writeStartObject();
          g.writeStringField(c.facet(), c.element());
          num(g, "count", c.count());
          num(g, "wins", c.wins());
          num(g, "estimation_count", c.estimationCount());
          num(g, "expected_wins", c.expectedWins());
          num(g, "infit", c.infit());
          num(g, "outfit", c.outfit());
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      g.writeArrayFieldStart("warnings");
      for (String w : fit.warnings()) g.writeString(w);
      g.writeEndArray();
      Provenance p = fit.provenance();
      g.writeObjectFieldStart("provenance");
      g.writeStringField("version", p.version());
      g.writeStringField("java", p.javaVersion());
      g.writeStringField("os", p.os());
      g.writeStringField("created_at", p.createdAt().toString());
      g.writeObjectField("config", p.config());
      g.writeObjectField("data_hashes", p.dataHashes());
      g.writeObjectField("versions", p.versions());
      g.writeEndObject();
      g.writeEndObject();
    }
  }

  /**
   * Reads the measures and thresholds of a fit.json written by {@link #write} as start values (warm start /
   * resume).
   */
  public static void applyStart(java.nio.file.Path file, RaschSpec.Builder spec) {
    com.fasterxml.jackson.databind.JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new io.personaknob.core.UserException(file + ": not a fit.json: " + io.personaknob.core.ParseErrors.describe(e), e);
    } catch (IOException e) {
      throw new io.personaknob.core.UserException(file + ": cannot read: " + e.getMessage(), e);
    }
    if (root == null || !root.has("facets") || !root.get("facets").isObject()) {
      throw new io.personaknob.core.UserException(file + ": not a fit.json (no 'facets' object)");
    }
    for (var f : root.get("facets").properties()) {
      for (com.fasterxml.jackson.databind.JsonNode e : f.getValue()) {
        if (e.hasNonNull("element") && e.hasNonNull("measure")) {
          spec.startValue(f.getKey(), e.get("element").asText(), e.get("measure").asDouble());
        }
      }
    }
    if (root.has("thresholds")) {
      for (com.fasterxml.jackson.databind.JsonNode t : root.get("thresholds")) {
        if (t.hasNonNull("measure") && t.has("category")) {
          String group = t.hasNonNull("group") ? t.get("group").asText() : "";
          spec.startThreshold(group, t.get("category").asInt(), t.get("measure").asDouble());
        }
      }
    }
  }

  private static void num(JsonGenerator g, String name, double v) throws IOException {
    if (!Double.isFinite(v)) throw new IllegalStateException("non-finite " + name + " in a fit result: " + v);
    g.writeNumberField(name, v);
  }

  /** Keys every element object carries (for tests and documentation). */
  public static final List<String> ELEMENT_KEYS = List.of("element", "measure", "se", "real_se", "count",
      "observed_average", "fair_average", "infit", "outfit", "infit_z", "outfit_z", "extreme");

}
