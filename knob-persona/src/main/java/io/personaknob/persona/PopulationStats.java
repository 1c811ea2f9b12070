package io.personaknob.persona;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.llm.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Compares a sampled population's marginals with the input's weighted marginals: per census attribute, the
 * share of each category in the sample (each persona counts once) and in the population (each eligible
 * PUMS record counts with its PWGTP), and the total-variation distance TVD = ½ Σ |sample − population|.
 * Ages and incomes are grouped into bands; not-applicable values are the category "N/A".
 */
public final class PopulationStats {

  /** One attribute's table. */
  public record Table(PersonaKey key, Map<String, double[]> shares, double tvd) {} // category -> {sample, population}

  private final List<Table> tables;
  private final int n;
  private final double populationWeight;
  private final long populationRecords;

  private PopulationStats(List<Table> tables, int n, double w, long records) {
    this.tables = tables;
    this.n = n;
    this.populationWeight = w;
    this.populationRecords = records;
  }

  public List<Table> tables() { return tables; }

  public Table table(PersonaKey k) {
    for (Table t : tables) if (t.key() == k) return t;
    return null;
  }

  static final int[] AGE_BANDS = {0, 5, 15, 18, 25, 35, 45, 55, 65, 75};
  static final double[] INCOME_BANDS = {0, 10_000, 25_000, 50_000, 75_000, 100_000, 150_000};

  /** The category of a value for the marginal tables. */
  public static String category(PersonaKey k, String v) {
    if (Consistency.na(v)) return "N/A";
    if (k == PersonaKey.AGE) {
      int a = Population.parseAge(v);
      if (a < 0) return v;
      for (int i = AGE_BANDS.length - 1; i >= 0; i--)
        if (a >= AGE_BANDS[i]) return i == AGE_BANDS.length - 1 ? AGE_BANDS[i] + "+" : AGE_BANDS[i] + "-" + (AGE_BANDS[i + 1] - 1);
    }
    if (k == PersonaKey.INCOME) {
      double x;
      try {
        x = Double.parseDouble(v.trim());
      } catch (NumberFormatException e) {
        return v;
      }
      if (x <= 0) return "<= 0";
      for (int i = INCOME_BANDS.length - 1; i >= 0; i--)
        if (x >= INCOME_BANDS[i]) return i == INCOME_BANDS.length - 1
            ? String.format(Locale.ROOT, "%,.0f+", INCOME_BANDS[i])
            : String.format(Locale.ROOT, "%,.0f-%,.0f", INCOME_BANDS[i] + (i == 0 ? 1 : 0), INCOME_BANDS[i + 1] - 1);
    }
    return v;
  }

  /** Census keys compared (the LLM-written ones have no population counterpart). */
  static List<PersonaKey> keys() {
    List<PersonaKey> ks = new ArrayList<>();
    for (PersonaKey k : PersonaKey.values()) if (k.census()) ks.add(k);
    return ks;
  }

  /**
   * Streams the person file (and the housing file, held as a map SERIALNO → household codes) with the same
   * filters as the sample, and tabulates both.
   */
  public static PopulationStats compute(List<Persona> sample, Path persons, Path housing, PumsDictionary dict,
      int minAge, java.util.Set<String> states, List<String> warnings) {
    List<PersonaKey> keys = keys();
    Map<PersonaKey, Map<String, Double>> pop = new LinkedHashMap<>();
    for (PersonaKey k : keys) pop.put(k, new LinkedHashMap<>());
    List<String> wanted = Population.wantedPersonColumns();
    Population.Mapper m = new Population.Mapper(dict, wanted);
    Population.Options o = new Population.Options(1, 0, minAge, states, Population.Method.ES);
    Map<String, String[]> hh = housing == null ? Map.of() : Population.Housing.all(housing);
    double total = 0;
    long records = 0;
    try (PumsFile f = new PumsFile(persons, wanted, Population.requiredPersonColumns(!states.isEmpty()))) {
      m.check(f);
      PumsFile.Row r;
      while ((r = f.next()) != null) {
        double w = m.eligibleWeight(r, o, f.file());
        if (w <= 0) continue;
        records++;
        total += w;
        Persona p = m.persona("x", r, hh.get(r.get(0)), housing != null);
        for (PersonaKey k : keys) pop.get(k).merge(category(k, p.get(k)), w, Double::sum);
      }
    }
    warnings.addAll(m.warnings);
    warnings.addAll(m.unknownCodeWarnings());
    List<Table> tables = new ArrayList<>();
    for (PersonaKey k : keys) {
      Map<String, Double> s = new LinkedHashMap<>();
      for (Persona p : sample) s.merge(category(k, p.get(k)), 1.0, Double::sum);
      TreeSet<String> cats = new TreeSet<>(PopulationStats::compareCategories);
      cats.addAll(s.keySet());
      cats.addAll(pop.get(k).keySet());
      Map<String, double[]> sh = new LinkedHashMap<>();
      double tvd = 0;
      for (String c : cats) {
        double a = s.getOrDefault(c, 0.0) / sample.size();
        double b = total == 0 ? 0 : pop.get(k).getOrDefault(c, 0.0) / total;
        sh.put(c, new double[] {a, b});
        tvd += Math.abs(a - b);
      }
      tables.add(new Table(k, sh, tvd / 2));
    }
    return new PopulationStats(tables, sample.size(), total, records);
  }

