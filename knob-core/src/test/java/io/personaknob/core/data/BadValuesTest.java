package io.personaknob.core.data;

import static org.junit.jupiter.api.Assertions.*;

import io.personaknob.core.UserException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, "Bad input, everywhere": a non-text value in an active reject column (JSONL and Parquet),
 * parser messages without library internals, a pretty-printed {@code .json} object, and a folder that
 * is not a dataset.
 */
class BadValuesTest {
  @TempDir Path tmp;

  private record Scan(ValidationReport report, List<Issue> issues, List<PersonaRow> rows) {}

  private static Scan scan(Path p) {
    List<Issue> issues = new ArrayList<>();
    List<PersonaRow> rows = new ArrayList<>();
    ValidationReport r = PersonaData.scan(p, issues::add, rows::add);
    return new Scan(r, issues, rows);
  }

  /** The first fixture row (mask [E, A]) with reject_A's value replaced by raw JSON. */
  private String rowWithRejectA(String json) throws Exception {
    String good = Files.readAllLines(Fixtures.copy("good.jsonl", tmp)).get(0);
    String out = good.replaceFirst("\"reject_A\": \"[^\"]*\"", "\"reject_A\": " + java.util.regex.Matcher.quoteReplacement(json));
    assertNotEquals(good, out);
    return out;
  }

  @Test
  void nonTextInAnActiveRejectIsAFieldErrorAndValidationGoesOn() throws Exception {
    String good = Files.readAllLines(Fixtures.copy("good.jsonl", tmp)).get(0);
    Path p = tmp.resolve("types.jsonl");
    Files.writeString(p, String.join("\n", rowWithRejectA("7"), rowWithRejectA("[\"x\", \"y\"]"),
        rowWithRejectA("{\"text\": \"x\"}"), rowWithRejectA("true"), good) + "\n");
    Scan s = scan(p);
    List<String> errors = s.issues().stream().filter(Issue::isError).map(Issue::format).toList();
    assertEquals(List.of(
        p + ":1: reject_A: expected text, got a number",
        p + ":2: reject_A: expected text, got a list",
        p + ":3: reject_A: expected text, got an object",
        p + ":4: reject_A: expected text, got a boolean"), errors);
    assertEquals(5, s.report().records());
    assertEquals(1, s.report().validRows()); // the good last row is still read and kept
    UserException e = assertThrows(UserException.class, () -> PersonaData.readAll(p));
    assertEquals(p + ":1: reject_A: expected text, got a number", e.getMessage());
  }

