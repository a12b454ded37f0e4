package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * When {@link HandshakeWatch} nudges, on a clock the test gives it (the nudges themselves are
 * real: loopback listeners on the context). What a nudge cures is {@code HandshakeStallRecoveryTest}'s.
 */
@Timeout(30)
class HandshakeWatchTest {
  private static final String A = "tcp://127.0.0.1:1111";
  private static final String B = "tcp://127.0.0.1:2222";
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private static ZMQ.Event event(int type, String address) {
    return new ZMQ.Event(type, null, address);
  }

  @Test
  void connectionWithoutGreeting_nudgedAfterASecond_thenAtMostOncePerSecond() {
    try (ZContext context = new ZContext(1)) {
      HandshakeWatch watch = new HandshakeWatch(context);
      long t0 = System.nanoTime();
      watch.event(event(ZMQ.EVENT_CONNECTED, A), t0);
      assertThat(watch.check(t0 + 500 * MS)).isFalse();
      assertThat(watch.check(t0 + 1001 * MS)).isTrue();
      assertThat(watch.check(t0 + 1500 * MS)).as("within a second of the last nudge").isFalse();
      assertThat(watch.check(t0 + 2002 * MS)).isTrue();
      assertThat(watch.nudges()).isEqualTo(2);
    }
  }

  @Test
  void greetingDisconnectOrClose_endTheWait() {
    try (ZContext context = new ZContext(1)) {
      HandshakeWatch watch = new HandshakeWatch(context);
      long t0 = System.nanoTime();
      watch.event(event(ZMQ.EVENT_CONNECTED, A), t0);
      watch.event(event(ZMQ.EVENT_HANDSHAKE_PROTOCOL, A), t0 + 10 * MS);
      watch.event(event(ZMQ.EVENT_CONNECTED, B), t0);
      watch.event(event(ZMQ.EVENT_DISCONNECTED, B), t0 + 10 * MS);
      assertThat(watch.waiting()).isZero();
      assertThat(watch.check(t0 + 5000 * MS)).isFalse();
      watch.event(event(ZMQ.EVENT_CONNECTED, A), t0);
      watch.event(event(ZMQ.EVENT_CLOSED, A), t0 + 10 * MS);
      watch.event(event(ZMQ.EVENT_CONNECTED, B), t0);
      watch.forget(B);
      assertThat(watch.check(t0 + 5000 * MS)).isFalse();
      assertThat(watch.nudges()).isZero();
    }
  }

  @Test
  void manySocketsOfOneContext_oneNudgeForAll() {
    try (ZContext context = new ZContext(1)) {
      HandshakeWatch first = new HandshakeWatch(context);
      HandshakeWatch second = new HandshakeWatch(context);
      long t0 = System.nanoTime();
      first.event(event(ZMQ.EVENT_CONNECTED, A), t0);
      second.event(event(ZMQ.EVENT_CONNECTED, B), t0);
      assertThat(first.check(t0 + 1100 * MS)).isTrue();
      assertThat(second.check(t0 + 1200 * MS)).as("the context was nudged 100 ms ago").isFalse();
    }
  }

  @Test
  void connectionWaitingFarPastTheHandshakeLimit_leftToTheLimit() {
    try (ZContext context = new ZContext(1)) {
      HandshakeWatch watch = new HandshakeWatch(context);
      long t0 = System.nanoTime();
      watch.event(event(ZMQ.EVENT_CONNECTED, A), t0);
      long late = t0 + TimeUnit.MILLISECONDS.toNanos(2L * SocketOptions.HANDSHAKE_IVL_MILLIS) + MS;
      assertThat(watch.check(late)).isFalse();
      assertThat(watch.waiting()).isZero();
    }
  }
}
