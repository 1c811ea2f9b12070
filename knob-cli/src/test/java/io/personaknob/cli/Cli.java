package io.personaknob.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs knob in-process with captured stdout and stderr. */
record Cli(int code, String out, String err) {
  static Cli run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Knob.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Cli(code, out.toString(), err.toString());
  }

  /**
   * {@code knob COMMAND... --help}: exit 0, the usage of that command, and nothing on stderr, neither
   * through picocli nor on System.err (where picocli prints warnings about its annotations).
   */
  static void assertHelpRendersCleanly(String... command) {
    java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of(command));
    a.add("--help");
    java.io.ByteArrayOutputStream sysErr = new java.io.ByteArrayOutputStream();
    java.io.PrintStream old = System.err;
    System.setErr(new java.io.PrintStream(sysErr, true, java.nio.charset.StandardCharsets.UTF_8));
    Cli c;
    try {
      c = run(a.toArray(String[]::new));
    } finally {
      System.setErr(old);
    }
    org.junit.jupiter.api.Assertions.assertEquals(0, c.code(), c.toString());
    org.junit.jupiter.api.Assertions.assertTrue(c.out().startsWith("Usage: knob " + String.join(" ", command)), c.toString());
    org.junit.jupiter.api.Assertions.assertEquals("", c.err() + sysErr.toString(java.nio.charset.StandardCharsets.UTF_8),
        "no picocli warnings for " + a);
  }

  /** The repository root (system property {@code knob.repo.dir}, set by the build; else the parent of the module). */
  static java.nio.file.Path repoDir() {
    return java.nio.file.Path.of(System.getProperty("knob.repo.dir", "..")).toAbsolutePath().normalize();
  }

  @Override
  public String toString() {
    return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
  }
}
