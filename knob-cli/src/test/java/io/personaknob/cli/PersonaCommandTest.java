package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.personaknob.llm.Json;
import io.personaknob.llm.testing.ScriptedOpenAiServer;
import io.personaknob.persona.SyntheticPums;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The `knob persona` contract: sample, check, stats, feedback and bench, and their bad-input messages. */
class PersonaCommandTest {
  @TempDir static Path dir;
  static Path persons, housing, dict;

  @BeforeAll
  static void fixture() throws Exception {
    persons = dir.resolve("psam_p.csv");
    housing = dir.resolve("psam_h.csv");
    dict = dir.resolve("dict.csv");
    SyntheticPums.write(persons, housing, 5_000, 3);
    SyntheticPums.writeDictionary(dict);
  }

  @Test
  void sampleCheckStats() throws Exception {
    Path pop = dir.resolve("pop.jsonl");
    Cli s = Cli.run("persona", "sample", "--pums", persons.toString(), "--housing", housing.toString(), "--dictionary",
        dict.toString(), "--n", "40", "--seed", "5", "--min-age", "18", "--out", pop.toString());
    assertEquals(0, s.code(), s.toString());
    List<String> lines = Files.readAllLines(pop);
    assertEquals(40, lines.size());
    JsonNode first = Json.read(lines.get(0));
    List<String> keys = new ArrayList<>();
    first.fieldNames().forEachRemaining(keys::add);
    assertEquals(List.of("id", "source_serialno", "weight", "age", "sex", "race"), keys.subList(0, 6));
    assertEquals("hearing difficulty", keys.get(35));
    assertEquals("text", keys.get(36));
    assertTrue(Files.exists(dir.resolve("pop.jsonl.provenance.json")));

    Cli c = Cli.run("persona", "check", pop.toString());
    assertEquals(0, c.code(), c.toString());

    // plant violations: a 10-year-old with an employment status, a man with a fertility answer
    List<String> bad = new ArrayList<>(lines);
    var o = (com.fasterxml.jackson.databind.node.ObjectNode) Json.read(lines.get(0));
    o.put("age", "10").put("employment status", "Civilian employed, at work").put("marital status", "Never married or under 15 years old")
        .put("education", "Grade 4").putNull("class of worker").putNull("industry category").putNull("occupation category").putNull("income")
        .putNull("veteran status").putNull("fertility");
    bad.set(0, Json.write(o));
    var o2 = (com.fasterxml.jackson.databind.node.ObjectNode) Json.read(lines.get(1));
    o2.put("sex", "Male").put("fertility", "Yes").put("age", "30").put("favourite colour", "teal");
    bad.set(1, Json.write(o2));
    Path badFile = dir.resolve("bad.jsonl");
    Files.write(badFile, bad);
    Cli c2 = Cli.run("persona", "check", badFile.toString());
    assertEquals(1, c2.code(), c2.toString());
    assertTrue(c2.out().contains(o.get("id").asText() + ": employment-under-16: "), c2.out());
    assertTrue(c2.out().contains(o2.get("id").asText() + ": fertility-universe: "), c2.out());
    assertTrue(c2.err().contains("unknown key 'favourite colour'"), c2.err());
    assertFalse(c2.err().contains("Exception"));

    Cli st = Cli.run("persona", "stats", pop.toString(), "--pums", persons.toString(), "--housing", housing.toString(),
        "--dictionary", dict.toString(), "--json", "--svg", dir.resolve("stats.svg").toString());
    assertEquals(0, st.code(), st.toString());
    assertTrue(st.err().contains("min age 18"), "the sample's filters come from its provenance: " + st.err());
    JsonNode j = Json.read(st.out());
    JsonNode sex = null;
    for (JsonNode a : j.path("attributes")) if (a.path("attribute").asText().equals("sex")) sex = a;
    assertNotNull(sex);
    double sum = 0;
    for (JsonNode cat : sex.path("categories")) sum += cat.path("population").asDouble();
    assertEquals(1.0, sum, 1e-6);
    assertTrue(sex.path("tvd").asDouble() >= 0 && sex.path("tvd").asDouble() < 0.5);
    JsonNode age = j.path("attributes").get(0);
    for (JsonNode cat : age.path("categories"))
      assertFalse(cat.path("value").asText().equals("0-4") && cat.path("population").asDouble() > 0, "population filtered to 18+");
    assertTrue(Files.readString(dir.resolve("stats.svg")).startsWith("<svg"));
  }

