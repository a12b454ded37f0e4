package org.fedmsg.wire;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Decides, for a publishing socket, which fedmsg/2 messages carry their signer's certificate
 * chain in full and which only its SHA-256 (the compact signature frame, {@code
 * docs/wire-format.md}). A message goes out in full
 *
 * <ul>
 *   <li>when it is the first of its (signer, topic) since this socket started or since it last
 *       saw a subscription ({@link #subscribed()}): a new subscriber's first message of every
 *       topic it receives is verifiable on its own, whatever its topic filter;
 *   <li>after {@code fullEveryMessages - 1} compact ones of its (signer, topic), and when the
 *       last full one of its (signer, topic) is {@code fullEvery} old or older: a receiver that
 *       missed or forgot the chain recovers within that bound.
 * </ul>
 *
 * Everything else goes out compact. The transformation needs no key: the signature covers the
 * chain's digest, not the chain, so the frames verify in either form. A compact frame handed in
 * (a relay that forwards without validating) is expanded when the rule asks for a full one and
 * the chain has passed through this compactor in full before (the digest authenticates the
 * chain: SHA-256 of it must match); otherwise it goes out as it came.
 *
 * <p>Not thread-safe: owned by the socket's thread, which calls {@link #subscribed()} for every
 * subscription it reads before it hands the next message to {@link #outgoing}.
 */
public final class ChainCompactor {
  /** Default: a full chain at least every this many messages of a (signer, topic). */
  public static final int DEFAULT_FULL_EVERY_MESSAGES = 1000;
  /** Default: a full chain at least this often per (signer, topic). */
  public static final Duration DEFAULT_FULL_EVERY = Duration.ofSeconds(10);
  /** The (signer, topic) pairs tracked; the least recently used is forgotten (and goes full next). */
  static final int MAX_TRACKED = 10_000;
  /** Chains kept for expanding compact frames handed in, least recently used first out. */
  static final int MAX_CHAINS = 256;

  private final int fullEveryMessages;
  private final long fullEveryNanos;
  private final LongSupplier nanoTime;
  private final Map<Key, State> states = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Key, State> eldest) {
      return size() > MAX_TRACKED;
    }
  };
  private final Map<KnownChains.Digest, byte[]> chains = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<KnownChains.Digest, byte[]> eldest) {
      return size() > MAX_CHAINS;
    }
  };
  // The last chain seen and its digest: a publisher sends the same chain every time, so the
  // digest is computed once, not per message.
  private byte[] lastChain;
  private byte[] lastDigest;
  // counters read by other threads (meters); LongAdder: no contention, no allocation per message
  private final LongAdder full = new LongAdder();
  private final LongAdder compact = new LongAdder();

  private ChainCompactor(int fullEveryMessages, Duration fullEvery, LongSupplier nanoTime) {
    this.fullEveryMessages = fullEveryMessages;
    this.fullEveryNanos = fullEvery.toNanos();
    this.nanoTime = nanoTime;
  }

  /**
   * A compactor.
   *
   * @param fullEveryMessages a full chain at least every this many messages per (signer, topic);
   *     1 sends every message in full
   * @param fullEvery a full chain at least this often per (signer, topic)
   * @param nanoTime the clock ({@code System::nanoTime}; tests pass their own)
   * @throws IllegalArgumentException if {@code fullEveryMessages} is below 1 or {@code fullEvery}
   *     is not positive
   */
  public static ChainCompactor create(int fullEveryMessages, Duration fullEvery, LongSupplier nanoTime) {
    if (fullEveryMessages < 1) {
      throw new IllegalArgumentException("compact.full_every_messages must be at least 1: " + fullEveryMessages);
    }
    Objects.requireNonNull(fullEvery, "fullEvery");
    if (fullEvery.isNegative() || fullEvery.isZero()) {
      throw new IllegalArgumentException("compact.full_every must be positive: " + fullEvery);
    }
    return new ChainCompactor(fullEveryMessages, fullEvery, Objects.requireNonNull(nanoTime, "nanoTime"));
  }

  /** A subscription arrived: the next message of every (signer, topic) goes out in full. */
  public void subscribed() {
    states.clear();
  }

  /**
   * The frames to send for {@code frames}: the same array, or a copy whose signature frame is in
   * the other form. Anything that is not a well-formed three-frame fedmsg/2 message passes as it
   * is.
   */
  public byte[][] outgoing(byte[][] frames) {
    if (frames.length != 3) {
      return frames;
    }
    SignatureFrame sf;
    try {
      sf = SignatureFrame.parse(frames[2]);
    } catch (IllegalArgumentException e) {
      return frames;
    }
    byte[] digest = sf.compact() ? sf.chainDigest : digestOf(sf.chain);
    if (!sf.compact()) {
      chains.putIfAbsent(new KnownChains.Digest(digest), sf.chain);
    }
    Key key = new Key(digest, frames[0]);
    State s = states.get(key);
    long now = nanoTime.getAsLong();
    boolean sendFull = s == null || s.sinceFull + 1 >= fullEveryMessages || now - s.fullAt >= fullEveryNanos;
    byte[] out;
    if (sendFull) {
      byte[] chain = sf.compact() ? chains.get(new KnownChains.Digest(digest)) : sf.chain;
      if (chain == null) {
        // a compact frame of a chain never seen here in full: nothing to expand it with
        compact.increment();
        return frames;
      }
      out = sf.compact() ? sf.full(chain) : frames[2];
      states.put(key, new State(now));
      full.increment();
    } else {
      s.sinceFull++;
      out = sf.compact() ? frames[2] : SignatureFrame.compact(sf, digest);
      compact.increment();
    }
    return out == frames[2] ? frames : new byte[][] {frames[0], frames[1], out};
  }

  /** Messages sent with their chain in full so far; any thread may read it. */
  public long fullSent() {
    return full.sum();
  }

  /** Messages sent with their chain referenced by digest so far; any thread may read it. */
  public long compactSent() {
    return compact.sum();
  }

  private byte[] digestOf(byte[] chain) {
    if (lastChain == null || !Arrays.equals(lastChain, chain)) {
      lastDigest = Fedmsg2.chainDigest(chain);
      lastChain = chain;
    }
    return lastDigest;
  }

  private static final class State {
    final long fullAt;
    int sinceFull;

    State(long fullAt) {
      this.fullAt = fullAt;
    }
  }

  /** (chain digest, topic frame). */
  private static final class Key {
    final byte[] digest;
    final byte[] topic;
    private final int hash;

    Key(byte[] digest, byte[] topic) {
      this.digest = digest;
      this.topic = topic;
      this.hash = 31 * Arrays.hashCode(topic) + ((digest[0] & 0xff) << 8 | (digest[1] & 0xff));
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.hash == hash && Arrays.equals(k.digest, digest) && Arrays.equals(k.topic, topic);
    }
  }
}
