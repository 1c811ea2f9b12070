package io.personaknob.persona;

import io.personaknob.core.UserException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Draws a persona population from a PUMS person file: whole records (so the joint distribution of the
 * census attributes is kept), with probability by person weight {@code PWGTP}, seeded, streaming.
 *
 * <p>Two methods. {@link Method#ES} (default): Efraimidis–Spirakis A-ES weighted sampling <em>without</em>
 * replacement in one pass: each eligible record gets the key {@code log(u)/w} (u uniform), the n largest
 * keys are kept in a heap of n records, so memory is O(n) whatever the file size. It equals drawing records
 * one after another with probability proportional to weight among those not drawn yet; for n far below the
 * population's record count the inclusion probability is ≈ n·w/W. {@link Method#PPS}: exact probability
 * proportional to size <em>with</em> replacement in two passes (total weight, then the n sorted uniform
 * positions on the cumulative weight), so a record can appear twice (two personas).
 */
public final class Population {
  private Population() {}

  public enum Method { ES, PPS }

  /** @param states ST codes to keep (empty: all); compared without leading zeros */
  public record Options(int n, long seed, int minAge, Set<String> states, Method method) {
    public Options {
      if (n < 1) throw new UserException("--n must be at least 1");
      states = Set.copyOf(states.stream().map(Population::stripZeros).toList());
    }
  }

  /** Progress: rows read so far. */
  @FunctionalInterface
  public interface Progress {
    void rows(long read);
  }

  public record Result(List<Persona> personas, long rowsRead, long rowsEligible, double eligibleWeight,
      List<String> warnings) {}

  /** Person-file columns every run needs (keys 1–28 that come from the person record, and the weight). */
  static List<String> requiredPersonColumns(boolean states) {
    List<String> r = new ArrayList<>(List.of("SERIALNO", "PWGTP"));
    for (PersonaKey k : PersonaKey.values())
      if (k.source() == PersonaKey.Source.PERSON && !k.optional()) r.add(k.pums());
    if (states) r.add("ST");
    return r;
  }

  static final List<String> HOUSING_VARS = List.of("HHL", "HHT2", "FPARC");

  /** The person-file columns read: identification, filters, income adjustment and every census key. */
  static List<String> wantedPersonColumns() {
    List<String> w = new ArrayList<>(List.of("SERIALNO", "SPORDER", "PWGTP", "ST", "ADJINC", "LANX"));
    for (PersonaKey k : PersonaKey.values()) if (k.census() && !w.contains(k.pums())) w.add(k.pums());
    return w;
  }

  static String stripZeros(String s) {
    String t = s.trim();
    return t.replaceFirst("^0+(?=.)", "");
  }

  private record Keyed(double key, PumsFile.Row row) {}

  public static Result sample(Path persons, Path housing, PumsDictionary dict, Options o, Progress progress) {
    List<String> wanted = wantedPersonColumns();
    Mapper mapper = new Mapper(dict, wanted);
    long read = 0, eligible = 0;
    double weight = 0;
    List<PumsFile.Row> chosen;
    SplittableRandom rnd = new SplittableRandom(o.seed());
    if (o.method() == Method.ES) {
      PriorityQueue<Keyed> heap = new PriorityQueue<>(Comparator.comparingDouble(Keyed::key));
      try (PumsFile f = new PumsFile(persons, wanted, requiredPersonColumns(!o.states().isEmpty()))) {
        mapper.check(f);
        PumsFile.Row r;
        while ((r = f.next()) != null) {
          if (++read % 1_000_000 == 0 && progress != null) progress.rows(read);
          double w = mapper.eligibleWeight(r, o, f.file());
          if (w <= 0) continue;
          eligible++;
          weight += w;
          double key = Math.log(1.0 - rnd.nextDouble()) / w; // log(u)/w with u in (0, 1]
          if (heap.size() < o.n()) heap.add(new Keyed(key, r));
          else if (key > heap.peek().key()) {
            heap.poll();
            heap.add(new Keyed(key, r));
          }
        }
      }
      List<Keyed> ks = new ArrayList<>(heap);
      ks.sort(Comparator.comparingDouble(Keyed::key).reversed()); // the order of the equivalent successive draw
      chosen = ks.stream().map(Keyed::row).toList();
    } else {
      try (PumsFile f = new PumsFile(persons, wanted, requiredPersonColumns(!o.states().isEmpty()))) {
        mapper.check(f);
        PumsFile.Row r;
        while ((r = f.next()) != null) {
          read++;
          double w = mapper.eligibleWeight(r, o, f.file());
          if (w <= 0) continue;
          eligible++;
          weight += w;
        }
      }
      double[] pos = new double[o.n()];
      for (int i = 0; i < pos.length; i++) pos[i] = rnd.nextDouble() * weight;
      int[] order = java.util.stream.IntStream.range(0, pos.length).boxed()
          .sorted(Comparator.comparingDouble(i -> pos[i])).mapToInt(Integer::intValue).toArray();
      PumsFile.Row[] picked = new PumsFile.Row[pos.length];
      try (PumsFile f = new PumsFile(persons, wanted, requiredPersonColumns(!o.states().isEmpty()))) {
        PumsFile.Row r;
        double cum = 0;
        int j = 0;
        long second = 0;
        while (j < order.length && (r = f.next()) != null) {
          if (++second % 1_000_000 == 0 && progress != null) progress.rows(read + second);
          double w = mapper.eligibleWeight(r, o, f.file());
          if (w <= 0) continue;
          while (j < order.length && pos[order[j]] < cum + w) picked[order[j++]] = r;
          cum += w;
        }
        while (j < order.length) picked[order[j++]] = null; // rounding at the very end: none left
      }
      chosen = new ArrayList<>();
      for (PumsFile.Row r : picked) if (r != null) chosen.add(r);
    }
    if (progress != null) progress.rows(read);
    if (eligible == 0) throw new UserException(persons + ": no record passes the filters (min age " + o.minAge()
        + (o.states().isEmpty() ? "" : ", states " + o.states()) + ")");
    if (chosen.size() < o.n()) mapper.warnings.add("asked for " + o.n() + " personas, the file has only " + chosen.size()
        + " eligible records: wrote " + chosen.size());
    Map<String, String[]> hh = housing == null ? Map.of() : Housing.lookup(housing, chosen.stream().map(r -> r.get(0)).toList());
    if (housing == null && !mapper.personFileHasHousingVars)
      mapper.warnings.add("no --housing file: household language, household type and family presence and age are left empty");
    List<Persona> out = new ArrayList<>();
    int width = Math.max(4, String.valueOf(chosen.size()).length());
    for (int i = 0; i < chosen.size(); i++) {
      PumsFile.Row r = chosen.get(i);
      String id = "p" + String.format(Locale.ROOT, "%0" + width + "d", i + 1);
      out.add(mapper.persona(id, r, hh.get(r.get(0)), housing != null));
    }
    List<String> warnings = new ArrayList<>(mapper.warnings);
    warnings.addAll(mapper.unknownCodeWarnings());
    return new Result(out, read, eligible, weight, warnings);
  }

  /** Turns raw PUMS rows into personas with dictionary labels; collects codes the dictionary lacks. */
  static final class Mapper {
    final PumsDictionary dict;
    final List<String> wanted;
    final int serial, sporder, pwgtp, st, adjinc, agep;
    final Map<PersonaKey, Integer> slot = new EnumMap<>(PersonaKey.class);
    final List<String> warnings = new ArrayList<>();
    final Map<String, TreeMap<String, Integer>> unknown = new TreeMap<>();
    boolean personFileHasHousingVars;

    Mapper(PumsDictionary dict, List<String> wanted) {
      this.dict = dict;
      this.wanted = wanted;
      serial = wanted.indexOf("SERIALNO");
      sporder = wanted.indexOf("SPORDER");
      pwgtp = wanted.indexOf("PWGTP");
      st = wanted.indexOf("ST");
      adjinc = wanted.indexOf("ADJINC");
      agep = wanted.indexOf("AGEP");
      for (PersonaKey k : PersonaKey.values()) if (k.census()) slot.put(k, wanted.indexOf(k.pums()));
    }

    void check(PumsFile f) {
      List<String> noDict = new ArrayList<>();
      List<String> optionalMissing = new ArrayList<>();
      for (PersonaKey k : PersonaKey.values()) {
        if (!k.census()) continue;
        if (k.source() == PersonaKey.Source.PERSON && !f.has(k.pums())) optionalMissing.add(k.pums());
        if (!dict.has(k.pums()) && k != PersonaKey.AGE && k != PersonaKey.INCOME) noDict.add(k.pums());
      }
      personFileHasHousingVars = HOUSING_VARS.stream().allMatch(f::has);
      if (!optionalMissing.isEmpty())
        warnings.add(f.file() + ": no column " + String.join(", ", optionalMissing) + ": those attributes are left empty");
      if (!noDict.isEmpty())
        warnings.add(dict.source() + ": no NAME row for " + String.join(", ", noDict) + ": their codes are kept as they are");
    }

    /** The record's weight if it passes the filters, else 0. */
    double eligibleWeight(PumsFile.Row r, Options o, Path file) {
      if (parseAge(r.get(agep)) < o.minAge()) return 0; // an unreadable age (-1) never passes
      if (!o.states().isEmpty() && !o.states().contains(stripZeros(r.get(st) == null ? "" : r.get(st)))) return 0;
      String w = r.get(pwgtp);
      try {
        return Double.parseDouble(w.trim());
      } catch (RuntimeException e) {
        throw new UserException(file + ":" + r.line() + ": PWGTP: expected a number, got '" + w + "'");
      }
    }

    Persona persona(String id, PumsFile.Row r, String[] housing, boolean housingGiven) {
      Map<PersonaKey, String> v = new EnumMap<>(PersonaKey.class);
      for (PersonaKey k : PersonaKey.values()) {
        if (!k.census()) continue;
        String raw;
        if (k.source() == PersonaKey.Source.HOUSING && housingGiven) {
          raw = housing == null ? null : housing[HOUSING_VARS.indexOf(k.pums())];
        } else {
          int s = slot.get(k);
          raw = s < 0 ? null : r.get(s);
        }
        v.put(k, label(k, raw, r));
      }
      String serialNo = r.get(serial) + (sporder >= 0 && r.get(sporder) != null ? "-" + r.get(sporder) : "");
      return new Persona(id, serialNo, Double.parseDouble(r.get(pwgtp).trim()), v);
    }

    /** The value of one attribute: age and income as numbers, everything else as its dictionary label. */
    String label(PersonaKey k, String raw, PumsFile.Row r) {
      if (raw == null) return null;
      String t = raw.trim();
      if (t.isEmpty() || t.chars().allMatch(c -> c == 'b')) return null;
      if (k == PersonaKey.AGE) return Integer.toString(parseAge(t));
      if (k == PersonaKey.INCOME) {
        try {
          double x = Double.parseDouble(t);
          String adj = adjinc >= 0 ? r.get(adjinc) : null;
          if (adj != null && !adj.isBlank()) x = Math.round(x * Double.parseDouble(adj.trim()) / 1_000_000.0);
          return Double.toString(x);
        } catch (NumberFormatException e) {
          return t;
        }
      }
      PumsDictionary.Lookup l = dict.lookup(k.pums(), t);
      if (l.notApplicable()) return null;
      if (l.unknown() && dict.has(k.pums()))
        unknown.computeIfAbsent(k.pums(), x -> new TreeMap<>()).merge(t, 1, Integer::sum);
      return l.label();
    }

    List<String> unknownCodeWarnings() {
      List<String> w = new ArrayList<>();
      for (var e : unknown.entrySet()) {
        for (var c : e.getValue().entrySet())
          w.add(e.getKey() + ": code '" + c.getKey() + "' is not in the dictionary " + dict.source().getFileName()
              + " (kept as the code; " + c.getValue() + " record" + (c.getValue() == 1 ? "" : "s") + ")");
      }
      return w;
    }
  }

  static int parseAge(String s) {
    if (s == null) return -1;
    try {
      return (int) Double.parseDouble(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Household attributes joined on SERIALNO. */
  static final class Housing {
    private Housing() {}

    /** HHL, HHT2, FPARC codes of the wanted serial numbers, in one pass over the housing file. */
    static Map<String, String[]> lookup(Path housing, List<String> serials) {
      Set<String> want = new HashSet<>(serials);
      Map<String, String[]> out = new HashMap<>();
      List<String> cols = new ArrayList<>(List.of("SERIALNO"));
      cols.addAll(HOUSING_VARS);
      try (PumsFile f = new PumsFile(housing, cols, cols)) {
        PumsFile.Row r;
        while ((r = f.next()) != null) {
          if (!want.contains(r.get(0))) continue;
          out.put(r.get(0), new String[] {r.get(1), r.get(2), r.get(3)});
        }
      }
      return out;
    }

    /** Every household's HHL, HHT2, FPARC (for population statistics; memory grows with the households). */
    static Map<String, String[]> all(Path housing) {
      Map<String, String[]> out = new HashMap<>();
      List<String> cols = new ArrayList<>(List.of("SERIALNO"));
      cols.addAll(HOUSING_VARS);
      try (PumsFile f = new PumsFile(housing, cols, cols)) {
        PumsFile.Row r;
        while ((r = f.next()) != null) out.put(r.get(0), new String[] {r.get(1), r.get(2), r.get(3)});
      }
      return out;
    }
  }
}
