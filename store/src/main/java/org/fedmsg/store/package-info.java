/**
 * The message store (the role datanommer and datagrepper played for the reference fedmsg):
 * {@link org.fedmsg.store.MessageStore} archives verified messages verbatim in SQLite or
 * PostgreSQL, {@link org.fedmsg.store.StoreHttpApi} serves them over a datagrepper-compatible
 * HTTP API, and {@link org.fedmsg.store.ServiceExtractor} is the SPI that derives users and
 * packages per service. Start with {@code MessageStore.open(StoreOptions, MeterRegistry)}; see
 * {@code docs/store.md}.
 */
package org.fedmsg.store;
