package org.fedmsg.store;

/**
 * A snapshot of a store's counters since it opened.
 *
 * @param stored messages written
 * @param duplicates messages not written because one with the same {@code msg_id} was archived already
 * @param dropped messages lost because the outage buffer was full
 * @param rejected messages the database refused (logged with the reason), e.g. a NUL character in a text field
 * @param writeFailures failed write attempts (each is retried)
 * @param missed fedmsg/2 messages never received: gaps in a publisher's {@code seq} within one {@code epoch}
 * @param queued messages waiting to be written (in the buffer, or in a batch being retried)
 * @param unwritten messages left in the buffer when the store closed (reported, not stored)
 * @param healthy whether the last write attempt succeeded
 */
public record StoreStats(long stored, long duplicates, long dropped, long rejected, long writeFailures, long missed,
    int queued, long unwritten, boolean healthy) {}
