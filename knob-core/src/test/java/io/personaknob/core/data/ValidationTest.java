package io.personaknob.core.data;

import static org.junit.jupiter.api.Assertions.*;

import io.personaknob.core.UserException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidationTest {
  @TempDir Path tmp;

  private record Scan(ValidationReport report, List<Issue> issues, List<PersonaRow> rows) {}

  private Scan scan(Path p) {
    List<Issue> issues = new ArrayList<>();
    List<PersonaRow> rows = new ArrayList<>();
    ValidationReport r = PersonaData.scan(p, issues::add, rows::add);
    return new Scan(r, issues, rows);
  }

  @Test
  void plantedErrorsAreAllReportedWithTheirLines() {
    Path p = Fixtures.copy("planted.jsonl", tmp);
    Scan s = scan(p);
    // expected (line -> field) worked out by hand from the fixture generator
    Map<Long, String> expectedErrors = Map.ofEntries(
        Map.entry(2L, "json"), Map.entry(3L, "mask"), Map.entry(4L, "reject_T"), Map.entry(5L, "golden"),
        Map.entry(6L, "mask"), Map.entry(7L, "mask"), Map.entry(8L, "prompt"), Map.entry(9L, "reject_A"),
        Map.entry(10L, "reject_A"), Map.entry(11L, "reject_E"), Map.entry(13L, "json"), Map.entry(14L, "task"),
        Map.entry(16L, "utf-8"));
    Map<Long, String> actual = s.issues().stream().filter(Issue::isError)
        .collect(Collectors.toMap(Issue::line, Issue::field));
    assertEquals(expectedErrors, actual, s.issues().toString());
    List<Issue> warnings = s.issues().stream().filter(i -> !i.isError()).toList();
    assertEquals(1, warnings.size(), warnings.toString());
    assertEquals(15, warnings.get(0).line());
    assertEquals("reject_A", warnings.get(0).field());
    assertEquals(13, s.report().errors());
    assertEquals(1, s.report().warnings());
    assertEquals(13, s.report().records());
    assertEquals(3, s.report().validRows());
    assertEquals(List.of("fx-1", "fx-1", "last-ok"), s.rows().stream().map(PersonaRow::id).toList());
  }

  @Test
  void messagesNameFileLineFieldAndCause() {
    Path p = Fixtures.copy("planted.jsonl", tmp);
    List<String> lines = scan(p).issues().stream().map(Issue::format).toList();
    assertTrue(lines.contains(p + ":3: mask: unknown dimension 'X' (expected A, T, E or C)"), lines.toString());
    assertTrue(lines.contains(p + ":4: reject_T: non-empty but T is not in the mask [E, A]"), lines.toString());
    assertTrue(lines.contains(p + ":5: golden: expected text, got a number"), lines.toString());
    assertTrue(lines.contains(p + ":7: mask: duplicate dimension 'A'"), lines.toString());
    assertTrue(lines.contains(p + ":9: reject_A: empty but A is in the mask"), lines.toString());
    assertTrue(lines.contains(p + ":10: reject_A: equal to golden"), lines.toString());
    assertTrue(lines.contains(p + ":11: reject_E: equal to reject_A"), lines.toString());
    // "caf\xC3\x28": 0xC3 opens a 2-byte sequence, 0x28 is not a continuation byte
    assertTrue(lines.stream().anyMatch(l -> l.startsWith(p + ":16: utf-8: invalid UTF-8 (byte 0xC3 at byte column 34)")), lines.toString());
    assertTrue(lines.stream().allMatch(l -> !l.contains("\n")));
  }

  @Test
  void readStopsAtTheFirstErrorWithFileLineField() {
    Path p = Fixtures.copy("planted.jsonl", tmp);
    UserException e = assertThrows(UserException.class, () -> PersonaData.readAll(p));
    assertTrue(e.getMessage().startsWith(p + ":2: json: malformed JSON"), e.getMessage());
  }

  @Test
  void acceptsWhatRealExportsContain() {
    Path p = Fixtures.copy("export-variants.jsonl", tmp);
    Scan s = scan(p);
    assertEquals(0, s.report().errors(), s.issues().toString());
    assertEquals(List.of(List.of(Dimension.E, Dimension.A), List.of(Dimension.A, Dimension.T), List.of(Dimension.T, Dimension.C)),
        s.rows().stream().map(PersonaRow::mask).toList());
    // no id column: ids synthesised from the file stem and the record number
    assertEquals(List.of("export-variants-1", "export-variants-2", "export-variants-3"),
        s.rows().stream().map(PersonaRow::id).toList());
    assertNull(s.rows().get(0).task());
    assertNull(s.rows().get(0).reject(Dimension.T), "\"\" for an inactive reject reads as absent");
  }

  @Test
  void textEqualityIgnoresWhitespaceRunsOnly() {
    assertTrue(RowDecoder.sameText("a  b", " a b "));
    assertTrue(RowDecoder.sameText("a\n\tb", "a b"));
    assertTrue(RowDecoder.sameText("", "   "));
    assertFalse(RowDecoder.sameText("ab", "a b"));
    assertFalse(RowDecoder.sameText("a b", "a bc"));
    assertFalse(RowDecoder.sameText("A b", "a b"));
    assertFalse(RowDecoder.sameText("a b c", "a b"));
  }

  @Test
  void listLikeMaskStrings() {
    assertEquals(List.of("E", "A"), RowDecoder.splitListString("['E', 'A']"));
    assertEquals(List.of("E", "A"), RowDecoder.splitListString("[\"E\",\"A\"]"));
    assertEquals(List.of("E", "A"), RowDecoder.splitListString("E,A"));
    assertEquals(List.of("T", "C", "A"), RowDecoder.splitListString(" T C, A "));
    assertEquals(List.of(), RowDecoder.splitListString("[]"));
  }

  @Test
  void jsonArrayReportsTheLineWhereEachObjectStarts() throws Exception {
    Path p = Fixtures.copy("good.json", tmp);
    Scan s = scan(p);
    assertEquals(6, s.report().validRows(), s.issues().toString());
    // break the golden of the second object: the error must point into the array at that object's line
    String text = Files.readString(p);
    int second = text.indexOf("\"id\": \"fx-2\"");
    long line = text.substring(0, second).lines().count() - 1; // the object's '{' is on the line before "id"
    Files.writeString(p, text.replace("\"id\": \"fx-2\"", "\"id\": 2.5"));
    Scan broken = scan(p);
    assertEquals(1, broken.report().errors(), broken.issues().toString());
    assertEquals(line, broken.issues().get(0).line());
    assertEquals("id", broken.issues().get(0).field());
  }

  @Test
  void duplicateKeysAreAnError() throws Exception {
    Path p = tmp.resolve("dup.jsonl");
    Files.writeString(p, Files.readAllLines(Fixtures.copy("good.jsonl", tmp)).get(0).replace("\"task\": \"selection\"", "\"task\": \"selection\", \"task\": \"generation\"") + "\n");
    Scan s = scan(p);
    assertEquals(1, s.report().errors());
    assertTrue(s.issues().get(0).format().startsWith(p + ":1: json: malformed JSON at column "), s.issues().toString());
    assertTrue(s.issues().get(0).format().contains(": Duplicate field 'task'"), s.issues().toString());
  }

  @Test
  void jsonFileHoldingJsonLinesIsReadAsJsonl() throws Exception {
    Path p = tmp.resolve("train.json");
    Files.copy(Fixtures.copy("good.jsonl", tmp), p);
    assertEquals(6, PersonaData.readAll(p).size());
  }

  @Test
  void emptyAndMissingFiles() throws Exception {
    Path empty = tmp.resolve("empty.jsonl");
    Files.writeString(empty, "\n\n");
    Scan s = scan(empty);
    assertEquals(1, s.report().errors());
    assertEquals(empty + ": file: empty (no rows)", s.issues().get(0).format());
    UserException e = assertThrows(UserException.class, () -> PersonaData.readAll(empty));
    assertEquals(empty + ": file: empty (no rows)", e.getMessage());
    Path missing = tmp.resolve("nope.jsonl");
    UserException m = assertThrows(UserException.class, () -> PersonaData.readAll(missing));
    assertEquals(missing + ": no such file or directory", m.getMessage());
    UserException fmt = assertThrows(UserException.class, () -> PersonaData.readAll(Files.writeString(tmp.resolve("x.csv"), "a")));
    assertTrue(fmt.getMessage().contains("unknown data format"));
  }

  @Test
  void invalidUtf8InAJsonArrayStopsWithItsLine() throws Exception {
    Path p = tmp.resolve("bad.json");
    byte[] head = "[\n{\"mask\": [\"A\"],\n \"prompt\": \"caf".getBytes(StandardCharsets.UTF_8);
    byte[] tail = "\"}\n]\n".getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[head.length + 2 + tail.length];
    System.arraycopy(head, 0, all, 0, head.length);
    all[head.length] = (byte) 0xC3;
    all[head.length + 1] = (byte) 0x28;
    System.arraycopy(tail, 0, all, head.length + 2, tail.length);
    Files.write(p, all);
    Scan s = scan(p);
    assertEquals(1, s.report().errors(), s.issues().toString());
    assertEquals("utf-8", s.issues().get(0).field());
    assertEquals(3, s.issues().get(0).line());
  }

  @Test
  void crlfAndByteOrderMarkAreAccepted() throws Exception {
    Path good = Fixtures.copy("good.jsonl", tmp);
    String text = "\uFEFF" + Files.readString(good).replace("\n", "\r\n");
    Path p = tmp.resolve("crlf.jsonl");
    Files.writeString(p, text);
    assertEquals(PersonaData.readAll(good), PersonaData.readAll(p).stream().toList().stream()
        .map(r -> r).toList());
  }
}
