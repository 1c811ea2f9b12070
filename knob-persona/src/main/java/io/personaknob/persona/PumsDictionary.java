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
 * The Census Bureau's ACS PUMS data dictionary in its CSV form ({@code PUMS_Data_Dictionary_2022.csv}):
 * {@code NAME,AGEP,N,2,"Age"} rows name a variable (type C character or N numeric, length, description);
 * {@code VAL,AGEP,N,2,"0","0","Under 1 year"} rows give a code or a code range (min, max) and its label.
 * A code of all {@code b} (blanks) is the "not in universe" value; in the data CSV it is an empty field.
 */
public final class PumsDictionary {

  /** One variable: its description, type, length, labelled codes and numeric ranges. */
  public record Variable(String name, String type, int length, String description, Map<String, String> codes,
      List<Range> ranges) {
    /** The N/A label (the code of blanks), or null. */
    public String notApplicableLabel() {
      for (var e : codes.entrySet()) if (!e.getKey().isEmpty() && e.getKey().chars().allMatch(c -> c == 'b')) return e.getValue();
      return null;
    }
  }

  /** A numeric range min..max with one label (e.g. "1 to 99 years (Top-coded)"). */
  public record Range(double min, double max, String label) {}

  private final Map<String, Variable> vars;
  private final Path source;

  private PumsDictionary(Map<String, Variable> vars, Path source) {
    this.vars = vars;
    this.source = source;
  }

  public Path source() { return source; }

  public Variable variable(String name) { return vars.get(name); }

  public boolean has(String name) { return vars.containsKey(name); }

  /** Reads the dictionary; rows other than NAME and VAL are ignored; a VAL before its NAME is an error. */
  public static PumsDictionary read(Path file) {
    Map<String, Variable> vars = new LinkedHashMap<>();
    Map<String, Map<String, String>> codes = new LinkedHashMap<>();
    Map<String, List<Range>> ranges = new LinkedHashMap<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      Csv csv = new Csv(r);
      List<String> f;
      while ((f = csv.next()) != null) {
        if (f.isEmpty() || f.get(0).isBlank()) continue;
        String kind = f.get(0).trim();
        String where = file + ":" + csv.line();
        if (kind.equals("NAME")) {
          if (f.size() < 5) throw new UserException(where + ": NAME row needs 5 fields (NAME,VAR,TYPE,LENGTH,DESCRIPTION), got " + f.size());
          String name = f.get(1).trim();
          codes.putIfAbsent(name, new LinkedHashMap<>());
          ranges.putIfAbsent(name, new ArrayList<>());
          // a variable may be listed once per record type (e.g. SERIALNO); the first description wins
          vars.putIfAbsent(name, new Variable(name, f.get(2).trim(), parseInt(f.get(3), where), f.get(4).trim(),
              codes.get(name), ranges.get(name)));
        } else if (kind.equals("VAL")) {
          if (f.size() < 7) throw new UserException(where + ": VAL row needs 7 fields (VAL,VAR,TYPE,LENGTH,MIN,MAX,LABEL), got " + f.size());
          String name = f.get(1).trim();
          if (!vars.containsKey(name)) throw new UserException(where + ": VAL row for " + name + " before its NAME row");
          String min = f.get(4).trim(), max = f.get(5).trim(), label = f.get(6).trim();
          if (min.equals(max)) codes.get(name).putIfAbsent(min, label);
          else {
            try {
              ranges.get(name).add(new Range(Double.parseDouble(min), Double.parseDouble(max), label));
            } catch (NumberFormatException e) {
              codes.get(name).putIfAbsent(min, label); // a non-numeric range (e.g. serial numbers): keep the label of min
            }
          }
        }
      }
    } catch (NoSuchFileException e) {
      throw new UserException(file + ": no such file");
    } catch (IOException e) {
      throw new UserException(file + ": cannot read: " + e.getMessage());
    }
    if (vars.isEmpty()) throw new UserException(file + ": no NAME rows: not a PUMS data dictionary CSV");
    return new PumsDictionary(vars, file);
  }

  private static int parseInt(String s, String where) {
    try {
      return Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      throw new UserException(where + ": LENGTH: expected an integer, got '" + s + "'");
    }
  }

  /** The outcome of looking a code up: a label, N/A (blank), a number kept as is, or a code the dictionary lacks. */
  public record Lookup(String label, boolean notApplicable, boolean unknown) {}

  /**
   * The label of a raw data value. Empty or all-{@code b} values are N/A. A code is found as written, then
   * zero-padded to the variable's length, then without leading zeros (data files and dictionaries of
   * different vintages pad differently). Numeric values inside a labelled range (e.g. ages, incomes) are
   * kept as numbers. Anything else is unknown: the code itself is returned so nothing is lost.
   */
  public Lookup lookup(String var, String raw) {
    String v = raw == null ? "" : raw.trim();
    Variable d = vars.get(var);
    if (v.isEmpty() || v.chars().allMatch(c -> c == 'b')) return new Lookup(null, true, false);
    if (d == null) return new Lookup(v, false, true);
    String l = d.codes().get(v);
    if (l == null && v.length() < d.length()) l = d.codes().get("0".repeat(d.length() - v.length()) + v);
    if (l == null && v.startsWith("0") && v.length() > 1) l = d.codes().get(v.replaceFirst("^0+(?=.)", ""));
    if (l != null) return new Lookup(l, false, false);
    if (!d.ranges().isEmpty()) {
      try {
        double x = Double.parseDouble(v);
        for (Range r : d.ranges()) if (x >= r.min() && x <= r.max()) return new Lookup(v, false, false);
      } catch (NumberFormatException ignored) {
        // not a number: unknown below
      }
    }
    return new Lookup(v, false, true);
  }
}
