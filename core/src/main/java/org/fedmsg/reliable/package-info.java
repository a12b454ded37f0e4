/**
 * The critical bus's building blocks: the durable outbox of a publisher ({@link
 * org.fedmsg.reliable.DurableOutbox}), the replay endpoint that serves it again ({@link
 * org.fedmsg.reliable.ReplayServer}) and its client ({@link org.fedmsg.reliable.ReplayClient},
 * start here to fetch missed messages). See {@code docs/reliability.md}.
 */
package org.fedmsg.reliable;
