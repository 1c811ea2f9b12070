package io.personaknob.steer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.Provenance;
import io.personaknob.core.data.ParquetTables;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hub-layout dataset of a steering run, with the library's splits: {@code main} (per template),
 * {@code template_pair_cells} (per cell, with scores and intervals), {@code persona_pairs} (per pair: best
 * template), {@code examples} (the examples rows) and {@code controls} (the cells of control templates).
 * Files: {@code DIR/data/<split>.parquet} (one file per split; the card's {@code configs} maps each split to
 * its file) and {@code DIR/README.md}; nested values (lists, objects) are JSON text with sorted keys, as the
 * library's build does. {@code DIR/results.html} is the self-contained results page.
 */
public final class HubExport {
  private HubExport() {}

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** The split names, in card order. */
  public static final List<String> SPLITS = List.of("main", "template_pair_cells", "persona_pairs", "examples", "controls");

  /** Everything an export needs. */
  public record Run(String measurementId, List<ObjectNode> examples, List<ObjectNode> pairStats, List<ObjectNode> templateStats,
      List<ObjectNode> cellScores, List<ObjectNode> templateScores, List<ObjectNode> controls, List<Inputs.PersonaPair> pairs,
      Map<String, Object> meta) {}

  /** Builds the split tables (nested values still as JSON). */
  public static Map<String, List<ObjectNode>> splits(Run run) {
    Map<String, ObjectNode> tStats = new HashMap<>();
    for (ObjectNode t : run.templateStats()) tStats.put(t.get("template").asText(), t);
    Map<List<String>, ObjectNode> cells = new HashMap<>();
    for (ObjectNode c : run.cellScores()) cells.put(List.of(c.get("template").asText(), c.get("persona_pair").asText()), c);

    List<ObjectNode> main = new ArrayList<>();
    for (ObjectNode s : run.templateScores()) {
      ObjectNode o = F.objectNode();
      o.put("measurement_id", run.measurementId());
      o.setAll(s);
      ObjectNode t = tStats.get(s.get("template").asText());
      if (t != null) {
        for (String k : List.of("n", "strict_pass_rate", "n_strict_pass", "mean_axis_delta", "mean_off_axis_problem",
            "mean_max_style_abs_delta", "persona_echo_rate", "refusal_or_ai_break_rate", "recommended", "strict_pass_persona_pairs",
            "common_spurious_axes")) o.set(k, t.get(k));
      }
      o.put("score_formula", "100 * on_axis * (1 - off_axis)");
      main.add(o);
    }
    main.sort(Comparator.comparingDouble((ObjectNode o) -> o.get("best_score").doubleValue())
        .thenComparingDouble(o -> o.get("hub_score").doubleValue()).reversed());

    List<ObjectNode> cellRows = new ArrayList<>();
    for (ObjectNode p : run.pairStats()) {
      ObjectNode o = F.objectNode();
      o.put("measurement_id", run.measurementId());
      ObjectNode c = cells.get(List.of(p.get("template").asText(), p.get("persona_pair").asText()));
      if (c != null) c.fields().forEachRemaining(e -> o.set(e.getKey(), e.getValue()));
      p.fields().forEachRemaining(e -> { if (!o.has(e.getKey())) o.set(e.getKey(), e.getValue()); });
      run.meta().forEach((k, v) -> o.set(k, StatsTables.MAPPER.valueToTree(v)));
      cellRows.add(o);
    }

    Map<String, List<ObjectNode>> byPair = new LinkedHashMap<>();
    for (ObjectNode c : run.cellScores()) byPair.computeIfAbsent(c.get("persona_pair").asText(), k -> new ArrayList<>()).add(c);
    Map<String, Inputs.PersonaPair> defs = new HashMap<>();
    if (run.pairs() != null) run.pairs().forEach(p -> defs.put(p.id(), p));
    List<ObjectNode> pairRows = new ArrayList<>();
    for (var e : byPair.entrySet()) {
      List<ObjectNode> cs = e.getValue();
      ObjectNode best = cs.stream().max(Comparator.comparingDouble(c -> c.get("score_unrounded").doubleValue())).orElseThrow();
      ObjectNode o = F.objectNode();
      o.put("persona_pair", e.getKey());
      Inputs.PersonaPair d = defs.get(e.getKey());
      if (d != null) {
        o.put("pos", d.pos());
        o.put("neg", d.neg());
        o.put("positive_behavior", d.positiveBehavior());
        o.put("negative_behavior", d.negativeBehavior());
      }
      o.put("n_cells", cs.size());
      o.put("mean_score", Py.round(cs.stream().mapToDouble(c -> c.get("score_unrounded").doubleValue()).average().orElse(0), 1));
      o.put("best_template", best.get("template").asText());
      o.put("best_score", best.get("score").doubleValue());
      o.put("n_cells_decided_pass", cs.stream().filter(c -> "pass".equals(c.path("decided").asText())).count());
      o.put("n_cells_uncertain", cs.stream().filter(c -> "uncertain".equals(c.path("decided").asText())).count());
      o.put("strict_pass_rate_mean", Py.round4(cs.stream().mapToDouble(c -> c.get("strict_pass_rate").doubleValue()).average().orElse(0)));
      pairRows.add(o);
    }

    Map<String, List<ObjectNode>> out = new LinkedHashMap<>();
    out.put("main", main);
    out.put("template_pair_cells", cellRows);
    out.put("persona_pairs", pairRows);
    out.put("examples", run.examples());
    out.put("controls", run.controls());
    return out;
  }

  /** Nested values to JSON text (sorted keys, non-ASCII kept), scalars unchanged. */
  static ObjectNode flat(ObjectNode r) {
    ObjectNode o = F.objectNode();
    r.fields().forEachRemaining(e -> {
      JsonNode v = e.getValue();
      o.set(e.getKey(), v.isContainerNode() ? F.textNode(Py.dumps(v, true, false)) : v);
    });
    return o;
  }

  /** Writes DIR/data/SPLIT.parquet for every split, DIR/README.md and DIR/results.html. Returns rows per split. */
  public static Map<String, Integer> write(Path dir, Run run, Provenance prov) {
    Map<String, List<ObjectNode>> splits = splits(run);
    Map<String, Integer> counts = new LinkedHashMap<>();
    Map<String, Map<String, String>> schemas = new LinkedHashMap<>();
    for (var e : splits.entrySet()) {
      List<ObjectNode> flat = e.getValue().stream().map(HubExport::flat).toList();
      schemas.put(e.getKey(), ParquetTables.write(dir.resolve("data").resolve(e.getKey() + ".parquet"), flat));
      counts.put(e.getKey(), flat.size());
    }
    StatsTables.writeText(dir.resolve("README.md"), DatasetCard.text(run, counts, schemas, prov));
    StatsTables.writeText(dir.resolve("results.html"), ResultsPage.html(run));
    return counts;
  }
}
