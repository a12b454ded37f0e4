package org.fedmsg;

import java.nio.file.Path;
import java.util.Optional;
import org.fedmsg.reliable.ReferenceStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publishing side of the reference replay protocol ({@code replay_endpoints}, {@code
 * docs/reliability.md}), kept out of {@link FedmsgBus}: which publisher keeps a {@link
 * ReferenceStore} of its fedmsg/1 messages.
 *
 * <p>A <em>bound</em> fedmsg/1 publisher with a {@code name} that has a {@code replay_endpoints}
 * entry and a {@code state_dir} keeps {@code <state_dir>/reference-replay/<name>/}, bounded by the
 * {@code outbox.*} keys, and numbers its messages with a signed {@code seq_id}.
 */
final class ReferenceReplay {
  private static final Logger LOG = LoggerFactory.getLogger(ReferenceReplay.class);

  private ReferenceReplay() {}

  /** The store of this publisher, or null when it keeps none (logged when that leaves a replay entry unserved). */
  static ReferenceStore openStore(BusOptions options) {
    if (options.wireFormat != WireFormat.FEDMSG1 || options.active || options.name == null || options.config == null
        || !options.config.replayEndpoints().containsKey(options.name)) {
      return null;
    }
    Optional<Path> state = options.config.stateDir();
    if (state.isEmpty()) {
      LOG.warn("replay_endpoints has an entry for '{}' but state_dir is not set: it keeps no fedmsg/1 messages to "
          + "replay and sends no seq_id", options.name);
      return null;
    }
    try {
      return ReferenceStore.open(state.get().resolve("reference-replay").resolve(options.name),
          options.config.outboxMaxMessages(), options.config.outboxMaxBytes(), options.config.outboxMaxAge(),
          options.clock);
    } catch (IllegalStateException | IllegalArgumentException | java.io.UncheckedIOException e) {
      throw new ConfigException("state_dir: " + e.getMessage(), e);
    }
  }
}
