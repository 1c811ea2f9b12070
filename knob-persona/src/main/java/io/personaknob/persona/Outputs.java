package io.personaknob.persona;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.AtomicFile;
import io.personaknob.core.Provenance;
import io.personaknob.llm.Json;
import io.personaknob.llm.RunStore;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Atomic output files: JSONL, text, and the {@code OUT.provenance.json} beside every result. */
public final class Outputs {
  private Outputs() {}

  public static void jsonl(Path out, List<ObjectNode> rows) {
    AtomicFile.write(out, tmp -> {
      try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        for (ObjectNode o : rows) {
          w.write(Json.write(o));
          w.write('\n');
        }
      }
    });
  }

  public static void text(Path out, String s) {
    AtomicFile.write(out, tmp -> Files.writeString(tmp, s, StandardCharsets.UTF_8));
  }

  public static void json(Path out, ObjectNode o) {
    try {
      text(out, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes {@code OUT.provenance.json}: the provenance plus {@code extra} fields (counts, warnings, run). */
  public static void provenance(Path out, Provenance p, ObjectNode extra) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.set("provenance", Json.MAPPER.valueToTree(RunStore.provenanceMap(p)));
    if (extra != null) o.setAll(extra);
    json(out.toAbsolutePath().resolveSibling(out.getFileName() + ".provenance.json"), o);
  }
}
