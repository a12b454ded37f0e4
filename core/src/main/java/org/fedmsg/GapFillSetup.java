package org.fedmsg;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.fedmsg.wire.MessageVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts gap fill and durable positions into a receiving pipeline, from the bus options: the same
 * for a bus's subscriber, the hub (which receives through its bus) and the relay's inbound side.
 */
final class GapFillSetup {
  private static final Logger LOG = LoggerFactory.getLogger(GapFillSetup.class);
  /** Message ids a durable subscriber remembers to deliver each message once across a restart. */
  static final int DEDUPE_WINDOW = 10_000;
  private static final Pattern DURABLE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");

  private GapFillSetup() {}

  /**
   * The durable subscriber's positions ({@code durable_name}), with the verifier told where each
   * publisher was left; null without a durable name.
   *
   * @throws ConfigException when the name is not usable, there is no {@code state_dir}, or the
   *     bus does not validate (positions are per verified publisher)
   */
  static GapFillPositions positions(BusOptions options, MessageVerifier verifier) {
    String name = options.durableName;
    if (name == null) {
      return null;
    }
    if (!DURABLE_NAME.matcher(name).matches()) {
      throw new ConfigException("durable_name: '" + name + "' must be letters, digits, '.', '_' or '-' (it names a"
          + " directory)");
    }
    if (verifier == null) {
      throw new ConfigException("durable_name: a durable subscriber needs validate_signatures (positions are kept"
          + " per verified publisher)");
    }
    Optional<Path> state = options.config == null ? Optional.empty() : options.config.stateDir();
    if (state.isEmpty()) {
      throw new ConfigException("durable_name: '" + name + "' needs state_dir (where its positions are kept)");
    }
    if (options.criticalTopics.isEmpty()) {
      LOG.warn("durable_name '{}' without critical_topics: positions are saved, but nothing missed is fetched", name);
    }
    GapFillPositions positions = GapFillPositions.open(state.get().resolve("positions").resolve(name), DEDUPE_WINDOW);
    for (GapFillPositions.Position p : positions.saved()) {
      verifier.resumeAt(p.signerKey(), p.epoch(), p.seq());
    }
    if (!positions.saved().isEmpty()) {
      LOG.info("durable subscriber '{}' resumes after {} publisher position(s)", name, positions.saved().size());
    }
    return positions;
  }

  /**
   * The gap fill of a pipeline, installed in it; null when there are no critical topics or no
   * validation (fetched messages must be verified).
   */
  static GapFill gapFill(BusOptions options, Receiver receiver, MessageVerifier verifier, ParallelReceiver pipeline,
      GapFill.Sink sink, GapFillPositions positions, String name) {
    return gapFill(options, receiver, verifier, pipeline, sink, positions, name, List::of, new RecentLosses());
  }

  /**
   * @param discovered the replay endpoints of the publishers the pipeline's socket is connected to
   * @param recent where lost ranges are kept (shared with the pipeline's {@link ReferenceGapFill})
   */
  static GapFill gapFill(BusOptions options, Receiver receiver, MessageVerifier verifier, ParallelReceiver pipeline,
      GapFill.Sink sink, GapFillPositions positions, String name,
      java.util.function.Supplier<List<org.fedmsg.discovery.Endpoint>> discovered, RecentLosses recent) {
    if (options.criticalTopics.isEmpty() || verifier == null) {
      return null;
    }
    GapFill.Fetcher fetcher = options.gapFillFetcher != null ? options.gapFillFetcher : GapFillFetcher.of(options, discovered, name.equals("relay") ? "relay_outbound" : name);
    GapFill g = new GapFill(receiver, verifier, pipeline::runOrdered, sink, fetcher, options.gapFillMode,
        options.gapFillMaxWait, options.gapFillMaxHeld, options.listener, name, recent);
    if (positions != null) {
      g.resumeFrom(positions.saved());
    }
    pipeline.gapFill(g);
    return g;
  }
}
