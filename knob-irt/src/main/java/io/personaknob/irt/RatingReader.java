package io.personaknob.irt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personaknob.core.UserException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads long-format ratings, one row per rating, from CSV/TSV (header row), JSONL or Parquet (by extension).
 * A facet may combine columns with '+', e.g. {@code model+dimension}: its element label is the values joined
 * by '/'. Every bad row fails with a one-line message naming file, line and field.
 */
public final class RatingReader {
  /**
   * What to read.
   *
   * @param facets facet specs in order; "a+b" combines columns a and b into one facet
   * @param rating the rating column
   * @param weight the weight column, or null for weight 1
   * @param min declared scale minimum (ratings below are rejected), or null
   * @param max declared scale maximum, or null
   */
  public record Columns(List<String> facets, String rating, String weight, Integer min, Integer max) {
    public Columns {
      facets = List.copyOf(facets);
      if (facets.isEmpty()) throw new UserException("--facets: at least one facet is needed");
    }
  }

  private RatingReader() {}



  public static RatingData read(Path file, Columns cols) {
    return read(file, cols, n -> {});
  }

  /** Reads ratings, reporting the number of rows read every million rows to {@code progress}. */
  public static RatingData read(Path file, Columns cols, java.util.function.LongConsumer progress) {
    return read(file, cols, null, null, progress);
  }

  /**
   * Reads ratings and, when {@code comparisons} is not null, paired comparisons of elements of facet
   * {@code compareFacet} from a second file (see {@link #readComparisons}); both go into one data set.
   */
  public static RatingData read(Path file, Columns cols, Path comparisons, String compareFacet,
      java.util.function.LongConsumer progress) {
    RatingData.Builder b = builder(file, cols);
    readInto(b, file, cols, progress);
    if (comparisons != null) readComparisons(b, comparisons, compareFacet);
    return b.build();
  }

