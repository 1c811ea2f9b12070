package io.personaknob.train.steer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personaknob.core.UserException;
import io.personaknob.core.data.Dimension;
import io.personaknob.core.data.PersonaData;
import io.personaknob.core.data.PersonaRow;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Contrastive pairs for steering vectors: a prompt with a positive answer (shows the trait) and a
 * negative one (does not). Read from
 * <ul>
 *   <li>PersonaKnob data (any format knob-core reads): per row whose mask holds dimension k, golden
 *       (satisfies k) vs reject_k (fails exactly k), the prompt shared — the cleanest contrast there is,
 *       since the two answers differ only on k;</li>
 *   <li>DPO pairs as {@code knob data pairs} writes them ({@code prompt, chosen, rejected, dimension}),
 *       filtered to the dimension;</li>
 *   <li>plain JSONL {@code {"prompt", "positive", "negative"}} (e.g. the two poles of a steering-template
 *       cell), where the dimension is ignored.</li>
 * </ul>
 */
public final class ContrastPairs {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ContrastPairs() {}

  public record Pair(String id, String prompt, String positive, String negative) {}

  /** The format of a pair file, from its first non-blank JSONL line (anything else is PersonaKnob data). */
  enum Kind { PLAIN, DPO, PERSONAKNOB }

  public static List<Pair> read(Path file, Dimension dimension) {
    if (!Files.exists(file)) throw new UserException(file + ": no such file");
    if (Files.isRegularFile(file) && isBlank(file)) throw new UserException(file + ": no contrastive pairs (the file is empty)");
    Kind kind = kind(file);
    List<Pair> out = new ArrayList<>();
    if (kind == Kind.PERSONAKNOB) {
      if (dimension == null) throw new UserException(file + ": PersonaKnob data needs --dimension (A, T, E or C)");
      for (PersonaRow r : PersonaData.readAll(file)) {
        if (!r.mask().contains(dimension)) continue;
        out.add(new Pair(r.id(), r.prompt(), r.golden(), r.reject(dimension)));
      }
    } else {
      try (BufferedReader br = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        String line;
        int n = 0;
        while ((line = br.readLine()) != null) {
          n++;
          if (line.isBlank()) continue;
          JsonNode o;
          try {
            o = JSON.readTree(line);
          } catch (JsonProcessingException e) {
            throw new UserException(file + ":" + n + ": invalid JSON at column " + e.getLocation().getColumnNr());
          }
          if (o == null || !o.isObject()) throw new UserException(file + ":" + n + ": expected a JSON object");
          String pos = kind == Kind.PLAIN ? "positive" : "chosen";
          String neg = kind == Kind.PLAIN ? "negative" : "rejected";
          for (String f : new String[] {"prompt", pos, neg}) {
            if (!o.path(f).isTextual()) throw new UserException(file + ":" + n + ": field '" + f + "': " + (o.has(f) ? "not a string" : "missing"));
          }
          if (kind == Kind.DPO) {
            if (dimension == null) throw new UserException(file + ": DPO pairs need --dimension (A, T, E or C)");
            if (!dimension.name().equals(o.path("dimension").asText())) continue;
          }
          String id = o.path("id").asText(o.path("row_id").asText("line-" + n));
          out.add(new Pair(id, o.get("prompt").asText(), o.get(pos).asText(), o.get(neg).asText()));
        }
      } catch (java.nio.charset.MalformedInputException e) {
        throw new UserException(file + ": not UTF-8 text");
      } catch (IOException e) {
        throw new UserException(file + ": cannot read: " + e.getMessage(), e);
      }
    }
    if (out.isEmpty()) {
      throw new UserException(file + ": no contrastive pairs" + (kind == Kind.PLAIN ? "" : " for dimension " + dimension));
    }
    return out;
  }

  private static boolean isBlank(Path file) {
    try (BufferedReader br = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
      String line;
      while ((line = br.readLine()) != null) if (!line.isBlank()) return false;
      return true;
    } catch (IOException e) {
      throw new UserException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  static Kind kind(Path file) {
    String name = file.getFileName().toString().toLowerCase();
    if (Files.isDirectory(file) || !name.endsWith(".jsonl")) return Kind.PERSONAKNOB;
    try (BufferedReader br = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = br.readLine()) != null) {
        if (line.isBlank()) continue;
        try {
          JsonNode o = JSON.readTree(line);
          if (o != null && (o.has("positive") || o.has("negative"))) return Kind.PLAIN;
          if (o != null && (o.has("chosen") || o.has("rejected"))) return Kind.DPO;
        } catch (JsonProcessingException e) {
          // PersonaData reports it with line and column
        }
        return Kind.PERSONAKNOB;
      }
    } catch (IOException e) {
      return Kind.PERSONAKNOB;
    }
    return Kind.PERSONAKNOB;
  }
}
