package io.personaknob.persona;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Rules a persona's fields must satisfy: the ACS PUMS universes (who is asked which question, from the
 * data dictionary's N/A labels) and a few plausibility checks. PUMS records satisfy the universe rules by
 * construction; the rules are there for LLM-filled fields and edited personas. A value counts as not
 * applicable when it is absent, or starts with "N/A", or says "not applicable".
 */
public final class Consistency {
  private Consistency() {}

  /** One rule: an id (printed as {@code persona-id: rule-id: message}) and a check returning a message or null. */
  public record Rule(String id, String description, Function<Persona, String> check) {}

  public record Violation(String personaId, String rule, String message) {
    @Override
    public String toString() { return personaId + ": " + rule + ": " + message; }
  }

  static boolean na(String v) {
    if (v == null) return true;
    String t = v.trim().toLowerCase(Locale.ROOT);
    return t.isEmpty() || t.startsWith("n/a") || t.equals("not applicable") || t.equals("none applicable");
  }

  private static String given(Persona p, PersonaKey k) {
    return na(p.get(k)) ? null : p.get(k);
  }

  private static Rule under(String id, PersonaKey k, int minAge, String universe) {
    return new Rule(id, k.key() + " only for " + universe, p -> {
      int a = p.age();
      String v = given(p, k);
      return a >= 0 && a < minAge && v != null ? k.key() + " is '" + v + "' at age " + a + " (asked only " + universe + ")" : null;
    });
  }

  static final List<String> DEGREES = List.of("bachelor's degree", "master's degree",
      "professional degree beyond a bachelor's degree", "doctorate degree");

  static final List<String> LEVELS = List.of("Extremely Low", "Low", "Average", "High", "Extremely High");
  static final List<String> TRAITS = List.of("Openness", "Conscientiousness", "Extraversion", "Agreeableness", "Neuroticism");

  /** Whether a big five value has the released form (five traits, five levels) or is "Not Applicable". */
  static String bigFiveProblem(String v) {
    if (v.trim().equals("Not Applicable")) return null;
    String[] parts = v.split(",");
    if (parts.length != 5) return "expected 5 traits 'Openness: L, Conscientiousness: L, ...', got " + parts.length + " parts";
    for (int i = 0; i < 5; i++) {
      String[] kv = parts[i].split(":", 2);
      if (kv.length != 2 || !kv[0].trim().equals(TRAITS.get(i)))
        return "trait " + (i + 1) + " should be " + TRAITS.get(i) + ", got '" + parts[i].trim() + "'";
      if (!LEVELS.contains(kv[1].trim()))
        return TRAITS.get(i) + " level '" + kv[1].trim() + "' is not one of " + String.join(", ", LEVELS);
    }
    return null;
  }

