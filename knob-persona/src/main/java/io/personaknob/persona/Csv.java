package io.personaknob.persona;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A small RFC 4180 reader: comma separated, double-quoted fields with doubled quotes inside, quoted
 * fields may span lines. Enough for the Census Bureau's PUMS CSV files and data dictionary.
 */
final class Csv {
  private final BufferedReader in;
  private long line; // 1-based line where the last record started
  private long nextLine = 1;

  Csv(BufferedReader in) {
    this.in = in;
  }

  /** Line number (1-based) where the record last returned by {@link #next} started. */
  long line() { return line; }

  /** The next record, or null at the end of input. A UTF-8 BOM on the first line is dropped. */
  List<String> next() throws IOException {
    String l = in.readLine();
    if (l == null) return null;
    line = nextLine++;
    if (line == 1 && !l.isEmpty() && l.charAt(0) == '\uFEFF') l = l.substring(1);
    List<String> out = new ArrayList<>();
    StringBuilder f = new StringBuilder();
    int i = 0;
    boolean quoted = false, wasQuoted = false;
    while (true) {
      if (i >= l.length()) {
        if (quoted) { // a quoted field continues on the next line
          String more = in.readLine();
          if (more == null) throw new IOException("line " + line + ": unterminated quoted field");
          nextLine++;
          f.append('\n');
          l = more;
          i = 0;
          continue;
        }
        out.add(f.toString());
        return out;
      }
      char c = l.charAt(i++);
      if (quoted) {
        if (c == '"') {
          if (i < l.length() && l.charAt(i) == '"') {
            f.append('"');
            i++;
          } else quoted = false;
        } else f.append(c);
      } else if (c == '"' && f.isEmpty() && !wasQuoted) {
        quoted = wasQuoted = true;
      } else if (c == ',') {
        out.add(f.toString());
        f.setLength(0);
        wasQuoted = false;
      } else f.append(c);
    }
  }

  /** Splits one line without quotes quickly (the PUMS data files quote nothing); falls back to nothing. */
  static int splitPlain(String l, String[] into) {
    int n = 0, start = 0;
    for (int i = 0; i < l.length(); i++) {
      if (l.charAt(i) == ',') {
        if (n < into.length) into[n] = l.substring(start, i);
        n++;
        start = i + 1;
      }
    }
    if (n < into.length) into[n] = l.substring(start);
    return n + 1;
  }
}
