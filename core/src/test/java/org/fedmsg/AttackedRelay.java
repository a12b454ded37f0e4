package org.fedmsg;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.wire.MessageVerifier;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A real validating {@link Relay} as the attack tests mount it: it trusts one CA and enforces a
 * policy; an attacker's plain JeroMQ PUB socket is connected to its inbound side, and a
 * non-validating bus subscribed to everything on its outbound side shows what it forwards. Every
 * rejection the relay makes is recorded, in order, through its {@link BusListener}.
 */
final class AttackedRelay implements AutoCloseable {
  final Relay relay;
  /** What the relay forwarded, as the subscriber received it. */
  final BlockingQueue<Message> forwarded = new LinkedBlockingQueue<>();
  /** What the relay refused, in the order it refused it. */
  final BlockingQueue<Rejection> rejections = new LinkedBlockingQueue<>();
  private final TrustStore trust;
  private final Bus subscriber;
  private final ZContext context = new ZContext();
  private final ZMQ.Socket raw;

  private AttackedRelay(X509Certificate ca, String policyYaml) {
    trust = TrustStore.create(TrustOptions.builder().caCertificates(List.of(ca)).backgroundRefresh(false).build());
    relay = Relay.start(BusOptions.builder().endpoint("relay_outbound", List.of("tcp://127.0.0.1:*"))
        .relayInbound("tcp://127.0.0.1:*")
        .listener(new BusListener() {
          @Override
          public void messageRejected(Rejection rejection) {
            rejections.add(rejection);
          }
        })
        .verifier(MessageVerifier.builder().trust(trust)
            .policy(TopicPolicy.parse(policyYaml, "test-policy", TopicNamespace.DEFAULT)).build())
        .build());
    subscriber = Bus.create(BusOptions.builder().endpoint("relay_outbound", List.of(relay.outboundEndpoint()))
        .validateSignatures(false).build());
    raw = context.createSocket(SocketType.PUB);
    raw.connect(relay.inboundEndpoint());
  }

  /** Starts the relay and waits until its subscriber's subscription is in force. */
  static AttackedRelay start(X509Certificate ca, String policyYaml) throws InterruptedException {
    AttackedRelay r = new AttackedRelay(ca, policyYaml);
    try {
      if (!r.subscriber.subscribe("", r.forwarded::add).awaitReady(Duration.ofSeconds(10))) {
        throw new AssertionError("the subscriber did not join the relay within 10 s");
      }
      return r;
    } catch (RuntimeException | AssertionError e) {
      r.close();
      throw e;
    }
  }

  /** Sends a two-frame message from the attacker's PUB socket. */
  void send(String topic, byte[] body) {
    raw.send(topic.getBytes(UTF_8), ZMQ.SNDMORE);
    raw.send(body, 0);
  }

  @Override
  public void close() {
    context.close();
    subscriber.close();
    relay.close();
    trust.close();
  }
}
