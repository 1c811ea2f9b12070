package io.personaknob.studio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The studio's SQLite database (WAL mode, one file in the workspace). Nothing is ever deleted or updated in
 * place: an edit adds an item version, a changed or withdrawn verdict adds a newer verdict row, a setting
 * change adds a settings row; the newest row wins. WAL with synchronous=FULL keeps every committed write
 * across a kill -9 of the process.
 *
 * <p>Thread-safe: one connection, every method synchronized (a local tool with a handful of reviewers).
 */
public final class StudioDb implements AutoCloseable {
  public static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final Connection conn;

  /** An item at its newest version. */
  public record Item(String id, int seq, int version, ObjectNode fields, String source) {
    public List<Dimension> mask() {
      List<Dimension> m = new ArrayList<>();
      for (JsonNode n : fields.path("mask")) Dimension.parse(n.asText()).ifPresent(m::add);
      return m;
    }

    public List<String> checks() {
      return Checks.of(mask());
    }

    public String text(String field) {
      JsonNode n = fields.get(field);
      return n == null || n.isNull() ? "" : n.asText();
    }
  }

  /** One verdict row (verdict null: withdrawn by undo). */
  public record Verdict(long id, String itemId, String reviewer, String check, String verdict, String comment,
      Integer itemVersion, String createdAt, String source) {}

