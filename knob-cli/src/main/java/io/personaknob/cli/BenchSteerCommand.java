package io.personaknob.cli;

import io.personaknob.steer.ExampleRow;
import io.personaknob.steer.StatsTables;
import io.personaknob.steer.SyntheticExamples;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code knob bench steer}: throughput of {@code knob steer stats} on a large synthetic examples file. */
@Command(
    name = "steer",
    mixinStandardHelpOptions = true,
    description = "Measure `knob steer stats`: write --rows synthetic example rows (library schema, ~8 KB each), then time reading"
        + " them, the two exact aggregate tables, their JSONL/CSV files, and the bootstrap intervals; best of --repeat.")
final class BenchSteerCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--rows", defaultValue = "100000", description = "Example rows (default ${DEFAULT-VALUE}).")
  int rows;

  @Option(names = "--templates", defaultValue = "500", description = "Distinct templates (default ${DEFAULT-VALUE}; 4 pairs each).")
  int templates;

  @Option(names = "--repeat", defaultValue = "3", description = "Timed repetitions (default ${DEFAULT-VALUE}).")
  int repeat;

  @Option(names = "--dir", description = "Scratch folder (default: a temp folder, deleted after).")
  Path dir;

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    boolean temp = dir == null;
    Path d = temp ? Files.createTempDirectory("knob-bench-steer") : Files.createDirectories(dir);
    try {
      Path ex = d.resolve("examples.jsonl");
      long t0 = System.nanoTime();
      SyntheticExamples.write(ex, rows, templates, 1);
      o.printf(Locale.ROOT, "wrote %,d rows (%.1f MB) in %.1f s%n", rows, Files.size(ex) / 1e6, (System.nanoTime() - t0) / 1e9);
      o.flush();
      double bestRead = Double.MAX_VALUE;
      double bestAgg = Double.MAX_VALUE;
      double bestWrite = Double.MAX_VALUE;
      double bestBoot = Double.MAX_VALUE;
      int cells = 0;
      for (int k = 0; k < repeat; k++) {
        long a = System.nanoTime();
        List<ExampleRow> rs = StatsTables.readExamples(ex);
        long b = System.nanoTime();
        var pair = StatsTables.templatePairStats(rs);
        var tmpl = StatsTables.templateStats(rs);
        long c = System.nanoTime();
        StatsTables.write(d.resolve("out"), pair, tmpl);
        long e = System.nanoTime();
        var cellScores = io.personaknob.steer.Scores.cells(pair);
        io.personaknob.steer.Uncertainty.addIntervals(cellScores, rs, 2000, 0);
        long g = System.nanoTime();
        cells = pair.size();
        bestRead = Math.min(bestRead, (b - a) / 1e9);
        bestAgg = Math.min(bestAgg, (c - b) / 1e9);
        bestWrite = Math.min(bestWrite, (e - c) / 1e9);
        bestBoot = Math.min(bestBoot, (g - e) / 1e9);
      }
      double mb = Files.size(ex) / 1e6;
      o.printf(Locale.ROOT, "read+parse: %.2f s (%,.0f rows/s, %.0f MB/s)%n", bestRead, rows / bestRead, mb / bestRead);
      o.printf(Locale.ROOT, "aggregate (2 tables, %,d cells): %.2f s (%,.0f rows/s)%n", cells, bestAgg, rows / bestAgg);
      o.printf(Locale.ROOT, "write JSONL+CSV: %.2f s%n", bestWrite);
      o.printf(Locale.ROOT, "exact tables end to end: %.2f s (%,.0f rows/s)%n", bestRead + bestAgg + bestWrite, rows / (bestRead + bestAgg + bestWrite));
      o.printf(Locale.ROOT, "bootstrap 2000 x %,d cells: %.2f s%n", cells, bestBoot);
      o.printf(Locale.ROOT, "(%d cores, Java %s, best of %d)%n", Runtime.getRuntime().availableProcessors(), Runtime.version(), repeat);
      return Knob.EXIT_OK;
    } finally {
      if (temp) {
        try (var w = Files.walk(d)) {
          w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }
}
