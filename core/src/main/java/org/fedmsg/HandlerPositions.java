package org.fedmsg;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The durable positions of one handler that works after the bus's handler has returned, such as
 * a hub consumer working through its own queue: per publisher the last message <em>it</em> has
 * handled, and the {@code msg_id}s of the last 10,000 it handled, kept in {@code
 * <state_dir>/positions/<durable_name>/handlers/<handler>/positions.log} (format and guarantees
 * as the bus's own, see {@code docs/reliability.md}, Resume).
 *
 * <p>Use: {@link #open} one per handler before the bus is created, then {@link
 * #resumeFromSlowest} so the bus resumes from the position of the slowest handler; in the bus's
 * handler take {@link #current()}, hand it with the message to the worker, which skips the
 * message when {@link #seen} and calls {@link #handled} after its work. Thread-safe.
 */
public final class HandlerPositions implements AutoCloseable {
  /** The message being handed to the bus's handlers on this thread (set by the subscriber side). */
  static final ThreadLocal<Receiver.Accepted> CURRENT = new ThreadLocal<>();
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");

  /** Where one message sits in its publisher's sequence; opaque. */
  public static final class Mark {
    private final Receiver.Accepted accepted;

    private Mark(Receiver.Accepted accepted) {
      this.accepted = accepted;
    }
  }

  private final GapFillPositions positions;

  private HandlerPositions(GapFillPositions positions) {
    this.positions = positions;
  }

  /**
   * Called inside a bus handler: the position of the message being handed over, or null when it
   * has none (a fedmsg/1 or unsigned message, or not called from a bus handler).
   */
  public static Mark current() {
    Receiver.Accepted a = CURRENT.get();
    return a == null || a.signerKey() == null ? null : new Mark(a);
  }

  /**
   * Opens the positions of one handler of a durable bus.
   *
   * @return empty when the options have no durable name
   * @throws ConfigException when the handler name is not usable as a directory name, there is no
   *     {@code state_dir}, or another process holds these positions
   */
  public static Optional<HandlerPositions> open(BusOptions options, String handler) {
    Path dir = busDir(options);
    if (dir == null) {
      return Optional.empty();
    }
    if (!NAME.matcher(handler).matches()) {
      throw new ConfigException("durable_name: handler name '" + handler + "' must be letters, digits, '.', '_' or"
          + " '-' (it names a directory)");
    }
    return Optional.of(new HandlerPositions(GapFillPositions.open(dir.resolve("handlers").resolve(handler),
        GapFillSetup.DEDUPE_WINDOW)));
  }

  private static Path busDir(BusOptions options) {
    String name = options.durableName;
    if (name == null) {
      return null;
    }
    Optional<Path> state = options.config == null ? Optional.empty() : options.config.stateDir();
    if (state.isEmpty()) {
      throw new ConfigException("durable_name: '" + name + "' needs state_dir (where its positions are kept)");
    }
    return state.get().resolve("positions").resolve(name);
  }

  /**
   * Sets the bus's saved positions (before the bus is created) to the oldest of the handlers',
   * per publisher, and empties the bus's own dedupe window, so that what any handler had not
   * handled is fetched again; each handler skips what it had.
   *
   * @return the number of publishers the bus resumes from
   */
  public static int resumeFromSlowest(BusOptions options, List<HandlerPositions> handlers) {
    Path dir = busDir(options);
    if (dir == null) {
      return 0;
    }
    try (GapFillPositions bus = GapFillPositions.open(dir, GapFillSetup.DEDUPE_WINDOW)) {
      Map<String, GapFillPositions.Position> busSaved = new HashMap<>();
      for (GapFillPositions.Position p : bus.saved()) {
        busSaved.put(p.signerKey(), p);
      }
      Map<String, GapFillPositions.Position> oldest = new HashMap<>();
      for (HandlerPositions h : handlers) {
        for (GapFillPositions.Position p : h.positions.saved()) {
          oldest.merge(p.signerKey(), p, (a, b) -> older(a, b, busSaved.get(p.signerKey())));
        }
      }
      bus.resetTo(new ArrayList<>(oldest.values()));
      return oldest.size();
    }
  }

  /**
   * The older of two positions of one publisher: the lower seq in one epoch; across epochs the
   * one not in the epoch the bus saw last (the bus delivered after every handler had its message).
   */
  private static GapFillPositions.Position older(GapFillPositions.Position a, GapFillPositions.Position b,
      GapFillPositions.Position bus) {
    if (a.epoch().equals(b.epoch())) {
      return a.seq() <= b.seq() ? a : b;
    }
    if (bus != null && a.epoch().equals(bus.epoch())) {
      return b;
    }
    return a;
  }

  /**
   * Whether this handler has had this message: its {@code msg_id} is in the dedupe window, or
   * it is not late and its {@code seq} is at or before this handler's position in the same epoch
   * (so a handler far ahead of the slowest one, beyond the window, still sees each message once).
   */
  public synchronized boolean seen(Message message, Mark mark) {
    if (message.msgId().map(positions::seen).orElse(false)) {
      return true;
    }
    if (mark == null || message.late()) {
      return false;  // a late message fills a gap behind the position: not had yet
    }
    GapFillPositions.Position p = positions.position(mark.accepted.signerKey());
    return p != null && p.epoch().equals(mark.accepted.epoch()) && mark.accepted.seq() <= p.seq();
  }

  /**
   * Called when the message is accepted for this handler (e.g. queued): for a publisher this
   * handler has no position of yet, saves the position just before it, so a restart asks for it.
   */
  public synchronized void accepted(Mark mark) {
    if (mark != null) {
      positions.before(mark.accepted);
    }
  }

  /** Saves the position of a message this handler has finished with. */
  public synchronized void handled(Mark mark, Message message) {
    if (mark != null) {
      positions.delivered(new Receiver.Accepted(message, 0, mark.accepted.signerKey(), mark.accepted.fingerprint(),
          mark.accepted.epoch(), mark.accepted.seq()), message.msgId().orElse(null));
    }
  }

  @Override
  public synchronized void close() {
    positions.close();
  }
}
