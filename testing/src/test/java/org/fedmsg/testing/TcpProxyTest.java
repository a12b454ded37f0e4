package org.fedmsg.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The proxy in front of a real echo server on loopback. */
@Timeout(30)
class TcpProxyTest {
  private ServerSocket echo;

  @BeforeEach
  void startEcho() throws IOException {
    echo = echoServer();
  }

  @AfterEach
  void stopEcho() throws IOException {
    echo.close();
  }

  @Test
  void forward_bytesGoBothWaysAndAreCounted() throws Exception {
    try (TcpProxy proxy = TcpProxy.start(echo.getLocalPort()); Socket c = connect(proxy)) {
      assertThat(roundTrip(c, "hello")).isEqualTo("hello");
      await(() -> proxy.bytesUp() == 5 && proxy.bytesDown() == 5);
      assertThat(proxy.accepted()).isEqualTo(1);
      assertThat(proxy.openConnections()).isEqualTo(1);
      assertThat(proxy.endpoint()).isEqualTo("tcp://127.0.0.1:" + proxy.port());
    }
  }

  @Test
  void cut_closesOpenConnectionsAndRefusesNewOnesUntilRestored() throws Exception {
    try (TcpProxy proxy = TcpProxy.start(echo.getLocalPort()); Socket c = connect(proxy)) {
      assertThat(roundTrip(c, "a")).isEqualTo("a");
      proxy.cut();
      assertThat(proxy.mode()).isEqualTo(TcpProxy.Mode.CUT);
      assertThat(proxy.cuts()).isEqualTo(1);
      assertThat(readOrEnd(c)).isEqualTo(-1);   // reset or end of stream: the link is gone
      assertThat(proxy.openConnections()).isZero();

      try (Socket refused = connect(proxy)) {
        assertThat(readOrEnd(refused)).isEqualTo(-1);
      }
      await(() -> proxy.refused() == 1);

      proxy.restore();
      try (Socket again = connect(proxy)) {
        assertThat(roundTrip(again, "back")).isEqualTo("back");
      }
      assertThat(proxy.accepted()).isEqualTo(2);
    }
  }

  @Test
  void blackhole_passesNothingThenDeliversWhatWaitedOnRestore() throws Exception {
    try (TcpProxy proxy = TcpProxy.start(echo.getLocalPort()); Socket c = connect(proxy)) {
      assertThat(roundTrip(c, "x")).isEqualTo("x");
      await(() -> proxy.bytesUp() == 1 && proxy.bytesDown() == 1);
      proxy.blackhole();
      c.getOutputStream().write("held".getBytes(StandardCharsets.US_ASCII));
      c.setSoTimeout(300);
      // Nothing comes back while the link is a black hole; the connection stays open.
      assertThatThrownBy(() -> c.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
      assertThat(proxy.bytesUp()).isEqualTo(1);   // the round trip's byte; "held" is not counted
      assertThat(proxy.openConnections()).isEqualTo(1);

      try (Socket late = connect(proxy)) {
        await(() -> proxy.accepted() == 2);   // accepted, not connected to the target yet
        proxy.restore();
        c.setSoTimeout(10_000);
        assertThat(new String(c.getInputStream().readNBytes(4), StandardCharsets.US_ASCII)).isEqualTo("held");
        assertThat(roundTrip(late, "late")).isEqualTo("late");
      }
    }
  }

  @Test
  void retarget_newConnectionsGoToTheNewPort() throws Exception {
    try (ServerSocket other = echoServer(); TcpProxy proxy = TcpProxy.start(echo.getLocalPort())) {
      echo.close();   // the old target is gone: a connection to it is refused and closed
      try (Socket c = connect(proxy)) {
        assertThat(readOrEnd(c)).isEqualTo(-1);
      }
      await(() -> proxy.refused() == 1);
      proxy.retarget(other.getLocalPort());
      try (Socket c = connect(proxy)) {
        assertThat(roundTrip(c, "moved")).isEqualTo("moved");
      }
    }
  }

  @Test
  void close_closesConnectionsAndStopsListening() throws Exception {
    TcpProxy proxy = TcpProxy.start(echo.getLocalPort());
    Socket c = connect(proxy);
    assertThat(roundTrip(c, "z")).isEqualTo("z");
    proxy.close();
    assertThat(readOrEnd(c)).isEqualTo(-1);
    c.close();
    // The listening socket is released by the accept thread as it wakes up: wait for the refusal.
    await(() -> {
      try (Socket late = connect(proxy)) {
        return false;
      } catch (IOException refused) {
        return true;
      }
    });
  }

  @Test
  void start_badPort_throws() {
    assertThatThrownBy(() -> TcpProxy.start(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
    try (TcpProxy proxy = TcpProxy.start(1)) {
      assertThatThrownBy(() -> proxy.retarget(70_000)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  /* --------------- helpers --------------- */

  private static Socket connect(TcpProxy proxy) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
    s.setSoTimeout(10_000);
    return s;
  }

  private static String roundTrip(Socket s, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    s.getOutputStream().write(bytes);
    return new String(s.getInputStream().readNBytes(bytes.length), StandardCharsets.US_ASCII);
  }

  /** Reads one byte; -1 for the end of the stream or a reset. */
  private static int readOrEnd(Socket s) throws IOException {
    try {
      return s.getInputStream().read();
    } catch (SocketTimeoutException e) {
      throw e;
    } catch (IOException e) {
      return -1;
    }
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      Thread.sleep(10);
    }
  }

  /** A server that echoes every byte of every connection. */
  private static ServerSocket echoServer() throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          Thread e = new Thread(() -> {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
              in.transferTo(out);
            } catch (IOException ignored) {
              // the client went away
            }
          });
          e.setDaemon(true);
          e.start();
        } catch (IOException e) {
          return;
        }
      }
    });
    t.setDaemon(true);
    t.start();
    return server;
  }
}
