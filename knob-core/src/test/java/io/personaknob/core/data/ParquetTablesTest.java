package io.personaknob.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParquetTablesTest {

  @Test
  void typesAreInferredAndValuesComeBack(@TempDir Path dir) throws Exception {
    ObjectMapper m = new ObjectMapper();
    List<ObjectNode> rows = List.of(
        (ObjectNode) m.readTree("{\"name\": \"a\", \"n\": 2, \"x\": 1.5, \"ok\": true, \"list\": \"[1, 2]\"}"),
        (ObjectNode) m.readTree("{\"name\": \"b \\\"q\\\"\", \"n\": 3, \"x\": 2, \"ok\": null, \"extra\": \"late column\"}"));
    Path f = dir.resolve("t.parquet");
    Map<String, String> types = ParquetTables.write(f, rows);
    assertEquals(Map.of("name", "VARCHAR", "n", "BIGINT", "x", "DOUBLE", "ok", "BOOLEAN", "list", "VARCHAR", "extra", "VARCHAR"), types);
    assertEquals(List.of("name", "n", "x", "ok", "list", "extra"), List.copyOf(types.keySet()));
    var back = ParquetTables.read(f);
    assertEquals(2, back.size());
    assertEquals("b \"q\"", back.get(1).get("name"));
    assertEquals(3L, back.get(1).get("n"));
    assertEquals(2.0, back.get(1).get("x"));
    assertEquals(true, back.get(0).get("ok"));
    assertNull(back.get(1).get("ok"));
    assertNull(back.get(0).get("extra"));
    assertEquals("[1, 2]", back.get(0).get("list"));
    ParquetTables.write(dir.resolve("empty.parquet"), List.of());
    assertEquals(0, ParquetTables.read(dir.resolve("empty.parquet")).size());
  }
}
