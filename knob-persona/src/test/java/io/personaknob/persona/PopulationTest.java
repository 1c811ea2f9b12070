package io.personaknob.persona;

import static org.junit.jupiter.api.Assertions.*;

import io.personaknob.core.UserException;
import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Population sampling on a generated PUMS-format fixture large enough to show weighting. */
class PopulationTest {

  @TempDir static Path dir;
  static Path persons, housing, dict;
  static final int ROWS = 100_000;

  @BeforeAll
  static void fixture() throws Exception {
    persons = dir.resolve("psam_p.csv");
    housing = dir.resolve("psam_h.csv");
    dict = dir.resolve("PUMS_Data_Dictionary_2022.csv");
    SyntheticPums.write(persons, housing, ROWS, 7);
    SyntheticPums.writeDictionary(dict);
  }

  /** Weighted share of female records among those of age ≥ minAge, computed straight from the CSV. */
  static double[] femaleShares(int minAge) throws Exception {
    double wf = 0, w = 0, nf = 0, n = 0;
    try (BufferedReader r = Files.newBufferedReader(persons)) {
      List<String> h = List.of(r.readLine().split(","));
      int iw = h.indexOf("PWGTP"), is = h.indexOf("SEX"), ia = h.indexOf("AGEP");
      String l;
      while ((l = r.readLine()) != null) {
        String[] f = l.split(",", -1);
        if (Integer.parseInt(f[ia]) < minAge) continue;
        double x = Double.parseDouble(f[iw]);
        boolean fem = f[is].equals("2");
        w += x;
        n++;
        if (fem) {
          wf += x;
          nf++;
        }
      }
    }
    return new double[] {wf / w, nf / n};
  }

  @Test
  void dictionaryInTheCensusCsvLayout() {
    PumsDictionary d = PumsDictionary.read(dict);
    assertEquals("Age", d.variable("AGEP").description());
    assertEquals(new PumsDictionary.Lookup("42", false, false), d.lookup("AGEP", "42"), "a number inside a labelled range");
    assertEquals("Grade 1", d.lookup("SCHL", "4").label(), "unpadded code finds the zero-padded one");
    assertEquals("Grade 1", d.lookup("SCHL", "04").label());
    assertTrue(d.lookup("ESR", "").notApplicable());
    assertTrue(d.lookup("SCHL", "bb").notApplicable());
    assertEquals("N/A (less than 16 years old)", d.variable("ESR").notApplicableLabel());
    PumsDictionary.Lookup u = d.lookup("SCHL", "31");
    assertTrue(u.unknown());
    assertEquals("31", u.label(), "an unknown code is kept");
    assertEquals("Texas/TX", d.lookup("POBP", "48").label(), "POBP 48 is padded to 048");
  }

  @Test
  void weightedMarginalsAreRecovered() throws Exception {
    int n = 3000;
    var res = Population.sample(persons, housing, PumsDictionary.read(dict),
        new Population.Options(n, 11, 0, Set.of(), Population.Method.ES), null);
    assertEquals(n, res.personas().size());
    assertEquals(ROWS, res.rowsRead());
    double[] truth = femaleShares(0);
    double got = res.personas().stream().filter(p -> "Female".equals(p.get(PersonaKey.SEX))).count() / (double) n;
    double se = Math.sqrt(truth[0] * (1 - truth[0]) / n);
    assertTrue(Math.abs(got - truth[0]) < 4 * se, "sample female share " + got + " vs weighted " + truth[0] + " (SE " + se + ")");
    assertTrue(Math.abs(got - truth[1]) > 10 * se, "and far from the unweighted share " + truth[1]);
    assertTrue(truth[0] > 0.65 && truth[1] < 0.52, "the fixture's weights matter: " + truth[0] + " vs " + truth[1]);

    // every census attribute: TVD small; the stats' weighted female share equals the one computed here
    List<String> warn = new ArrayList<>();
    PopulationStats st = PopulationStats.compute(res.personas(), persons, housing, PumsDictionary.read(dict), 0, Set.of(), warn);
    assertEquals(truth[0], st.table(PersonaKey.SEX).shares().get("Female")[1], 1e-9);
    assertEquals(got, st.table(PersonaKey.SEX).shares().get("Female")[0], 1e-9);
    for (PopulationStats.Table t : st.tables())
      assertTrue(t.tvd() < 0.05, t.key() + " TVD " + t.tvd());
    assertTrue(st.table(PersonaKey.HOUSEHOLD_LANGUAGE).shares().get("Spanish")[1] > 0.2, "housing joined into the population");
    assertTrue(st.svg().contains("<svg") && st.svg().contains("TVD"));
  }

  @Test
  void exactPpsWithReplacementAlsoRecoversTheWeights() throws Exception {
    int n = 3000;
    var res = Population.sample(persons, null, PumsDictionary.read(dict),
        new Population.Options(n, 3, 0, Set.of(), Population.Method.PPS), null);
    assertEquals(n, res.personas().size());
    double truth = femaleShares(0)[0];
    double got = res.personas().stream().filter(p -> "Female".equals(p.get(PersonaKey.SEX))).count() / (double) n;
    assertTrue(Math.abs(got - truth) < 4 * Math.sqrt(truth * (1 - truth) / n), got + " vs " + truth);
    assertTrue(res.warnings().stream().anyMatch(w -> w.contains("no --housing file")));
  }

