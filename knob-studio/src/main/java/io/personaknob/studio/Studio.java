package io.personaknob.studio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.AtomicFile;
import io.personaknob.core.Provenance;
import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import io.personaknob.core.data.PersonaData;
import io.personaknob.core.data.PersonaRow;
import io.personaknob.core.data.SampleData;
import io.personaknob.studio.StudioDb.Item;
import io.personaknob.studio.StudioDb.Verdict;
import io.personaknob.studio.stats.ReviewStats;
import io.personaknob.studio.stats.ReviewStats.AcceptRule;
import io.personaknob.studio.stats.ReviewStats.Rating;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The studio without the web: queues, verdicts, agreement, acceptance and exports over a {@link StudioDb}.
 * The web app ({@link StudioServer}) and {@code knob review} both go through here.
 */
public final class Studio {
  private static final com.fasterxml.jackson.databind.ObjectMapper LOG_JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  /** Columns a {@code knob build} queue adds to the PersonaKnob columns; kept as item metadata. */
  public static final List<String> BUILD_COLUMNS = List.of("build_id", "stage", "status", "reasons");

  private final StudioDb db;

  public Studio(StudioDb db) {
    this.db = db;
  }

  public StudioDb db() {
    return db;
  }

  // ------------------------------------------------------------------ settings

  /** How many reviewers each item gets (default 2). */
  public int overlap() {
    try {
      return Math.max(1, Integer.parseInt(db.setting("overlap", "2")));
    } catch (NumberFormatException e) {
      return 2;
    }
  }

  public AcceptRule acceptRule() {
    return AcceptRule.parse(db.setting("accept_rule", "majority"));
  }

  /** The named reviewers allowed to log in; empty = anyone may pick a name. */
  public List<String> reviewers() {
    String s = db.setting("reviewers", "");
    List<String> out = new ArrayList<>();
    for (String r : s.split(",")) if (!r.isBlank()) out.add(r.trim());
    return out;
  }

  // ------------------------------------------------------------------ queues

  /**
   * Imports review items from a PersonaKnob file or dataset folder, or from a {@code knob build} rows file
   * (PersonaKnob columns plus build_id, stage, status, reasons: only rows with status {@code review} are
   * queued). Returns the number of new items.
   */
  public int importQueue(Path path) {
    Map<String, ObjectNode> meta = new HashMap<>();
    boolean build = Files.isRegularFile(path) && path.toString().endsWith(".jsonl") && readBuildMeta(path, meta);
    List<ObjectNode> rows = new ArrayList<>();
    for (PersonaRow r : PersonaData.readAll(path)) {
      ObjectNode n = toNode(r);
      if (build) {
        ObjectNode m = meta.get(r.id());
        if (m == null || !"review".equals(m.path("status").asText())) continue;
        n.set("build", m);
      }
      rows.add(n);
    }
    return db.addItems(rows, path.toString());
  }

  /** Imports the bundled sample (its test split) as a review queue. */
  public int importSample() {
    List<ObjectNode> rows = new ArrayList<>();
    for (PersonaRow r : SampleData.test()) rows.add(toNode(r));
    return db.addItems(rows, "bundled sample (test split)");
  }

