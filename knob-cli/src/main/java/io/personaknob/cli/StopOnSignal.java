package io.personaknob.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C / SIGTERM for commands that make paid or long calls: a shutdown hook runs {@code onStop} (cancel the
 * calls) and then waits up to 30 s for {@link #close}, so the command's own thread can write what finished and
 * close its store before the JVM exits. {@link #close} releases the hook and removes it.
 */
final class StopOnSignal implements AutoCloseable {
  private final CountDownLatch finished = new CountDownLatch(1);
  private final Thread hook;

  private StopOnSignal(boolean enabled, Runnable onStop) {
    hook = !enabled ? null : new Thread(() -> {
      onStop.run();
      try {
        finished.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException ignored) {
        // exiting
      }
    });
    if (hook != null) Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Installs the hook when {@code enabled} (a dry run calls nothing and needs none). */
  static StopOnSignal install(boolean enabled, Runnable onStop) {
    return new StopOnSignal(enabled, onStop);
  }

  @Override
  public void close() {
    finished.countDown();
    if (hook == null) return;
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException ignored) {
      // already shutting down
    }
  }
}