  /** Numeric-looking categories (bands) by their first number, N/A last, text alphabetically. */
  static int compareCategories(String a, String b) {
    if (a.equals(b)) return 0;
    if (a.equals("N/A")) return 1;
    if (b.equals("N/A")) return -1;
    Double x = leadingNumber(a), y = leadingNumber(b);
    if (x != null && y != null && !x.equals(y)) return Double.compare(x, y);
    if (x != null && y == null) return -1;
    if (x == null && y != null) return 1;
    return a.compareTo(b);
  }

  private static Double leadingNumber(String s) {
    var mt = java.util.regex.Pattern.compile("^(<= )?([0-9][0-9,]*)").matcher(s);
    if (!mt.find()) return null;
    double v = Double.parseDouble(mt.group(2).replace(",", ""));
    return mt.group(1) != null ? v - 0.5 : v;
  }

  public ObjectNode toJson() {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("sample_size", n);
    o.put("population_records", populationRecords);
    o.put("population_weight", populationWeight);
    ArrayNode a = o.putArray("attributes");
    for (Table t : tables) {
      ObjectNode x = a.addObject();
      x.put("attribute", t.key().key());
      x.put("pums", t.key().pums());
      x.put("tvd", round(t.tvd()));
      ArrayNode rows = x.putArray("categories");
      for (var e : t.shares().entrySet())
        rows.addObject().put("value", e.getKey()).put("sample", round(e.getValue()[0])).put("population", round(e.getValue()[1]));
    }
    return o;
  }

  private static double round(double x) {
    return Math.round(x * 1e6) / 1e6;
  }

  /** A plain-text report: per attribute the table and its TVD. */
  public String render() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "sample: %d personas; population: %d records, weight %,.0f%n", n, populationRecords, populationWeight));
    for (Table t : tables) {
      sb.append(String.format(Locale.ROOT, "%n%s (%s)  TVD %.3f%n", t.key().key(), t.key().pums(), t.tvd()));
      for (var e : t.shares().entrySet())
        sb.append(String.format(Locale.ROOT, "  %-60s sample %6.1f%%  population %6.1f%%%n", trim(e.getKey(), 60),
            100 * e.getValue()[0], 100 * e.getValue()[1]));
    }
    return sb.toString();
  }

  private static String trim(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "…";
  }

  /** Horizontal grouped bars (sample vs population) per attribute, one SVG; all text escaped. */
  public String svg() {
    int width = 900, label = 330, barMax = width - label - 90, rowH = 14;
    StringBuilder body = new StringBuilder();
    int y = 30;
    for (Table t : tables) {
      body.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%d\" font-weight=\"bold\">%s — TVD %.3f</text>%n", y,
          Svg.esc(t.key().key()), t.tvd()));
      y += 8;
      for (var e : t.shares().entrySet()) {
        double s = e.getValue()[0], p = e.getValue()[1];
        body.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"10\">%s</text>%n",
            label - 6, y + rowH - 3, Svg.esc(trim(e.getKey(), 55))));
        body.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"6\" fill=\"#4c78a8\"/>%n", label, y + 1, s * barMax));
        body.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"6\" fill=\"#f58518\"/>%n", label, y + 7, p * barMax));
        body.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"9\">%.1f%% / %.1f%%</text>%n",
            label + Math.max(s, p) * barMax + 4, y + rowH - 3, 100 * s, 100 * p));
        y += rowH;
      }
      y += 16;
    }
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + width + "\" height=\"" + (y + 10) + "\" font-family=\"sans-serif\""
        + " font-size=\"11\">\n<text x=\"4\" y=\"14\"><tspan fill=\"#4c78a8\">■ sample</tspan>  <tspan fill=\"#f58518\">■ weighted"
        + " population</tspan></text>\n" + body + "</svg>\n";
  }
}