  private static boolean readBuildMeta(Path file, Map<String, ObjectNode> meta) {
    boolean any = false;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank()) continue;
        JsonNode n;
        try {
          n = StudioDb.JSON.readTree(line);
        } catch (IOException e) {
          return false; // PersonaData reports the bad line
        }
        if (!n.has("status")) return any;
        ObjectNode m = StudioDb.JSON.createObjectNode();
        for (String c : BUILD_COLUMNS) if (n.has(c)) m.set(c, n.get(c));
        meta.put(n.path("id").asText(), m);
        any = true;
      }
    } catch (IOException e) {
      throw new UserException(file + ": " + e.getMessage(), e);
    }
    return any;
  }

  static ObjectNode toNode(PersonaRow r) {
    try {
      return (ObjectNode) StudioDb.JSON.readTree(PersonaData.toJsonLine(r));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The PersonaKnob row of an item at its newest version. */
  public static PersonaRow toRow(Item it) {
    Map<Dimension, String> rejects = new EnumMap<>(Dimension.class);
    for (Dimension d : it.mask()) {
      String t = it.text(d.rejectColumn());
      if (!t.isEmpty()) rejects.put(d, t);
    }
    return new PersonaRow(it.id(), it.mask(), it.text("seed_scene"), it.text("context"), it.text("trigger"), it.text("prompt"),
        it.text("golden"), rejects, nullIfEmpty(it.text("task")), nullIfEmpty(it.text("split")));
  }

  private static String nullIfEmpty(String s) {
    return s.isEmpty() ? null : s;
  }

  /** The editable text fields of a row. */
  public static final List<String> EDITABLE = List.of("seed_scene", "context", "trigger", "prompt", "golden",
      "reject_A", "reject_T", "reject_E", "reject_C");

  // ------------------------------------------------------------------ agreement and acceptance

  public List<Rating> ratings() {
    List<Rating> out = new ArrayList<>();
    for (Verdict v : db.current()) out.add(new Rating(v.itemId(), v.reviewer(), v.check(), v.verdict()));
    return out;
  }

  public Map<String, List<String>> requiredChecks() {
    Map<String, List<String>> m = new HashMap<>();
    for (Item it : db.items()) m.put(it.id(), it.checks());
    return m;
  }

  private String statsKey;
  private Map<String, Object> statsValue;

  /**
   * The agreement report ({@code knob review stats --json} and the agreement page). Cached until a verdict,
   * setting or item is added (the tables only grow, so their row counts identify the state).
   */
  public synchronized Map<String, Object> stats(int replicates) {
    String key = db.count("verdicts") + "/" + db.count("settings") + "/" + db.count("item_versions") + "/" + replicates;
    if (!key.equals(statsKey)) {
      statsValue = computeStats(replicates);
      statsKey = key;
    }
    return new LinkedHashMap<>(statsValue);
  }

  private Map<String, Object> computeStats(int replicates) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("db", db.file().toString());
    out.putAll(ReviewStats.compute(ratings(), requiredChecks(), acceptRule(), replicates));
    out.put("provenance", provenance(Provenance.of(Map.of("accept_rule", acceptRule().key(), "bootstrap_replicates", replicates), Map.of())));
    return out;
  }

  /** Provenance as a JSON-ready map (the shape knob's other JSON outputs use). */
  static Map<String, Object> provenance(Provenance p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("knob_version", p.version());
    m.put("java", p.javaVersion());
    m.put("os", p.os());
    m.put("created_at", p.createdAt().toString());
    m.put("config", new TreeMap<>(p.config()));
    return m;
  }

  /** item → check → reviewer → verdict (current verdicts). */
  public Map<String, Map<String, Map<String, String>>> verdictsByItem() {
    Map<String, Map<String, Map<String, String>>> m = new TreeMap<>();
    for (Verdict v : db.current())
      m.computeIfAbsent(v.itemId(), k -> new TreeMap<>()).computeIfAbsent(v.check(), k -> new TreeMap<>()).put(v.reviewer(), v.verdict());
    return m;
  }

  /** The items accepted under the acceptance rule, at their newest version. */
  public List<Item> accepted() {
    Map<String, Map<String, Map<String, String>>> by = verdictsByItem();
    AcceptRule rule = acceptRule();
    List<Item> out = new ArrayList<>();
    for (Item it : db.items()) {
      Map<String, Map<String, String>> checks = by.get(it.id());
      if (checks != null && Boolean.TRUE.equals(ReviewStats.accepted(checks, it.checks(), rule))) out.add(it);
    }
    return out;
  }

  /** Writes the accepted rows as a PersonaKnob dataset (format by extension, or a Hub folder). Returns the row count. */
  public long exportAccepted(Path out) {
    List<PersonaRow> rows = accepted().stream().map(Studio::toRow).toList();
    if (out.toString().endsWith(".jsonl") || out.toString().endsWith(".json") || out.toString().endsWith(".parquet")) {
      return PersonaData.write(out, rows);
    }
    return PersonaData.writeDataset(out, rows).values().stream().mapToLong(Long::longValue).sum();
  }

  /** The accepted rows as PersonaKnob JSONL text. */
  public String acceptedJsonl() {
    StringBuilder sb = new StringBuilder();
    for (Item it : accepted()) sb.append(PersonaData.toJsonLine(toRow(it))).append('\n');
    return sb.toString();
  }

  /** The full review log as JSONL text: every verdict row, withdrawn ones too, oldest first. */
  public String logJsonl() {
    StringBuilder sb = new StringBuilder();
    for (Verdict v : db.log()) {
      ObjectNode n = StudioDb.JSON.createObjectNode();
      n.put("id", v.id());
      n.put("item_id", v.itemId());
      n.put("reviewer", v.reviewer());
      n.put("check", v.check());
      if (v.verdict() == null) n.putNull("verdict");
      else n.put("verdict", v.verdict());
      if (v.comment() != null) n.put("comment", v.comment());
      if (v.itemVersion() != null) n.put("item_version", v.itemVersion());
      n.put("time", v.createdAt());
      n.put("source", v.source());
      sb.append(n).append('\n');
    }
    return sb.toString();
  }

  /** The full review log, JSONL by default or Parquet when {@code out} ends in {@code .parquet}. */
  public void exportLog(Path out) {
    String text = logJsonl();
    if (out.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".parquet")) {
      java.util.List<com.fasterxml.jackson.databind.JsonNode> rows = new java.util.ArrayList<>();
      try {
        for (String line : text.split("\n")) if (!line.isBlank()) rows.add(LOG_JSON.readTree(line));
      } catch (java.io.IOException e) {
        throw new IllegalStateException("review log line is not JSON", e);
      }
      io.personaknob.core.data.ParquetTables.write(out, rows);
      return;
    }
    AtomicFile.write(out, tmp -> {
      try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        w.write(text);
      }
    });
  }
}
