package io.personaknob.persona;

import java.util.Optional;

/**
 * The 33 PERSONA attribute keys in their canonical order (PERSONA Bench {@code persona_keys}), with where
 * each value comes from: a PUMS variable of the person or housing record, or an LLM.
 */
public enum PersonaKey {
  AGE("age", "AGEP", Source.PERSON),
  SEX("sex", "SEX", Source.PERSON),
  RACE("race", "RAC1P", Source.PERSON),
  ANCESTRY("ancestry", "ANC1P", Source.PERSON),
  HOUSEHOLD_LANGUAGE("household language", "HHL", Source.HOUSING),
  EDUCATION("education", "SCHL", Source.PERSON),
  EMPLOYMENT_STATUS("employment status", "ESR", Source.PERSON),
  CLASS_OF_WORKER("class of worker", "COW", Source.PERSON),
  INDUSTRY_CATEGORY("industry category", "NAICSP", Source.PERSON),
  OCCUPATION_CATEGORY("occupation category", "SOCP", Source.PERSON),
  DETAILED_JOB_DESCRIPTION("detailed job description", null, Source.LLM),
  INCOME("income", "PINCP", Source.PERSON),
  MARITAL_STATUS("marital status", "MAR", Source.PERSON),
  HOUSEHOLD_TYPE("household type", "HHT2", Source.HOUSING),
  FAMILY_PRESENCE_AND_AGE("family presence and age", "FPARC", Source.HOUSING),
  PLACE_OF_BIRTH("place of birth", "POBP", Source.PERSON),
  CITIZENSHIP("citizenship", "CIT", Source.PERSON),
  VETERAN_STATUS("veteran status", "MIL", Source.PERSON),
  DISABILITY("disability", "DIS", Source.PERSON),
  HEALTH_INSURANCE("health insurance", "HICOV", Source.PERSON),
  BIG_FIVE_SCORES("big five scores", null, Source.LLM),
  DEFINING_QUIRKS("defining quirks", null, Source.LLM),
  MANNERISMS("mannerisms", null, Source.LLM),
  PERSONAL_TIME("personal time", null, Source.LLM),
  LIFESTYLE("lifestyle", null, Source.LLM),
  IDEOLOGY("ideology", null, Source.LLM),
  POLITICAL_VIEWS("political views", null, Source.LLM),
  RELIGION("religion", null, Source.LLM),
  COGNITIVE_DIFFICULTY("cognitive difficulty", "DREM", Source.PERSON),
  ABILITY_TO_SPEAK_ENGLISH("ability to speak english", "ENG", Source.PERSON),
  VISION_DIFFICULTY("vision difficulty", "DEYE", Source.PERSON),
  FERTILITY("fertility", "FER", Source.PERSON),
  HEARING_DIFFICULTY("hearing difficulty", "DEAR", Source.PERSON);

  /** Where a value comes from. */
  public enum Source { PERSON, HOUSING, LLM }

  private final String key;
  private final String pums;
  private final Source source;

  PersonaKey(String key, String pums, Source source) {
    this.key = key;
    this.pums = pums;
    this.source = source;
  }

  /** The exact key string, e.g. "household language". */
  public String key() { return key; }

  /** The PUMS variable, or null for LLM-written attributes. */
  public String pums() { return pums; }

  public Source source() { return source; }

  public boolean census() { return source != Source.LLM; }

  /** Keys 29–33 are optional in the released personas; 1–28 always present. */
  public boolean optional() { return ordinal() >= COGNITIVE_DIFFICULTY.ordinal(); }

  public static Optional<PersonaKey> parse(String s) {
    if (s == null) return Optional.empty();
    for (PersonaKey k : values()) if (k.key.equals(s)) return Optional.of(k);
    return Optional.empty();
  }

  @Override
  public String toString() { return key; }
}
