package org.fedmsg.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.fedmsg.Message;
import org.fedmsg.hub.Consumer;
import org.fedmsg.hub.HubContext;

/**
 * An example hub consumer: prints one terse line per message (time, topic, signer, payload
 * summary), like {@code fedmsg tail --terse}. Runs when {@code fedmsg.consumers.log.enabled} is
 * true; {@code fedmsg.consumers.log.topics} (a string or list, default {@code "*"}) chooses the
 * topics. Heartbeats are skipped.
 *
 * <pre>{@code fedmsg hub --with-consumers org.fedmsg.cli.LogConsumer --enable fedmsg.consumers.log.enabled}</pre>
 */
public final class LogConsumer implements Consumer {
  /** The config key that enables this consumer. */
  public static final String CONFIG_KEY = "fedmsg.consumers.log.enabled";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

  /** Where lines go; {@code fedmsg hub} points it at its own output. */
  static volatile PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);

  private final List<String> topics = new ArrayList<>(List.of("*"));

  /** Needed by the hub to create it by class name or through {@link java.util.ServiceLoader}. */
  public LogConsumer() {}

  @Override
  public void start(HubContext context) {
    context.setting("fedmsg.consumers.log.topics").ifPresent(v -> {
      topics.clear();
      if (v.isArray()) {
        v.forEach(t -> topics.add(t.asText()));
      } else {
        topics.add(v.asText());
      }
    });
  }

  @Override
  public List<String> topics() {
    return List.copyOf(topics);
  }

  @Override
  public String configKey() {
    return CONFIG_KEY;
  }

  @Override
  public void consume(Message message) throws Exception {
    if (message.topic().endsWith("._heartbeat")) {
      return;
    }
    String time = message.timestamp()
        .map(t -> LocalTime.ofInstant(t, ZoneId.systemDefault()).format(TIME))
        .orElse("--:--:--");
    String summary = JSON.writeValueAsString(message.msg());
    if (summary.length() > 100) {
      summary = summary.substring(0, 97) + "...";
    }
    PrintWriter w = out;
    synchronized (w) {
      w.println(time + " " + message.topic() + " [" + message.signer().orElse("-") + "] " + summary);
      w.flush();
    }
  }
}
