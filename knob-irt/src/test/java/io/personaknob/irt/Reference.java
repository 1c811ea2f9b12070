package io.personaknob.irt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the reference CSV files: copies in this module's test resources ({@code src/test/resources/reference/irt},
 * sources and licences in {@code reference/README.md}). Nothing outside the repository is read.
 */
final class Reference {
  private Reference() {}

  static Path dir() {
    java.net.URL u = Reference.class.getResource("/reference/irt/tam_data_ex10.csv");
    if (u == null) throw new IllegalStateException("reference material missing from the test class path (src/test/resources/reference/irt)");
    try {
      return Path.of(u.toURI()).getParent();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Rows of a simple CSV (quoted fields without embedded quotes or commas in quotes handled). */
  static List<String[]> csv(String name) throws IOException {
    List<String[]> rows = new ArrayList<>();
    List<String> lines = Files.readAllLines(dir().resolve(name));
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) continue;
      List<String> cells = new ArrayList<>();
      StringBuilder cur = new StringBuilder();
      boolean q = false;
      for (char c : line.toCharArray()) {
        if (c == '"') q = !q;
        else if (c == ',' && !q) { cells.add(cur.toString()); cur.setLength(0); }
        else cur.append(c);
      }
      cells.add(cur.toString());
      rows.add(cells.toArray(new String[0]));
    }
    return rows;
  }
}
