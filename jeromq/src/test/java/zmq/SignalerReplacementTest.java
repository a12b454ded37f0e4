package zmq;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import zmq.util.Errno;

/**
 * Guards the replacement of JeroMQ's {@code Signaler} (see its class comment): written against one
 * JeroMQ release, with the same methods, and a signal counted before its byte is written.
 */
@Timeout(60)
class SignalerReplacementTest {
  /** JeroMQ 0.5.4's zmq/Signaler.class, which the replacement was written against. */
  private static final String REVIEWED_SIGNALER_SHA256 = "fa9604f147ce73db29790fb85275397200c37b0e65de98b9d8bdf1a7006f03e0";

  @Test
  void jeromqsSignaler_isTheReviewedOne() throws Exception {
    try (JarFile jar = new JarFile(ReplacementChecks.stockJar().toFile())) {
      assertThat(ReplacementChecks.sha256(jar, "zmq/Signaler.class"))
          .as("JeroMQ's Signaler.class changed: review the replacement against it")
          .isEqualTo(REVIEWED_SIGNALER_SHA256);
    }
  }

  @Test
  void replacement_declaresJeroMqsConstructorAndMethods() throws Exception {
    try (URLClassLoader stockLoader =
        new URLClassLoader(new URL[] {ReplacementChecks.stockJar().toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
      Class<?> stock = stockLoader.loadClass("zmq.Signaler");
      assertThat(stock.getClassLoader()).isSameAs(stockLoader);
      // what other JeroMQ classes can call: the private helpers differ
      assertThat(ReplacementChecks.signatures(Signaler.class, false)).isEqualTo(ReplacementChecks.signatures(stock, false));
      assertThat(Modifier.toString(Signaler.class.getModifiers())).isEqualTo(Modifier.toString(stock.getModifiers()));
      assertThat(Signaler.class.getProtectionDomain().getCodeSource().getLocation().toString())
          .doesNotContain("jeromq-0.5.4.jar");
    }
  }

  /**
   * The writer's thread is held between counting and writing: the pipe is full, so its write
   * cannot complete. A reader must already see the signal (JeroMQ's own class counted it only
   * after the byte, so a poller woken by the byte could find nothing and spin).
   */
  @Test
  void signalIsCountedBeforeItsByteIsWritten() throws Exception {
    Ctx ctx = new Ctx();
    Signaler signaler = new Signaler(ctx, 1, new Errno());
    try {
      Pipe.SinkChannel w = (Pipe.SinkChannel) field(signaler, "w");
      Pipe.SourceChannel r = (Pipe.SourceChannel) signaler.getFd();
      long filler = 0;
      ByteBuffer chunk = ByteBuffer.allocate(4096);
      int n;
      do {  // fill the pipe behind the counters' back
        chunk.clear();
        n = w.write(chunk);
        filler += n;
      } while (n > 0);
      assertThat(filler).isPositive();
      assertThat(signaler.waitEvent(0)).isFalse();

      CompletableFuture<Void> sending = CompletableFuture.runAsync(signaler::send);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!signaler.waitEvent(0) && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(sending).as("the pipe is still full: the send cannot have finished").isNotDone();
      assertThat(signaler.waitEvent(0)).as("the signal is visible while its byte waits for room").isTrue();

      ByteBuffer drain = ByteBuffer.allocate(4096);
      for (long left = filler; left > 0; ) {  // make room: the send completes
        drain.clear().limit((int) Math.min(drain.capacity(), left));
        left -= r.read(drain);
      }
      sending.get(20, TimeUnit.SECONDS);
      signaler.recv();
      assertThat(signaler.waitEvent(0)).isFalse();
    } finally {
      signaler.close();
      ctx.terminate();
    }
  }

  @Test
  void signalsAreReadOneByOne_andABlockingWaitWakesForOne() throws Exception {
    Ctx ctx = new Ctx();
    Signaler signaler = new Signaler(ctx, 2, new Errno());
    try {
      assertThat(signaler.waitEvent(10)).isFalse();
      signaler.send();
      signaler.send();
      assertThat(signaler.waitEvent(0)).isTrue();
      signaler.recv();
      assertThat(signaler.waitEvent(0)).isTrue();
      signaler.recv();
      assertThat(signaler.waitEvent(0)).isFalse();
      CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> signaler.waitEvent(-1));
      signaler.send();
      assertThat(waiting.get(20, TimeUnit.SECONDS)).isTrue();
      signaler.recv();
    } finally {
      signaler.close();
      ctx.terminate();
    }
  }

  @Test
  void aSignalThatCannotBeWritten_isNotCounted() throws Exception {
    Ctx ctx = new Ctx();
    Signaler signaler = new Signaler(ctx, 3, new Errno());
    try {
      ((Pipe.SinkChannel) field(signaler, "w")).close();
      org.assertj.core.api.Assertions.assertThatThrownBy(signaler::send).isInstanceOf(ZError.IOException.class);
      assertThat(signaler.waitEvent(0)).as("no signal to wait for").isFalse();
    } finally {
      signaler.close();
      ctx.terminate();
    }
  }

  /** A poller thread forwarding an inproc hand-off, as the bus's publishers do, loses nothing. */
  @Test
  void pollerForwardingAHandOff_deliversEveryMessage() {
    try (ZContext context = new ZContext(1)) {
      ZMQ.Socket pull = context.createSocket(SocketType.PULL);
      pull.bind("inproc://signaler-test");
      ZMQ.Socket push = context.createSocket(SocketType.PUSH);
      push.connect("inproc://signaler-test");
      ZMQ.Socket out = context.createSocket(SocketType.PUSH);
      out.bind("inproc://signaler-test-out");
      ZMQ.Socket in = context.createSocket(SocketType.PULL);
      in.connect("inproc://signaler-test-out");
      in.setReceiveTimeOut(20_000);
      int messages = 2_000;
      Thread forwarder = new Thread(() -> {
        ZMQ.Poller poller = context.createPoller(1);
        poller.register(pull, ZMQ.Poller.POLLIN);
        int forwarded = 0;
        while (forwarded < messages && poller.poll(250) >= 0) {
          byte[] frame;
          while ((frame = pull.recv(ZMQ.DONTWAIT)) != null) {
            out.send(frame);
            forwarded++;
          }
        }
        poller.close();
      });
      forwarder.start();
      for (int i = 0; i < messages; i++) {
        push.send(Integer.toString(i));
        if (i % 100 == 0) {
          Thread.yield();  // let the forwarder catch up and sleep, so that wake-ups are exercised
        }
      }
      for (int i = 0; i < messages; i++) {
        assertThat(in.recvStr()).isEqualTo(Integer.toString(i));
      }
    }
  }

  private static Object field(Object o, String name) throws Exception {
    Field f = o.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return f.get(o);
  }
}