  @Test
  void seededFilteredWholeRecordsWithHousingJoin() throws Exception {
    PumsDictionary d = PumsDictionary.read(dict);
    var o = new Population.Options(200, 5, 18, Set.of("6"), Population.Method.ES);
    var a = Population.sample(persons, housing, d, o, null);
    var b = Population.sample(persons, housing, d, o, null);
    assertEquals(a.personas(), b.personas(), "same seed, same population");
    var c = Population.sample(persons, housing, d, new Population.Options(200, 6, 18, Set.of("6"), Population.Method.ES), null);
    assertNotEquals(a.personas(), c.personas());
    // independent join: the household language of each persona is the housing file's HHL for its serial
    Map<String, String[]> hh = new HashMap<>();
    Map<String, String[]> people = new HashMap<>();
    Set<String> wanted = new java.util.HashSet<>();
    for (Persona p : a.personas()) wanted.add(p.sourceSerialno());
    try (BufferedReader r = Files.newBufferedReader(housing)) {
      r.readLine();
      String l;
      while ((l = r.readLine()) != null) {
        String[] f = l.split(",", -1);
        hh.put(f[1], f);
      }
    }
    try (BufferedReader r = Files.newBufferedReader(persons)) {
      r.readLine();
      String l;
      while ((l = r.readLine()) != null) {
        int c1 = l.indexOf(','), c2 = l.indexOf(',', c1 + 1), c3 = l.indexOf(',', c2 + 1), c4 = l.indexOf(',', c3 + 1);
        String key = l.substring(c1 + 1, c2) + "-" + l.substring(c3 + 1, c4);
        if (wanted.contains(key)) people.put(key, l.split(",", -1));
      }
    }
    String[] hhl = {"English Only", "Spanish", "Other Indo-European languages", "Asian and Pacific Island languages", "Other Language"};
    for (Persona p : a.personas()) {
      assertTrue(p.age() >= 18, p.id());
      String[] rec = people.get(p.sourceSerialno());
      assertNotNull(rec, p.sourceSerialno());
      assertEquals("06", rec[6], "state filter");
      assertEquals(Integer.parseInt(rec[9]), p.age(), "whole record: age");
      assertEquals(Double.parseDouble(rec[8]), p.weight());
      assertEquals(rec[22].equals("2") ? "Female" : "Male", p.get(PersonaKey.SEX), "whole record: sex");
      String serial = p.sourceSerialno().substring(0, p.sourceSerialno().indexOf('-'));
      assertEquals(hhl[Integer.parseInt(hh.get(serial)[9]) - 1], p.get(PersonaKey.HOUSEHOLD_LANGUAGE));
      assertTrue(Consistency.check(p).isEmpty(), "census records satisfy the rules: " + Consistency.check(p));
      assertNull(p.get(PersonaKey.DEFINING_QUIRKS), "no LLM fill unless asked");
    }
    assertEquals("p0001", a.personas().get(0).id());
    String text = a.personas().get(0).text();
    assertTrue(text.startsWith("age: "), text);
    assertTrue(text.indexOf("sex: ") < text.indexOf("race: "), "canonical order");
  }

  @Test
  void badInputIsNamed() throws Exception {
    PumsDictionary d = PumsDictionary.read(dict);
    Path noSchl = dir.resolve("no_schl.csv");
    List<String> lines = Files.readAllLines(persons).subList(0, 50);
    List<String> cut = new ArrayList<>();
    int col = List.of(lines.get(0).split(",")).indexOf("SCHL");
    for (String l : lines) {
      List<String> f = new ArrayList<>(List.of(l.split(",", -1)));
      f.remove(col);
      cut.add(String.join(",", f));
    }
    Files.write(noSchl, cut);
    var o = new Population.Options(5, 1, 0, Set.of(), Population.Method.ES);
    UserException e = assertThrows(UserException.class, () -> Population.sample(noSchl, null, d, o, null));
    assertTrue(e.getMessage().contains("missing column SCHL"), e.getMessage());
    assertTrue(e.getMessage().startsWith(noSchl + ":1:"), e.getMessage());

    Path odd = dir.resolve("odd_codes.csv");
    List<String> all = new ArrayList<>(lines);
    String[] f = all.get(1).split(",", -1);
    f[col] = "31"; // not a SCHL code
    f[List.of(lines.get(0).split(",")).indexOf("AGEP")] = "40";
    all.set(1, String.join(",", f));
    Files.write(odd, all);
    var r = Population.sample(odd, null, d, new Population.Options(49, 1, 0, Set.of(), Population.Method.ES), null);
    assertTrue(r.warnings().stream().anyMatch(w -> w.contains("SCHL: code '31' is not in the dictionary")), r.warnings().toString());
    assertTrue(r.personas().stream().anyMatch(p -> "31".equals(p.get(PersonaKey.EDUCATION))), "the code is kept");
  }
}
