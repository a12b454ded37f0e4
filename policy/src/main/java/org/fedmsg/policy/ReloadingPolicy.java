package org.fedmsg.policy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TopicPolicy} that follows a policy file: when the file changes, the new policy is
 * compiled and swapped in atomically, so every decision sees either the whole old policy or the
 * whole new one. A file that no longer parses (or has vanished) keeps the old policy in force and
 * is logged with its file, line and cause.
 *
 * <p>Changes are noticed by a {@link WatchService} on the file's directory (immediately, on
 * filesystems that report events) and by re-reading the file every {@code pollInterval} (for those
 * that do not, and for atomic symlink swaps). Only a change of content triggers a reload.
 * {@link #reload()} checks at once.
 *
 * <p>A file rewritten in place passes through partial states, and a partial policy file often
 * parses (its first chunk may be just {@code default: allow}). So a new content is put in force
 * only when the file did not change while it was read (modification time, size and file key
 * before and after), and, when following a file ({@link #watch}), only once the same content has
 * been seen for a settle time ({@link #DEFAULT_SETTLE}). Operators should still replace the file
 * atomically (write a temporary file in the same directory, then rename it over the policy).
 *
 * <h2>Threading model</h2>
 * {@link #decide} reads a volatile reference and never blocks; one daemon thread watches the file;
 * {@link #reload()} is synchronized with it. Listener methods run on the thread that reloaded.
 */
public final class ReloadingPolicy implements TopicPolicy, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReloadingPolicy.class);

  /** How often the file is re-read when no event arrives. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);

  /** How long a changed file must keep the same content before a watcher puts it in force. */
  public static final Duration DEFAULT_SETTLE = Duration.ofSeconds(1);

  /** What a reload did. */
  public enum Outcome {
    /** The file changed and its new policy is now in force. */
    RELOADED,
    /** The file's content has not changed since the last attempt. */
    UNCHANGED,
    /** The file changed but could not be loaded; the previous policy stays in force. */
    FAILED,
    /**
     * The file changed but may still be being written (it changed during the read, or its new
     * content has not yet been stable for the settle time); the previous policy stays in force
     * and the file is looked at again.
     */
    PENDING
  }

  /** Told about reloads; both methods default to doing nothing. Called on the reloading thread. */
  public interface Listener {
    /** A new policy is in force. */
    default void reloaded(CompiledPolicy previous, CompiledPolicy current) {}

    /** A changed file could not be loaded; {@code kept} is still in force. */
    default void reloadFailed(PolicyException error, CompiledPolicy kept) {}
  }

  private final Path file;
  private final TopicNamespace namespace;
  private final Listener listener;
  private final Duration pollInterval;
  private final long settleNanos;
  private final java.util.function.LongSupplier ticker;
  /** A changed content not in force yet (waiting to settle), and since when (ticker) it was seen. */
  private byte[] candidate;
  private long candidateSince;
  private volatile boolean pending;
  private volatile CompiledPolicy current;
  private volatile PolicyException lastError;
  /** The content of the last attempt (good or bad), or null if the file was missing. */
  private byte[] lastContent;
  private final WatchService watchService;
  private final Thread watcher;

  private ReloadingPolicy(Path file, TopicNamespace namespace, Listener listener, Duration pollInterval,
      boolean watch) {
    this(file, namespace, listener, pollInterval, watch ? DEFAULT_SETTLE : Duration.ZERO, watch, System::nanoTime);
  }

  ReloadingPolicy(Path file, TopicNamespace namespace, Listener listener, Duration pollInterval, Duration settle,
      boolean watch, java.util.function.LongSupplier ticker) {
    this.file = file.toAbsolutePath().normalize();
    if (settle.isNegative()) {
      throw new IllegalArgumentException("settle time must not be negative: " + settle);
    }
    this.settleNanos = settle.toNanos();
    this.ticker = ticker;
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("poll interval must be positive: " + pollInterval);
    }
    byte[] content = read(this.file);
    if (content == null) {
      throw new PolicyException(this.file.toString(), 0, 0, "", "cannot read the policy file", null);
    }
    this.current = compile(content);
    this.lastContent = content;
    if (!watch) {
      this.watchService = null;
      this.watcher = null;
      return;
    }
    try {
      this.watchService = FileSystems.getDefault().newWatchService();
      this.file.getParent().register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
          StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
    } catch (IOException e) {
      throw new PolicyException(this.file.toString(), 0, 0, "", "cannot watch the policy file: " + e, e);
    }
    this.watcher = new Thread(this::watchLoop, "fedmsg-policy-watch " + this.file.getFileName());
    watcher.setDaemon(true);
    watcher.start();
  }

  /**
   * Loads {@code file} and starts following it.
   *
   * @throws PolicyException if the file cannot be read or loaded now (fail fast at startup)
   */
  public static ReloadingPolicy watch(Path file, TopicNamespace namespace) {
    return watch(file, namespace, new Listener() {}, DEFAULT_POLL_INTERVAL);
  }

  /**
   * Loads {@code file} and starts following it, telling {@code listener} about every reload.
   *
   * @param pollInterval how often to re-read the file when no event arrives; positive
   * @throws PolicyException if the file cannot be read or loaded now
   * @throws IllegalArgumentException if {@code pollInterval} is not positive
   */
  public static ReloadingPolicy watch(Path file, TopicNamespace namespace, Listener listener, Duration pollInterval) {
    return new ReloadingPolicy(file, namespace, listener, pollInterval, true);
  }

  /**
   * As {@link #watch(Path, TopicNamespace, Listener, Duration)}, with the time a changed file must
   * keep the same content before it is put in force.
   *
   * @param settle zero or positive; zero only guards against a change during the read
   * @throws IllegalArgumentException if {@code pollInterval} is not positive or {@code settle} negative
   */
  public static ReloadingPolicy watch(Path file, TopicNamespace namespace, Listener listener, Duration pollInterval,
      Duration settle) {
    return new ReloadingPolicy(file, namespace, listener, pollInterval, settle, true, System::nanoTime);
  }

  /**
   * Loads {@code file} without a watcher thread; changes take effect only when {@link #reload()}
   * is called (e.g. on SIGHUP or an admin command).
   *
   * @throws PolicyException if the file cannot be read or loaded now
   */
  public static ReloadingPolicy manual(Path file, TopicNamespace namespace, Listener listener) {
    return new ReloadingPolicy(file, namespace, listener, DEFAULT_POLL_INTERVAL, false);
  }

  @Override
  public Decision decide(String topic, String signerCommonName) {
    return current.decide(topic, signerCommonName);
  }

  /** The policy in force now. */
  public CompiledPolicy current() {
    return current;
  }

  /** The error of the last failed reload, if the file is broken now; empty once a reload succeeds. */
  public Optional<PolicyException> lastError() {
    return Optional.ofNullable(lastError);
  }

  /** The followed file (absolute). */
  public Path file() {
    return file;
  }

  /**
   * Re-reads the file now; if its content changed and is stable (see the class comment), compiles
   * it and swaps it in, or keeps the old policy and logs the error.
   *
   * @return what happened; never throws for a bad file
   */
  public synchronized Outcome reload() {
    Object before = stat(file);
    byte[] content = read(file);
    if (content != null && !Objects.equals(before, stat(file))) {
      // written while we read it: what we read may be a mix of two versions
      candidate = null;
      pending = true;
      return Outcome.PENDING;
    }
    if (Arrays.equals(content, lastContent)) {
      candidate = null;
      pending = false;
      return Outcome.UNCHANGED;
    }
    if (settleNanos > 0 && content != null) {
      long now = ticker.getAsLong();
      if (candidate == null || !Arrays.equals(candidate, content)) {
        candidate = content;
        candidateSince = now;
        pending = true;
        return Outcome.PENDING;
      }
      if (now - candidateSince < settleNanos) {
        pending = true;
        return Outcome.PENDING;
      }
    }
    candidate = null;
    pending = false;
    lastContent = content;
    CompiledPolicy previous = current;
    try {
      if (content == null) {
        throw new PolicyException(file.toString(), 0, 0, "", "the policy file is missing or unreadable", null);
      }
      CompiledPolicy next = compile(content);
      current = next;
      lastError = null;
      LOG.info("Policy {} reloaded: {} rules, {}", file, next.rules().size(), next.defaultLabel());
      listener.reloaded(previous, next);
      return Outcome.RELOADED;
    } catch (PolicyException e) {
      lastError = e;
      LOG.error("Policy not reloaded, the previous policy stays in force: {}", e.getMessage());
      listener.reloadFailed(e, previous);
      return Outcome.FAILED;
    }
  }

  private CompiledPolicy compile(byte[] content) {
    return TopicPolicy.parse(new String(content, StandardCharsets.UTF_8), file.toString(), namespace);
  }

  /** Modification time, size and file key (inode), or null if the file cannot be examined. */
  private static Object stat(Path file) {
    try {
      java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(file,
          java.nio.file.attribute.BasicFileAttributes.class);
      return List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey()));
    } catch (IOException e) {
      return null;
    }
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      return null;
    }
  }

  private void watchLoop() {
    try {
      while (!Thread.currentThread().isInterrupted()) {
        long waitMs = pollInterval.toMillis();
        if (pending) {
          // a change is settling: look again soon, not a whole poll interval later
          waitMs = Math.max(10, Math.min(waitMs, TimeUnit.NANOSECONDS.toMillis(settleNanos) / 4));
        }
        WatchKey key = watchService.poll(waitMs, TimeUnit.MILLISECONDS);
        if (key != null) {
          // Any event in the directory (or an overflow) is a reason to look; reload() itself
          // ignores events that did not change this file's content.
          key.pollEvents();
          key.reset();
        }
        try {
          reload();
        } catch (RuntimeException e) {
          LOG.error("Policy watcher for {}: unexpected error, keeping the current policy", file, e);
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closed: stop watching
    }
  }

  /** Stops the watcher thread; the last policy stays usable. Idempotent. */
  @Override
  public void close() {
    if (watchService == null) {
      return;
    }
    try {
      watchService.close();
    } catch (IOException e) {
      LOG.debug("closing the watch service of {}", file, e);
    }
    watcher.interrupt();
    try {
      watcher.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "ReloadingPolicy[" + file + ", " + current + "]";
  }
}
