package org.fedmsg.crypto;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CURVE client keys a server admits ({@code curve.allowed_clients}): public key files in a
 * directory (czmq ZPL certificates, as {@code fedmsg-certs curve} writes them; one client each),
 * single files, or Z85 keys written inline. A directory is re-read when its listing or a file's
 * time or size changes (checked at most once per second), so keys can be added and removed
 * without a restart.
 *
 * <p>Fails closed: a directory that becomes unreadable admits nobody until it is readable again;
 * a file that cannot be read is skipped with a warning (the others still count). Lookups compare
 * every listed key in constant time. Thread-safe.
 */
public final class AllowedCurveClients {
  private static final Logger LOG = LoggerFactory.getLogger(AllowedCurveClients.class);
  private static final Duration RECHECK = Duration.ofSeconds(1);

  private record Entry(byte[] key, String name) {}

  private record Snapshot(List<Entry> entries, String stamp) {}

  private final List<String> sources;
  private final Clock clock;
  private volatile Snapshot snapshot;
  private volatile Instant checkedAt;

  private AllowedCurveClients(List<String> sources, Clock clock) {
    this.sources = List.copyOf(sources);
    this.clock = clock;
  }

  /**
   * Loads the allowed keys.
   *
   * @param sources directories, files, or Z85 public keys (40 characters)
   * @param clock for the re-check interval
   * @return the set
   * @throws IllegalArgumentException when a source is neither a readable file or directory nor a Z85 key,
   *     or when no source is given
   */
  public static AllowedCurveClients load(List<String> sources, Clock clock) {
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("curve.allowed_clients: no directory, file or key given");
    }
    for (String s : sources) {
      if (Z85.decodeKey(s).isEmpty() && !Files.isReadable(Path.of(s))) {
        throw new IllegalArgumentException("curve.allowed_clients: " + s
            + " is neither a readable directory or file nor a Z85 public key");
      }
    }
    AllowedCurveClients a = new AllowedCurveClients(sources, Objects.requireNonNull(clock, "clock"));
    a.snapshot = a.read();
    a.checkedAt = clock.instant();
    LOG.info("CURVE allowed clients: {} key(s) from {}", a.snapshot.entries().size(), sources);
    return a;
  }

  /**
   * The name of an allowed client key: the file's {@code metadata/name}, else its file name
   * without suffix, else the key's fingerprint for inline keys.
   *
   * @param clientKey the client's 32-byte public key
   * @return the name, or empty when the key is not allowed
   */
  public Optional<String> lookup(byte[] clientKey) {
    Snapshot s = current();
    String found = null;
    // Compare with every entry, whether or not one matched, so timing tells nothing.
    for (Entry e : s.entries()) {
      if (MessageDigest.isEqual(e.key(), clientKey) && found == null) {
        found = e.name();
      }
    }
    return Optional.ofNullable(found);
  }

  /** How many keys are allowed right now. */
  public int size() {
    return current().entries().size();
  }

  /** The configured sources, for messages. */
  public List<String> sources() {
    return sources;
  }

  private Snapshot current() {
    Instant now = clock.instant();
    if (now.isBefore(checkedAt.plus(RECHECK))) {
      return snapshot;
    }
    synchronized (this) {
      if (!now.isBefore(checkedAt.plus(RECHECK))) {
        checkedAt = now;
        String stamp = stamp();
        if (!stamp.equals(snapshot.stamp())) {
          Snapshot next = read();
          LOG.info("CURVE allowed clients changed: now {} key(s) from {}", next.entries().size(), sources);
          snapshot = next;
        }
      }
      return snapshot;
    }
  }

  /** What the sources look like now: names, times and sizes of the files, or a marker when unreadable. */
  private String stamp() {
    StringBuilder sb = new StringBuilder();
    for (String s : sources) {
      if (Z85.decodeKey(s).isPresent()) {
        continue;
      }
      for (Path f : files(Path.of(s))) {
        try {
          FileTime t = Files.getLastModifiedTime(f);
          sb.append(f).append('|').append(t.toMillis()).append('|').append(Files.size(f)).append('\n');
        } catch (IOException e) {
          sb.append(f).append("|?\n");
        }
      }
    }
    return sb.toString();
  }

  private Snapshot read() {
    String stamp = stamp();
    List<Entry> out = new ArrayList<>();
    for (String s : sources) {
      Optional<byte[]> inline = Z85.decodeKey(s);
      if (inline.isPresent()) {
        out.add(new Entry(inline.get(), Z85.fingerprint(inline.get())));
        continue;
      }
      for (Path f : files(Path.of(s))) {
        try {
          byte[] key = CurveKeyPair.readPublicKey(f);
          String name = CurveKeyPair.readName(f).orElseGet(() -> baseName(f));
          out.add(new Entry(key, name));
        } catch (IllegalArgumentException e) {
          LOG.warn("CURVE allowed clients: skipping {}: {}", f, e.getMessage());
        }
      }
    }
    return new Snapshot(List.copyOf(out), stamp);
  }

  /** The key files of a source: the file itself, or a directory's {@code *.curve} files, sorted. */
  private static List<Path> files(Path source) {
    if (!Files.isDirectory(source)) {
      return Files.isReadable(source) ? List.of(source) : missing(source);
    }
    try (Stream<Path> list = Files.list(source)) {
      return list.filter(p -> p.getFileName().toString().endsWith(".curve") && Files.isRegularFile(p))
          .sorted().toList();
    } catch (IOException e) {
      return missing(source);
    }
  }

  private static List<Path> missing(Path source) {
    LOG.error("CURVE allowed clients: {} is unreadable; admitting none of its keys", source);
    return List.of();
  }

  private static String baseName(Path f) {
    String n = f.getFileName().toString();
    return n.endsWith(".curve") ? n.substring(0, n.length() - ".curve".length()) : n;
  }
}
