package org.fedmsg.reliable;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One process at a time on a state directory (an outbox, a subscriber's positions): an
 * operating-system lock on a file in it, released when closed or when the process dies, so a
 * {@code kill -9} never leaves a stale lock behind.
 */
public final class DirectoryLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private DirectoryLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Creates {@code dir} if needed and locks {@code dir/fileName}.
   *
   * @return the lock, or null when another process (or this one) already holds it
   * @throws IOException when the directory or the file cannot be created or opened
   */
  public static DirectoryLock tryAcquire(Path dir, String fileName) throws IOException {
    Files.createDirectories(dir);
    FileChannel channel = FileChannel.open(dir.resolve(fileName), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;   // held by this process already
    }
    if (lock == null) {
      channel.close();
      return null;
    }
    return new DirectoryLock(channel, lock);
  }

  /** Releases the lock. */
  @Override
  public void close() throws IOException {
    lock.release();
    channel.close();
  }
}
