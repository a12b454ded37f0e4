package zmq;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.atomic.AtomicLong;
import zmq.util.Errno;
import zmq.util.Utils;

/**
 * The wake-up behind a socket's or an I/O thread's command mailbox: one byte in a pipe per signal,
 * so that a selector (a blocking {@code recv}, or a poller of several sockets) wakes up when a
 * command arrives. It has the methods, package and behaviour of JeroMQ's own class and replaces
 * it in fedmsg-jeromq, with one change (docs/performance.md, "End to end"):
 *
 * <p>{@link #waitEvent waitEvent(0)}, which the mailbox calls on every non-blocking check, answers
 * from two counters without a system call: signals sent ({@link #sent}) against signals read
 * ({@link #read}). JeroMQ counts a signal after writing its byte. A poller woken by that byte can
 * run before the writer has counted it; the mailbox then sees no signal, the socket reports no
 * event, and the poller goes back to its selector, which returns at once because the byte is still
 * unread: it spins, using a core, until the writer's thread runs again. On a machine with few
 * cores the spinning poller is often what keeps the writer from running, so every wake-up of a
 * poller cost milliseconds (measured: 1.2 ms of CPU per message for a poller of an inproc PULL
 * socket, and a median hand-off of 2.9 ms instead of 0.1 ms). Here a signal is counted before its
 * byte is written, so whoever sees the byte sees the count. The reverse window (counted, byte not
 * yet written) is two statements of the writer's thread, and {@link #recv} waits for the byte.
 */
final class Signaler implements Closeable {
  @FunctionalInterface
  private interface IoOperation<T> {
    T call() throws IOException;
  }

  private final Pipe.SinkChannel w;
  private final Pipe.SourceChannel r;
  private final Selector selector;
  private final ByteBuffer writeByte = ByteBuffer.allocate(1);
  private final ByteBuffer readByte = ByteBuffer.allocate(1);
  /** Signals sent: counted before the byte is written (see the class comment). */
  private final AtomicLong sent = new AtomicLong();
  /** Signals read; only the mailbox's owner reads. */
  private long read;
  private final Errno errno;
  private final int pid;
  private final Ctx ctx;

  Signaler(Ctx ctx, int pid, Errno errno) {
    this.ctx = ctx;
    this.pid = pid;
    this.errno = errno;
    try {
      Pipe pipe = Pipe.open();
      r = pipe.source();
      w = pipe.sink();
      Utils.unblockSocket(w, r);
      selector = ctx.createSelector();
      r.register(selector, SelectionKey.OP_READ);
    } catch (IOException e) {
      throw new ZError.IOException(e);
    }
  }

  /**
   * Runs a channel operation with the thread's interrupt flag cleared, so that an interrupt does
   * not close the pipe under the mailbox (NIO closes a channel on which an interrupted thread does
   * I/O); the flag is set again afterwards.
   */
  private static <T> T uninterrupted(IoOperation<T> operation) throws IOException {
    boolean interrupted = Thread.interrupted();
    try {
      while (true) {
        try {
          return operation.call();
        } catch (ClosedByInterruptException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() throws IOException {
    IOException failure = null;
    for (IoOperation<Object> step : java.util.List.<IoOperation<Object>>of(
        () -> { r.close(); return null; },
        () -> { w.close(); return null; },
        () -> { ctx.closeSelector(selector); return null; })) {
      try {
        uninterrupted(step);
      } catch (IOException e) {
        if (failure != null) {
          e.addSuppressed(failure);
        }
        failure = e;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  SelectableChannel getFd() {
    return r;
  }

  void send() {
    sent.incrementAndGet();
    int written = 0;
    while (written == 0) {
      writeByte.clear();
      try {
        written = uninterrupted(() -> w.write(writeByte));
      } catch (IOException e) {
        sent.decrementAndGet();  // no byte will come: a reader must not wait for it
        throw new ZError.IOException(e);
      }
    }
  }

  boolean waitEvent(long timeout) {
    if (Thread.interrupted()) {
      errno.set(ZError.EINTR);
      return false;
    }
    if (read < sent.get()) {
      return true;
    }
    int ready;
    try {
      if (timeout == 0) {
        // Called on every non-blocking send and receive: answered from the counters alone.
        errno.set(ZError.EAGAIN);
        return false;
      }
      ready = selector.select(timeout < 0 ? 0 : timeout);
    } catch (ClosedSelectorException e) {
      errno.set(ZError.EINTR);
      return false;
    } catch (IOException e) {
      errno.set(ZError.exccode(e));
      return false;
    }
    if (Thread.interrupted() || (ready == 0 && timeout <= 0 && !selector.keys().isEmpty())) {
      errno.set(ZError.EINTR);
      return false;
    }
    if (ready == 0) {
      errno.set(ZError.EAGAIN);
      return false;
    }
    selector.selectedKeys().clear();
    return true;
  }

  void recv() {
    int got = 0;
    // A signal counted an instant before its byte is written: wait for the byte.
    while (got == 0) {
      readByte.clear();
      try {
        got = uninterrupted(() -> r.read(readByte));
      } catch (ClosedChannelException e) {
        errno.set(ZError.EINTR);
        return;
      } catch (IOException e) {
        throw new ZError.IOException(e);
      }
    }
    read++;
  }

  @Override
  public String toString() {
    return "Signaler[" + pid + "]";
  }
}