  /** Every rule, in report order. */
  public static final List<Rule> RULES = List.of(
      new Rule("age", "age is a whole number 0..120", p -> {
        String a = p.get(PersonaKey.AGE);
        if (a == null) return "age is missing";
        int x = p.age();
        return x < 0 || x > 120 || !a.trim().matches("\\d+(\\.0+)?") ? "age '" + a + "' is not a whole number 0..120" : null;
      }),
      under("employment-under-16", PersonaKey.EMPLOYMENT_STATUS, 16, "from age 16 (ESR)"),
      under("class-of-worker-under-16", PersonaKey.CLASS_OF_WORKER, 16, "from age 16 (COW)"),
      under("industry-under-16", PersonaKey.INDUSTRY_CATEGORY, 16, "from age 16 (NAICSP)"),
      under("occupation-under-16", PersonaKey.OCCUPATION_CATEGORY, 16, "from age 16 (SOCP)"),
      under("income-under-15", PersonaKey.INCOME, 15, "from age 15 (PINCP)"),
      under("veteran-under-17", PersonaKey.VETERAN_STATUS, 17, "from age 17 (MIL)"),
      under("cognitive-under-5", PersonaKey.COGNITIVE_DIFFICULTY, 5, "from age 5 (DREM)"),
      under("education-under-3", PersonaKey.EDUCATION, 3, "from age 3 (SCHL)"),
      new Rule("marital-under-15", "under 15 the marital status is 'Never married or under 15 years old' (MAR)", p -> {
        int a = p.age();
        String m = given(p, PersonaKey.MARITAL_STATUS);
        return a >= 0 && a < 15 && m != null && !m.toLowerCase(Locale.ROOT).startsWith("never married")
            ? "marital status '" + m + "' at age " + a + " (under 15 it is 'Never married or under 15 years old')" : null;
      }),
      new Rule("fertility-universe", "fertility only for females aged 15 to 50 (FER)", p -> {
        String f = given(p, PersonaKey.FERTILITY);
        if (f == null) return null;
        int a = p.age();
        String sex = p.get(PersonaKey.SEX);
        if (sex != null && !sex.trim().equalsIgnoreCase("female")) return "fertility is '" + f + "' for sex '" + sex + "' (asked only of females 15-50)";
        if (a >= 0 && (a < 15 || a > 50)) return "fertility is '" + f + "' at age " + a + " (asked only of females 15-50)";
        return null;
      }),
      new Rule("english-universe", "ability to speak english only from age 5 and when another language is spoken at home (ENG, LANX)", p -> {
        String e = given(p, PersonaKey.ABILITY_TO_SPEAK_ENGLISH);
        if (e == null) return null;
        int a = p.age();
        if (a >= 0 && a < 5) return "ability to speak english is '" + e + "' at age " + a + " (asked from age 5)";
        String hhl = p.get(PersonaKey.HOUSEHOLD_LANGUAGE);
        if (hhl != null && hhl.trim().equalsIgnoreCase("english only"))
          return "ability to speak english is '" + e + "' but the household language is 'English only' (asked only of"
              + " those who speak another language at home)";
        return null;
      }),
      new Rule("degree-age", "a bachelor's degree or higher from age 19 (plausibility; not a PUMS universe)", p -> {
        String ed = given(p, PersonaKey.EDUCATION);
        int a = p.age();
        return ed != null && a >= 0 && a < 19 && DEGREES.contains(ed.trim().toLowerCase(Locale.ROOT))
            ? "education '" + ed + "' at age " + a : null;
      }),
      new Rule("worker-without-employment", "class of worker needs an employment status (COW and ESR share the age universe)", p ->
          given(p, PersonaKey.CLASS_OF_WORKER) != null && given(p, PersonaKey.EMPLOYMENT_STATUS) == null && p.age() >= 16
              ? "class of worker '" + p.get(PersonaKey.CLASS_OF_WORKER) + "' without an employment status" : null),
      new Rule("big-five-format", "big five scores: five traits, each Extremely Low|Low|Average|High|Extremely High, or 'Not Applicable'", p -> {
        String b = p.get(PersonaKey.BIG_FIVE_SCORES);
        if (b == null) return null;
        String why = bigFiveProblem(b);
        return why == null ? null : "big five scores: " + why;
      }),
      new Rule("blank-text", "filled LLM attributes are not blank", p -> {
        for (PersonaKey k : PersonaKey.values())
          if (!k.census() && p.get(k) != null && p.get(k).isBlank()) return k.key() + " is blank";
        return null;
      }));

  /** Every violation of every rule by one persona. */
  public static List<Violation> check(Persona p) {
    List<Violation> out = new ArrayList<>();
    for (Rule r : RULES) {
      String m = r.check().apply(p);
      if (m != null) out.add(new Violation(p.id(), r.id(), m));
    }
    return out;
  }

  public static List<Violation> check(List<Persona> ps) {
    List<Violation> out = new ArrayList<>();
    for (Persona p : ps) out.addAll(check(p));
    return out;
  }
}
