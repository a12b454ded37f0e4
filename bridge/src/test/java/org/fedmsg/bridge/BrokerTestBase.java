package org.fedmsg.bridge;

import org.junit.jupiter.api.AfterAll;

/**
 * A test class with a real RabbitMQ of its own, started once for the class (a subclass's
 * {@code @BeforeAll} calls {@link #startBroker}), and buses signed by the broker fixture's PKI.
 */
abstract class BrokerTestBase {
  static BrokerFixture rabbit;
  static BusFixture buses;

  static void startBroker(String name) throws Exception {
    rabbit = BrokerFixture.start(name);
    buses = new BusFixture(rabbit);
  }

  @AfterAll
  static void stopBroker() throws Exception {
    if (rabbit != null) {
      rabbit.close();
      rabbit = null;
    }
  }
}
