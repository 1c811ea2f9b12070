package io.personaknob.build;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.core.AtomicFile;
import io.personaknob.core.UserException;
import io.personaknob.llm.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files of a build directory: {@code build.json} (the {@link BuildSpec}), {@code rows.jsonl} (every planned
 * row, rewritten whole through a temporary file and an atomic rename, so it is never half-written) and
 * {@code review-queue.jsonl}.
 */
public final class BuildState {
  private BuildState() {}

  public static Path specFile(Path dir) {
    return dir.resolve("build.json");
  }

  public static Path rowsFile(Path dir) {
    return dir.resolve("rows.jsonl");
  }

  public static boolean exists(Path dir) {
    return Files.isRegularFile(specFile(dir));
  }

  public static BuildSpec readSpec(Path dir) {
    Path f = specFile(dir);
    if (!Files.isRegularFile(f)) throw new UserException(dir + ": no build here (no build.json); start one with knob build plan"
        + " or knob build run");
    try {
      return Json.MAPPER.readValue(Files.readString(f), BuildSpec.class);
    } catch (IOException e) {
      throw new UserException(f + ": cannot read: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  public static void writeSpec(Path dir, BuildSpec spec) {
    AtomicFile.write(specFile(dir), tmp -> Files.writeString(tmp,
        Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(spec) + "\n"));
  }

  public static List<BuildRow> readRows(Path dir) {
    Path f = rowsFile(dir);
    if (!Files.isRegularFile(f)) throw new UserException(f + ": no such file; plan the build first");
    List<BuildRow> out = new ArrayList<>();
    try {
      List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).isBlank()) continue;
        JsonNode n;
        try {
          n = Json.read(lines.get(i));
        } catch (IOException e) {
          throw new UserException(f + ":" + (i + 1) + ": json: not valid JSON");
        }
        out.add(BuildRow.fromJson(n));
      }
    } catch (IOException e) {
      throw new UserException(f + ": cannot read: " + e.getMessage());
    }
    return out;
  }

  public static void writeRows(Path dir, List<BuildRow> rows) {
    writeJsonl(rowsFile(dir), rows.stream().map(r -> Json.write(r.toJson())).toList());
  }

  static void writeJsonl(Path file, List<String> lines) {
    AtomicFile.write(file, tmp -> {
      try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        for (String l : lines) {
          w.write(l);
          w.write('\n');
        }
      }
    });
  }
}
