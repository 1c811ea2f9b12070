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

  /** The repository root (system property {@code knob.repo.dir}, set by the build; else the parent of the module). */
  static java.nio.file.Path repoDir() {
    return java.nio.file.Path.of(System.getProperty("knob.repo.dir", "..")).toAbsolutePath().normalize();
  }

  @Override
  public String toString() {
    return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
  }
}
