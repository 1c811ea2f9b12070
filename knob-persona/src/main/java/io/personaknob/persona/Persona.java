package io.personaknob.persona;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.llm.Json;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * One persona: an id, the PUMS record it came from, its person weight and the 33 attributes (a null value
 * is "not applicable" / not filled).
 */
public record Persona(String id, String sourceSerialno, double weight, Map<PersonaKey, String> values) {

  public Persona {
    EnumMap<PersonaKey, String> m = new EnumMap<>(PersonaKey.class);
    for (var e : values.entrySet()) if (e.getValue() != null) m.put(e.getKey(), e.getValue());
    values = Collections.unmodifiableMap(m);
  }

  public String get(PersonaKey k) { return values.get(k); }

  public Persona with(PersonaKey k, String v) {
    EnumMap<PersonaKey, String> m = new EnumMap<>(PersonaKey.class);
    m.putAll(values);
    if (v == null) m.remove(k);
    else m.put(k, v);
    return new Persona(id, sourceSerialno, weight, m);
  }

  /** This persona without some attributes (for leave-one-out). */
  public Persona without(java.util.Collection<PersonaKey> ks) {
    EnumMap<PersonaKey, String> m = new EnumMap<>(PersonaKey.class);
    m.putAll(values);
    for (PersonaKey k : ks) m.remove(k);
    return new Persona(id, sourceSerialno, weight, m);
  }

  /** The integer age, or -1 when absent or not a number. */
  public int age() {
    String a = values.get(PersonaKey.AGE);
    if (a == null) return -1;
    try {
      return (int) Double.parseDouble(a.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * The released text form: one {@code key: value} line per present attribute, in canonical order, joined
   * with newlines (the {@code persona} column of the PERSONA feedback data).
   */
  public String text() {
    StringBuilder sb = new StringBuilder();
    for (PersonaKey k : PersonaKey.values()) {
      String v = values.get(k);
      if (v == null) continue;
      if (!sb.isEmpty()) sb.append('\n');
      sb.append(k.key()).append(": ").append(v.replace('\n', ' '));
    }
    return sb.toString();
  }

  /** The JSONL object: id, source_serialno, weight, the 33 keys in canonical order (null when absent), text. */
  public ObjectNode toJson() {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("id", id);
    if (sourceSerialno != null) o.put("source_serialno", sourceSerialno);
    else o.putNull("source_serialno");
    if (weight == Math.rint(weight)) o.put("weight", (long) weight);
    else o.put("weight", weight);
    for (PersonaKey k : PersonaKey.values()) {
      String v = values.get(k);
      if (v == null) o.putNull(k.key());
      else o.put(k.key(), v);
    }
    o.put("text", text());
    return o;
  }
}
