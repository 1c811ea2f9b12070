package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personaknob.core.Provenance;
import io.personaknob.core.data.Dimension;
import io.personaknob.core.data.PersonaData;
import io.personaknob.core.data.PersonaRow;
import io.personaknob.core.data.SampleData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCommandsTest {
  @TempDir Path tmp;
  static final ObjectMapper JSON = new ObjectMapper();

  private Path sampleTrain() {
    return SampleData.copyTo(tmp.resolve("sample")).get("train");
  }

  /** A file with one planted problem per line (lines 2..6), built from the bundled sample's rows. */
  private Path planted() throws Exception {
    List<PersonaRow> rows = SampleData.train();
    List<String> lines = new ArrayList<>();
    lines.add(PersonaData.toJsonLine(rows.get(0)));                                   // 1 fine
    lines.add(PersonaData.toJsonLine(rows.get(1)).replace("\"mask\":[", "\"mask\":[\"Z\","));  // 2 unknown letter
    PersonaRow r = rows.get(2);
    Dimension inactive = java.util.Arrays.stream(Dimension.values()).filter(d -> !r.mask().contains(d)).findFirst().orElseThrow();
    String withInactive = PersonaData.toJsonLine(r).replace("\"" + inactive.rejectColumn() + "\":null",
        "\"" + inactive.rejectColumn() + "\":\"an answer for an inactive dimension\"");
    lines.add(withInactive);                                                          // 3 reject for inactive dimension
    lines.add("{\"id\": \"x\", \"mask\": [\"A\"], ");                                 // 4 malformed JSON
    lines.add(PersonaData.toJsonLine(rows.get(3)).replaceFirst("\"prompt\":\"[^\"]*\"", "\"prompt\":17")); // 5 wrong type
    lines.add(PersonaData.toJsonLine(rows.get(4)));                                   // 6 fine
    Path p = tmp.resolve("planted.jsonl");
    Files.write(p, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    return p;
  }

  @Test
  void validateReportsEveryPlantedErrorWithItsLineAndExits1() throws Exception {
    Path p = planted();
    Cli c = Cli.run("data", "validate", p.toString());
    assertEquals(1, c.code(), c.toString());
    List<String> lines = c.out().lines().toList();
    assertTrue(lines.contains(p + ":2: mask: unknown dimension 'Z' (expected A, T, E or C)"), c.toString());
    assertTrue(lines.stream().anyMatch(l -> l.matches(java.util.regex.Pattern.quote(p.toString()) + ":3: reject_[ATEC]: non-empty but [ATEC] is not in the mask .*")), c.toString());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith(p + ":4: json: malformed JSON")), c.toString());
    assertTrue(lines.contains(p + ":5: prompt: expected text, got a number"), c.toString());
    assertTrue(lines.contains(p + ": 5 rows, 2 valid, 4 errors, 0 warnings"), c.toString());
  }

  @Test
  void validateGoesOnAfterAMissingFileAndCountsAll() throws Exception {
    Path p = planted();
    Path missing = tmp.resolve("missing.jsonl");
    Cli c = Cli.run("data", "validate", missing.toString(), p.toString(), sampleTrain().toString());
    assertEquals(1, c.code());
    assertTrue(c.out().contains(missing + ": no such file or directory"), c.toString());
    assertTrue(c.out().contains("total: 3 files, 53 rows, 50 valid, 5 errors, 0 warnings"), c.toString());
  }

  @Test
  void validateTheSampleIsClean() {
    Cli c = Cli.run("data", "validate", sampleTrain().toString());
    assertEquals(0, c.code(), c.toString());
    assertTrue(c.out().endsWith(" 48 rows, 48 valid, 0 errors, 0 warnings\n"), c.toString());
  }

  @Test
  void statsJsonMatchesAnIndependentCountAndCarriesProvenance() throws Exception {
    Path train = sampleTrain();
    Cli c = Cli.run("data", "stats", train.toString(), "--json");
    assertEquals(0, c.code(), c.toString());
    JsonNode j = JSON.readTree(c.out());
    List<PersonaRow> rows = SampleData.train();
    assertEquals(rows.size(), j.get("rows").asLong());
    for (int k = 2; k <= 4; k++) {
      int size = k;
      long n = rows.stream().filter(r -> r.mask().size() == size).count();
      assertEquals(n, j.at("/mask_sizes/" + k + "/rows").asLong());
    }
    assertEquals(54.5, j.at("/mask_sizes/2/published_percent").asDouble());
    assertEquals(rows.stream().filter(r -> r.mask().contains(Dimension.E)).count(), j.at("/rows_per_dimension/E").asLong());
    assertEquals(rows.stream().filter(r -> "selection".equals(r.task())).count(), j.at("/tasks/selection").asLong());
    assertEquals(rows.stream().mapToInt(r -> r.golden().codePointCount(0, r.golden().length())).max().orElseThrow(),
        j.at("/length_codepoints/golden/max").asInt());
    assertEquals(Provenance.sha256(train), j.at("/provenance/data_sha256/data").asText());

    Cli text = Cli.run("data", "stats", train.toString());
    assertTrue(text.out().contains("published"), text.toString());
  }

  @Test
  void statsOnAFileWithErrorsLeavesThemOutAndExits1() throws Exception {
    Cli c = Cli.run("data", "stats", planted().toString());
    assertEquals(1, c.code());
    assertTrue(c.out().contains("rows: 2"), c.toString());
    assertTrue(c.err().contains("3 rows with errors were left out"), c.toString());
  }

  @Test
  void pairsOnePerActiveDimension() throws Exception {
    Path out = tmp.resolve("pairs/train.pairs.jsonl");
    Cli c = Cli.run("data", "pairs", sampleTrain().toString(), "-o", out.toString());
    assertEquals(0, c.code(), c.toString());
    List<PersonaRow> rows = SampleData.train();
    List<String> lines = Files.readAllLines(out);
    assertEquals(rows.stream().mapToInt(r -> r.mask().size()).sum(), lines.size());
    Set<String> seen = new HashSet<>();
    for (String l : lines) {
      JsonNode p = JSON.readTree(l);
      assertEquals(Set.of("prompt", "chosen", "rejected", "dimension", "row_id"), fieldNames(p));
      PersonaRow r = rows.stream().filter(x -> x.id().equals(p.get("row_id").asText())).findFirst().orElseThrow();
      Dimension d = Dimension.valueOf(p.get("dimension").asText());
      assertEquals(r.golden(), p.get("chosen").asText());
      assertEquals(r.reject(d), p.get("rejected").asText());
      assertEquals(r.prompt(), p.get("prompt").asText());
      assertTrue(seen.add(r.id() + d));
    }
    assertTrue(Files.isRegularFile(tmp.resolve("pairs/train.pairs.jsonl.provenance.json")));
  }

  private static Set<String> fieldNames(JsonNode n) {
    Set<String> s = new HashSet<>();
    n.fieldNames().forEachRemaining(s::add);
    return s;
  }

  @Test
  void badInputLeavesNoPartialOutput() throws Exception {
    Path out = tmp.resolve("out/pairs.jsonl");
    Cli c = Cli.run("data", "pairs", planted().toString(), "-o", out.toString());
    assertEquals(1, c.code());
    assertTrue(c.err().startsWith("knob: " + tmp.resolve("planted.jsonl") + ":2: mask: unknown dimension 'Z'"), c.toString());
    assertEquals(1, c.err().lines().count(), "one line, no stack trace");
    assertFalse(Files.exists(out));
    try (var s = Files.list(tmp.resolve("out"))) {
      assertEquals(0, s.count(), "no temporary file left");
    }
    Cli conv = Cli.run("data", "convert", planted().toString(), tmp.resolve("c.parquet").toString());
    assertEquals(1, conv.code());
    assertFalse(Files.exists(tmp.resolve("c.parquet")));
  }

  @Test
  void convertRoundTripAndHubFolder() throws Exception {
    Path train = sampleTrain();
    Path pq = tmp.resolve("t.parquet");
    Path back = tmp.resolve("back.jsonl");
    Path canon = tmp.resolve("canon.jsonl");
    assertEquals(0, Cli.run("data", "convert", train.toString(), canon.toString()).code());
    assertEquals(0, Cli.run("data", "convert", canon.toString(), pq.toString()).code());
    Cli c = Cli.run("data", "convert", pq.toString(), back.toString());
    assertEquals(0, c.code(), c.toString());
    assertEquals(Files.readString(canon), Files.readString(back));
    assertEquals(SampleData.train(), PersonaData.readAll(back));

    Path hub = tmp.resolve("hub");
    Cli h = Cli.run("data", "convert", tmp.resolve("sample").toString(), hub + "/");
    assertEquals(0, h.code(), h.toString());
    assertTrue(Files.isRegularFile(hub.resolve("data/train-00000-of-00001.parquet")));
    assertTrue(Files.isRegularFile(hub.resolve("data/test-00000-of-00001.parquet")));
    assertEquals(0, Cli.run("data", "validate", hub.toString()).code());

    Cli bad = Cli.run("data", "convert", train.toString(), tmp.resolve("x.csv").toString());
    assertEquals(1, bad.code());
    assertTrue(bad.err().contains("unknown data format"), bad.toString());
  }

  @Test
  void splitIsStratifiedAndReproducible() throws Exception {
    Path in = sampleTrain();
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    Cli c = Cli.run("data", "split", in.toString(), "--out", a.toString(), "--test-fraction", "0.25", "--seed", "3");
    assertEquals(0, c.code(), c.toString());
    assertEquals(0, Cli.run("data", "split", in.toString(), "--out", b.toString(), "--test-fraction", "0.25", "--seed", "3").code());
    assertEquals(Files.readString(a.resolve("test.jsonl")), Files.readString(b.resolve("test.jsonl")));
    List<PersonaRow> train = PersonaData.readAll(a.resolve("train.jsonl"));
    List<PersonaRow> test = PersonaData.readAll(a.resolve("test.jsonl"));
    assertEquals(SampleData.train().size(), train.size() + test.size());
    for (int k = 2; k <= 4; k++) {
      int size = k;
      long n = SampleData.train().stream().filter(r -> r.mask().size() == size).count();
      assertEquals(Math.round(n * 0.25), test.stream().filter(r -> r.mask().size() == size).count(), "mask size " + k);
    }
    assertTrue(Files.isRegularFile(a.resolve("split.provenance.json")));
    Cli folder = Cli.run("data", "validate", a.toString());
    assertEquals(0, folder.code(), "the split folder (with its provenance file) validates: " + folder);
    assertEquals(2, Cli.run("data", "split", in.toString(), "--out", a.toString(), "--test-fraction", "1.5").code());
  }

  @Test
  void everyHelpRendersCleanly() {
    for (String[] args : List.of(new String[] {"data"}, new String[] {"data", "validate"}, new String[] {"data", "stats"},
        new String[] {"data", "pairs"}, new String[] {"data", "convert"}, new String[] {"data", "split"},
        new String[] {"data", "pull"}, new String[] {"demo"}, new String[] {"bench", "data"})) {
      Cli.assertHelpRendersCleanly(args);
    }
  }

  @Test
  void usageErrorsExit2() {
    assertEquals(2, Cli.run("data", "validate").code());
    assertEquals(2, Cli.run("data", "pairs", "x.jsonl").code());
    assertEquals(2, Cli.run("data", "frobnicate").code());
  }
}
