package io.personaknob.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personaknob.core.data.PersonaData;
import io.personaknob.core.data.PersonaRow;
import io.personaknob.core.data.SampleData;
import io.personaknob.lm.Tokenizer;
import io.personaknob.lm.tokenizer.Tokenizers;
import io.personaknob.train.PreferenceGroups;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: {@code train --help} for {@code --data} and docs/lag-dpo.md say the same about the accepted
 * formats, and the trainer's reader really takes each of them (JSONL, a JSON array, one JSON object,
 * Parquet, a dataset folder) with the same result.
 */
class TrainDataFormatsTest {
  @TempDir Path tmp;

  static String squash(String s) {
    return s.replaceAll("\\s+", " ");
  }

  @Test
  void helpAndDocsNameTheSameFormats() throws Exception {
    Cli help = Cli.run("train", "--help");
    assertEquals(0, help.code());
    String h = squash(help.out());
    assertTrue(h.contains(squash(TrainCommand.DATA_FORMATS)), h);
    String docs = squash(Files.readString(Cli.repoDir().resolve("docs/lag-dpo.md")));
    for (String f : List.of(".jsonl", ".json", ".parquet", "dataset folder", "one object")) {
      assertTrue(TrainCommand.DATA_FORMATS.contains(f.replace("dataset folder", "folder")), f);
      assertTrue(docs.contains("`--data`: a `.jsonl`, `.json` — an array of objects or one object — or `.parquet` file, or a dataset folder"), f);
    }
  }

  @Test
  void theTrainerReadsEveryNamedFormatAlike() throws Exception {
    Path bytes = Files.createDirectories(tmp.resolve("bytes"));
    Tokenizers.writeByteLevel(bytes);
    Tokenizer tok = Tokenizers.load(bytes);
    List<PersonaRow> rows = SampleData.train().subList(0, 3);
    Path jsonl = tmp.resolve("d.jsonl");
    PersonaData.write(jsonl, rows);
    Path json = tmp.resolve("d.json");
    PersonaData.write(json, rows);
    Path parquet = tmp.resolve("d.parquet");
    PersonaData.write(parquet, rows);
    Path folder = tmp.resolve("hub");
    PersonaData.writeDataset(folder, rows);
    Path one = tmp.resolve("one.json");
    Files.writeString(one, new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
        .writeValueAsString(new com.fasterxml.jackson.databind.ObjectMapper().readTree(PersonaData.toJsonLine(rows.get(0)))));
    List<PreferenceGroups.Group> ref = PreferenceGroups.build(jsonl, tok, Optional.empty(), 2048, 1024);
    assertEquals(3, ref.size());
    for (Path p : List.of(json, parquet, folder)) {
      List<PreferenceGroups.Group> g = PreferenceGroups.build(p, tok, Optional.empty(), 2048, 1024);
      assertEquals(ref.size(), g.size(), p.toString());
      for (int i = 0; i < ref.size(); i++) assertArrayEquals(ref.get(i).golden(), g.get(i).golden(), p.toString());
    }
    List<PreferenceGroups.Group> single = PreferenceGroups.build(one, tok, Optional.empty(), 2048, 1024);
    assertEquals(1, single.size());
    assertArrayEquals(ref.get(0).golden(), single.get(0).golden());
  }
}
