package io.personaknob.build;

import io.personaknob.core.UserException;
import io.personaknob.llm.Json;
import io.personaknob.llm.Message;
import io.personaknob.llm.judge.Rubrics;
import io.personaknob.core.data.Dimension;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pipeline's prompt files. Defaults live in resources ({@code io/personaknob/build/prompts/NAME.vN.txt});
 * a file {@code NAME.txt} in an override folder (the build directory's {@code prompts/}, or
 * {@code --prompts DIR}) replaces one. Every row records the version of each prompt that made it:
 * {@code generator.v1} for a default, {@code generator.txt@<sha256 prefix>} for an override.
 *
 * <p>A file has a {@code === system ===} and a {@code === user ===} section; {@code {{name}}} placeholders
 * are filled per row.
 */
public final class Prompts {
  /** The prompts and the default version of each. */
  public static final Map<String, String> DEFAULTS = Map.of(
      "generator", "generator.v1", "attribution", "attribution.v1", "verifier", "verifier.v1",
      "seed-scenes", "seed-scenes.v1");

  private final Map<String, String> texts = new LinkedHashMap<>();
  private final Map<String, String> versions = new LinkedHashMap<>();

  private Prompts() {}

  /** Loads every prompt, taking overrides from the folders given (first found wins; null folders skipped). */
  public static Prompts load(Path... overrideDirs) {
    Prompts p = new Prompts();
    for (String name : List.of("generator", "attribution", "verifier", "seed-scenes")) {
      Path found = null;
      for (Path d : overrideDirs) {
        if (d != null && Files.isRegularFile(d.resolve(name + ".txt"))) {
          found = d.resolve(name + ".txt");
          break;
        }
      }
      String text;
      String version;
      if (found != null) {
        try {
          text = Files.readString(found, StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new UserException(found + ": cannot read: " + e.getMessage());
        }
        version = name + ".txt@" + Json.sha256(text).substring(0, 12);
      } else {
        version = DEFAULTS.get(name);
        text = resource(version + ".txt");
      }
      if (!text.contains("=== user ===")) throw new UserException((found != null ? found : version)
          + ": a prompt file needs a '=== user ===' section (and optionally '=== system ===' before it)");
      p.texts.put(name, text);
      p.versions.put(name, version);
    }
    p.versions.put("judge", "knob-llm-rubrics-default@" + Json.sha256(rubrics()).substring(0, 12));
    return p;
  }

  private static String rubrics() {
    StringBuilder sb = new StringBuilder();
    for (Dimension d : Dimension.values()) sb.append(Rubrics.text(d)).append('\n');
    return sb.toString();
  }

  static String resource(String file) {
    try (InputStream in = Prompts.class.getResourceAsStream("prompts/" + file)) {
      if (in == null) throw new IllegalStateException("missing prompt resource " + file);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Versions of every prompt (generator, attribution, verifier, seed-scenes, judge). */
  public Map<String, String> versions() {
    return Map.copyOf(versions);
  }

  public String version(String name) {
    return versions.get(name);
  }

  /** The raw text of a prompt file. */
  public String text(String name) {
    return texts.get(name);
  }

  /** The system and user messages of a prompt with its placeholders filled. */
  public List<Message> render(String name, Map<String, String> vars) {
    String t = texts.get(name);
    for (var e : vars.entrySet()) t = t.replace("{{" + e.getKey() + "}}", e.getValue() == null ? "" : e.getValue());
    int u = t.indexOf("=== user ===");
    int s = t.indexOf("=== system ===");
    String sys = s >= 0 && s < u ? t.substring(s + "=== system ===".length(), u).strip() : "";
    String user = t.substring(u + "=== user ===".length()).strip();
    List<Message> out = new ArrayList<>();
    if (!sys.isEmpty()) out.add(Message.system(sys));
    out.add(Message.user(user));
    return out;
  }
}
