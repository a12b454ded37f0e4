package org.fedmsg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.fedmsg.crypto.LogText;
import org.fedmsg.reliable.DurableOutbox;
import org.fedmsg.reliable.ReplaySource;
import org.fedmsg.wire.Fedmsg2;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A relay's durable outboxes, one per upstream signer: {@code <state_dir>/outbox/<relay name>/<signer
 * sha256>/}. The relay appends a critical message it accepted (verified) before it forwards it,
 * so a {@code kill -9} of the relay loses none it forwarded, and its replay endpoint can serve
 * them to subscribers that missed them (the publishers behind a relay, such as {@code fedmsg
 * logger}, are often gone by then). The outboxes found on disk are opened again at start.
 *
 * <p>Messages of signers that have an outbox but on statistical topics are marked, so a replay
 * answers their seqs as statistical rather than lost. At most {@value #MAX_SIGNERS} signers get an
 * outbox (each holds a file lock and a bounded amount of memory); past that, critical messages of
 * new signers are forwarded but not kept (counted, logged).
 *
 * <p>Thread-safe.
 */
final class RelayOutboxes implements ReplaySource, AutoCloseable {
  static final int MAX_SIGNERS = 1024;
  private static final Logger LOG = LoggerFactory.getLogger(RelayOutboxes.class);
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  private final Path dir;
  private final BusOptions options;
  private final Map<String, DurableOutbox> outboxes = new ConcurrentHashMap<>();
  private final LongAdder kept = new LongAdder();
  private final LongAdder notKept = new LongAdder();

  private RelayOutboxes(Path dir, BusOptions options) {
    this.dir = dir;
    this.options = options;
  }

  /**
   * The relay's outboxes, or null when it keeps none: it needs {@code critical_topics},
   * {@code state_dir} and validation on (it keeps only what it verified).
   *
   * @throws ConfigException when an outbox on disk cannot be opened (another process holds it)
   */
  static RelayOutboxes open(BusOptions options, String relayName, boolean validates) {
    if (options.criticalTopics.isEmpty() || options.config == null || options.config.stateDir().isEmpty()) {
      return null;
    }
    if (!validates) {
      LOG.warn("critical_topics is set but the relay does not validate: it keeps no outbox (it keeps only "
          + "messages it verified)");
      return null;
    }
    Path dir = options.config.stateDir().get().resolve("outbox").resolve(relayName);
    RelayOutboxes boxes = new RelayOutboxes(dir, options);
    try {
      if (Files.isDirectory(dir)) {
        try (DirectoryStream<Path> signers = Files.newDirectoryStream(dir)) {
          for (Path signer : signers) {
            String name = signer.getFileName().toString();
            if (Files.isDirectory(signer) && SHA256_HEX.matcher(name).matches()) {
              boxes.outboxes.put(name, boxes.openOutbox(signer));
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      boxes.close();
      throw new ConfigException("state_dir: cannot open the relay's outboxes in " + dir + ": " + e.getMessage(), e);
    }
    LOG.info("relay keeps an outbox per upstream signer in {} ({} found)", dir, boxes.outboxes.size());
    return boxes;
  }

  private DurableOutbox openOutbox(Path signerDir) {
    return DurableOutbox.open(signerDir, options.config.outboxMaxMessages(), options.config.outboxMaxBytes(),
        options.config.outboxMaxAge(), options.clock);
  }

  /**
   * Keeps an accepted message before it is forwarded: its frames when its topic is critical, a
   * marker of its seq otherwise (for signers that have an outbox). fedmsg/1 messages carry no
   * seq and are not kept. Never throws: a failure is logged and counted, and the message is still
   * forwarded.
   */
  void record(List<byte[]> frames, Message accepted) {
    if (accepted.format() != WireFormat.FEDMSG2 || frames.size() != 3) {
      return;
    }
    boolean critical = options.criticalTopics.matches(accepted.topic());
    try {
      String signer = Fedmsg2.signerSha256(frames.get(2));
      String epoch = accepted.body().path("epoch").textValue();
      long seq = accepted.body().path("seq").asLong(-1);
      if (epoch == null || seq < 0) {
        return;
      }
      DurableOutbox box = critical ? outboxFor(signer) : outboxes.get(signer);
      if (box == null) {
        return;
      }
      if (critical) {
        box.append(epoch, seq, frames.toArray(new byte[0][]));
        kept.increment();
      } else {
        box.mark(epoch, seq);
      }
    } catch (RuntimeException e) {
      if (critical) {
        notKept.increment();
        LOG.warn("relay: a critical message on {} was forwarded but not kept in an outbox: {}",
            LogText.escape(accepted.topic()), LogText.escape(String.valueOf(e.getMessage())));
      }
    }
  }

  private DurableOutbox outboxFor(String signer) {
    DurableOutbox box = outboxes.get(signer);
    if (box != null) {
      return box;
    }
    synchronized (this) {
      box = outboxes.get(signer);
      if (box == null) {
        if (outboxes.size() >= MAX_SIGNERS) {
          throw new IllegalStateException("the relay keeps outboxes for " + MAX_SIGNERS + " signers already");
        }
        box = openOutbox(dir.resolve(signer));
        outboxes.put(signer, box);
      }
      return box;
    }
  }

  /**
   * Where each upstream signer was left, from its outbox: the epoch and last seq kept or marked
   * (see {@link DurableOutbox#resumePoint()}). A restarted relay starts tracking its upstream
   * signers there, as a durable subscriber from its positions, so what they sent while it was
   * down (or in the moment it died, before it kept it) shows as a gap and is fetched. The signer's
   * key is read from a message the outbox still holds; an outbox holding none (all evicted) is
   * skipped (logged): that signer is tracked afresh.
   */
  List<GapFillPositions.Position> resumePositions() {
    List<GapFillPositions.Position> out = new java.util.ArrayList<>();
    for (Map.Entry<String, DurableOutbox> e : outboxes.entrySet()) {
      DurableOutbox box = e.getValue();
      java.util.Optional<DurableOutbox.ResumePoint> at = box.resumePoint();
      if (at.isEmpty()) {
        continue;
      }
      List<DurableOutbox.Entry> kept = box.range(at.get().epoch(), 0, Long.MAX_VALUE, 1);
      if (kept.isEmpty()) {
        LOG.warn("relay: the outbox of signer {} holds no message to name its signer: its sequence is not resumed",
            e.getKey());
        continue;
      }
      try {
        Fedmsg2.Signing signing = Fedmsg2.signing(kept.get(0).frames().get(2));
        out.add(new GapFillPositions.Position(signing.signerKey(), e.getKey(), at.get().epoch(), at.get().lastSeq(),
            signing.commonName()));
      } catch (IllegalArgumentException ex) {
        LOG.warn("relay: the outbox of signer {} holds an unreadable message: its sequence is not resumed ({})",
            e.getKey(), LogText.escape(String.valueOf(ex.getMessage())));
      }
    }
    return out;
  }

  @Override
  public DurableOutbox outboxOf(String signerSha256) {
    return outboxes.get(signerSha256);
  }

  /** Critical messages kept so far. */
  long kept() {
    return kept.sum();
  }

  /** Critical messages forwarded without being kept (an outbox could not be written), so far. */
  long notKept() {
    return notKept.sum();
  }

  /** Messages evicted from the outboxes by their count or size bound before their age limit, so far. */
  long overflowed() {
    long n = 0;
    for (DurableOutbox box : outboxes.values()) {
      n += box.overflowed();
    }
    return n;
  }

  @Override
  public void close() {
    for (DurableOutbox box : outboxes.values()) {
      try {
        box.close();
      } catch (UncheckedIOException | IllegalStateException e) {
        LOG.warn("closing the outbox {}: {}", box.directory(), e.toString());
      }
    }
  }
}
