/**
 * The bridge between the bus and RabbitMQ, both ways, in fedora-messaging's message format.
 *
 * <p>Start with {@link org.fedmsg.bridge.BusToAmqp} (verified bus messages to an AMQP exchange) and
 * {@link org.fedmsg.bridge.AmqpToBus} (an AMQP queue to the bus, signed by the bridge's certificate),
 * both configured by {@link org.fedmsg.bridge.AmqpSettings} (the {@code amqp:} keys). The mapping of
 * every field is in {@code docs/amqp.md}.
 */
package org.fedmsg.bridge;
