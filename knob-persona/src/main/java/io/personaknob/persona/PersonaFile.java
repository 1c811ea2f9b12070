package io.personaknob.persona;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.core.AtomicFile;
import io.personaknob.core.UserException;
import io.personaknob.llm.Json;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads and writes persona JSONL. Reading accepts the file {@code knob persona sample} writes and
 * hand-edited or released personas: the 33 keys (values as text, numbers or null), {@code id},
 * {@code source_serialno}, {@code weight}, {@code text}. Unknown keys are warned about (file:line: key) and
 * ignored; a missing id gets {@code line-N}.
 */
public final class PersonaFile {
  private PersonaFile() {}

  private static final Set<String> META = Set.of("id", "source_serialno", "weight", "text");

  public static List<Persona> read(Path file, Consumer<String> warn) {
    List<Persona> out = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    Set<String> warnedKeys = new HashSet<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String l;
      int line = 0;
      while ((l = r.readLine()) != null) {
        line++;
        if (l.isBlank()) continue;
        String where = file + ":" + line;
        JsonNode n;
        try {
          n = Json.read(l);
        } catch (IOException e) {
          throw new UserException(where + ": not valid JSON");
        }
        if (!n.isObject()) throw new UserException(where + ": expected a JSON object");
        Map<PersonaKey, String> vals = new EnumMap<>(PersonaKey.class);
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        while (it.hasNext()) {
          var e = it.next();
          if (META.contains(e.getKey())) continue;
          var k = PersonaKey.parse(e.getKey());
          if (k.isEmpty()) {
            if (warnedKeys.add(e.getKey()))
              warn.accept(where + ": unknown key '" + e.getKey() + "' ignored (not one of the 33 PERSONA keys)");
            continue;
          }
          JsonNode v = e.getValue();
          if (v.isNull()) continue;
          if (v.isContainerNode()) throw new UserException(where + ": " + e.getKey() + ": expected text, got " + v.getNodeType().name().toLowerCase());
          vals.put(k.get(), v.asText());
        }
        String id = n.hasNonNull("id") ? n.get("id").asText() : "line-" + line;
        if (!ids.add(id)) throw new UserException(where + ": id: duplicate id '" + id + "'");
        double w = 1;
        if (n.hasNonNull("weight")) {
          if (!n.get("weight").isNumber()) throw new UserException(where + ": weight: expected a number");
          w = n.get("weight").asDouble();
        }
        String serial = n.hasNonNull("source_serialno") ? n.get("source_serialno").asText() : null;
        out.add(new Persona(id, serial, w, vals));
      }
    } catch (NoSuchFileException e) {
      throw new UserException(file + ": no such file");
    } catch (IOException e) {
      throw new UserException(file + ": cannot read: " + e.getMessage());
    }
    if (out.isEmpty()) throw new UserException(file + ": no personas");
    return out;
  }

  /** Writes personas as JSONL, atomically. */
  public static void write(Path file, List<Persona> personas) {
    AtomicFile.write(file, tmp -> {
      try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        for (Persona p : personas) {
          w.write(Json.write(p.toJson()));
          w.write('\n');
        }
      }
    });
  }
}
