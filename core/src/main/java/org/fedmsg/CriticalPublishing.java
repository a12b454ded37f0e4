package org.fedmsg;

import java.nio.file.Path;
import java.util.Optional;
import org.fedmsg.reliable.DurableOutbox;
import org.fedmsg.wire.Fedmsg2;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publishing side of the critical bus, kept out of {@link FedmsgBus}: which publisher keeps
 * a durable outbox, and where its epoch resumes.
 *
 * <p>A fedmsg/2 publisher with a {@code name}, {@code critical_topics} and a {@code state_dir}
 * keeps {@code <state_dir>/outbox/<name>/}, whether it binds or connects to a relay (a
 * long-running service behind a relay). A publisher without a name ({@code fedmsg logger}) keeps
 * none: it is short-lived, and several may run at once; the relay keeps its messages.
 */
final class CriticalPublishing {
  private static final Logger LOG = LoggerFactory.getLogger(CriticalPublishing.class);

  private CriticalPublishing() {}

  /** The outbox of this publisher, or null when it keeps none (logged once when that weakens a promise). */
  static DurableOutbox openOutbox(BusOptions options) {
    if (options.criticalTopics.isEmpty() || options.wireFormat != WireFormat.FEDMSG2 || options.name == null) {
      return null;
    }
    Optional<Path> state = options.config == null ? Optional.empty() : options.config.stateDir();
    if (state.isEmpty()) {
      LOG.warn("critical_topics is set but state_dir is not: publisher '{}' keeps no durable outbox, so critical "
          + "messages it sent before a crash cannot be replayed", options.name);
      return null;
    }
    try {
      return DurableOutbox.open(state.get().resolve("outbox").resolve(options.name), options.config.outboxMaxMessages(),
          options.config.outboxMaxBytes(), options.config.outboxMaxAge(), options.clock);
    } catch (IllegalStateException | IllegalArgumentException | java.io.UncheckedIOException e) {
      throw new ConfigException("state_dir: " + e.getMessage(), e);
    }
  }

  /** A stamper continuing the outbox's epoch, or a fresh one. */
  static Fedmsg2.Stamper stamper(DurableOutbox outbox) {
    if (outbox != null) {
      Optional<DurableOutbox.ResumePoint> resume = outbox.resumePoint();
      if (resume.isPresent()) {
        LOG.info("continuing epoch {} after seq {} from the outbox {}", resume.get().epoch(), resume.get().lastSeq(),
            outbox.directory());
        return Fedmsg2.Stamper.continuing(resume.get().epoch(), resume.get().lastSeq());
      }
    }
    return Fedmsg2.Stamper.start();
  }

  /**
   * Writes a stamped message to the outbox before it is sent: its frames when the topic is
   * critical, a marker of its {@code seq} otherwise.
   */
  static void record(DurableOutbox outbox, BusOptions options, String topic,
      com.fasterxml.jackson.databind.node.ObjectNode stamped, byte[][] frames) {
    String epoch = stamped.get("epoch").textValue();
    long seq = stamped.get("seq").longValue();
    if (options.criticalTopics.matches(topic)) {
      outbox.append(epoch, seq, frames);
    } else {
      outbox.mark(epoch, seq);
    }
  }

  /** Refuses a critical topic on a bus that does not publish fedmsg/2. */
  static void requireFedmsg2(BusOptions options, String fullTopic) {
    if (options.wireFormat != WireFormat.FEDMSG2 && options.criticalTopics.matches(fullTopic)) {
      throw new IllegalStateException("'" + fullTopic + "' is a critical topic (critical_topics) and critical messages"
          + " must be fedmsg/2 (epoch and seq let receivers find and fill gaps): set wire_format: fedmsg2");
    }
  }
}