  @Test
  void nonTextInAnActiveRejectInParquet() throws Exception {
    Class.forName("org.duckdb.DuckDBDriver");
    String[][] kinds = {{"42", "a number"}, {"['x', 'y']", "a list"}, {"{'t': 'x'}", "an object"}, {"true", "a boolean"}};
    for (String[] k : kinds) {
      Path p = tmp.resolve("reject-" + kinds[0][0].length() + "-" + k[1].replace(' ', '_') + ".parquet");
      try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
        st.execute("COPY (SELECT 'r1' AS id, ['A'] AS mask, 's' AS seed_scene, 'c' AS context, 't' AS trigger, 'p' AS prompt,"
            + " 'the golden answer' AS golden, " + k[0] + " AS reject_A, NULL::VARCHAR AS reject_T, NULL::VARCHAR AS reject_E,"
            + " NULL::VARCHAR AS reject_C UNION ALL SELECT 'r2', ['A'], 's', 'c', 't', 'p', 'the golden answer', NULL, NULL, NULL, NULL)"
            + " TO '" + p + "' (FORMAT PARQUET)");
      } catch (java.sql.SQLException e) {
        // UNION ALL needs one type per column: the second row's NULL takes the first's type
        throw e;
      }
      Scan s = scan(p);
      List<String> errors = s.issues().stream().filter(Issue::isError).map(Issue::format).toList();
      assertTrue(errors.contains(p + ":1: reject_A: expected text, got " + k[1]), errors.toString());
      assertTrue(errors.contains(p + ":2: reject_A: empty but A is in the mask") || errors.contains(p + ":2: reject_A: missing but A is in the mask"),
          errors.toString()); // the second row is still checked
      assertEquals(2, s.report().records());
    }
  }

  @Test
  void parserMessagesSayLineAndColumnWithoutLibraryInternals() throws Exception {
    String good = Files.readAllLines(Fixtures.copy("good.jsonl", tmp)).get(0);
    Path p = tmp.resolve("broken.jsonl");
    Files.writeString(p, good + "\n{\"mask\": [\"A\"], \"prompt\": \"x\"\n" + good + "\n");
    Scan s = scan(p);
    Issue i = s.issues().stream().filter(Issue::isError).findFirst().orElseThrow();
    String m = i.format();
    assertEquals(2, i.line());
    assertTrue(m.startsWith(p + ":2: json: malformed JSON at column "), m);
    assertTrue(m.contains("start marker at line 1, column 1"), m); // the object that never closed, in our words
    for (String leak : List.of("Source", "REDACTED", "StreamReadFeature", "INCLUDE_SOURCE", "[")) {
      assertFalse(m.substring(p.toString().length()).contains(leak), m);
    }
    assertEquals(2, s.report().validRows());

    // the same for an array that breaks in the middle
    Path a = tmp.resolve("broken.json");
    Files.writeString(a, "[\n  {\"mask\": [\"A\"],\n   \"prompt\": \"x\" \"golden\": \"y\"}\n]\n");
    Issue ai = scan(a).issues().get(0);
    assertEquals(3, ai.line()); // the '"' opening "golden" at column 18 of   "prompt": "x" "golden"
    assertTrue(ai.message().startsWith("malformed JSON at column 18: Unexpected character"), ai.message());
    assertFalse(ai.message().contains("Source"), ai.message());
  }

  @Test
  void aPrettyPrintedJsonObjectIsOneRow() throws Exception {
    String good = Files.readAllLines(Fixtures.copy("good.jsonl", tmp)).get(0);
    com.fasterxml.jackson.databind.ObjectMapper om = new com.fasterxml.jackson.databind.ObjectMapper();
    String pretty = om.writerWithDefaultPrettyPrinter().writeValueAsString(om.readTree(good));
    assertTrue(pretty.lines().count() > 5);
    Path p = tmp.resolve("one.json");
    Files.writeString(p, pretty + "\n");
    Scan s = scan(p);
    assertEquals(List.of(), s.issues().stream().filter(Issue::isError).toList());
    assertEquals(1, s.rows().size());
    assertEquals("fx-1", s.rows().get(0).id());
    // a pretty-printed array too, and a broken object names its line
    Path arr = tmp.resolve("arr.json");
    Files.writeString(arr, "[\n" + pretty + ",\n" + pretty.replace("fx-1", "fx-9") + "\n]\n");
    assertEquals(List.of("fx-1", "fx-9"), PersonaData.readAll(arr).stream().map(PersonaRow::id).toList());
    Files.writeString(p, pretty.replaceFirst("\"golden\" : \"", "\"golden\" : 3, \"x\": \"") + "\n");
    List<String> errs = scan(p).issues().stream().filter(Issue::isError).map(Issue::format).toList();
    assertEquals(1, errs.size(), errs.toString());
    assertTrue(errs.get(0).startsWith(p + ":"), errs.toString());
    // two objects in a .json file: neither an array nor one object
    Files.writeString(p, pretty + "\n" + pretty + "\n");
    errs = scan(p).issues().stream().filter(Issue::isError).map(Issue::format).toList();
    assertTrue(errs.stream().anyMatch(e -> e.contains("unexpected content after the object")), errs.toString());
  }

  @Test
  void aFolderThatIsNotADatasetSaysSoOnce() throws Exception {
    Path model = Files.createDirectories(tmp.resolve("model"));
    Files.writeString(model.resolve("config.json"), "{\n  \"model_type\": \"llama\",\n  \"hidden_size\": 64\n}\n");
    Files.writeString(model.resolve("tokenizer_config.json"), "{\n  \"eos_token\": \"</s>\"\n}\n");
    UserException e = assertThrows(UserException.class, () -> scan(model));
    assertEquals(model + ": not a PersonaKnob dataset folder: none of its data files (config.json, tokenizer_config.json)"
        + " holds rows with mask, prompt, golden or reject_* columns", e.getMessage());
    // a dataset folder with a side file still reads
    Path ds = Files.createDirectories(tmp.resolve("ds"));
    Fixtures.copy("good.jsonl", ds);
    Files.move(ds.resolve("good.jsonl"), ds.resolve("train.jsonl"));
    Files.writeString(ds.resolve("notes.json"), "{\n  \"about\": \"x\"\n}\n");
    assertTrue(scan(ds).rows().size() >= 6);
  }
}
