package io.personaknob.core.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.core.AtomicFile;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Any table of flat JSON rows as a Parquet file, through DuckDB (the same route as {@link PersonaData}):
 * the rows are staged as JSONL beside the target, read with a fixed schema and copied. Column types are
 * inferred from the values — BOOLEAN, BIGINT, DOUBLE, else VARCHAR; nested values (lists, objects) must be
 * given as JSON text by the caller. Columns are the union of the rows' keys in first-seen order.
 */
public final class ParquetTables {
  private ParquetTables() {}

  /** Writes {@code rows} to {@code target} atomically; returns the column name → DuckDB type map. */
  public static Map<String, String> write(Path target, List<? extends JsonNode> rows) {
    Map<String, String> types = new LinkedHashMap<>();
    for (JsonNode r : rows) {
      r.fieldNames().forEachRemaining(k -> types.putIfAbsent(k, null));
    }
    for (String c : new ArrayList<>(types.keySet())) types.put(c, typeOf(rows, c));
    AtomicFile.write(target, tmp -> {
      Path staging = tmp.resolveSibling(tmp.getFileName() + ".staging.jsonl");
      try {
        JsonFactory jf = new JsonFactory();
        try (BufferedWriter w = Files.newBufferedWriter(staging, StandardCharsets.UTF_8)) {
          for (JsonNode r : rows) {
            try (JsonGenerator g = jf.createGenerator(w)) {
              g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
              g.writeStartObject();
              for (var e : types.entrySet()) {
                JsonNode v = r.get(e.getKey());
                g.writeFieldName(e.getKey());
                if (v == null || v.isNull()) g.writeNull();
                else if (e.getValue().equals("VARCHAR")) g.writeString(v.isTextual() ? v.textValue() : v.toString());
                else if (e.getValue().equals("BOOLEAN")) g.writeBoolean(v.booleanValue());
                else if (e.getValue().equals("BIGINT")) g.writeNumber(v.longValue());
                else g.writeNumber(v.doubleValue());
              }
              g.writeEndObject();
            }
            w.write('\n');
          }
        }
        StringBuilder cols = new StringBuilder();
        List<String> names = new ArrayList<>();
        for (var e : types.entrySet()) {
          if (cols.length() > 0) cols.append(", ");
          String q = '"' + e.getKey().replace("\"", "\"\"") + '"';
          cols.append('\'').append(e.getKey().replace("'", "''")).append("': '").append(e.getValue()).append('\'');
          names.add(q);
        }
        String select = types.isEmpty() ? "SELECT CAST(NULL AS VARCHAR) AS \"empty\" WHERE false"
            : "SELECT " + String.join(", ", names) + " FROM read_json(" + Duck.literal(staging)
                + ", format='newline_delimited', columns={" + cols + "}, maximum_object_size=" + JsonlSource.MAX_LINE_BYTES + ")";
        try (Connection c = Duck.open(); Statement st = c.createStatement()) {
          st.execute("COPY (" + select + ") TO " + Duck.literal(tmp) + " (FORMAT PARQUET, COMPRESSION ZSTD)");
        } catch (SQLException e) {
          throw new IOException("DuckDB: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""), e);
        }
      } finally {
        Files.deleteIfExists(staging);
      }
    });
    return types;
  }

  private static String typeOf(List<? extends JsonNode> rows, String c) {
    boolean any = false;
    boolean bool = true;
    boolean integral = true;
    boolean number = true;
    for (JsonNode r : rows) {
      JsonNode v = r.get(c);
      if (v == null || v.isNull()) continue;
      any = true;
      bool &= v.isBoolean();
      integral &= v.isIntegralNumber();
      number &= v.isNumber();
    }
    if (!any) return "VARCHAR";
    if (bool) return "BOOLEAN";
    if (integral) return "BIGINT";
    if (number) return "DOUBLE";
    return "VARCHAR";
  }

  /** Reads a Parquet file back as rows of column → value (for checks and tests). */
  public static List<Map<String, Object>> read(Path file) {
    List<Map<String, Object>> out = new ArrayList<>();
    try (Connection c = Duck.open(); Statement st = c.createStatement();
         var rs = st.executeQuery("SELECT * FROM read_parquet(" + Duck.literal(file) + ")")) {
      var md = rs.getMetaData();
      while (rs.next()) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 1; i <= md.getColumnCount(); i++) m.put(md.getColumnName(i), rs.getObject(i));
        out.add(m);
      }
    } catch (SQLException e) {
      throw Duck.userError(file, "cannot read Parquet", e);
    }
    return out;
  }
}