  public StudioDb(Path file) {
    this.file = file;
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) Files.createDirectories(parent);
      conn = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
      try (Statement s = conn.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=FULL");
        s.execute("PRAGMA busy_timeout=10000");
        s.execute("CREATE TABLE IF NOT EXISTS items(id TEXT PRIMARY KEY, seq INTEGER NOT NULL, source TEXT, imported_at TEXT NOT NULL)");
        s.execute("CREATE TABLE IF NOT EXISTS item_versions(item_id TEXT NOT NULL, version INTEGER NOT NULL, fields TEXT NOT NULL,"
            + " author TEXT, created_at TEXT NOT NULL, PRIMARY KEY(item_id, version))");
        s.execute("CREATE TABLE IF NOT EXISTS verdicts(id INTEGER PRIMARY KEY AUTOINCREMENT, item_id TEXT NOT NULL, reviewer TEXT NOT NULL,"
            + " check_name TEXT NOT NULL, verdict TEXT, comment TEXT, item_version INTEGER, created_at TEXT NOT NULL, source TEXT NOT NULL)");
        s.execute("CREATE INDEX IF NOT EXISTS verdicts_item ON verdicts(item_id, reviewer, check_name)");
        s.execute("CREATE TABLE IF NOT EXISTS assignments(item_id TEXT NOT NULL, reviewer TEXT NOT NULL, assigned_at TEXT NOT NULL,"
            + " PRIMARY KEY(item_id, reviewer))");
        s.execute("CREATE TABLE IF NOT EXISTS settings(id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, value TEXT NOT NULL,"
            + " set_by TEXT, set_at TEXT NOT NULL)");
        s.execute("CREATE TABLE IF NOT EXISTS tasks(id TEXT PRIMARY KEY, seq INTEGER NOT NULL, kind TEXT NOT NULL, row_id TEXT NOT NULL,"
            + " dimension TEXT NOT NULL, prompt TEXT NOT NULL, model_a TEXT NOT NULL, answer_a TEXT NOT NULL, model_b TEXT, answer_b TEXT,"
            + " swapped INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL)");
        s.execute("CREATE TABLE IF NOT EXISTS judgments(id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL, reviewer TEXT NOT NULL,"
            + " value TEXT NOT NULL, shown_left TEXT, created_at TEXT NOT NULL)");
      }
    } catch (SQLException | IOException e) {
      throw new UserException(file + ": cannot open the studio database: " + e.getMessage(), e);
    }
  }

  public Path file() {
    return file;
  }

  static String now() {
    return Instant.now().toString();
  }

  // ------------------------------------------------------------------ items

  /** Adds items (version 1 = the original). Items whose id exists already are left as they are. Returns how many were new. */
  public synchronized int addItems(List<ObjectNode> rows, String source) {
    return tx(() -> {
      int seq = intQuery("SELECT COALESCE(MAX(seq), 0) FROM items");
      int added = 0;
      try (PreparedStatement has = conn.prepareStatement("SELECT 1 FROM items WHERE id=?");
           PreparedStatement ins = conn.prepareStatement("INSERT INTO items(id, seq, source, imported_at) VALUES(?,?,?,?)");
           PreparedStatement ver = conn.prepareStatement("INSERT INTO item_versions(item_id, version, fields, author, created_at) VALUES(?,1,?,?,?)")) {
        for (ObjectNode r : rows) {
          String id = r.path("id").asText();
          has.setString(1, id);
          try (ResultSet rs = has.executeQuery()) {
            if (rs.next()) continue;
          }
          String t = now();
          ins.setString(1, id);
          ins.setInt(2, ++seq);
          ins.setString(3, source);
          ins.setString(4, t);
          ins.executeUpdate();
          ver.setString(1, id);
          ver.setString(2, r.toString());
          ver.setString(3, "import");
          ver.setString(4, t);
          ver.executeUpdate();
          added++;
        }
      }
      return added;
    });
  }

  public synchronized List<Item> items() {
    List<Item> out = new ArrayList<>();
    try (Statement s = conn.createStatement();
         ResultSet rs = s.executeQuery("SELECT i.id, i.seq, v.version, v.fields, i.source FROM items i JOIN item_versions v ON v.item_id = i.id"
             + " AND v.version = (SELECT MAX(version) FROM item_versions WHERE item_id = i.id) ORDER BY i.seq")) {
      while (rs.next()) out.add(item(rs));
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** The item at its newest version, or null. */
  public synchronized Item item(String id) {
    try (PreparedStatement p = conn.prepareStatement("SELECT i.id, i.seq, v.version, v.fields, i.source FROM items i JOIN item_versions v"
        + " ON v.item_id = i.id WHERE i.id = ? ORDER BY v.version DESC LIMIT 1")) {
      p.setString(1, id);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() ? item(rs) : null;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every version of an item, oldest first (fields JSON per version). */
  public synchronized List<Map<String, Object>> versions(String id) {
    List<Map<String, Object>> out = new ArrayList<>();
    try (PreparedStatement p = conn.prepareStatement("SELECT version, fields, author, created_at FROM item_versions WHERE item_id=? ORDER BY version")) {
      p.setString(1, id);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("version", rs.getInt(1));
          m.put("fields", JSON.readTree(rs.getString(2)));
          m.put("author", rs.getString(3));
          m.put("created_at", rs.getString(4));
          out.add(m);
        }
      }
    } catch (SQLException | IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  private static Item item(ResultSet rs) throws SQLException {
    try {
      return new Item(rs.getString(1), rs.getInt(2), rs.getInt(3), (ObjectNode) JSON.readTree(rs.getString(4)), rs.getString(5));
    } catch (IOException e) {
      throw new SQLException(e);
    }
  }

  /** Thrown when an edit is based on a version that is no longer the newest. */
  public static final class StaleVersionException extends RuntimeException {
    public final int current;

    StaleVersionException(int current) {
      super("the item changed since you opened it (now version " + current + ")");
      this.current = current;
    }
  }

  /**
   * Saves a new version of an item with one field changed. {@code baseVersion} must be the newest version
   * (else {@link StaleVersionException} and nothing changes). Returns the new version number.
   */
  public synchronized int edit(String itemId, int baseVersion, String field, String value, String author) {
    return tx(() -> {
      Item it = item(itemId);
      if (it == null) throw new IllegalArgumentException("unknown item " + itemId);
      if (it.version() != baseVersion) throw new StaleVersionException(it.version());
      ObjectNode f = it.fields().deepCopy();
      f.put(field, value);
      try (PreparedStatement p = conn.prepareStatement("INSERT INTO item_versions(item_id, version, fields, author, created_at) VALUES(?,?,?,?,?)")) {
        p.setString(1, itemId);
        p.setInt(2, baseVersion + 1);
        p.setString(3, f.toString());
        p.setString(4, author);
        p.setString(5, now());
        p.executeUpdate();
      }
      return baseVersion + 1;
    });
  }

  // ------------------------------------------------------------------ verdicts

  /** Records a verdict (null verdict: withdraws the reviewer's current verdict on that check). Returns its id. */
  public synchronized long addVerdict(String itemId, String reviewer, String check, String verdict, String comment,
      Integer itemVersion, String source) {
    return tx(() -> insertVerdict(itemId, reviewer, check, verdict, comment, itemVersion, source, now()));
  }

  /** Records many verdicts in one transaction (all or nothing). */
  public synchronized int addVerdicts(List<Verdict> vs) {
    return tx(() -> {
      for (Verdict v : vs) insertVerdict(v.itemId(), v.reviewer(), v.check(), v.verdict(), v.comment(), v.itemVersion(), v.source(),
          v.createdAt() == null ? now() : v.createdAt());
      return vs.size();
    });
  }

  private long insertVerdict(String itemId, String reviewer, String check, String verdict, String comment, Integer itemVersion,
      String source, String at) throws SQLException {
    try (PreparedStatement p = conn.prepareStatement("INSERT INTO verdicts(item_id, reviewer, check_name, verdict, comment, item_version,"
        + " created_at, source) VALUES(?,?,?,?,?,?,?,?)", Statement.RETURN_GENERATED_KEYS)) {
      p.setString(1, itemId);
      p.setString(2, reviewer);
      p.setString(3, check);
      p.setString(4, verdict);
      p.setString(5, comment == null || comment.isBlank() ? null : comment);
      if (itemVersion == null) p.setNull(6, java.sql.Types.INTEGER);
      else p.setInt(6, itemVersion);
      p.setString(7, at);
      p.setString(8, source);
      p.executeUpdate();
      try (ResultSet rs = p.getGeneratedKeys()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Every verdict row, oldest first (the review log). */
  public synchronized List<Verdict> log() {
    return verdicts("SELECT id, item_id, reviewer, check_name, verdict, comment, item_version, created_at, source FROM verdicts ORDER BY id");
  }

  /** The current verdicts: the newest row per (item, reviewer, check), withdrawn ones left out. */
  public synchronized List<Verdict> current() {
    return verdicts("SELECT v.id, v.item_id, v.reviewer, v.check_name, v.verdict, v.comment, v.item_version, v.created_at, v.source"
        + " FROM verdicts v JOIN (SELECT MAX(id) AS id FROM verdicts GROUP BY item_id, reviewer, check_name) m ON m.id = v.id"
        + " WHERE v.verdict IS NOT NULL ORDER BY v.id");
  }

  /** The reviewer's newest verdict row (for undo), or null. */
  public synchronized Verdict lastOf(String reviewer) {
    try (PreparedStatement p = conn.prepareStatement("SELECT id, item_id, reviewer, check_name, verdict, comment, item_version, created_at,"
        + " source FROM verdicts WHERE reviewer=? AND source='studio' ORDER BY id DESC LIMIT 1")) {
      p.setString(1, reviewer);
      List<Verdict> l = verdicts(p);
      return l.isEmpty() ? null : l.get(0);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The verdict the reviewer had on (item, check) just before row {@code beforeId}, or null. */
  public synchronized Verdict previousOf(String reviewer, String itemId, String check, long beforeId) {
    try (PreparedStatement p = conn.prepareStatement("SELECT id, item_id, reviewer, check_name, verdict, comment, item_version, created_at,"
        + " source FROM verdicts WHERE reviewer=? AND item_id=? AND check_name=? AND id<? ORDER BY id DESC LIMIT 1")) {
      p.setString(1, reviewer);
      p.setString(2, itemId);
      p.setString(3, check);
      p.setLong(4, beforeId);
      List<Verdict> l = verdicts(p);
      return l.isEmpty() ? null : l.get(0);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private List<Verdict> verdicts(String sql) {
    try (PreparedStatement p = conn.prepareStatement(sql)) {
      return verdicts(p);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<Verdict> verdicts(PreparedStatement p) throws SQLException {
    List<Verdict> out = new ArrayList<>();
    try (ResultSet rs = p.executeQuery()) {
      while (rs.next()) {
        int v = rs.getInt(7);
        Integer ver = rs.wasNull() ? null : v;
        out.add(new Verdict(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), ver,
            rs.getString(8), rs.getString(9)));
      }
    }
    return out;
  }

  public synchronized long count(String table) {
    return intQuery("SELECT COUNT(*) FROM " + table);
  }

  // ------------------------------------------------------------------ assignment

  public synchronized List<String> assignedTo(String itemId) {
    List<String> out = new ArrayList<>();
    try (PreparedStatement p = conn.prepareStatement("SELECT reviewer FROM assignments WHERE item_id=? ORDER BY assigned_at, reviewer")) {
      p.setString(1, itemId);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) out.add(rs.getString(1));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /**
   * The items of a reviewer's queue, in order: the items assigned to them, and items with fewer than
   * {@code overlap} reviewers assigned are assigned to them now (so each item gets k reviewers).
   */
  public synchronized List<Item> queue(String reviewer, int overlap) {
    List<Item> out = new ArrayList<>();
    for (Item it : items()) {
      List<String> who = assignedTo(it.id());
      if (who.contains(reviewer)) {
        out.add(it);
      } else if (who.size() < overlap) {
        tx(() -> {
          try (PreparedStatement p = conn.prepareStatement("INSERT OR IGNORE INTO assignments(item_id, reviewer, assigned_at) VALUES(?,?,?)")) {
            p.setString(1, it.id());
            p.setString(2, reviewer);
            p.setString(3, now());
            p.executeUpdate();
          }
          return null;
        });
        out.add(it);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ settings

  public synchronized String setting(String key, String dflt) {
    try (PreparedStatement p = conn.prepareStatement("SELECT value FROM settings WHERE key=? ORDER BY id DESC LIMIT 1")) {
      p.setString(1, key);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() ? rs.getString(1) : dflt;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public synchronized void setSetting(String key, String value, String by) {
    tx(() -> {
      try (PreparedStatement p = conn.prepareStatement("INSERT INTO settings(key, value, set_by, set_at) VALUES(?,?,?,?)")) {
        p.setString(1, key);
        p.setString(2, value);
        p.setString(3, by);
        p.setString(4, now());
        p.executeUpdate();
      }
      return null;
    });
  }

  // ------------------------------------------------------------------ judgments of model outputs

  /** A human-judgment task: pointwise (one answer, 1–7) or pairwise (two answers, shown in a recorded random order). */
  public record Task(String id, int seq, String kind, String rowId, String dimension, String prompt, String modelA, String answerA,
      String modelB, String answerB, boolean swapped) {}

  public synchronized int addTasks(List<Task> tasks) {
    return tx(() -> {
      int seq = intQuery("SELECT COALESCE(MAX(seq), 0) FROM tasks");
      int n = 0;
      try (PreparedStatement p = conn.prepareStatement("INSERT OR IGNORE INTO tasks(id, seq, kind, row_id, dimension, prompt, model_a, answer_a,"
          + " model_b, answer_b, swapped, created_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)")) {
        for (Task t : tasks) {
          p.setString(1, t.id());
          p.setInt(2, ++seq);
          p.setString(3, t.kind());
          p.setString(4, t.rowId());
          p.setString(5, t.dimension());
          p.setString(6, t.prompt());
          p.setString(7, t.modelA());
          p.setString(8, t.answerA());
          p.setString(9, t.modelB());
          p.setString(10, t.answerB());
          p.setInt(11, t.swapped() ? 1 : 0);
          p.setString(12, now());
          n += p.executeUpdate();
        }
      }
      return n;
    });
  }

  public synchronized List<Task> tasks() {
    List<Task> out = new ArrayList<>();
    try (Statement s = conn.createStatement();
         ResultSet rs = s.executeQuery("SELECT id, seq, kind, row_id, dimension, prompt, model_a, answer_a, model_b, answer_b, swapped FROM tasks ORDER BY seq")) {
      while (rs.next()) out.add(new Task(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
          rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10), rs.getInt(11) == 1));
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  public synchronized Task task(String id) {
    return tasks().stream().filter(t -> t.id().equals(id)).findFirst().orElse(null);
  }

  /** A human judgment: value is "1".."7" (pointwise) or "A", "B", "tie" in model terms (pairwise). */
  public record Judgment(long id, String taskId, String reviewer, String value, String shownLeft, String createdAt) {}

  public synchronized long addJudgment(String taskId, String reviewer, String value, String shownLeft) {
    return tx(() -> {
      try (PreparedStatement p = conn.prepareStatement("INSERT INTO judgments(task_id, reviewer, value, shown_left, created_at) VALUES(?,?,?,?,?)",
          Statement.RETURN_GENERATED_KEYS)) {
        p.setString(1, taskId);
        p.setString(2, reviewer);
        p.setString(3, value);
        p.setString(4, shownLeft);
        p.setString(5, now());
        p.executeUpdate();
        try (ResultSet rs = p.getGeneratedKeys()) {
          rs.next();
          return rs.getLong(1);
        }
      }
    });
  }

  /** The newest judgment per (task, reviewer). */
  public synchronized List<Judgment> judgments() {
    List<Judgment> out = new ArrayList<>();
    try (Statement s = conn.createStatement();
         ResultSet rs = s.executeQuery("SELECT j.id, j.task_id, j.reviewer, j.value, j.shown_left, j.created_at FROM judgments j JOIN"
             + " (SELECT MAX(id) AS id FROM judgments GROUP BY task_id, reviewer) m ON m.id = j.id ORDER BY j.id")) {
      while (rs.next()) out.add(new Judgment(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6)));
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  // ------------------------------------------------------------------ plumbing

  interface Work<T> {
    T run() throws SQLException;
  }

  private <T> T tx(Work<T> w) {
    try {
      boolean outer = conn.getAutoCommit();
      if (!outer) return w.run();
      conn.setAutoCommit(false);
      try {
        T t = w.run();
        conn.commit();
        return t;
      } catch (RuntimeException | SQLException e) {
        conn.rollback();
        throw e;
      } finally {
        conn.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(file + ": " + e.getMessage(), e);
    }
  }

  private int intQuery(String sql) {
    try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getInt(1) : 0;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** PRAGMA integrity_check (for tests and `knob review stats`). */
  public synchronized String integrityCheck() {
    try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
      return rs.next() ? rs.getString(1) : "?";
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public synchronized String journalMode() {
    try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
      return rs.next() ? rs.getString(1) : "?";
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      conn.close();
    } catch (SQLException ignored) {
      // closing
    }
  }
}
