package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personaknob.core.UserException;
import io.personaknob.eval.run.EvalConfig;
import io.personaknob.llm.KnobConfig;
import io.personaknob.train.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: a YAML syntax error in knob.yaml, a train config or an eval config names the real line and
 * column and the parser's complete reason (not "line 1" and a cut message), without library internals.
 */
class ConfigSyntaxErrorTest {
  @TempDir Path tmp;

  /** Line 4 is indented one space less than the mapping it should belong to. */
  static final String BAD = "# a comment\nfirst: 1\nsecond:\n  inner: 2\n third: 3\n";

  /** What SnakeYAML says about BAD, read off its grammar: a block mapping that cannot continue at line 5, column 2. */
  static void check(String message, Path file) {
    assertTrue(message.startsWith(file.toString()), message);
    assertTrue(message.contains("5"), message);
    assertTrue(message.contains("column 2"), message);
    assertTrue(message.contains("expected <block end>, but found '<block mapping start>'"), message);
    assertTrue(message.contains("while parsing a block mapping"), message);
    for (String leak : new String[] {"in 'reader'", "Source:", "REDACTED", "^", "\n"}) assertFalse(message.contains(leak), message);
  }

  @Test
  void knobYaml() throws Exception {
    Path f = Files.writeString(tmp.resolve("knob.yaml"), BAD);
    String m = assertThrows(UserException.class, () -> KnobConfig.load(f)).getMessage();
    check(m, f);
    assertTrue(m.startsWith(f + " line 5, column 2: malformed YAML: "), m);
  }

  @Test
  void trainConfig() throws Exception {
    Path f = Files.writeString(tmp.resolve("run.yaml"), BAD);
    String m = assertThrows(UserException.class, () -> TrainConfig.read(f)).getMessage();
    check(m, f);
    assertTrue(m.startsWith(f + ":5: cannot parse config: line 5, column 2: "), m);
    Cli c = Cli.run("train", "--config", f.toString(), "--out", tmp.resolve("r").toString());
    assertEquals(1, c.code(), c.toString());
    assertEquals(1, c.err().lines().count(), c.err());
  }

  /** A quoted value that never closes: SnakeYAML reaches the end of the file (line 4, column 1). */
  static final String UNCLOSED = "# a comment\ntitle: \"unclosed\nseed: 1\n";

  static void checkUnclosed(String message, Path file) {
    assertTrue(message.startsWith(file.toString()), message);
    assertTrue(message.contains("column 1"), message);
    assertTrue(message.contains("found unexpected end of stream (while scanning a quoted scalar that starts at line 2, column 8)"), message);
    for (String leak : new String[] {"in 'reader'", "Source:", "REDACTED", "^", "\n"}) assertFalse(message.contains(leak), message);
  }

  @Test
  void evalConfig() throws Exception {
    Path f = Files.writeString(tmp.resolve("eval.yaml"), UNCLOSED);
    String m = assertThrows(UserException.class, () -> EvalConfig.load(f)).getMessage();
    checkUnclosed(m, f);
    assertTrue(m.startsWith(f + ":4: malformed YAML at column 1: "), m);
  }

  @Test
  void anUnclosedQuoteInKnobYamlAndATrainConfig() throws Exception {
    Path k = Files.writeString(tmp.resolve("k.yaml"), UNCLOSED);
    String m = assertThrows(UserException.class, () -> KnobConfig.load(k)).getMessage();
    checkUnclosed(m, k);
    assertTrue(m.startsWith(k + " line 4, column 1: malformed YAML: "), m);
    Path t = Files.writeString(tmp.resolve("t.yaml"), UNCLOSED);
    m = assertThrows(UserException.class, () -> TrainConfig.read(t)).getMessage();
    checkUnclosed(m, t);
    assertTrue(m.startsWith(t + ":4: cannot parse config: line 4, column 1: "), m);
  }
}
