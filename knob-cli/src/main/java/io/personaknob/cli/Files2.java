package io.personaknob.cli;

import io.personaknob.core.Provenance;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small file helpers for commands. */
final class Files2 {
  private Files2() {}

  /** A small text file, as UTF-8. */
  static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      throw new io.personaknob.core.UserException(p + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** SHA-256 of a file, or "" for a directory (a dataset folder is hashed file by file elsewhere). */
  static String sha256(Path p) {
    return Files.isRegularFile(p) ? Provenance.sha256(p) : "";
  }
}
