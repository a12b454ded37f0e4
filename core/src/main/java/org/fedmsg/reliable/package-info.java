/**
 * The critical bus's building blocks: the durable outbox of a publisher ({@link
 * org.fedmsg.reliable.DurableOutbox}); and the reference Python fedmsg's replay protocol for
 * fedmsg/1 services ({@link org.fedmsg.reliable.ReferenceStore}, {@link
 * org.fedmsg.reliable.ReferenceQueries}, {@link org.fedmsg.reliable.ReferenceReplayClient}). See
 * {@code docs/reliability.md}.
 */
package org.fedmsg.reliable;
