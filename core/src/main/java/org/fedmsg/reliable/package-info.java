/**
 * The critical bus's building blocks: the durable outbox of a publisher ({@link
 * org.fedmsg.reliable.DurableOutbox}). See {@code docs/reliability.md}.
 */
package org.fedmsg.reliable;
