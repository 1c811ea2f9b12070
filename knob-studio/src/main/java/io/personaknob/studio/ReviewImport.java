package io.personaknob.studio;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.core.UserException;
import io.personaknob.studio.StudioDb.Item;
import io.personaknob.studio.StudioDb.Verdict;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads verdicts made elsewhere ({@code knob review import}): CSV with a header, or JSONL, with fields
 * {@code item_id, reviewer, check, verdict} (verdict pass/fail/unsure or an integer rating) and optional
 * {@code comment}, {@code time}. Every bad line is reported as {@code file:line: field: message}; when any
 * line is bad nothing is imported.
 */
public final class ReviewImport {
  private ReviewImport() {}

  public static final List<String> FIELDS = List.of("item_id", "reviewer", "check", "verdict");

  /** Parses and validates the file; items known to the database must name one of their checks. */
  public static List<Verdict> read(Path file, StudioDb db) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    List<Map<String, String>> records = new ArrayList<>();
    List<Long> lines = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) readJsonl(file, r, records, lines, errors);
      else if (name.endsWith(".csv") || name.endsWith(".tsv")) readCsv(file, r, name.endsWith(".tsv") ? '\t' : ',', records, lines, errors);
      else throw new UserException(file + ": unknown format (expected .jsonl or .csv)");
    } catch (java.nio.file.NoSuchFileException e) {
      throw new UserException(file + ": no such file");
    } catch (IOException e) {
      throw new UserException(file + ": " + e.getMessage(), e);
    }
    Map<String, Item> items = new HashMap<>();
    for (Item it : db.items()) items.put(it.id(), it);
    List<Verdict> out = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      Map<String, String> rec = records.get(i);
      String where = file + ":" + lines.get(i) + ": ";
      boolean ok = true;
      for (String f : FIELDS) {
        String v = rec.get(f);
        if (v == null || v.isBlank()) {
          errors.add(where + f + ": missing");
          ok = false;
        }
      }
      if (!ok) continue;
      String verdict = rec.get("verdict").trim().toLowerCase(Locale.ROOT);
      if (!Checks.VERDICTS.contains(verdict) && !verdict.matches("-?\\d+")) {
        errors.add(where + "verdict: '" + rec.get("verdict") + "' is not pass, fail, unsure or an integer rating");
        continue;
      }
      Item it = items.get(rec.get("item_id").trim());
      String check = rec.get("check").trim();
      if (it != null && !it.checks().contains(check)) {
        errors.add(where + "check: item " + it.id() + " has no check '" + check + "' (its checks: " + String.join(", ", it.checks()) + ")");
        continue;
      }
      out.add(new Verdict(0, rec.get("item_id").trim(), rec.get("reviewer").trim(), check, verdict, rec.get("comment"),
          it == null ? null : it.version(), blankToNull(rec.get("time")), "import:" + file.getFileName()));
    }
    if (!errors.isEmpty()) {
      int prefix = file.toString().length() + 1;
      errors.sort(java.util.Comparator.comparingLong(e -> lineOf(e, prefix)));
      throw new BadLines(errors);
    }
    if (out.isEmpty()) throw new UserException(file + ": no verdicts");
    return out;
  }

  /** Bad lines: the message names the first (file:line: field: message) and how many more; {@link #errors} has all. */
  public static final class BadLines extends UserException {
    private final List<String> errors;

    BadLines(List<String> errors) {
      super(errors.get(0) + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more bad lines; nothing imported)" : " (nothing imported)"));
      this.errors = List.copyOf(errors);
    }

    public List<String> errors() {
      return errors;
    }
  }

  /** Validates and imports in one transaction. Returns the number of verdicts imported. */
  public static int importInto(Path file, StudioDb db) {
    return db.addVerdicts(read(file, db));
  }

  private static long lineOf(String error, int prefix) {
    int end = error.indexOf(':', prefix);
    try {
      return Long.parseLong(error.substring(prefix, end));
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  private static void readJsonl(Path file, BufferedReader r, List<Map<String, String>> records, List<Long> lines, List<String> errors)
      throws IOException {
    String line;
    long n = 0;
    while ((line = r.readLine()) != null) {
      n++;
      if (line.isBlank()) continue;
      JsonNode node;
      try {
        node = StudioDb.JSON.readTree(line);
      } catch (IOException e) {
        errors.add(file + ":" + n + ": json: not a JSON object");
        continue;
      }
      if (!node.isObject()) {
        errors.add(file + ":" + n + ": json: not a JSON object");
        continue;
      }
      Map<String, String> m = new HashMap<>();
      node.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText()));
      records.add(m);
      lines.add(n);
    }
  }

  private static void readCsv(Path file, BufferedReader r, char sep, List<Map<String, String>> records, List<Long> lines,
      List<String> errors) throws IOException {
    long[] lineNo = {0};
    List<String> header = Csv.record(r, sep, lineNo);
    if (header == null) return;
    for (String f : FIELDS) if (!header.contains(f)) errors.add(file + ":1: " + f + ": missing column (header: " + String.join(",", header) + ")");
    if (!errors.isEmpty()) return;
    while (true) {
      long start = lineNo[0] + 1;
      List<String> rec = Csv.record(r, sep, lineNo);
      if (rec == null) break;
      if (rec.size() == 1 && rec.get(0).isBlank()) continue;
      if (rec.size() != header.size()) {
        errors.add(file + ":" + start + ": columns: " + rec.size() + " values for " + header.size() + " columns");
        continue;
      }
      Map<String, String> m = new HashMap<>();
      for (int i = 0; i < header.size(); i++) m.put(header.get(i), rec.get(i));
      records.add(m);
      lines.add(start);
    }
  }

  /** A small RFC 4180 reader: quoted fields may hold separators, doubled quotes and newlines. */
  static final class Csv {
    static List<String> record(BufferedReader r, char sep, long[] lineNo) throws IOException {
      String line = r.readLine();
      if (line == null) return null;
      lineNo[0]++;
      List<String> out = new ArrayList<>();
      StringBuilder cur = new StringBuilder();
      boolean quoted = false;
      int i = 0;
      while (true) {
        if (i >= line.length()) {
          if (quoted) {
            String next = r.readLine();
            if (next == null) break;
            lineNo[0]++;
            cur.append('\n');
            line = next;
            i = 0;
            continue;
          }
          break;
        }
        char c = line.charAt(i++);
        if (quoted) {
          if (c == '"') {
            if (i < line.length() && line.charAt(i) == '"') {
              cur.append('"');
              i++;
            } else {
              quoted = false;
            }
          } else {
            cur.append(c);
          }
        } else if (c == '"') {
          quoted = true;
        } else if (c == sep) {
          out.add(cur.toString());
          cur.setLength(0);
        } else {
          cur.append(c);
        }
      }
      out.add(cur.toString());
      return out;
    }
  }
}
