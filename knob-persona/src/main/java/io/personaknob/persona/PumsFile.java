package io.personaknob.persona;

import io.personaknob.core.UserException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Streams a PUMS CSV file (person {@code psam_p*.csv} or housing {@code psam_h*.csv}) one record at a time,
 * keeping only the wanted columns. Required columns missing from the header are named in one error.
 */
public final class PumsFile implements AutoCloseable {

  /** One record: the wanted columns' raw values (null when the column is absent), and its line. */
  public record Row(String[] values, long line) {
    public String get(int slot) { return values[slot]; }
  }

  private final Path file;
  private final BufferedReader in;
  private final int[] slotOfColumn; // header column -> slot, or -1
  private final int width;
  private final List<String> wanted;
  private final boolean[] present;
  private long line = 1;

  /**
   * Opens {@code file} and reads its header. {@code wanted} are the columns to keep (slot = index in this
   * list); {@code required} must all be present.
   */
  public PumsFile(Path file, List<String> wanted, List<String> required) {
    this.file = file;
    this.wanted = List.copyOf(wanted);
    try {
      in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
      String header = in.readLine();
      if (header == null) throw new UserException(file + ": empty file (expected a PUMS CSV header line)");
      if (!header.isEmpty() && header.charAt(0) == '\uFEFF') header = header.substring(1);
      List<String> cols = new Csv(new BufferedReader(new java.io.StringReader(header))).next();
      Map<String, Integer> index = new LinkedHashMap<>();
      for (int i = 0; i < cols.size(); i++) index.putIfAbsent(cols.get(i).trim().toUpperCase(java.util.Locale.ROOT), i);
      List<String> missing = new ArrayList<>();
      for (String r : required) if (!index.containsKey(r)) missing.add(r);
      if (!missing.isEmpty())
        throw new UserException(file + ":1: missing column" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
            + " (a PUMS " + (required.contains("PWGTP") ? "person" : "housing") + " file needs them; the header has "
            + cols.size() + " columns)");
      slotOfColumn = new int[cols.size()];
      java.util.Arrays.fill(slotOfColumn, -1);
      present = new boolean[wanted.size()];
      for (int s = 0; s < wanted.size(); s++) {
        Integer c = index.get(wanted.get(s));
        if (c != null) {
          slotOfColumn[c] = s;
          present[s] = true;
        }
      }
      width = cols.size();
    } catch (NoSuchFileException e) {
      throw new UserException(file + ": no such file");
    } catch (IOException e) {
      throw new UserException(file + ": cannot read: " + e.getMessage());
    }
  }

  public Path file() { return file; }

  /** Whether the wanted column in this slot is in the file. */
  public boolean has(int slot) { return present[slot]; }

  public boolean has(String column) {
    int s = wanted.indexOf(column);
    return s >= 0 && present[s];
  }

  /** The next record, or null at the end. A line with a different number of fields is an error naming the line. */
  public Row next() {
    String l;
    try {
      l = in.readLine();
    } catch (IOException e) {
      throw new UserException(file + ": cannot read: " + e.getMessage());
    }
    line++;
    while (l != null && l.isEmpty()) {
      try {
        l = in.readLine();
      } catch (IOException e) {
        throw new UserException(file + ": cannot read: " + e.getMessage());
      }
      line++;
    }
    if (l == null) return null;
    String[] v = new String[wanted.size()];
    if (l.indexOf('"') >= 0) {
      List<String> f;
      try {
        f = new Csv(new BufferedReader(new java.io.StringReader(l))).next();
      } catch (IOException e) {
        throw new UserException(file + ":" + line + ": " + e.getMessage());
      }
      if (f.size() != width) throw new UserException(file + ":" + line + ": expected " + width + " fields, got " + f.size());
      for (int c = 0; c < f.size(); c++) if (slotOfColumn[c] >= 0) v[slotOfColumn[c]] = f.get(c);
    } else {
      int col = 0, start = 0, n = l.length();
      for (int i = 0; i <= n; i++) {
        if (i == n || l.charAt(i) == ',') {
          if (col < width && slotOfColumn[col] >= 0) v[slotOfColumn[col]] = l.substring(start, i);
          col++;
          start = i + 1;
        }
      }
      if (col != width) throw new UserException(file + ":" + line + ": expected " + width + " fields, got " + col);
    }
    return new Row(v, line);
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException ignored) {
      // read-only
    }
  }
}
