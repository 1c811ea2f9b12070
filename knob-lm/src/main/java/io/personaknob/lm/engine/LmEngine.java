package io.personaknob.lm.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.personaknob.core.UserException;
import java.util.Locale;

/**
 * The deep-learning engine: DJL with PyTorch. The CPU natives come from the {@code pytorch-native-cpu}
 * jar on the class path (the {@code cuda} Maven profile swaps in the CUDA natives); DJL extracts them
 * once into its cache ({@code ~/.djl.ai/pytorch}, or {@code DJL_CACHE_DIR}) and never downloads: we set
 * {@code ai.djl.offline=true} before the engine is first touched.
 */
public final class LmEngine {
  private LmEngine() {}

  private static volatile Engine engine;

  /**
   * What must happen before DJL or PyTorch is first touched, without loading them: offline mode and
   * passive OpenMP waiting. {@link #get()} does it; code that reaches DJL another way (e.g.
   * {@code Engine.getInstance()}) should call this first.
   */
  public static void prepareEnvironment() {
    if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
    passiveOpenMpWait();
  }

  /** The PyTorch engine, loaded offline on first use. */
  public static Engine get() {
    Engine e = engine;
    if (e == null) {
      synchronized (LmEngine.class) {
        e = engine;
        if (e == null) {
          prepareEnvironment();
          try {
            e = Engine.getEngine("PyTorch");
          } catch (RuntimeException | UnsatisfiedLinkError ex) {
            throw new IllegalStateException(
                "cannot load the PyTorch engine offline (are the pytorch-native jars on the class path?): "
                    + ex.getMessage(),
                ex);
          }
          if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(defaultThreads());
          }
          engine = e;
        }
      }
    }
    return e;
  }

  /** libgomp's spin rounds before a waiting OpenMP thread sleeps (see {@link #passiveOpenMpWait()}). */
  static final int SPIN_COUNT = 10_000;

  /** The C library's setenv, through JNA (which DJL already depends on). */
  interface CLib extends com.sun.jna.Library {
    int setenv(String name, String value, int overwrite);
  }

  /**
   * Sets {@code OMP_WAIT_POLICY=PASSIVE} in the process environment (unless the user set it) before the
   * PyTorch natives, and with them libgomp, are loaded. With libgomp's default spin-waiting, PyTorch's
   * OpenMP threads burn their time slices waiting at barriers whenever the cores are shared; on a busy
   * 2-core machine a decoding step of a 30M model took ~1 s with 2 threads, 17 ms with passive waiting
   * (docs/benchmarks.md).
   *
   * <p>Purely passive waiting puts a thread to sleep (futex) at the end of every parallel op and wakes it
   * at the next, tens of µs apart during decoding: that hand-off cost more than the arithmetic of a
   * decoding step. So {@code GOMP_SPINCOUNT} is also set (unless the user set it or
   * {@code OMP_WAIT_POLICY}): a thread spins {@value #SPIN_COUNT} rounds (well under a millisecond)
   * before sleeping, enough to catch the next op of a step, too short to matter to other processes.
   * Measured in docs/benchmarks.md (batch-1 generation about 1.7 × faster).
   */
  static void passiveOpenMpWait() {
    if (System.getenv("OMP_WAIT_POLICY") != null) return;
    try {
      CLib c = com.sun.jna.Native.load("c", CLib.class);
      c.setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
      c.setenv("GOMP_SPINCOUNT", String.valueOf(SPIN_COUNT), 0); // overwrite 0: a user's value wins
    } catch (RuntimeException | LinkageError ignored) {
      // not a POSIX libc: keep the default policy
    }
  }

  /**
   * Intra-op threads unless {@code ai.djl.pytorch.num_threads} is set: {@code KNOB_TORCH_THREADS} or
   * {@code -Dknob.torch.threads} (a number), else chosen from the load when the engine starts: the cores
   * the 1-minute load average of {@code /proc/loadavg} leaves free, at least 1 ({@link #threadsForLoad}).
   * On a busy machine every PyTorch op ends in an OpenMP barrier that a descheduled thread stalls, so one
   * thread beats two there (docs/benchmarks.md: 0.76 vs 0.56 of Jlama's batch-1 speed); on an idle one
   * all cores are used. Where the load cannot be read (not Linux), one thread per core.
   */
  static int defaultThreads() {
    String v = System.getProperty("knob.torch.threads", System.getenv("KNOB_TORCH_THREADS"));
    if (v != null && !v.isBlank() && !v.trim().equals("auto")) {
      try {
        int n = Integer.parseInt(v.trim());
        if (n > 0) return n;
      } catch (NumberFormatException ignored) {
        // fall through to the default
      }
    }
    int cores = Math.max(1, Runtime.getRuntime().availableProcessors());
    double load = loadAverage(java.nio.file.Path.of("/proc/loadavg"));
    return load < 0 ? cores : threadsForLoad(cores, load);
  }

  /**
   * Threads for {@code cores} cores under a 1-minute load average {@code load} (runnable processes,
   * ours not yet among them): the free cores, rounded, between 1 and {@code cores}.
   */
  static int threadsForLoad(int cores, double load) {
    long free = Math.round(cores - load);
    return (int) Math.max(1, Math.min(cores, free));
  }

  /** The 1-minute load average from a {@code /proc/loadavg} file, or -1 when it cannot be read. */
  static double loadAverage(java.nio.file.Path file) {
    try {
      String first = java.nio.file.Files.readString(file).strip().split("\\s+")[0];
      double v = Double.parseDouble(first);
      return v >= 0 && Double.isFinite(v) ? v : -1;
    } catch (java.io.IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Whether the user chose the intra-op thread count ({@code KNOB_TORCH_THREADS}, {@code -Dknob.torch.threads} or DJL's {@code ai.djl.pytorch.num_threads}). */
  public static boolean threadsChosenByUser() {
    if (System.getProperty("ai.djl.pytorch.num_threads") != null) return true;
    String v = System.getProperty("knob.torch.threads", System.getenv("KNOB_TORCH_THREADS"));
    return v != null && !v.isBlank() && !v.trim().equals("auto");
  }

  /**
   * Intra-op threads for a server: {@code requested} when positive; else, unless the user chose a count
   * ({@link #threadsChosenByUser}), the default ({@code current}) capped at one less than the cores, at
   * least 1. A server's request handling, streaming and clients need a core too: with every core in
   * PyTorch's OpenMP team, each decoding step waits at barriers for a thread the scheduler has given to an
   * HTTP thread. vLLM's CPU backend reserves a core for its serving frontend for the same reason. Measured
   * in docs/benchmarks.md (knob bench serve, tiny model on 2 cores: 2.2 x the tokens/s with 8 clients).
   */
  public static int servingThreads(int requested, int cores, int current, boolean userChose) {
    if (requested > 0) return requested;
    if (userChose) return current;
    return Math.max(1, Math.min(current, cores - 1));
  }

  /**
   * Applies {@link #servingThreads} for this machine and returns the thread count now in use. Call it
   * before the server's decoding thread runs its first operation: PyTorch gives a thread the process's
   * count at that thread's first parallel operation (and keeps it), so a later change reaches only threads
   * that have not computed yet.
   */
  public static int useServingThreads(int requested) {
    int cores = Math.max(1, Runtime.getRuntime().availableProcessors());
    int n = servingThreads(requested, cores, threads(), threadsChosenByUser());
    setThreads(n);
    return threads();
  }

  /** Sets PyTorch's intra-op thread count (0 keeps the default chosen at start, see {@link #defaultThreads}). */
  public static void setThreads(int threads) {
    get();
    if (threads > 0) ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
  }

  /** PyTorch's current intra-op thread count. */
  public static int threads() {
    get();
    return ai.djl.pytorch.jni.JniUtils.getNumThreads();
  }

  /** PyTorch version of the loaded engine, e.g. "2.7.1". */
  public static String pytorchVersion() {
    return get().getVersion();
  }

  /** DJL version from its jar manifest, or "0.35.1" as built. */
  public static String djlVersion() {
    String v = Engine.class.getPackage().getImplementationVersion();
    return v == null ? "0.35.1" : v;
  }

  /**
   * Parses a device spec: "auto" (CUDA when a GPU is visible, else CPU), "cpu", "cuda" or "cuda:N".
   *
   * @throws UserException for an unknown spec or a CUDA device that is not present
   */
  public static Device device(String spec) {
    String s = spec == null ? "auto" : spec.trim().toLowerCase(Locale.ROOT);
    int gpus = get().getGpuCount();
    if (s.equals("auto")) return gpus > 0 ? Device.gpu(0) : Device.cpu();
    if (s.equals("cpu")) return Device.cpu();
    if (s.equals("cuda") || s.equals("gpu") || s.startsWith("cuda:") || s.startsWith("gpu:")) {
      int idx = 0;
      int colon = s.indexOf(':');
      if (colon >= 0) {
        try {
          idx = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException ex) {
          throw new UserException("device '" + spec + "': expected cuda:N with a number N");
        }
      }
      if (idx >= gpus) {
        throw new UserException(
            "device '" + spec + "': no such CUDA device (" + gpus + " visible; build with -Pcuda for the CUDA natives)");
      }
      return Device.gpu(idx);
    }
    throw new UserException("device '" + spec + "': expected auto, cpu, cuda or cuda:N");
  }
}
