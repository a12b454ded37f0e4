package org.fedmsg.loadgen;

import java.time.Duration;
import java.util.Objects;
import org.fedmsg.WireFormat;
import org.fedmsg.certs.KeyType;

/**
 * What a load run does: how many publishers and subscribers, how big and how many messages, and
 * the bus settings under test. Immutable; built with {@link #builder()}.
 *
 * <p>A run sends {@link #messages()} per publisher, or for {@link #duration()} when that is set
 * (then the count is not a limit). {@link #rate()} paces each publisher (0: as fast as it can).
 */
public final class BenchSpec {
  private final int publishers;
  private final int subscribers;
  private final int size;
  private final long messages;
  private final Duration duration;
  private final long rate;
  private final WireFormat format;
  private final KeyType keyType;
  private final boolean curve;
  private final boolean compact;
  private final int policyRules;
  private final boolean relay;
  private final Duration timeout;
  private final int verifyThreads;
  private final int highWaterMark;

  private BenchSpec(Builder b) {
    this.publishers = b.publishers;
    this.subscribers = b.subscribers;
    this.size = b.size;
    this.messages = b.messages;
    this.duration = b.duration;
    this.rate = b.rate;
    this.format = b.format;
    this.keyType = b.keyType;
    this.curve = b.curve;
    this.compact = b.compact;
    this.policyRules = b.policyRules;
    this.relay = b.relay;
    this.timeout = b.timeout;
    this.verifyThreads = b.verifyThreads;
    this.highWaterMark = b.highWaterMark;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Publishing clients. */
  public int publishers() {
    return publishers;
  }

  /** Subscribing clients; each receives every publisher's messages. */
  public int subscribers() {
    return subscribers;
  }

  /** Bytes of application payload per message (the {@code msg} field as JSON). */
  public int size() {
    return size;
  }

  /** Messages per publisher (ignored when {@link #duration()} is not zero). */
  public long messages() {
    return messages;
  }

  /** How long publishers publish; {@link Duration#ZERO} to send {@link #messages()} instead. */
  public Duration duration() {
    return duration;
  }

  /** Messages per second per publisher; 0 for no pacing. */
  public long rate() {
    return rate;
  }

  /** The wire format published. */
  public WireFormat format() {
    return format;
  }

  /** The publishers' key type. */
  public KeyType keyType() {
    return keyType;
  }

  /** Whether every hop is CURVE-encrypted. */
  public boolean curve() {
    return curve;
  }

  /** Whether fedmsg/2 publishers and the relay send compact signature frames ({@code wire_compact}). */
  public boolean compact() {
    return compact;
  }

  /** Rules in the topic policy receivers check (at least 1: the one allowing the bench topic). */
  public int policyRules() {
    return policyRules;
  }

  /** Whether messages go through a relay (publishers connect to it) rather than directly. */
  public boolean relay() {
    return relay;
  }

  /**
   * How long a subscriber waits for the next message once traffic has stopped, before it counts
   * what is missing as lost.
   */
  public Duration timeout() {
    return timeout;
  }

  /** Verify threads of each subscriber and of the relay; 0 for the bus default (every core). */
  public int verifyThreads() {
    return verifyThreads;
  }

  /**
   * ZeroMQ high-water mark of every socket in the run; 0 for ZeroMQ's default (1,000 messages),
   * as a bus configured without {@code high_water_mark} has. Beyond it a publisher drops messages
   * for a subscriber that does not keep up: that is loss the run reports.
   */
  public int highWaterMark() {
    return highWaterMark;
  }

  /** Whether the run is bounded by time rather than by count. */
  boolean timed() {
    return !duration.isZero();
  }

  @Override
  public String toString() {
    return publishers + " pub, " + subscribers + " sub, " + size + " B, "
        + (timed() ? duration.toSeconds() + " s" : messages + " msgs/pub")
        + (rate > 0 ? ", " + rate + " msgs/s/pub" : "") + ", " + format.name().toLowerCase(java.util.Locale.ROOT)
        + " " + keyType.cliName() + (format == WireFormat.FEDMSG2 && !compact ? " (full chains)" : "")
        + (curve ? ", CURVE" : "") + ", " + policyRules + " policy rules"
        + (relay ? ", via relay" : ", direct") + (verifyThreads > 0 ? ", " + verifyThreads + " verify threads" : "");
  }

  /** Builds a {@link BenchSpec}; setters check their argument, {@link #build()} the combination. */
  public static final class Builder {
    private int publishers = 1;
    private int subscribers = 1;
    private int size = 128;
    private long messages = 100_000;
    private Duration duration = Duration.ZERO;
    private long rate;
    private WireFormat format = WireFormat.FEDMSG2;
    private KeyType keyType = KeyType.ED25519;
    private boolean curve;
    private boolean compact = true;
    private int policyRules = 1;
    private boolean relay;
    private Duration timeout = Duration.ofSeconds(5);
    private int verifyThreads;
    private int highWaterMark;

    private Builder() {}

    /** @throws IllegalArgumentException if negative (0: a subscriber-only run) */
    public Builder publishers(int n) {
      this.publishers = atLeast(n, 0, "publishers");
      return this;
    }

    /** @throws IllegalArgumentException if negative (0: a publisher-only run) */
    public Builder subscribers(int n) {
      this.subscribers = atLeast(n, 0, "subscribers");
      return this;
    }

    /** @throws IllegalArgumentException if below {@link BenchPayload#MIN_SIZE} */
    public Builder size(int bytes) {
      this.size = atLeast(bytes, BenchPayload.MIN_SIZE, "message size");
      return this;
    }

    /** @throws IllegalArgumentException if below 1 */
    public Builder messages(long n) {
      if (n < 1) {
        throw new IllegalArgumentException("messages must be at least 1, not " + n);
      }
      this.messages = n;
      return this;
    }

    /** @throws IllegalArgumentException if negative */
    public Builder duration(Duration duration) {
      if (duration.isNegative()) {
        throw new IllegalArgumentException("duration must not be negative");
      }
      this.duration = duration;
      return this;
    }

    /** @throws IllegalArgumentException if negative */
    public Builder rate(long perSecond) {
      if (perSecond < 0) {
        throw new IllegalArgumentException("rate must not be negative");
      }
      this.rate = perSecond;
      return this;
    }

    public Builder format(WireFormat format) {
      this.format = Objects.requireNonNull(format, "format");
      return this;
    }

    public Builder keyType(KeyType keyType) {
      this.keyType = Objects.requireNonNull(keyType, "keyType");
      return this;
    }

    public Builder curve(boolean curve) {
      this.curve = curve;
      return this;
    }

    /** Whether fedmsg/2 goes out with compact signature frames where it can (default true). */
    public Builder compact(boolean compact) {
      this.compact = compact;
      return this;
    }

    /** @throws IllegalArgumentException if below 1 */
    public Builder policyRules(int rules) {
      this.policyRules = atLeast(rules, 1, "policy rules");
      return this;
    }

    public Builder relay(boolean relay) {
      this.relay = relay;
      return this;
    }

    /** @throws IllegalArgumentException if not positive */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive");
      }
      this.timeout = timeout;
      return this;
    }

    /** @throws IllegalArgumentException if negative (0: the bus default) */
    public Builder verifyThreads(int threads) {
      this.verifyThreads = atLeast(threads, 0, "verify threads");
      return this;
    }

    /** @throws IllegalArgumentException if negative (0: ZeroMQ's default) */
    public Builder highWaterMark(int messages) {
      this.highWaterMark = atLeast(messages, 0, "high-water mark");
      return this;
    }

    /**
     * @throws IllegalStateException for fedmsg/1 with a key that is not RSA (fedmsg/1 signs
     *     with RSA only)
     */
    public BenchSpec build() {
      if (format == WireFormat.FEDMSG1 && keyType != KeyType.RSA_2048 && keyType != KeyType.RSA_4096) {
        throw new IllegalStateException("fedmsg/1 signs with RSA only, not " + keyType.cliName());
      }
      return new BenchSpec(this);
    }

    private static int atLeast(int value, int min, String what) {
      if (value < min) {
        throw new IllegalArgumentException(what + " must be at least " + min + ", not " + value);
      }
      return value;
    }
  }
}
