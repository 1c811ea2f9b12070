package io.personaknob.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.UserException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The run's journal: an append-only JSONL file of finished work units (a generated answer, a pair's
 * log-likelihoods, a judge's rating), one {"k": key, "v": value} per line, flushed after every line. A
 * re-run loads it and skips every unit it holds, so an interrupted run resumes without redoing finished
 * work; a torn last line (the process died mid-write) is ignored. The first line records the hash of the
 * configuration and inputs: a journal written for another configuration is refused.
 */
public final class RunJournal implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path file;
  private final Map<String, JsonNode> done = new HashMap<>();
  private final BufferedWriter out;
  private int loaded;

  /** A journal key: the parts joined by {@code |} (e.g. {@code gen|model|row}). */
  static String k(String... parts) { return String.join("|", parts); }

  public RunJournal(Path file, String configHash) {
    this.file = file;
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      boolean fresh = !Files.exists(file) || Files.size(file) == 0;
      if (!fresh) {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        JsonNode head = parse(lines.get(0));
        String was = head == null ? null : head.path("config_sha256").asText(null);
        if (was == null) throw new UserException(file + ":1: not a knob eval journal");
        if (!was.equals(configHash))
          throw new UserException(file + ": this run directory was started with a different configuration or different inputs"
              + " (config hash " + was.substring(0, 12) + " ≠ " + configHash.substring(0, 12)
              + "); use another 'out' directory, or delete the journal to start over");
        for (int i = 1; i < lines.size(); i++) {
          JsonNode n = parse(lines.get(i));
          if (n == null || !n.has("k")) continue; // a torn line
          done.put(n.get("k").asText(), n.get("v"));
        }
        loaded = done.size();
      }
      out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      if (fresh) {
        ObjectNode h = JSON.createObjectNode().put("config_sha256", configHash);
        out.write(JSON.writeValueAsString(h));
        out.write('\n');
        out.flush();
      } else if (!endsWithNewline(file)) {
        out.write('\n'); // isolate a torn last line
        out.flush();
      }
    } catch (IOException e) {
      throw new UserException(file + ": cannot open the run journal: " + e.getMessage(), e);
    }
  }

  private static boolean endsWithNewline(Path f) throws IOException {
    byte[] b = Files.readAllBytes(f);
    return b.length == 0 || b[b.length - 1] == '\n';
  }

  private static JsonNode parse(String line) {
    try {
      return line.isBlank() ? null : JSON.readTree(line);
    } catch (IOException e) {
      return null;
    }
  }

  /** Units found when the journal was opened (finished by an earlier run). */
  public int resumed() { return loaded; }

  public synchronized JsonNode get(String key) { return done.get(key); }

  public synchronized boolean has(String key) { return done.containsKey(key); }

  public synchronized void put(String key, JsonNode value) {
    try {
      ObjectNode n = JSON.createObjectNode();
      n.put("k", key);
      n.set("v", value);
      out.write(JSON.writeValueAsString(n));
      out.write('\n');
      out.flush();
      done.put(key, value);
    } catch (IOException e) {
      throw new UserException(file + ": cannot write the run journal: " + e.getMessage(), e);
    }
  }

  public static ObjectMapper json() { return JSON; }

  @Override
  public synchronized void close() {
    try { out.close(); } catch (IOException ignored) { /* best effort */ }
  }
}
