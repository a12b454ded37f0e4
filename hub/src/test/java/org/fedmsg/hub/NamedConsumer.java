package org.fedmsg.hub;

import java.util.List;
import org.fedmsg.Message;

/** Loaded by class name and by ServiceLoader in tests; enabled by {@code test.named.enabled}. */
public final class NamedConsumer implements Consumer {
  @Override
  public List<String> topics() {
    return List.of("*");
  }

  @Override
  public String configKey() {
    return "test.named.enabled";
  }

  @Override
  public void consume(Message message) {}
}