  private static void readInto(RatingData.Builder b, Path file, Columns cols, java.util.function.LongConsumer progress) {
    if (!Files.isRegularFile(file)) {
      throw new UserException(file + ": no such file");
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    try {
      if (name.endsWith(".parquet")) readParquet(b, file, cols, progress);
      else if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) readJsonl(b, file, cols, progress);
      else if (name.endsWith(".tsv")) readDelimited(b, file, cols, '\t', progress);
      else if (name.endsWith(".csv")) readDelimited(b, file, cols, ',', progress);
      else throw new UserException(file + ": unknown format (expected .csv, .tsv, .jsonl or .parquet)");
    } catch (NoSuchFileException e) {
      throw new UserException(file + ": no such file", e);
    } catch (IOException e) {
      throw new UserException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------------------------------------ comparisons

  /**
   * Reads paired comparisons into {@code b}: CSV/TSV with a header row, or JSONL, with fields {@code a} and
   * {@code b} (element labels of {@code facet}; a facet combining columns, e.g. {@code model+dimension},
   * uses its joined label {@code model/dimension}), {@code score} (from a's side: 1 a preferred, 0 b
   * preferred, 0.5 a tie) and an optional positive {@code weight}. Every element must also occur in a
   * rating (the comparisons are read after the ratings). A bad line fails naming file, line and field.
   */
  static void readComparisons(RatingData.Builder b, Path file, String facet) {
    if (!Files.isRegularFile(file)) throw new UserException(file + ": no such file");
    int f = b.facetIndexOf(facet);
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    boolean jsonl = name.endsWith(".jsonl") || name.endsWith(".ndjson");
    char sep = name.endsWith(".tsv") ? '\t' : ',';
    if (!jsonl && !name.endsWith(".csv") && !name.endsWith(".tsv"))
      throw new UserException(file + ": unknown format for comparisons (expected .csv, .tsv or .jsonl)");
    int n = 0;
    try (Utf8Lines r = new Utf8Lines(file)) {
      ObjectMapper om = new ObjectMapper();
      List<String> header = null;
      int ia = -1, ib = -1, is = -1, iw = -1;
      List<String> cells = new ArrayList<>();
      long line = 0;
      String s;
      while ((s = r.readLine()) != null) {
        line++;
        if (line == 1 && s.startsWith("\uFEFF")) s = s.substring(1);
        if (s.isBlank()) continue;
        String a, bb, score, weight;
        if (jsonl) {
          JsonNode o;
          try {
            o = om.readTree(s);
          } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UserException(file + ":" + line + ": not a JSON object: " + io.personaknob.core.ParseErrors.reason(e));
          }
          if (o == null || !o.isObject()) throw new UserException(file + ":" + line + ": not a JSON object");
          a = text(o, "a");
          bb = text(o, "b");
          score = text(o, "score");
          weight = text(o, "weight");
        } else {
          if (header == null) {
            header = new ArrayList<>();
            for (String h : splitLine(s, sep, new ArrayList<>())) header.add(h.trim());
            ia = column(file, header, "a");
            ib = column(file, header, "b");
            is = column(file, header, "score");
            iw = header.indexOf("weight");
            continue;
          }
          splitLine(s, sep, cells);
          if (cells.size() != header.size())
            throw new UserException(file + ":" + line + ": " + cells.size() + " fields, the header has " + header.size()
                + (cells.size() > header.size() ? " (an unquoted separator in a value? quote it)" : ""));
          a = cells.get(ia);
          bb = cells.get(ib);
          score = cells.get(is);
          weight = iw < 0 ? null : cells.get(iw);
        }
        for (String[] fv : new String[][] {{"a", a}, {"b", bb}}) {
          if (fv[1] == null || fv[1].isEmpty()) throw new UserException(file + ":" + line + ": field '" + fv[0] + "': missing value");
          if (!b.has(f, fv[1]))
            throw new UserException(file + ":" + line + ": field '" + fv[0] + "': '" + fv[1] + "' is not an element of facet '"
                + facet + "' (no rating names it)");
        }
        if (score == null || score.isEmpty()) throw new UserException(file + ":" + line + ": field 'score': missing value");
        double sc;
        try {
          sc = Double.parseDouble(score.trim());
        } catch (NumberFormatException e) {
          throw new UserException(file + ":" + line + ": field 'score': '" + score + "' is not a number (1, 0.5 or 0)");
        }
        double w = weight == null || weight.isEmpty() ? 1.0 : parseWeight(file, line, "weight", weight);
        try {
          b.compare(facet, a, bb, sc, w);
        } catch (UserException e) {
          // the builder numbers comparisons; the reader knows the line
          String m = e.getMessage().replaceFirst("^comparison \\d+: ", "");
          throw new UserException(file + ":" + line + ": " + m, e);
        }
        n++;
      }
    } catch (IOException e) {
      throw new UserException(file + ": cannot read: " + e.getMessage(), e);
    }
    if (n == 0) throw new UserException(file + ": no comparisons");
  }

  private static String text(JsonNode o, String field) {
    JsonNode v = o.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static RatingData.Builder builder(Path file, Columns cols) {
    RatingData.Builder b = RatingData.builder(cols.facets()).source(file.toString());
    if (cols.min() != null || cols.max() != null) {
      if (cols.min() == null || cols.max() == null) throw new UserException("--min and --max go together");
      b.scale(cols.min(), cols.max());
    }
    return b;
  }

  /** Column indices per facet part. */
  private static int[][] facetColumns(Path file, Columns cols, List<String> header) {
    int[][] out = new int[cols.facets().size()][];
    for (int f = 0; f < out.length; f++) {
      String[] parts = cols.facets().get(f).split("\\+");
      out[f] = new int[parts.length];
      for (int p = 0; p < parts.length; p++) out[f][p] = column(file, header, parts[p]);
    }
    return out;
  }

  private static int column(Path file, List<String> header, String name) {
    int i = header.indexOf(name);
    if (i < 0) throw new UserException(file + ": no column '" + name + "' (columns: " + String.join(", ", header) + ")");
    return i;
  }

  static int parseRating(Path file, long line, String field, String v) {
    if (v == null || v.isEmpty()) throw new UserException(file + ":" + line + ": field '" + field + "': missing rating");
    String t = v.trim();
    try {
      return Integer.parseInt(t);
    } catch (NumberFormatException e) {
      try {
        double d = Double.parseDouble(t);
        if (d == Math.rint(d) && Math.abs(d) < 1e6) return (int) d;
      } catch (NumberFormatException ignored) {
        // fall through
      }
      throw new UserException(file + ":" + line + ": field '" + field + "': '" + v + "' is not an integer rating");
    }
  }

  static double parseWeight(Path file, long line, String field, String v) {
    if (v == null || v.isEmpty()) return 1.0;
    double d;
    try {
      d = Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new UserException(file + ":" + line + ": field '" + field + "': '" + v + "' is not a number");
    }
    if (!(d > 0) || Double.isInfinite(d)) {
      throw new UserException(file + ":" + line + ": field '" + field + "': weight " + v + " must be positive and finite");
    }
    return d;
  }

  private static void add(RatingData.Builder b, Path file, long line, Columns cols, String[] elements, int rating,
      double weight, java.util.function.LongConsumer progress) {
    for (int f = 0; f < elements.length; f++) {
      if (elements[f] == null || elements[f].isEmpty()) {
        throw new UserException(file + ":" + line + ": field '" + cols.facets().get(f) + "': missing value");
      }
    }
    try {
      int[] ids = new int[elements.length];
      for (int f = 0; f < elements.length; f++) ids[f] = b.element(f, elements[f]);
      b.addIds(ids, rating, weight);
    } catch (UserException e) {
      throw new UserException(file + ":" + line + ": field '" + cols.rating() + "': " + e.getMessage(), e);
    }
    if (b.size() % 1_000_000 == 0) progress.accept(b.size());
  }

  // ------------------------------------------------------------------------------------------ CSV / TSV

  private static void readDelimited(RatingData.Builder b, Path file, Columns cols, char sep,
      java.util.function.LongConsumer progress) throws IOException {
    try (Utf8Lines r = new Utf8Lines(file)) {
      String head = r.readLine();
      if (head == null) throw new UserException(file + ": empty file (no header row)");
      if (head.startsWith("\uFEFF")) head = head.substring(1);
      List<String> header = new ArrayList<>();
      for (String h : splitLine(head, sep, new ArrayList<>())) header.add(h.trim());
      int[][] fc = facetColumns(file, cols, header);
      int rc = column(file, header, cols.rating());
      int wc = cols.weight() == null ? -1 : column(file, header, cols.weight());
      List<String> cells = new ArrayList<>();
      String[] el = new String[fc.length];
      long line = 1;
      String s;
      while ((s = r.readLine()) != null) {
        line++;
        if (s.isEmpty()) continue;
        splitLine(s, sep, cells);
        if (cells.size() != header.size()) {
          throw new UserException(file + ":" + line + ": " + cells.size() + " fields, the header has " + header.size()
              + (cells.size() > header.size() ? " (an unquoted separator in a value? quote it)" : ""));
        }
        for (int f = 0; f < fc.length; f++) el[f] = joined(cells, fc[f]);
        int rating = parseRating(file, line, cols.rating(), cells.get(rc));
        double w = wc < 0 ? 1.0 : parseWeight(file, line, cols.weight(), cells.get(wc));
        add(b, file, line, cols, el, rating, w, progress);
      }
    }
    if (b.size() == 0) throw new UserException(file + ": no ratings (the file has only a header)");
  }

  private static String joined(List<String> cells, int[] idx) {
    if (idx.length == 1) return cells.get(idx[0]);
    StringBuilder sb = new StringBuilder();
    for (int p = 0; p < idx.length; p++) {
      String v = cells.get(idx[p]);
      if (v.isEmpty()) return "";
      if (p > 0) sb.append('/');
      sb.append(v);
    }
    return sb.toString();
  }

  /** Splits one line (RFC 4180 quotes within the line) into cells. */
  static List<String> splitLine(String s, char sep, List<String> out) {
    out.clear();
    int n = s.length();
    int i = 0;
    if (n > 0 && s.charAt(n - 1) == '\r') n--;
    while (true) {
      if (i < n && s.charAt(i) == '"') {
        StringBuilder sb = new StringBuilder();
        i++;
        while (i < n) {
          char c = s.charAt(i);
          if (c == '"') {
            if (i + 1 < n && s.charAt(i + 1) == '"') {
              sb.append('"');
              i += 2;
            } else {
              i++;
              break;
            }
          } else {
            sb.append(c);
            i++;
          }
        }
        out.add(sb.toString());
        while (i < n && s.charAt(i) != sep) i++;
      } else {
        int j = s.indexOf(sep, i);
        if (j < 0 || j > n) j = n;
        out.add(s.substring(i, j));
        i = j;
      }
      if (i >= n) break;
      i++; // skip separator
      if (i == n) {
        out.add("");
        break;
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------ JSONL

  private static void readJsonl(RatingData.Builder b, Path file, Columns cols, java.util.function.LongConsumer progress)
      throws IOException {
    ObjectMapper om = new ObjectMapper();
    String[][] parts = new String[cols.facets().size()][];
    for (int f = 0; f < parts.length; f++) parts[f] = cols.facets().get(f).split("\\+");
    String[] el = new String[parts.length];
    try (Utf8Lines r = new Utf8Lines(file)) {
      long line = 0;
      String s;
      while ((s = r.readLine()) != null) {
        line++;
        if (s.isBlank()) continue;
        JsonNode node;
        try {
          node = om.readTree(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new UserException(file + ":" + line + ": not valid JSON: " + io.personaknob.core.ParseErrors.reason(e));
        }
        if (node == null || !node.isObject()) throw new UserException(file + ":" + line + ": not a JSON object");
        for (int f = 0; f < parts.length; f++) {
          StringBuilder sb = new StringBuilder();
          for (int p = 0; p < parts[f].length; p++) {
            JsonNode v = node.get(parts[f][p]);
            if (v == null || v.isNull() || v.isContainerNode() || v.asText().isEmpty()) {
              throw new UserException(file + ":" + line + ": field '" + parts[f][p] + "': missing value");
            }
            if (p > 0) sb.append('/');
            sb.append(v.asText());
          }
          el[f] = sb.toString();
        }
        JsonNode rv = node.get(cols.rating());
        int rating;
        if (rv == null || rv.isNull()) {
          throw new UserException(file + ":" + line + ": field '" + cols.rating() + "': missing rating");
        } else if (rv.isIntegralNumber()) {
          rating = rv.asInt();
        } else if (rv.isNumber() || rv.isTextual()) {
          rating = parseRating(file, line, cols.rating(), rv.asText());
        } else {
          throw new UserException(file + ":" + line + ": field '" + cols.rating() + "': not an integer rating");
        }
        double w = 1.0;
        if (cols.weight() != null) {
          JsonNode wv = node.get(cols.weight());
          w = parseWeight(file, line, cols.weight(), wv == null || wv.isNull() ? null : wv.asText());
        }
        add(b, file, line, cols, el, rating, w, progress);
      }
    }
    if (b.size() == 0) throw new UserException(file + ": no ratings (empty file)");
  }

  // ------------------------------------------------------------------------------------------ Parquet

  private static void readParquet(RatingData.Builder b, Path file, Columns cols, java.util.function.LongConsumer progress) {
    List<String> names = new ArrayList<>();
    for (String f : cols.facets()) for (String p : f.split("\\+")) if (!names.contains(p)) names.add(p);
    names.add(cols.rating());
    if (cols.weight() != null) names.add(cols.weight());
    StringBuilder sql = new StringBuilder("SELECT ");
    for (int i = 0; i < names.size(); i++) {
      if (i > 0) sql.append(", ");
      sql.append('"').append(names.get(i).replace("\"", "\"\"")).append("\"::VARCHAR");
    }
    sql.append(" FROM read_parquet('").append(file.toAbsolutePath().toString().replace("'", "''")).append("')");
    String[][] parts = new String[cols.facets().size()][];
    for (int f = 0; f < parts.length; f++) parts[f] = cols.facets().get(f).split("\\+");
    String[] el = new String[parts.length];
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql.toString())) {
      long row = 0;
      while (rs.next()) {
        row++;
        for (int f = 0; f < parts.length; f++) {
          StringBuilder sb = new StringBuilder();
          for (int p = 0; p < parts[f].length; p++) {
            String v = rs.getString(names.indexOf(parts[f][p]) + 1);
            if (v == null || v.isEmpty()) {
              throw new UserException(file + ": row " + row + ": field '" + parts[f][p] + "': missing value");
            }
            if (p > 0) sb.append('/');
            sb.append(v);
          }
          el[f] = sb.toString();
        }
        int rating = parseRating(file, row, cols.rating(), rs.getString(names.indexOf(cols.rating()) + 1));
        double w = cols.weight() == null ? 1.0
            : parseWeight(file, row, cols.weight(), rs.getString(names.indexOf(cols.weight()) + 1));
        add(b, file, row, cols, el, rating, w, progress);
      }
    } catch (SQLException e) {
      String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      throw new UserException(file + ": cannot read Parquet: " + msg, e);
    }
    if (b.size() == 0) throw new UserException(file + ": no ratings (empty file)");
  }
}
