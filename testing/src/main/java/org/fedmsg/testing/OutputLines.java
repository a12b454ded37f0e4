package org.fedmsg.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The lines a child process (a pyzmq script, a command) writes, read on a daemon thread into a
 * queue, so a test waits for a line with {@code poll(timeout)} instead of blocking on the stream.
 */
public final class OutputLines {
  private OutputLines() {}

  /** Starts reading {@code in} (UTF-8) line by line; the queue stops growing when the stream ends. */
  public static BlockingQueue<String> of(InputStream in) {
    BlockingQueue<String> queue = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          queue.add(line);
        }
      } catch (IOException e) {
        // the process ended: the queue holds what it wrote
      }
    }, "process-output");
    reader.setDaemon(true);
    reader.start();
    return queue;
  }
}
