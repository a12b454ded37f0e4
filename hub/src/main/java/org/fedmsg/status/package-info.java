/**
 * Liveness of publishers: {@link org.fedmsg.status.Heartbeat} publishes a periodic
 * {@code <topic_prefix>.<environment>.<name>._heartbeat} message on a bus, and
 * {@link org.fedmsg.status.StatusCollector} listens for them and reports which configured
 * publishers are alive and which are silent ({@code fedmsg status}).
 */
package org.fedmsg.status;
