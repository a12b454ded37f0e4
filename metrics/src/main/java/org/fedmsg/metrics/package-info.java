/**
 * Prometheus metrics for every long-running fedmsg component: {@link org.fedmsg.metrics.MetricsServer}
 * serves a Micrometer registry at {@code /metrics}; {@link org.fedmsg.metrics.BusMeters} binds a
 * bus's counters.
 */
package org.fedmsg.metrics;
