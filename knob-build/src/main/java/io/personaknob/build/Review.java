package io.personaknob.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import io.personaknob.llm.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Stage 4, review: the queue of rows that passed every automatic check ({@code DIR/review-queue.jsonl}) and
 * the import of review verdicts, per the contract shared with the studio ({@code knob review}):
 * a JSONL or CSV file with columns {@code item_id, reviewer, check, verdict} (optional {@code comment},
 * {@code time}); {@code item_id} is the row's {@code build_id}; {@code verdict} is pass, fail or unsure, or
 * an integer rating (a pass when ≥ the pass rating, default 4). Rule {@code majority} (default): a row is
 * accepted when, for every check any reviewer gave it, a strict majority of that check's reviewers said pass
 * (unsure is not pass); rule {@code all}: every reviewer passed every check. A later verdict of the same
 * reviewer on the same check replaces the earlier one, and a JSONL line whose verdict is null withdraws it (the
 * studio's review log writes an undo that way), so the studio's full log can be imported as it is. Check ids
 * are taken as given: the studio's own ids ({@code scenario_needs_traits}, {@code reject_K_fails_K},
 * {@code reject_K_no_worse}, {@code realistic}) work as well as the recommended ones.
 */
public final class Review {
  private Review() {}

  /** The check ids asked of reviewers for a row. */
  public static List<String> checks(BuildRow r) {
    List<String> c = new ArrayList<>();
    c.add("needs_all_traits");
    for (Dimension k : r.dims()) c.add("reject_fails_own:" + k);
    for (Dimension k : r.dims()) c.add("reject_not_better_elsewhere:" + k);
    c.add("realistic");
    return c;
  }

  public static Path queueFile(Path dir) {
    return dir.resolve("review-queue.jsonl");
  }

  /**
   * Writes the queue: one line per row waiting for review — the whole build row (PersonaKnob columns plus the
   * build columns, so the studio's {@code knob review queue --rows} reads it as a build rows file) with
   * {@code item_id} and the {@code review_checks} to answer. Unlike rows.jsonl it holds only rows with text, so every
   * line passes knob-core's reader.
   */
  public static void writeQueue(Path dir, List<BuildRow> rows) {
    List<String> lines = new ArrayList<>();
    for (BuildRow r : rows) {
      if (!r.status.equals(BuildRow.REVIEW)) continue;
      ObjectNode o = r.toJson();
      ObjectNode q = Json.MAPPER.createObjectNode();
      q.put("item_id", r.buildId);
      q.setAll(o);
      ArrayNode c = q.putArray("review_checks");
      checks(r).forEach(c::add);
      lines.add(Json.write(q));
    }
    BuildState.writeJsonl(queueFile(dir), lines);
  }

  /** One verdict line. */
  record Verdict(String itemId, String reviewer, String check, String verdict, String where) {}

  /** What an import did. */
  public record Outcome(int verdicts, int accepted, int rejected, int stillWaiting, int ignored) {}

