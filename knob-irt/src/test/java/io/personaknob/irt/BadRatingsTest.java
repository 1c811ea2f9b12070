package io.personaknob.irt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personaknob.core.UserException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, {@code knob irt fit} on bad ratings: a non-UTF-8 CSV names line and byte offset, a row with
 * more fields than the header is an error, a stray rating far outside the scale is one clear warning at
 * the top (not one note per empty category), and the bottom category's count is reported.
 */
class BadRatingsTest {
  @TempDir Path dir;

  static final RatingReader.Columns COLS = new RatingReader.Columns(List.of("model", "judge"), "rating", null, null, null);

  @Test
  void nonUtf8NamesTheLineAndTheByteOffset() throws Exception {
    byte[] head = "model,judge,rating\nm1,j1,3\nm2,caf".getBytes(StandardCharsets.UTF_8);
    byte[] tail = ",2\n".getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[head.length + 1 + tail.length];
    System.arraycopy(head, 0, all, 0, head.length);
    all[head.length] = (byte) 0xE9; // Latin-1 'é'
    System.arraycopy(tail, 0, all, head.length + 1, tail.length);
    Path p = dir.resolve("latin1.csv");
    Files.write(p, all);
    String m = assertThrows(UserException.class, () -> RatingReader.read(p, COLS)).getMessage();
    // line 3 starts at byte 27 ("model,judge,rating\n" 19 + "m1,j1,3\n" 8); 0xE9 is its 7th byte: offset 33
    assertEquals(p + ":3: not UTF-8 text: byte 0xE9 at column 7 (byte offset 33 in the file); save the file as UTF-8", m);
  }

  @Test
  void aRowWithMoreFieldsThanTheHeaderIsAnError() throws Exception {
    Path p = dir.resolve("extra.csv");
    Files.writeString(p, "model,judge,rating\nm1,j1,3\nm2,j1,4,5\n");
    String m = assertThrows(UserException.class, () -> RatingReader.read(p, COLS)).getMessage();
    assertTrue(m.startsWith(p + ":3: 4 fields, the header has 3"), m);
  }

  /** 3 models x 4 judges x 6 items on 1..5, every category used, plus optional stray ratings. */
  private Path ratings(String extra) throws Exception {
    StringBuilder sb = new StringBuilder("model,judge,rating\n");
    int[] pattern = {1, 2, 3, 4, 5, 3, 2, 4};
    int k = 0;
    for (int m = 0; m < 3; m++) for (int j = 0; j < 4; j++) for (int i = 0; i < 6; i++) {
      int r = Math.max(1, Math.min(5, pattern[k++ % pattern.length] + (m == 2 && i == 0 ? 1 : 0) - (m == 0 && i == 1 ? 1 : 0)));
      sb.append(String.format(Locale.ROOT, "m%d,j%d,%d%n", m, j, r));
    }
    sb.append(extra);
    Path p = dir.resolve("scale.csv");
    Files.writeString(p, sb);
    return p;
  }

  @Test
  void aStrayRatingFarOutsideTheScaleIsOneWarningAtTheTop() throws Exception {
    RatingData data = RatingReader.read(ratings("m1,j2,50\n"), COLS);
    RaschFit fit = JmleEstimator.fit(data, RaschSpec.builder("model").build());
    List<String> gap = fit.warnings().stream().filter(w -> w.startsWith("WARNING: ")).toList();
    assertEquals(1, gap.size(), fit.warnings().toString());
    assertEquals("WARNING: the ratings run from 1 to 50, but categories 6..49 are never used: 1 rating at 50 lies far"
        + " outside the other 72 (1..5). A typo? Fix it, or declare the scale with --min/--max (ratings outside it are"
        + " then errors). The empty categories are kept as structural zeros.", gap.get(0));
    // no note per empty category
    assertTrue(fit.warnings().stream().noneMatch(w -> w.startsWith("category ")), fit.warnings().toString());
    String report = FacetsReport.render(fit);
    List<String> lines = report.lines().toList();
    assertTrue(lines.get(1).startsWith("WARNING: the ratings run from 1 to 50"), report);
    assertEquals(1, lines.stream().filter(l -> l.contains("never used")).count(), report);
    // with the scale declared the stray rating is an error instead
    String m = assertThrows(UserException.class, () -> RatingReader.read(ratings("m1,j2,50\n"),
        new RatingReader.Columns(List.of("model", "judge"), "rating", null, 1, 5))).getMessage();
    assertTrue(m.contains("rating 50 outside the scale 1..5"), m);
  }

  @Test
  void oneOrTwoEmptyCategoriesAreOneNoteNotAWarning() throws Exception {
    // 1..5 used, then 8: categories 6 and 7 empty (a run of 2: below the gap warning)
    RatingData data = RatingReader.read(ratings("m1,j2,8\n"), COLS);
    RaschFit fit = JmleEstimator.fit(data, RaschSpec.builder("model").build());
    assertTrue(fit.warnings().stream().noneMatch(w -> w.startsWith("WARNING: ")), fit.warnings().toString());
    assertEquals(1, fit.warnings().stream().filter(w -> w.contains("unobserved")).count(), fit.warnings().toString());
    assertTrue(fit.warnings().contains("categories 6..7 are unobserved between observed categories: kept as structural zeros"),
        fit.warnings().toString());
  }

  @Test
  void theBottomCategoryCountIsInTheTableAndTheJson() throws Exception {
    Path p = ratings("");
    long ones = Files.readAllLines(p).stream().skip(1).filter(l -> l.endsWith(",1")).count();
    assertTrue(ones > 0);
    RaschFit fit = JmleEstimator.fit(RatingReader.read(p, COLS), RaschSpec.builder("model").build());
    assertEquals(1, fit.bottomCategories().size());
    assertEquals(1, fit.bottomCategories().get(0).category());
    assertEquals(ones, fit.bottomCategories().get(0).count(), 1e-9);
    // counts of the table add up to all ratings once the bottom category is in
    double total = fit.bottomCategories().get(0).count();
    for (ThresholdStat t : fit.thresholds()) total += t.count();
    assertEquals(3 * 4 * 6, total, 1e-9);
    JsonNode json = new ObjectMapper().readTree(FitJson.toJson(fit));
    assertEquals(1, json.get("bottom_categories").get(0).get("category").asInt());
    assertEquals(ones, json.get("bottom_categories").get(0).get("count").asDouble(), 1e-9);
    String table = FacetsReport.render(fit);
    String row = table.lines().filter(l -> l.contains("bottom category")).findFirst().orElseThrow();
    assertTrue(row.matches("\\s+\\(rating scale\\)\\s+1\\s+" + ones + "\\s+-\\s+-\\s+bottom category.*"), row);
    assertFalse(json.get("thresholds").toString().contains("\"category\":1,"), "the thresholds start at category 2");
  }
}
