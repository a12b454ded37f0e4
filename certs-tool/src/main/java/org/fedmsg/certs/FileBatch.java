package org.fedmsg.certs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a group of files so that a failure leaves no new or partial file behind.
 *
 * <p>{@link #commit()} first writes every file to a temporary file beside its target (created
 * with its final permissions, so a secret is never readable by others, not even for a moment),
 * forces it to disk, then renames each temporary file over its target. If anything fails, the
 * temporary files are deleted and the targets that did not exist before are removed again.
 * Files are committed in the order they were added: callers add the state file last, so that
 * the state never names a certificate that is not on disk.
 *
 * <p>Not thread-safe; callers hold the directory lock ({@link DirLock}).
 */
final class FileBatch {
  private static final Logger LOG = LoggerFactory.getLogger(FileBatch.class);
  static final Set<PosixFilePermission> SECRET = PosixFilePermissions.fromString("rw-------");
  static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");

  /** A file to write ({@code link} null) or a symbolic link to create ({@code content} null). */
  private record Pending(Path target, byte[] content, Set<PosixFilePermission> mode, Path link) {}

  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  private final List<Pending> pending = new ArrayList<>();

  /** Adds a file readable by everyone (certificates, CRLs, public keys, state). */
  FileBatch addPublic(Path target, byte[] content) {
    pending.add(new Pending(target, content.clone(), PUBLIC, null));
    return this;
  }

  /** Adds a file readable only by its owner (private keys, CURVE secrets): mode 0600. */
  FileBatch addSecret(Path target, byte[] content) {
    pending.add(new Pending(target, content.clone(), SECRET, null));
    return this;
  }

  /** Adds a symbolic link {@code target} pointing at {@code linkTarget}. */
  FileBatch addSymlink(Path target, Path linkTarget) {
    pending.add(new Pending(target, null, null, linkTarget));
    return this;
  }

  /** The targets added so far, in commit order. */
  List<Path> targets() {
    return pending.stream().map(Pending::target).toList();
  }

  /**
   * Writes every added file, all or none.
   *
   * @throws CertsException ({@link CertsException.Reason#UNREADABLE}) naming the file that
   *     could not be written; no new file is left behind
   */
  void commit() {
    List<Path> temps = new ArrayList<>();
    List<Path> created = new ArrayList<>();
    Path current = null;
    try {
      for (Pending p : pending) {
        current = p.target;
        temps.add(writeTemp(p));
      }
      for (int i = 0; i < pending.size(); i++) {
        Pending p = pending.get(i);
        current = p.target;
        boolean existed = Files.exists(p.target, LinkOption.NOFOLLOW_LINKS);
        move(temps.get(i), p.target);
        temps.set(i, null);
        if (!existed) {
          created.add(p.target);
        }
      }
      fsyncDirectories();
    } catch (IOException | RuntimeException e) {
      for (Path temp : temps) {
        deleteQuietly(temp);
      }
      for (Path target : created) {
        deleteQuietly(target);
      }
      throw new CertsException(CertsException.Reason.UNREADABLE,
          "cannot write " + current + ": " + describe(e), e);
    }
  }

  private static Path writeTemp(Pending p) throws IOException {
    Path dir = p.target.toAbsolutePath().getParent();
    if (p.link != null) {
      Path temp = dir.resolve("." + p.target.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + ".tmp");
      return Files.createSymbolicLink(temp, p.link);
    }
    FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(p.mode);
    Path temp = Files.createTempFile(dir, "." + p.target.getFileName() + ".", ".tmp", attr);
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(p.content);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    } catch (IOException | RuntimeException e) {
      deleteQuietly(temp);
      throw e;
    }
    // The umask does not apply to createTempFile's attribute on every platform; set it again.
    Files.setPosixFilePermissions(temp, p.mode);
    return temp;
  }

  private static void move(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      // Same directory, so this only happens on exotic file systems; a plain rename is the best left.
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private void fsyncDirectories() {
    // Make the renames durable; not every platform allows opening a directory, which is harmless.
    pending.stream().map(p -> p.target.toAbsolutePath().getParent()).distinct().forEach(dir -> {
      try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
        ch.force(true);
      } catch (IOException | RuntimeException e) {
        LOG.debug("cannot fsync directory {}: {}", dir, e.toString());
      }
    });
  }

  static void deleteQuietly(Path path) {
    if (path == null) {
      return;
    }
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.warn("cannot remove {}: {}", path, e.toString());
    }
  }

  static String describe(Exception e) {
    if (e instanceof FileAlreadyExistsException) {
      return "file exists";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof java.nio.file.DirectoryNotEmptyException) {
      return "a directory is in the way";
    }
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
