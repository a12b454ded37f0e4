package org.fedmsg.loadgen;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.fedmsg.BusOptions;
import org.fedmsg.CurveOptions;
import org.fedmsg.Relay;
import org.fedmsg.certs.ThrowawayPki;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.wire.MessageVerifier;

/**
 * Everything a self-contained run needs on loopback: a throw-away PKI (issued by the
 * {@code fedmsg-certs} code path, in a temporary directory removed on close), the publishers'
 * signer, a policy of the asked size, a CURVE key pair, and the relay when the run goes through
 * one. Each subscriber (and the relay) gets its own verifier and trust store, as separate
 * processes would.
 */
final class BenchBed implements AutoCloseable {
  private static final String LOOPBACK = "tcp://127.0.0.1:*";

  private final BenchSpec spec;
  private final Path dir;
  private final ThrowawayPki pki;
  private final Signer signer;
  private final String policyYaml;
  private final CurveKeyPair curveKeys;
  private final List<AutoCloseable> owned = new ArrayList<>();
  private Relay relay;

  BenchBed(BenchSpec spec) {
    this.spec = spec;
    try {
      this.dir = Files.createTempDirectory("fedmsg-bench-");
      this.pki = ThrowawayPki.create(dir.resolve("pki"), "localhost", List.of("bench"), spec.keyType(), false);
      this.signer = Signer.load(pki.ssldir(), pki.certnames().values().iterator().next());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the throw-away PKI: " + e.getMessage(), e);
    }
    this.policyYaml = policy(spec.policyRules(), signer.commonName());
    this.curveKeys = spec.curve() ? CurveKeyPair.generate("bench") : null;
    if (spec.relay()) {
      BusOptions.Builder relayOptions = base();
      if (spec.verifyThreads() > 0) {
        relayOptions.verifyThreads(spec.verifyThreads());
      }
      relay = Relay.start(relayOptions.wireCompact(spec.compact())
          .endpoint("relay_outbound", List.of(LOOPBACK))
          .relayInbound(LOOPBACK)
          .verifier(verifier())
          .curve(serverCurve())
          .build());
      owned.add(relay);
    }
  }

  /**
   * A policy of {@code rules} rules under {@code default: deny}: one allowing the bench topic for
   * the bench signer, the others allowing other services' topics for other signers (so that a
   * lookup has a realistically sized index to search).
   */
  static String policy(int rules, String benchSigner) {
    StringBuilder y = new StringBuilder("default: deny\nrules:\n");
    for (int i = 1; i < rules; i++) {
      y.append("  - topics: [\"service").append(i).append(".*\"]\n    signers: [\"service").append(i)
          .append("-*\"]\n    effect: allow\n");
    }
    y.append("  - topics: [\"").append(LoadPublisher.MODNAME).append('.').append(LoadPublisher.TOPIC)
        .append("\"]\n    signers: [\"").append(benchSigner).append("\"]\n    effect: allow\n");
    return y.toString();
  }

  private TopicPolicy topicPolicy() {
    return TopicPolicy.parse(policyYaml, "bench policy", TopicNamespace.DEFAULT);
  }

  private MessageVerifier verifier() {
    TrustStore trust = TrustStore.create(TrustOptions.builder().ca(pki.caCertificate()).crl(pki.crl()).build());
    MessageVerifier v = MessageVerifier.builder().trust(trust).policy(topicPolicy()).build();
    owned.add(v);
    owned.add(trust);
    return v;
  }

  /**
   * Options with the run's socket settings, which reach a bus through its configuration
   * ({@code high_water_mark}); everything else is set by the caller after this.
   */
  private BusOptions.Builder base() {
    return BusOptions.builder().apply(FedmsgConfig.of(JsonNodeFactory.instance.objectNode()
        .put("high_water_mark", spec.highWaterMark())));
  }

  private CurveOptions serverCurve() {
    return spec.curve() ? CurveOptions.builder().keyPair(curveKeys).build() : CurveOptions.disabled();
  }

  /** Options of publisher {@code i}: bound on loopback, or connected to the relay. */
  BusOptions publisher(int i) {
    BusOptions.Builder b = base().signer(signer).wireFormat(spec.format()).wireCompact(spec.compact())
        .publishPolicy(topicPolicy());
    if (relay != null) {
      b.active(true).relayInbound(relay.inboundEndpoint());
      if (spec.curve()) {
        b.curve(CurveOptions.builder().serverKey(relay.inboundEndpoint(), curveKeys.publicKeyZ85()).build());
      }
    } else {
      String name = "bench-pub-" + i;
      b.name(name).endpoint(name, List.of(LOOPBACK)).curve(serverCurve());
    }
    return b.build();
  }

  /** Options of a subscriber to {@code publisherEndpoints} (or to the relay). */
  BusOptions subscriber(List<String> publisherEndpoints) {
    List<String> urls = relay != null ? List.of(relay.outboundEndpoint()) : publisherEndpoints;
    BusOptions.Builder b = base().verifier(verifier());
    if (spec.verifyThreads() > 0) {
      b.verifyThreads(spec.verifyThreads());
    }
    CurveOptions.Builder curve = CurveOptions.builder().enabled(spec.curve());
    for (int i = 0; i < urls.size(); i++) {
      b.endpoint("bench-" + i, List.of(urls.get(i)));
      if (spec.curve()) {
        curve.serverKey(urls.get(i), curveKeys.publicKeyZ85());
      }
    }
    return b.curve(curve.build()).build();
  }

  /** How many endpoints a subscriber connects to. */
  int subscriberEndpoints() {
    return relay != null ? 1 : spec.publishers();
  }

  @Override
  public void close() {
    for (int i = owned.size() - 1; i >= 0; i--) {
      try {
        owned.get(i).close();
      } catch (Exception e) {
        // Closing the rest matters more than this failure; nothing is left to report it to.
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A temporary directory left behind is harmless.
    }
  }
}
