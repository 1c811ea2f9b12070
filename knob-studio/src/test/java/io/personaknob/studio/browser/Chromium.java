package io.personaknob.studio.browser;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The system Chromium the browser tests drive (Playwright's own browser download is skipped). Path from
 * {@code KNOB_CHROMIUM} or {@code /usr/bin/chromium}. When it is missing and we are root on a Debian-like
 * system, installs the Debian package (idempotent); otherwise fails with the one command that installs it.
 */
final class Chromium {
  private Chromium() {}

  static final String INSTALL = "sudo apt-get install -y --no-install-recommends chromium";

  static Path ensure() throws Exception {
    String env = System.getenv("KNOB_CHROMIUM");
    Path exe = Path.of(env != null && !env.isBlank() ? env : "/usr/bin/chromium");
    if (Files.isExecutable(exe)) return exe;
    boolean root = "root".equals(System.getProperty("user.name"));
    if (env == null && root && new File("/usr/bin/apt-get").canExecute()) {
      String script = "installed() { dpkg-query -W -f='${Status}' \"$1\" 2>/dev/null | grep -q 'install ok installed'; }; "
          + "installed chromium || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && "
          + "apt-get install -y -qq --no-install-recommends chromium; }";
      System.err.println("browser tests: installing Debian's chromium (once): " + INSTALL);
      Process p = new ProcessBuilder("sh", "-c", script).inheritIO().start();
      if (!p.waitFor(15, TimeUnit.MINUTES)) p.destroyForcibly();
      if (Files.isExecutable(exe)) return exe;
    }
    throw new IllegalStateException("The browser tests need Chromium at " + exe + ". Install it with: " + INSTALL
        + " (or point KNOB_CHROMIUM at a Chromium/Chrome binary)");
  }
}
