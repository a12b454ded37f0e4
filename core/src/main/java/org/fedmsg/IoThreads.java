package org.fedmsg;

import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.ZContext;

/**
 * A ZeroMQ context whose I/O threads cannot die silently. JeroMQ's I/O threads catch runtime
 * exceptions of a connection and carry on, but an {@link Error} (an {@link OutOfMemoryError}
 * while reading a frame, say) ends the thread: every connection it served goes dead, and closing
 * the context then waits forever for the dead thread. Such a death is logged, remembered ({@link
 * #failure()}: the owner stops waiting on the context when it closes) and passed to the JVM's
 * default uncaught-exception handler, which the {@code fedmsg} commands set to end the process
 * non-zero so that a service manager restarts it.
 */
final class IoThreads {
  private static final Logger LOG = LoggerFactory.getLogger(IoThreads.class);

  private final ZContext context;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  /**
   * @param ioThreads the number of I/O threads
   * @param owner what the context serves, for the log line
   */
  IoThreads(int ioThreads, String owner) {
    this.context = new ZContext(ioThreads);
    // Must be set before the first socket starts the I/O threads.
    context.setUncaughtExceptionHandler((thread, error) -> {
      failure.compareAndSet(null, error);
      LOG.error("{}: ZeroMQ I/O thread {} died, nothing more is sent or received: {}", owner, thread.getName(),
          error.toString(), error);
      Thread.UncaughtExceptionHandler fallback = Thread.getDefaultUncaughtExceptionHandler();
      if (fallback != null) {
        fallback.uncaughtException(thread, error);
      }
    });
  }

  ZContext context() {
    return context;
  }

  /** What killed an I/O thread, or null while they all run. */
  Throwable failure() {
    return failure.get();
  }

  /**
   * Closes the context, unless an I/O thread died: closing would then wait for it forever, so the
   * context is left to the garbage collector (the owner is broken anyway).
   */
  void close() {
    if (failure.get() != null) {
      LOG.warn("not closing the ZeroMQ context: one of its I/O threads died");
      return;
    }
    context.close();
  }
}
