package io.personaknob.lm.testing;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the reference material the tests use: copies inside this module's test resources
 * ({@code src/test/resources/reference}, sources and licences in its README.md). Nothing outside the
 * repository is read.
 */
public final class Shared {
  private Shared() {}

  /** The reference folder on the test class path. */
  public static Path dir() {
    URL u = Shared.class.getResource("/reference/README.md");
    if (u == null) throw new IllegalStateException("reference material missing from the test class path (src/test/resources/reference)");
    try {
      return Path.of(u.toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The real Qwen3 tokenizer directory; fails loudly if the reference material is missing. */
  public static Path qwen3() {
    Path d = dir().resolve("tokenizers/qwen3");
    if (!Files.isRegularFile(d.resolve("tokenizer.json"))) {
      throw new IllegalStateException("reference tokenizer missing: " + d);
    }
    return d;
  }
}
