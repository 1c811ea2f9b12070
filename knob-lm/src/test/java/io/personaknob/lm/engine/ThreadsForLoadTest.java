package io.personaknob.lm.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16: the default torch thread count follows the load (worked values; docs/benchmarks.md). */
class ThreadsForLoadTest {
  @TempDir Path tmp;

  @Test
  void freeCoresRoundedAtLeastOne() {
    assertEquals(2, LmEngine.threadsForLoad(2, 0.05)); // idle 2-core machine: both cores
    assertEquals(2, LmEngine.threadsForLoad(2, 0.4));
    assertEquals(1, LmEngine.threadsForLoad(2, 0.6)); // 1.4 free -> 1
    assertEquals(1, LmEngine.threadsForLoad(2, 2.0)); // two busy processes (the contended benchmark): one thread
    assertEquals(1, LmEngine.threadsForLoad(2, 19.7)); // this machine with eight engineers on it
    assertEquals(6, LmEngine.threadsForLoad(8, 2.3));
    assertEquals(8, LmEngine.threadsForLoad(8, 0));
  }

  @Test
  void readsTheFirstFieldOfProcLoadavg() throws Exception {
    Path f = Files.writeString(tmp.resolve("loadavg"), "1.52 0.98 0.40 3/512 12345\n");
    assertEquals(1.52, LmEngine.loadAverage(f), 1e-12);
    assertEquals(-1, LmEngine.loadAverage(tmp.resolve("missing")), 0);
    assertEquals(-1, LmEngine.loadAverage(Files.writeString(tmp.resolve("bad"), "x y z\n")), 0);
  }

  @Test
  void aServerLeavesOneCoreToItsHttpThreadsUnlessTold() {
    assertEquals(1, LmEngine.servingThreads(0, 2, 2, false)); // idle 2-core machine: one core decodes, one serves
    assertEquals(7, LmEngine.servingThreads(0, 8, 8, false));
    assertEquals(5, LmEngine.servingThreads(0, 8, 5, false)); // the load already left fewer: keep them
    assertEquals(1, LmEngine.servingThreads(0, 1, 1, false)); // one core: at least one thread
    assertEquals(2, LmEngine.servingThreads(0, 2, 2, true)); // KNOB_TORCH_THREADS=2 is obeyed
    assertEquals(2, LmEngine.servingThreads(2, 2, 1, false)); // --threads 2 too
  }
}
