package org.fedmsg.cli;

import java.io.PrintStream;
import java.time.Duration;

/**
 * What keeps a {@code fedmsg} service process from outliving its usefulness: an uncaught {@link
 * Error} in any thread (an {@link OutOfMemoryError} in a ZeroMQ I/O thread, say) ends the process
 * with {@link #EXIT_FATAL}, so a service manager restarts it instead of leaving a process that
 * forwards nothing; and shutdown hooks are bounded, so SIGTERM ends the process even when a close
 * waits on a dead thread.
 */
final class ProcessGuard {
  /** The exit status after a fatal error in some thread (EX_SOFTWARE). */
  static final int EXIT_FATAL = 70;
  /** How long a shutdown hook may take before the process is halted. */
  static final Duration SHUTDOWN_LIMIT = Duration.ofSeconds(15);

  private ProcessGuard() {}

  /** Ends the process on an uncaught Error in any thread; other exceptions are printed as before. */
  static void install() {
    Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
      PrintStream err = System.err;
      if (e instanceof Error) {
        // Halt, not exit: after an Error, shutdown hooks may wait forever on the broken thread.
        try {
          err.println("fedmsg: fatal: " + e + " in thread " + thread.getName() + "; exiting with status "
              + EXIT_FATAL);
          err.flush();
        } finally {
          Runtime.getRuntime().halt(EXIT_FATAL);
        }
      }
      err.print("Exception in thread \"" + thread.getName() + "\" ");
      e.printStackTrace(err);
    });
  }

  /**
   * A shutdown hook that runs {@code stop} and halts the process if it has not finished within
   * {@link #SHUTDOWN_LIMIT}.
   */
  static Thread boundedHook(String name, Runnable stop) {
    return new Thread(() -> {
      Thread worker = new Thread(stop, name + "-stop");
      worker.setDaemon(true);
      worker.start();
      try {
        worker.join(SHUTDOWN_LIMIT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (worker.isAlive()) {
        System.err.println("fedmsg: " + name + " did not stop within " + SHUTDOWN_LIMIT.toSeconds() + " s; halting");
        System.err.flush();
        Runtime.getRuntime().halt(EXIT_FATAL);
      }
    }, name);
  }
}
