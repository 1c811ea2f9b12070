package io.personaknob.steer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recomputes the library's published v2_pilot_seed24 aggregate tables from its published examples: every
 * column of every row, in the same row and column order, equal at their 4 decimals (max |difference| 0),
 * in JSONL and in the CSV twins (byte for byte).
 */
class PublishedTablesTest {

  static Path res(String name) {
    try {
      return Path.of(PublishedTablesTest.class.getResource("/steering/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<ExampleRow> examples;

  @BeforeAll
  static void read() {
    examples = StatsTables.readExamples(res("v2_pilot_seed24_examples.jsonl"));
  }

  @Test
  void templatePairTableIsReproducedExactly(@TempDir Path dir) throws IOException {
    check(StatsTables.templatePairStats(examples), "v2_pilot_seed24_template_pair_stats", 120, 69);
  }

  @Test
  void templateTableIsReproducedExactly() throws IOException {
    check(StatsTables.templateStats(examples), "v2_pilot_seed24_template_stats", 60, 68);
  }

  @Test
  void writtenFilesEqualThePublishedOnes(@TempDir Path dir) throws IOException {
    StatsTables.write(dir, StatsTables.templatePairStats(examples), StatsTables.templateStats(examples));
    for (String t : List.of("template_pair_stats", "template_stats")) {
      for (String ext : List.of("jsonl", "csv")) {
        assertEquals(Files.readString(res("v2_pilot_seed24_" + t + "." + ext)), Files.readString(dir.resolve(t + "." + ext)),
            t + "." + ext);
      }
    }
  }

  private static void check(List<ObjectNode> ours, String published, int rows, int cols) throws IOException {
    List<ObjectNode> theirs = StatsTables.readTable(res(published + ".jsonl"));
    assertEquals(rows, theirs.size());
    assertEquals(rows, ours.size());
    double maxDiff = 0;
    int numericCols = 0;
    for (int i = 0; i < rows; i++) {
      ObjectNode a = ours.get(i);
      ObjectNode b = theirs.get(i);
      assertEquals(names(b), names(a), "columns and their order, row " + i);
      assertEquals(cols, names(a).size());
      for (String c : names(b)) {
        JsonNode x = a.get(c);
        JsonNode y = b.get(c);
        if (y.isNumber()) {
          assertTrue(x.isNumber(), c);
          maxDiff = Math.max(maxDiff, Math.abs(x.doubleValue() - y.doubleValue()));
          if (i == 0) numericCols++;
        } else {
          assertEquals(y, x, "row " + i + " column " + c);
        }
      }
    }
    assertEquals(0.0, maxDiff, "max |difference| over all numeric columns");
    assertTrue(numericCols >= 64, "numeric columns compared: " + numericCols);
    // the text too: same digits, same key order
    assertEquals(Files.readString(res(published + ".jsonl"), StandardCharsets.UTF_8), StatsTables.jsonl(ours));
    assertEquals(Files.readString(res(published + ".csv"), StandardCharsets.UTF_8), StatsTables.csv(ours));
  }

  static List<String> names(JsonNode n) {
    List<String> l = new ArrayList<>();
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) l.add(it.next());
    return l;
  }
}
