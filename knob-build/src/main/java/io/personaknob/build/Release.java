package io.personaknob.build;

import io.personaknob.core.Provenance;
import io.personaknob.core.UserException;
import io.personaknob.core.data.Issue;
import io.personaknob.core.data.PersonaData;
import io.personaknob.core.data.PersonaRow;
import io.personaknob.llm.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * {@code knob build release}: the accepted rows as a dataset in the Hub layout
 * ({@code OUT/data/train-00000-of-00001.parquet}, {@code OUT/data/test-00000-of-00001.parquet}), split with a
 * seed and stratified by mask (in each mask, round(n × fraction) rows go to test after a seeded shuffle —
 * {@code knob data split}'s algorithm with the mask, not only its size, as the stratum), a dataset card
 * {@code README.md} with YAML front matter and {@code release.provenance.json}. The written dataset is read
 * back through knob-core's validator before the folder is moved into place.
 */
public final class Release {
  private Release() {}

  public record Result(Path dir, int train, int test, int excluded) {}

  public static Result write(Path buildDir, Path outDir, double testFraction, Long seedOverride, boolean includeUnreviewed,
      String license) {
    if (!(testFraction > 0 && testFraction < 1)) throw new UserException("--test-fraction must be between 0 and 1, got " + testFraction);
    BuildSpec spec = BuildState.readSpec(buildDir);
    List<BuildRow> rows = BuildState.readRows(buildDir);
    long seed = seedOverride != null ? seedOverride : spec.seed();
    List<BuildRow> chosen = new ArrayList<>();
    int excluded = 0;
    for (BuildRow r : rows) {
      boolean ok = r.status.equals(BuildRow.ACCEPTED) || (includeUnreviewed && r.status.equals(BuildRow.REVIEW));
      if (!ok) continue;
      if (!Synthesizer.validate(r).isEmpty()) {
        excluded++; // cannot happen for rows that went through synthesize; kept as a guard
        continue;
      }
      chosen.add(r);
    }
    if (chosen.isEmpty()) throw new UserException(buildDir + ": no accepted rows to release (" + rows.stream()
        .filter(r -> r.status.equals(BuildRow.REVIEW)).count() + " wait for review: import verdicts with knob build review"
        + " --verdicts FILE, or release them unreviewed with --include-unreviewed)");
    Map<String, List<Integer>> strata = new TreeMap<>();
    for (int i = 0; i < chosen.size(); i++) strata.computeIfAbsent(chosen.get(i).mask, k -> new ArrayList<>()).add(i);
    boolean[] isTest = new boolean[chosen.size()];
    Random rnd = new Random(seed);
    for (List<Integer> idx : strata.values()) {
      List<Integer> sh = new ArrayList<>(idx);
      java.util.Collections.shuffle(sh, rnd);
      long k = Math.round(idx.size() * testFraction);
      for (int j = 0; j < k; j++) isTest[sh.get(j)] = true;
    }
    List<PersonaRow> out = new ArrayList<>();
    int train = 0, test = 0;
    for (int i = 0; i < chosen.size(); i++) {
      BuildRow r = chosen.get(i);
      r.split = isTest[i] ? "test" : "train";
      if (isTest[i]) test++;
      else train++;
      out.add(r.toPersonaRow());
    }
    Path target = outDir.toAbsolutePath();
    Path tmp;
    try {
      Files.createDirectories(target.getParent());
      tmp = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".");
    } catch (IOException e) {
      throw new UserException(target + ": cannot create: " + e.getMessage());
    }
    try {
      PersonaData.writeDataset(tmp, out);
      List<Issue> errors = new ArrayList<>();
      PersonaData.scan(tmp.resolve("data"), i -> {
        if (i.isError()) errors.add(i);
      }, r -> {});
      if (!errors.isEmpty()) throw new IllegalStateException("released data does not validate: " + errors.get(0).format());
      String card = Card.text(spec, rows, chosen, train, test, testFraction, seed, includeUnreviewed, license);
      Files.writeString(tmp.resolve("README.md"), card);
      Map<String, Object> conf = new LinkedHashMap<>();
      conf.put("command", "build release");
      conf.put("build", Json.MAPPER.convertValue(spec, Map.class));
      conf.put("test_fraction", testFraction);
      conf.put("seed", seed);
      conf.put("include_unreviewed", includeUnreviewed);
      conf.put("train_rows", train);
      conf.put("test_rows", test);
      Provenance p = Provenance.of(conf, Map.of("rows", BuildState.rowsFile(buildDir)));
      Files.writeString(tmp.resolve("release.provenance.json"),
          Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(io.personaknob.llm.RunStore.provenanceMap(p)) + "\n");
      if (Files.exists(target)) deleteTree(target);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      tmp = null;
    } catch (IOException e) {
      throw new UserException(target + ": cannot write the release: " + e.getMessage());
    } finally {
      if (tmp != null) {
        try {
          deleteTree(tmp);
        } catch (IOException ignored) {
          // best effort
        }
      }
    }
    BuildState.writeRows(buildDir, rows);
    return new Result(target, train, test, excluded);
  }

  static void deleteTree(Path p) throws IOException {
    try (var s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(x);
    }
  }
}