  @Test
  void badInputIsOneLineExitOne() throws Exception {
    Path noCol = dir.resolve("nocol.csv");
    List<String> l = Files.readAllLines(persons).subList(0, 20);
    List<String> cut = new ArrayList<>();
    for (String x : l) cut.add(x.substring(0, x.lastIndexOf(','))); // drop PINCP, the last column
    Files.write(noCol, cut);
    Cli c = Cli.run("persona", "sample", "--pums", noCol.toString(), "--dictionary", dict.toString(), "--n", "3",
        "--out", dir.resolve("x.jsonl").toString());
    assertEquals(1, c.code(), c.toString());
    assertTrue(c.err().contains("missing column PINCP"), c.err());
    assertFalse(c.err().contains("at io."), "no stack trace");
    assertFalse(Files.exists(dir.resolve("x.jsonl")), "no partial output");

    Path empty = dir.resolve("empty.txt");
    Files.writeString(empty, "");
    Path pop = dir.resolve("pop2.jsonl");
    assertEquals(0, Cli.run("persona", "sample", "--pums", persons.toString(), "--dictionary", dict.toString(), "--n", "3",
        "--out", pop.toString()).code());
    Path yaml = dir.resolve("knob.yaml");
    Files.writeString(yaml, "providers:\n  p:\n    base_url: http://127.0.0.1:9/v1\nmodels:\n  m:\n    provider: p\n    model: x\n");
    Cli f = Cli.run("persona", "feedback", "--personas", pop.toString(), "--prompts", empty.toString(), "--model", "m",
        "--per-persona", "1", "--out", dir.resolve("fb.jsonl").toString(), "--config", yaml.toString());
    assertEquals(1, f.code(), f.toString());
    assertTrue(f.err().contains("no prompts (the file is empty)"), f.err());
  }

  @Test
  void feedbackAndBenchEndToEnd() throws Exception {
    Path pop = dir.resolve("pop3.jsonl");
    assertEquals(0, Cli.run("persona", "sample", "--pums", persons.toString(), "--housing", housing.toString(), "--dictionary",
        dict.toString(), "--n", "4", "--min-age", "18", "--out", pop.toString()).code());
    Path qs = dir.resolve("questions.jsonl");
    Files.writeString(qs, "{\"question\": \"Should I rent or buy?\"}\n{\"question\": \"How do I talk to my <b>boss</b>?\"}\n"
        + "{\"question\": \"Is a gap year worth it?\"}\n{\"question\": \"What should I cook tonight?\"}\n");
    try (ScriptedOpenAiServer s = new ScriptedOpenAiServer()) {
      Path yaml = dir.resolve("knob2.yaml");
      Files.writeString(yaml, "store: " + dir.resolve("store.sqlite") + "\nproviders:\n  p:\n    base_url: " + s.baseUrl()
          + "\n    max_retries: 1\n    backoff_base_ms: 5\nmodels:\n  m:\n    provider: p\n    model: tiny\n  c1:\n    provider: p\n"
          + "    model: tiny-c1\n  c2:\n    provider: p\n    model: tiny-c2\n");
      Cli f = Cli.run("persona", "feedback", "--personas", pop.toString(), "--prompts", qs.toString(), "--model", "m",
          "--per-persona", "2", "--out", dir.resolve("fb.jsonl").toString(), "--pairs", dir.resolve("pairs.jsonl").toString(),
          "--config", yaml.toString());
      assertEquals(0, f.code(), f.toString());
      assertEquals(8, Files.readAllLines(dir.resolve("fb.jsonl")).size());
      assertEquals(0, Cli.run("data", "validate", dir.resolve("pairs.jsonl").toString()).code(), "knob data validate accepts the pairs");

      // LLM fill: every kept persona has the nine attributes and passes the rules; drops are recorded with a reason
      Path filled = dir.resolve("filled.jsonl");
      Cli fl = Cli.run("persona", "sample", "--pums", persons.toString(), "--housing", housing.toString(), "--dictionary",
          dict.toString(), "--n", "6", "--min-age", "18", "--fill", "m", "--judge", "c1", "--out", filled.toString(),
          "--config", yaml.toString());
      assertEquals(0, fl.code(), fl.toString());
      JsonNode prov = Json.read(Files.readString(dir.resolve("filled.jsonl.provenance.json")));
      List<String> kept = Files.readAllLines(filled);
      assertEquals(6, kept.size() + prov.path("dropped").size(), prov.toString());
      for (JsonNode d : prov.path("dropped")) assertFalse(d.path("reason").asText().isBlank());
      for (String line : kept) {
        JsonNode p = Json.read(line);
        for (String k : List.of("detailed job description", "big five scores", "defining quirks", "mannerisms", "personal time",
            "lifestyle", "ideology", "political views", "religion")) assertTrue(p.path(k).isTextual(), k + " in " + line);
      }
      assertEquals(0, Cli.run("persona", "check", filled.toString()).code());

      Cli b = Cli.run("persona", "bench", "--personas", pop.toString(), "--questions", qs.toString(), "--model", "m",
          "--critics", "c1,c2", "--modes", "baseline,output_only", "--evals", "main", "--out", dir.resolve("bench").toString(),
          "--config", yaml.toString());
      assertEquals(0, b.code(), b.toString());
      JsonNode res = Json.read(Files.readString(dir.resolve("bench/results.json")));
      assertEquals(4, res.path("modes").path("output_only").path("main").path("c1").path("n").asInt());
      String html = Files.readString(dir.resolve("bench/report.html"));
      assertTrue(html.contains("<svg") && !html.contains("<script"));
      assertEquals(16, Files.readAllLines(dir.resolve("bench/samples.jsonl")).size(), "2 modes x 4 pairs x 2 critics");
    }
  }
}
