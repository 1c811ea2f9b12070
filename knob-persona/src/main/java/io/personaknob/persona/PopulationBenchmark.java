package io.personaknob.persona;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * Population sampling speed and memory on a PUMS-format file generated on the fly ({@link SyntheticPums}):
 * rows/s and peak heap of A-ES (one pass) and exact PPS (two passes), with the housing join.
 */
public final class PopulationBenchmark {
  private PopulationBenchmark() {}

  public static void run(Path dir, long rows, int n, PrintWriter o) throws Exception {
    Path p = dir.resolve("psam_p_bench.csv"), h = dir.resolve("psam_h_bench.csv"), d = dir.resolve("dict.csv");
    long t0 = System.nanoTime();
    SyntheticPums.write(p, h, rows, 1);
    SyntheticPums.writeDictionary(d);
    double gen = (System.nanoTime() - t0) / 1e9;
    o.printf(Locale.ROOT, "machine: %d cores, max heap %d MiB, Java %s%n", Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20, Runtime.version());
    o.printf(Locale.ROOT, "generated %,d person rows (%.1f MiB) + housing (%.1f MiB) in %.1f s%n", rows, Files.size(p) / 1048576.0,
        Files.size(h) / 1048576.0, gen);
    o.flush();
    PumsDictionary dict = PumsDictionary.read(d);
    for (Population.Method m : Population.Method.values()) {
      for (boolean withHousing : new boolean[] {false, true}) {
        resetPeaks();
        t0 = System.nanoTime();
        var r = Population.sample(p, withHousing ? h : null, dict, new Population.Options(n, 42, 0, Set.of(), m), null);
        double s = (System.nanoTime() - t0) / 1e9;
        long passes = m == Population.Method.PPS ? 2 : 1;
        o.printf(Locale.ROOT, "%s%s: %d personas from %,d rows in %.2f s = %,.0f rows/s per pass (%d pass%s over the person file),"
                + " peak heap used %d MiB%n", m.name().toLowerCase(Locale.ROOT), withHousing ? " + housing join" : "",
            r.personas().size(), r.rowsRead(), s, passes * r.rowsRead() / s, passes, passes == 1 ? "" : "es", peakHeapMiB());
        o.flush();
      }
    }
  }

  static void resetPeaks() {
    System.gc();
    for (MemoryPoolMXBean b : ManagementFactory.getMemoryPoolMXBeans()) b.resetPeakUsage();
  }

  static long peakHeapMiB() {
    long sum = 0;
    for (MemoryPoolMXBean b : ManagementFactory.getMemoryPoolMXBeans())
      if (b.getType() == MemoryType.HEAP) sum += b.getPeakUsage().getUsed();
    return sum >> 20;
  }
}
