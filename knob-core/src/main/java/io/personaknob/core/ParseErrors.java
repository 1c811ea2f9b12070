package io.personaknob.core;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parser errors (JSON through Jackson, YAML through SnakeYAML) in our words: where (line and column,
 * 1-based) and the parser's complete reason, without the library's internals (Jackson's
 * {@code [Source: REDACTED (StreamReadFeature...) disabled ...]}, SnakeYAML's multi-line snippets).
 */
public final class ParseErrors {
  private ParseErrors() {}

  /** A position in a text file (1-based line and column; 0 when unknown) and the reason. */
  public record Where(int line, int column, String reason) {
    /** "line L, column C: reason" (the parts that are known). */
    public String describe() {
      StringBuilder b = new StringBuilder();
      if (line > 0) b.append("line ").append(line);
      if (column > 0) b.append(b.isEmpty() ? "" : ", ").append("column ").append(column);
      return b.isEmpty() ? reason : b + ": " + reason;
    }
  }

  private static final Pattern SOURCE = Pattern.compile(
      "\\s*(?:at )?\\[Source: [^;\\]]*(?:\\([^)]*\\)[^;\\]]*)?(?:; line: (\\d+), column: (\\d+))?\\]");

  /** The reason of a Jackson error, with any embedded source location turned into "line L, column C". */
  public static String reason(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    if (m == null) m = e.getClass().getSimpleName();
    Matcher x = SOURCE.matcher(m);
    StringBuilder b = new StringBuilder();
    while (x.find()) {
      String rep = x.group(1) == null ? "" : " at line " + x.group(1) + ", column " + x.group(2);
      x.appendReplacement(b, Matcher.quoteReplacement(rep));
    }
    x.appendTail(b);
    return b.toString().replaceAll("\\s+", " ").replace("( line", "(line").strip();
  }

  /**
   * Where a JSON (or YAML) read failed: the SnakeYAML problem mark when the cause is a YAML syntax
   * error, else Jackson's location, and the complete reason.
   */
  public static Where of(JsonProcessingException e) {
    Optional<Where> y = yaml(e);
    if (y.isPresent()) return y.get();
    JsonLocation loc = e.getLocation();
    int line = loc == null ? 0 : Math.max(0, loc.getLineNr());
    int col = loc == null ? 0 : Math.max(0, loc.getColumnNr());
    return new Where(line, col, reason(e));
  }

  /** "line L, column C: reason" for a Jackson error. */
  public static String describe(JsonProcessingException e) {
    return of(e).describe();
  }

  /**
   * A YAML syntax error found among the causes: SnakeYAML's problem mark (its line and column are
   * 0-based; these are 1-based) and its complete reason, with the context it names ("while parsing a
   * block mapping that starts at line 1, column 1").
   */
  public static Optional<Where> yaml(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException m) {
        org.yaml.snakeyaml.error.Mark pm = m.getProblemMark();
        org.yaml.snakeyaml.error.Mark cm = m.getContextMark();
        String problem = m.getProblem() == null ? "" : m.getProblem().strip();
        String context = m.getContext() == null ? "" : m.getContext().strip();
        String reason = problem;
        if (!context.isEmpty()) {
          reason += " (" + context + (cm != null && (pm == null || cm.getLine() != pm.getLine() || cm.getColumn() != pm.getColumn())
              ? " that starts at line " + (cm.getLine() + 1) + ", column " + (cm.getColumn() + 1) : "") + ")";
        }
        if (reason.isBlank()) reason = "malformed YAML";
        return Optional.of(new Where(pm == null ? 0 : pm.getLine() + 1, pm == null ? 0 : pm.getColumn() + 1,
            reason.replaceAll("\\s+", " ")));
      }
    }
    return Optional.empty();
  }
}
