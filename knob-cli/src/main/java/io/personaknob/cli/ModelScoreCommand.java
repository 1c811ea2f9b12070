package io.personaknob.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.UserException;
import io.personaknob.lm.DjlLanguageModel;
import io.personaknob.lm.LanguageModels;
import io.personaknob.lm.SequenceScore;
import io.personaknob.lm.Tokenizer;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code knob model score}: log-probability of each completion given its prompt. The prompt is
 * tokenized with the tokenizer's special tokens (BOS where the tokenizer adds one), the completion
 * without, and the two are concatenated, as preference-training libraries do; only completion tokens
 * are scored.
 */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    description = {
      "Score completions: for each JSONL line {\"prompt\", \"completion\"} write the line with "
          + "sum_logprob, mean_logprob and tokens (completion tokens) added.",
      "Preference pairs {\"prompt\", \"chosen\", \"rejected\"} (the output of knob data pairs, TRL's "
          + "format) get chosen_ and rejected_ sum_logprob, mean_logprob and tokens, and margin = "
          + "chosen_sum_logprob - rejected_sum_logprob. Blank lines are skipped."
    })
final class ModelScoreCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory (Hugging Face layout).")
  Path model;

  @Option(names = "--input", required = true, paramLabel = "FILE.jsonl", description = "Lines of {\"prompt\", \"completion\"} or {\"prompt\", \"chosen\", \"rejected\"}.")
  Path input;

  @Option(names = {"-o", "--output"}, paramLabel = "OUT.jsonl", description = "Output file (default: stdout); written atomically.")
  Path output;

  @Option(names = "--limit", paramLabel = "N", description = "Score only the first N lines (default: all).")
  Integer limit;

  @Option(names = "--batch-size", defaultValue = "16", paramLabel = "N", description = "Sequences per forward pass (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
  String device;

  @picocli.CommandLine.Mixin SteerOptions steering = new SteerOptions();

  /**
   * One input line: a prompt and the completions to score under it, by field name ("completion", or
   * "chosen" and "rejected" for a preference pair).
   */
  record Item(int line, ObjectNode row, String prompt, List<String> fields, List<String> completions) {
    boolean pair() {
      return fields.size() == 2;
    }
  }

  @Override
  public Integer call() throws IOException {
    if (batchSize < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--batch-size must be >= 1, got " + batchSize);
    if (limit != null && limit < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be >= 1, got " + limit);
    List<Item> all = read(input);
    List<Item> items = limit != null && all.size() > limit ? all.subList(0, limit) : all;
    try (DjlLanguageModel lm = LanguageModels.load(model, device)) {
      Tokenizer tok = lm.tokenizer();
      if (tok == null) throw new UserException(model + ": no tokenizer.json; scoring text needs one");
      steering.apply(lm, spec.commandLine().getErr());
      List<int[]> prompts = new ArrayList<>();
      List<int[]> completions = new ArrayList<>();
      for (Item it : items) {
        int[] p = tok.encode(it.prompt(), true);
        String where = input + ":" + it.line() + ": ";
        if (p.length == 0) {
          throw new UserException(where + "field 'prompt': empty, and the tokenizer adds no BOS: a completion needs a token before it");
        }
        for (int k = 0; k < it.fields().size(); k++) {
          String f = it.fields().get(k);
          int[] c = tok.encode(it.completions().get(k), false);
          if (c.length == 0) throw new UserException(where + "field '" + f + "': empty");
          if (p.length + c.length > lm.contextLength()) {
            throw new UserException(where + "prompt + " + f + " have " + (p.length + c.length)
                + " tokens, more than the model's context of " + lm.contextLength());
          }
          prompts.add(p);
          completions.add(c);
        }
      }
      List<SequenceScore> scores = new ArrayList<>(prompts.size());
      for (int i = 0; i < prompts.size(); i += batchSize) {
        int j = Math.min(prompts.size(), i + batchSize);
        scores.addAll(lm.score(prompts.subList(i, j), completions.subList(i, j)));
      }
      if (output == null) {
        PrintWriter out = spec.commandLine().getOut();
        write(out, items, scores);
        out.flush();
      } else {
        writeAtomically(output, w -> write(w, items, scores));
        spec.commandLine().getErr().println("knob: scored " + items.size() + " lines (" + scores.size() + " completions) into " + output);
        spec.commandLine().getErr().flush();
      }
    }
    return Knob.EXIT_OK;
  }

  static List<Item> read(Path file) throws IOException {
    List<Item> items = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) continue;
        JsonNode node;
        try {
          node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
          throw new UserException(file + ":" + n + ": invalid JSON at column " + e.getLocation().getColumnNr() + ": " + io.personaknob.core.ParseErrors.reason(e));
        }
        if (node == null || !node.isObject()) throw new UserException(file + ":" + n + ": expected a JSON object");
        boolean pair = node.has("chosen") || node.has("rejected");
        List<String> fields = pair ? List.of("chosen", "rejected") : List.of("completion");
        if (!pair && !node.has("completion")) {
          throw new UserException(file + ":" + n + ": field 'completion': missing (a line is {\"prompt\", \"completion\"}"
              + " or a preference pair {\"prompt\", \"chosen\", \"rejected\"})");
        }
        List<String> texts = new ArrayList<>();
        for (String f : concat("prompt", fields)) {
          if (!node.path(f).isTextual()) {
            throw new UserException(file + ":" + n + ": field '" + f + "': "
                + (node.has(f) ? "not a string (a " + node.get(f).getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + ")" : "missing"));
          }
          texts.add(node.get(f).asText());
        }
        items.add(new Item(n, (ObjectNode) node, texts.get(0), fields, texts.subList(1, texts.size())));
      }
    } catch (NoSuchFileException e) {
      throw new UserException(file + ": no such file");
    } catch (java.nio.charset.MalformedInputException e) {
      throw new UserException(file + ": not UTF-8 text");
    }
    if (items.isEmpty()) throw new UserException(file + ": no lines to score");
    return items;
  }

  private static List<String> concat(String first, List<String> rest) {
    List<String> all = new ArrayList<>();
    all.add(first);
    all.addAll(rest);
    return all;
  }

  private static void write(Writer w, List<Item> items, List<SequenceScore> scores) throws IOException {
    int k = 0;
    for (Item it : items) {
      ObjectNode o = it.row().deepCopy();
      if (it.pair()) {
        SequenceScore c = scores.get(k++);
        SequenceScore r = scores.get(k++);
        put(o, "chosen_", c);
        put(o, "rejected_", r);
        o.put("margin", c.sum() - r.sum());
      } else {
        put(o, "", scores.get(k++));
      }
      w.write(JSON.writeValueAsString(o));
      w.write('\n');
    }
  }

  private static void put(ObjectNode o, String prefix, SequenceScore s) {
    o.put(prefix + "sum_logprob", s.sum());
    o.put(prefix + "mean_logprob", s.mean());
    o.put(prefix + "tokens", s.tokens());
  }

  interface Body {
    void write(Writer w) throws IOException;
  }

  /** Writes to a temporary file beside the target, then renames it into place. */
  static void writeAtomically(Path target, Body body) throws IOException {
    Path abs = target.toAbsolutePath();
    Path parent = abs.getParent();
    if (parent != null && !Files.isDirectory(parent)) throw new UserException(target + ": directory " + parent + " does not exist");
    Path tmp = Files.createTempFile(parent, "." + abs.getFileName(), ".tmp");
    try {
      try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        body.write(w);
      }
      try {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
