package org.fedmsg.reliable;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.fedmsg.json.CanonicalJson;

/**
 * What a fedmsg/1 publisher keeps for the reference replay protocol ({@code replay_endpoints},
 * {@code docs/reliability.md}): the exact body of every message it sent, under the {@code seq_id}
 * it gave it. The reference's {@code persistent_store}, with the difference that the publisher
 * puts {@code seq_id} into the message <em>before</em> signing it, so stored and live messages
 * verify everywhere.
 *
 * <p>Kept in a {@link DurableOutbox} (one sequence, the pseudo-epoch {@value #EPOCH}), so it has
 * the outbox's file format, bounds, eviction, overflow count and single-process lock, and a
 * restarted publisher continues the {@code seq_id} sequence where it stopped (the outbox keeps its
 * resume point even when every message has aged out). A fresh store starts at 1, as the
 * reference's SQL store does.
 *
 * <p>Thread-safe. The publisher numbers, signs, {@link #append}s and sends under one lock of its
 * own, so {@code seq_id}s reach the socket in order.
 */
public final class ReferenceStore implements AutoCloseable {
  /** The outbox epoch under which the {@code seq_id} sequence is kept. */
  static final String EPOCH = "fedmsg1-seq_id";

  /** What a query can select a message by, read from its body once. */
  record Meta(String msgId, double timestamp) {}

  private final DurableOutbox outbox;
  /** seq_id to its message's id and timestamp; pruned to what the outbox still holds. */
  private final ConcurrentMap<Long, Meta> index = new ConcurrentHashMap<>();

  private ReferenceStore(DurableOutbox outbox) {
    this.outbox = outbox;
  }

  /**
   * Opens (creating it if needed) the store in {@code dir}, bounded like the durable outbox.
   *
   * @throws IllegalArgumentException when a bound is not positive
   * @throws IllegalStateException when another process holds the store
   * @throws java.io.UncheckedIOException when the directory cannot be used
   */
  public static ReferenceStore open(Path dir, int maxMessages, long maxBytes, Duration maxAge, Clock clock) {
    return new ReferenceStore(DurableOutbox.open(dir, maxMessages, maxBytes, maxAge, clock));
  }

  /**
   * The {@code seq_id} for the next message: one above the last appended (1 for a fresh store).
   * Not reserved: the caller appends it before asking again.
   */
  public long nextSeqId() {
    return outbox.resumePoint().map(r -> r.lastSeq() + 1).orElse(1L);
  }

  /**
   * Keeps a message the publisher is about to send. Call before sending it.
   *
   * @param seqId the {@code seq_id} signed into {@code body}: {@link #nextSeqId()}
   * @param topicFrame the topic frame
   * @param body the exact body frame (canonical JSON, signature included)
   * @throws IllegalArgumentException if {@code seqId} does not follow the last one
   * @throws java.io.UncheckedIOException when the write fails
   */
  public synchronized void append(long seqId, byte[] topicFrame, byte[] body) {
    long expected = nextSeqId();
    if (seqId != expected) {
      throw new IllegalArgumentException("seq_id " + seqId + " does not follow the store's last (next is " + expected
          + ")");
    }
    outbox.append(EPOCH, seqId, new byte[][] {Objects.requireNonNull(topicFrame), Objects.requireNonNull(body)});
  }

  /** One kept message: its {@code seq_id}, what queries select it by, and its body frame. */
  final class Stored {
    final long seqId;
    private final byte[] body;

    Stored(long seqId, byte[] body) {
      this.seqId = seqId;
      this.body = body;
    }

    /** Its {@code msg_id} and {@code timestamp}, read from the body on first use (queries by sequence never need them). */
    Meta meta() {
      return index.computeIfAbsent(seqId, s -> ReferenceStore.meta(body));
    }

    /** The body frame; shared, the caller must not modify it. */
    byte[] body() {
      return body;
    }
  }

  /** Every message still kept, in {@code seq_id} order. */
  List<Stored> all() {
    List<DurableOutbox.Entry> entries = outbox.range(EPOCH, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE);
    List<Stored> out = new ArrayList<>(entries.size());
    for (DurableOutbox.Entry e : entries) {
      out.add(new Stored(e.seq(), e.frames().get(1)));
    }
    if (!entries.isEmpty()) {
      long first = entries.get(0).seq();
      index.keySet().removeIf(s -> s < first);
    } else {
      index.clear();
    }
    return out;
  }

  private static Meta meta(byte[] body) {
    try {
      JsonNode tree = CanonicalJson.parse(body);
      JsonNode id = tree.get("msg_id");
      JsonNode ts = tree.get("timestamp");
      return new Meta(id != null && id.isTextual() ? id.textValue() : null,
          ts != null && ts.isNumber() ? ts.doubleValue() : Double.NaN);
    } catch (RuntimeException e) {
      // the publisher wrote it; a body that does not parse is only unreachable by msg_id and time
      return new Meta(null, Double.NaN);
    }
  }

  /** Messages held now. */
  public int size() {
    return outbox.size();
  }

  /** Messages evicted by the count or size bound before their age limit, so far. */
  public long overflowed() {
    return outbox.overflowed();
  }

  /** The store's directory. */
  public Path directory() {
    return outbox.directory();
  }

  @Override
  public void close() {
    outbox.close();
  }

  @Override
  public String toString() {
    return "ReferenceStore[" + outbox.directory() + "]";
  }
}
