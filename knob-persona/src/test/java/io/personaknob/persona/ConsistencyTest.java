package io.personaknob.persona;

import static org.junit.jupiter.api.Assertions.*;

import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every consistency rule: a clean persona passes, and one planted violation per rule is caught by exactly that rule. */
class ConsistencyTest {

  static Persona clean() {
    Map<PersonaKey, String> v = new EnumMap<>(PersonaKey.class);
    v.put(PersonaKey.AGE, "34");
    v.put(PersonaKey.SEX, "Female");
    v.put(PersonaKey.RACE, "White alone");
    v.put(PersonaKey.HOUSEHOLD_LANGUAGE, "Spanish");
    v.put(PersonaKey.EDUCATION, "Bachelor's degree");
    v.put(PersonaKey.EMPLOYMENT_STATUS, "Civilian employed, at work");
    v.put(PersonaKey.CLASS_OF_WORKER, "State government employee");
    v.put(PersonaKey.INDUSTRY_CATEGORY, "EDU-Elementary And Secondary Schools");
    v.put(PersonaKey.OCCUPATION_CATEGORY, "EDU-Elementary And Middle School Teachers");
    v.put(PersonaKey.INCOME, "52000.0");
    v.put(PersonaKey.MARITAL_STATUS, "Married");
    v.put(PersonaKey.VETERAN_STATUS, "Never served in the military");
    v.put(PersonaKey.BIG_FIVE_SCORES, "Openness: High, Conscientiousness: Average, Extraversion: Low, Agreeableness: Extremely High, Neuroticism: Extremely Low");
    v.put(PersonaKey.DEFINING_QUIRKS, "Collects bus tickets.");
    v.put(PersonaKey.COGNITIVE_DIFFICULTY, "No");
    v.put(PersonaKey.ABILITY_TO_SPEAK_ENGLISH, "Very well");
    v.put(PersonaKey.FERTILITY, "No");
    return new Persona("p1", "2022HU0000001-1", 10, v);
  }

  /** rule id -> a persona that breaks exactly it (built from the clean one). */
  static Map<String, Persona> planted() {
    Persona c = clean();
    Persona child = c.with(PersonaKey.EDUCATION, "Grade 4").with(PersonaKey.EMPLOYMENT_STATUS, null).with(PersonaKey.CLASS_OF_WORKER, null)
        .with(PersonaKey.INDUSTRY_CATEGORY, null).with(PersonaKey.OCCUPATION_CATEGORY, null).with(PersonaKey.INCOME, null)
        .with(PersonaKey.MARITAL_STATUS, "Never married or under 15 years old").with(PersonaKey.VETERAN_STATUS, null)
        .with(PersonaKey.FERTILITY, null).with(PersonaKey.AGE, "9");
    Map<String, Persona> m = new java.util.LinkedHashMap<>();
    m.put("age", c.with(PersonaKey.AGE, "thirty"));
    m.put("employment-under-16", child.with(PersonaKey.EMPLOYMENT_STATUS, "Not in labor force"));
    m.put("class-of-worker-under-16", child.with(PersonaKey.AGE, "15").with(PersonaKey.INCOME, "0.0").with(PersonaKey.FERTILITY, "No")
        .with(PersonaKey.CLASS_OF_WORKER, "Working without pay in family business or farm").with(PersonaKey.EMPLOYMENT_STATUS, null));
    m.put("industry-under-16", child.with(PersonaKey.INDUSTRY_CATEGORY, "AGR-Crop Production"));
    m.put("occupation-under-16", child.with(PersonaKey.OCCUPATION_CATEGORY, "SAL-Retail Salespersons"));
    m.put("income-under-15", child.with(PersonaKey.INCOME, "1200.0"));
    m.put("veteran-under-17", child.with(PersonaKey.AGE, "16").with(PersonaKey.MARITAL_STATUS, "Married").with(PersonaKey.FERTILITY, "No")
        .with(PersonaKey.INCOME, "0.0").with(PersonaKey.EMPLOYMENT_STATUS, "Not in labor force").with(PersonaKey.VETERAN_STATUS, "Now on active duty"));
    m.put("cognitive-under-5", child.with(PersonaKey.AGE, "3").with(PersonaKey.EDUCATION, "Nursery school, preschool")
        .with(PersonaKey.ABILITY_TO_SPEAK_ENGLISH, null));
    m.put("education-under-3", child.with(PersonaKey.AGE, "2").with(PersonaKey.COGNITIVE_DIFFICULTY, null)
        .with(PersonaKey.ABILITY_TO_SPEAK_ENGLISH, null).with(PersonaKey.EDUCATION, "Kindergarten"));
    m.put("marital-under-15", child.with(PersonaKey.MARITAL_STATUS, "Divorced"));
    m.put("fertility-universe", c.with(PersonaKey.SEX, "Male"));
    m.put("english-universe", c.with(PersonaKey.HOUSEHOLD_LANGUAGE, "English Only"));
    m.put("degree-age", c.with(PersonaKey.AGE, "17").with(PersonaKey.VETERAN_STATUS, null).with(PersonaKey.MARITAL_STATUS, "Never married or under 15 years old"));
    m.put("worker-without-employment", c.with(PersonaKey.EMPLOYMENT_STATUS, "N/A (less than 16 years old)"));
    m.put("big-five-format", c.with(PersonaKey.BIG_FIVE_SCORES, "Openness: Very High, Conscientiousness: Average, Extraversion: Low, Agreeableness: High, Neuroticism: Low"));
    m.put("blank-text", c.with(PersonaKey.DEFINING_QUIRKS, "  "));
    return m;
  }

  @Test
  void cleanPersonaPasses() {
    assertEquals(List.of(), Consistency.check(clean()));
    assertNull(Consistency.bigFiveProblem("Not Applicable"));
  }

  @Test
  void everyRuleCatchesItsPlantedViolationAndNothingElse() {
    Map<String, Persona> m = planted();
    Set<String> ruleIds = new HashSet<>();
    for (Consistency.Rule r : Consistency.RULES) ruleIds.add(r.id());
    assertEquals(ruleIds, m.keySet(), "one planted violation per rule");
    for (var e : m.entrySet()) {
      List<Consistency.Violation> v = Consistency.check(e.getValue());
      assertEquals(List.of(e.getKey()), v.stream().map(Consistency.Violation::rule).toList(), e.getKey() + ": " + v);
      assertTrue(v.get(0).toString().startsWith("p1: " + e.getKey() + ": "), v.get(0).toString());
    }
  }
}
