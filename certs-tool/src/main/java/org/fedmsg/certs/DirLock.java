package org.fedmsg.certs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The exclusive lock on a certificate directory, held for the whole read-modify-write of one
 * operation so that concurrent runs (threads of one JVM, or separate processes) never interleave
 * their updates of the state file.
 *
 * <p>Processes are excluded by an OS file lock on {@value #FILE_NAME}; threads of this JVM by a
 * per-directory {@link ReentrantLock}, because a JVM cannot take the same file lock twice. The
 * lock file itself is never deleted (deleting it would let two processes lock two different files).
 */
final class DirLock implements AutoCloseable {
  static final String FILE_NAME = ".fedmsg-certs.lock";
  private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private final ReentrantLock jvmLock;
  private final FileChannel channel;
  private final FileLock fileLock;

  private DirLock(ReentrantLock jvmLock, FileChannel channel, FileLock fileLock) {
    this.jvmLock = jvmLock;
    this.channel = channel;
    this.fileLock = fileLock;
  }

  /**
   * Locks {@code dir}, waiting at most {@code timeout}.
   *
   * @throws CertsException {@link CertsException.Reason#LOCKED} after the timeout,
   *     {@link CertsException.Reason#UNREADABLE} if the lock file cannot be opened
   */
  static DirLock acquire(Path dir, Duration timeout) {
    Path key = dir.toAbsolutePath().normalize();
    ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(key, k -> new ReentrantLock());
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      if (!jvmLock.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw locked(key);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CertsException(CertsException.Reason.LOCKED, "interrupted while waiting for the lock on " + key);
    }
    FileChannel channel = null;
    try {
      channel = FileChannel.open(key.resolve(FILE_NAME), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      while (true) {
        FileLock lock = channel.tryLock();
        if (lock != null) {
          return new DirLock(jvmLock, channel, lock);
        }
        if (System.nanoTime() > deadline) {
          throw locked(key);
        }
        Thread.sleep(20);
      }
    } catch (IOException e) {
      release(jvmLock, channel);
      throw new CertsException(CertsException.Reason.UNREADABLE,
          "cannot lock " + key + ": " + FileBatch.describe(e), e);
    } catch (InterruptedException e) {
      release(jvmLock, channel);
      Thread.currentThread().interrupt();
      throw new CertsException(CertsException.Reason.LOCKED, "interrupted while waiting for the lock on " + key);
    } catch (RuntimeException e) {
      release(jvmLock, channel);
      throw e;
    }
  }

  private static CertsException locked(Path dir) {
    return new CertsException(CertsException.Reason.LOCKED,
        "another fedmsg-certs run holds " + dir.resolve(FILE_NAME) + "; try again when it has finished");
  }

  private static void release(ReentrantLock jvmLock, FileChannel channel) {
    try {
      if (channel != null) {
        channel.close();
      }
    } catch (IOException ignored) {
      // Closing releases the OS lock; nothing more to do if it fails.
    } finally {
      jvmLock.unlock();
    }
  }

  @Override
  public void close() {
    try {
      fileLock.release();
    } catch (IOException ignored) {
      // The channel close below releases it anyway.
    }
    release(jvmLock, channel);
  }
}