  public static Outcome apply(List<BuildRow> rows, Path file, String rule, int passRating) {
    if (!List.of("majority", "all").contains(rule)) throw new UserException("--rule must be majority or all, got '" + rule + "'");
    List<Verdict> vs = read(file);
    Map<String, BuildRow> byId = new HashMap<>();
    for (BuildRow r : rows) byId.put(r.buildId, r);
    // item -> check -> reviewer -> verdict (later lines replace earlier ones)
    Map<String, Map<String, Map<String, String>>> m = new LinkedHashMap<>();
    int ignored = 0;
    for (Verdict v : vs) {
      BuildRow r = byId.get(v.itemId());
      if (r == null) throw new UserException(v.where() + ": item_id: '" + v.itemId() + "' is not a row of this build");
      if (!r.stage.equals("review")) {
        ignored++;
        continue;
      }
      if (v.verdict() == null) { // withdrawn (the studio's review log writes undo as a null verdict)
        var byReviewer = m.getOrDefault(v.itemId(), Map.of()).get(v.check());
        if (byReviewer != null) byReviewer.remove(v.reviewer());
        continue;
      }
      String verdict = v.verdict().strip().toLowerCase(Locale.ROOT);
      if (!List.of("pass", "fail", "unsure").contains(verdict)) {
        try {
          verdict = Integer.parseInt(verdict) >= passRating ? "pass" : "fail";
        } catch (NumberFormatException e) {
          throw new UserException(v.where() + ": verdict: '" + v.verdict() + "' (expected pass, fail, unsure or an integer rating)");
        }
      }
      m.computeIfAbsent(v.itemId(), k -> new TreeMap<>()).computeIfAbsent(v.check(), k -> new LinkedHashMap<>())
          .put(v.reviewer(), verdict);
    }
    for (var item : m.values()) item.values().removeIf(Map::isEmpty);
    m.values().removeIf(Map::isEmpty);
    int acc = 0, rej = 0;
    for (var e : m.entrySet()) {
      BuildRow r = byId.get(e.getKey());
      List<String> reasons = new ArrayList<>();
      ObjectNode rc = r.checks.putObject("review");
      rc.put("rule", rule);
      for (var c : e.getValue().entrySet()) {
        long pass = c.getValue().values().stream().filter("pass"::equals).count();
        int total = c.getValue().size();
        ObjectNode x = rc.putObject(c.getKey());
        x.put("pass", pass);
        x.put("reviewers", total);
        boolean ok = rule.equals("all") ? pass == total : 2 * pass > total;
        if (!ok) reasons.add("review:" + c.getKey() + " (" + pass + " of " + total + " reviewers passed)");
      }
      r.reasons = reasons;
      r.stage = "review";
      r.status = reasons.isEmpty() ? BuildRow.ACCEPTED : BuildRow.REJECTED;
      if (reasons.isEmpty()) acc++;
      else rej++;
    }
    int waiting = (int) rows.stream().filter(r -> r.status.equals(BuildRow.REVIEW)).count();
    return new Outcome(vs.size(), acc, rej, waiting, ignored);
  }

  static List<Verdict> read(Path file) {
    if (!Files.isRegularFile(file)) throw new UserException(file + ": no such file");
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    List<Verdict> out = new ArrayList<>();
    if (name.endsWith(".csv")) {
      readCsv(file, out);
    } else {
      try {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
          if (lines.get(i).isBlank()) continue;
          String where = file + ":" + (i + 1);
          JsonNode n;
          try {
            n = Json.read(lines.get(i));
          } catch (IOException e) {
            throw new UserException(where + ": json: not valid JSON");
          }
          JsonNode vv = n.get("verdict");
          String verdict = vv != null && vv.isNull() ? null : field(n, "verdict", where);
          out.add(new Verdict(field(n, "item_id", where), field(n, "reviewer", where), field(n, "check", where),
              verdict, where));
        }
      } catch (IOException e) {
        throw new UserException(file + ": cannot read: " + e.getMessage());
      }
    }
    if (out.isEmpty()) throw new UserException(file + ": no verdicts");
    return out;
  }

  private static String field(JsonNode n, String k, String where) {
    JsonNode v = n.get(k);
    if (v == null || v.isNull() || v.asText().isBlank()) throw new UserException(where + ": " + k + ": missing");
    return v.asText();
  }

  private static void readCsv(Path file, List<Verdict> out) {
    try {
      Class.forName("org.duckdb.DuckDBDriver");
      try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("SELECT * FROM read_csv('" + file.toAbsolutePath().toString().replace("'", "''")
               + "', header=true, all_varchar=true)")) {
        ResultSetMetaData md = rs.getMetaData();
        Map<String, Integer> col = new HashMap<>();
        for (int i = 1; i <= md.getColumnCount(); i++) col.put(md.getColumnName(i), i);
        for (String k : List.of("item_id", "reviewer", "check", "verdict"))
          if (!col.containsKey(k)) throw new UserException(file + ": " + k + ": missing column (have " + col.keySet() + ")");
        int row = 1;
        while (rs.next()) {
          row++;
          String where = file + ":" + row;
          String[] v = new String[4];
          String[] ks = {"item_id", "reviewer", "check", "verdict"};
          for (int i = 0; i < 4; i++) {
            v[i] = rs.getString(col.get(ks[i]));
            if (v[i] == null || v[i].isBlank()) throw new UserException(where + ": " + ks[i] + ": missing");
          }
          out.add(new Verdict(v[0], v[1], v[2], v[3], where));
        }
      }
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    } catch (SQLException e) {
      throw new UserException(file + ": cannot read verdicts: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
    }
  }
}
