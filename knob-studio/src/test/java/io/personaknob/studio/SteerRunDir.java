package io.personaknob.studio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.Provenance;
import io.personaknob.steer.Scores;
import io.personaknob.steer.SteerStats;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real steering-template run directory for the studio tests: the library's published v2 pilot examples of
 * three templates (test resource {@code steering/}, MIT) as {@code examples.jsonl}, aggregated by knob-steer's own
 * {@link SteerStats} exactly as {@code knob steer stats --examples EXAMPLES --out DIR} does. Optionally one
 * answer is replaced by untrusted markup first.
 */
public final class SteerRunDir {
  private SteerRunDir() {}

  public static final String EXAMPLES = "steering/v2_pilot_seed24_examples_3_templates.jsonl";
  /** Put into the first example's positive answer by {@link #write} when asked. */
  public static final String EVIL = "<script>window.pwned=4</script>";

  /** The published example rows (the resource's lines, parsed). */
  public static List<JsonNode> published() throws Exception {
    List<JsonNode> out = new ArrayList<>();
    try (InputStream in = SteerRunDir.class.getClassLoader().getResourceAsStream(EXAMPLES)) {
      for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"))
        if (!l.isBlank()) out.add(StudioDb.JSON.readTree(l));
    }
    return out;
  }

  /**
   * Writes {@code examplesDir/examples.jsonl} and the stats tables into {@code statsDir} (the same directory for
   * the layout of {@code knob steer run}, a subdirectory for {@code knob steer stats --out RUN/stats}).
   */
  public static SteerStats.Result write(Path examplesDir, Path statsDir, boolean evil) throws Exception {
    List<JsonNode> rows = published();
    StringBuilder b = new StringBuilder();
    try (InputStream in = SteerRunDir.class.getClassLoader().getResourceAsStream(EXAMPLES)) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      if (!evil) b.append(text);
      else {
        ObjectNode first = (ObjectNode) rows.get(0);
        first.put("pos_response", EVIL + " " + first.get("pos_response").asText());
        String[] lines = text.split("\n");
        lines[0] = StudioDb.JSON.writeValueAsString(first);
        b.append(String.join("\n", lines)).append("\n");
      }
    }
    Files.createDirectories(examplesDir);
    Path ex = examplesDir.resolve("examples.jsonl");
    Files.writeString(ex, b.toString(), StandardCharsets.UTF_8);
    SteerStats.Options o = new SteerStats.Options(Scores.Kind.HEAD, 200, 0, false, 0, 2, 2, 0, 2);
    SteerStats.Result r = SteerStats.compute(ex, o);
    SteerStats.write(statsDir, r, Provenance.of(Map.of("command", "steer stats"), Map.of("examples", ex)));
    return r;
  }

  /** {@code knob steer export --hf hfDir} of a run written by {@link #write}: Parquet splits, card, results.html. */
  public static void export(Path examplesDir, Path hfDir, SteerStats.Result r) throws Exception {
    Path ex = examplesDir.resolve("examples.jsonl");
    var run = new io.personaknob.steer.HubExport.Run("studio-test", io.personaknob.steer.StatsTables.readTable(ex), r.pairStats(),
        r.templateStats(), r.cellScores(), r.templateScores(), List.of(), null, Map.of("measurement_id", "studio-test"));
    io.personaknob.steer.HubExport.write(hfDir, run, Provenance.of(Map.of("command", "steer export"), Map.of("examples", ex)));
  }
}
