package io.personaknob.build;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.core.UserException;
import io.personaknob.llm.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Seed scenes from a user file: JSON Lines, CSV or Parquet with a text column (default {@code text}) and
 * an optional {@code source} column. Every scene keeps where it came from: its source value, or
 * {@code FILE:LINE} when the file has no source column.
 */
public final class SeedScenes {
  private SeedScenes() {}

  /** One seed scene and where it came from. */
  public record Scene(String text, String source) {}

  public static List<Scene> read(Path file, String textColumn) {
    if (!Files.isRegularFile(file)) throw new UserException(file + ": no such file");
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    List<Scene> out;
    if (name.endsWith(".jsonl") || name.endsWith(".json")) out = readJsonl(file, textColumn);
    else if (name.endsWith(".csv") || name.endsWith(".tsv")) out = readDuck(file, textColumn, "read_csv(" + lit(file) + ", header=true, all_varchar=true)");
    else if (name.endsWith(".parquet")) out = readDuck(file, textColumn, "read_parquet(" + lit(file) + ")");
    else throw new UserException(file + ": seed scenes must be .jsonl, .csv or .parquet");
    if (out.isEmpty()) throw new UserException(file + ": no seed scenes");
    return out;
  }

  private static List<Scene> readJsonl(Path file, String col) {
    List<Scene> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) continue;
        String where = file + ":" + n;
        JsonNode o;
        try {
          o = Json.read(line);
        } catch (IOException e) {
          throw new UserException(where + ": json: not valid JSON");
        }
        if (!o.isObject()) throw new UserException(where + ": json: expected an object");
        JsonNode t = o.get(col);
        if (t == null) {
          List<String> keys = new ArrayList<>();
          o.fieldNames().forEachRemaining(keys::add);
          throw new UserException(where + ": " + col + ": no text column '" + col + "' (columns: " + String.join(", ", keys)
              + "); name it with --text-column");
        }
        if (!t.isTextual() || t.asText().isBlank()) throw new UserException(where + ": " + col + ": empty or not a string");
        JsonNode s = o.get("source");
        out.add(new Scene(t.asText().strip(), s != null && !s.isNull() ? s.asText() : file.getFileName() + ":" + n));
      }
    } catch (NoSuchFileException e) {
      throw new UserException(file + ": no such file");
    } catch (IOException e) {
      throw new UserException(file + ": cannot read: " + e.getMessage());
    }
    return out;
  }

  private static List<Scene> readDuck(Path file, String col, String from) {
    List<Scene> out = new ArrayList<>();
    try {
      Class.forName("org.duckdb.DuckDBDriver");
      Properties p = new Properties();
      p.setProperty("threads", "1");
      try (Connection c = DriverManager.getConnection("jdbc:duckdb:", p); Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("SELECT * FROM " + from)) {
        ResultSetMetaData md = rs.getMetaData();
        int textIdx = -1, sourceIdx = -1;
        List<String> cols = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          cols.add(md.getColumnName(i));
          if (md.getColumnName(i).equals(col)) textIdx = i;
          if (md.getColumnName(i).equals("source")) sourceIdx = i;
        }
        if (textIdx < 0)
          throw new UserException(file + ": " + col + ": no text column '" + col + "' (columns: " + String.join(", ", cols)
              + "); name it with --text-column");
        int row = 0;
        while (rs.next()) {
          row++;
          String t = rs.getString(textIdx);
          // CSV: line = row + 1 (header); Parquet: 1-based row
          String where = file + ":" + (from.startsWith("read_csv") ? row + 1 : row);
          if (t == null || t.isBlank()) throw new UserException(where + ": " + col + ": empty");
          String s = sourceIdx > 0 ? rs.getString(sourceIdx) : null;
          out.add(new Scene(t.strip(), s != null ? s : file.getFileName() + ":" + (from.startsWith("read_csv") ? row + 1 : row)));
        }
      }
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("DuckDB is missing from the class path", e);
    } catch (SQLException e) {
      String m = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      throw new UserException(file + ": cannot read seed scenes: " + m);
    }
    return out;
  }

  private static String lit(Path p) {
    return "'" + p.toAbsolutePath().toString().replace("'", "''") + "'";
  }
}
