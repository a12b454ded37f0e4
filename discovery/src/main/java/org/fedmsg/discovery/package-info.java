/**
 * Endpoint discovery: where the publishers are.
 *
 * <p>Start with {@link org.fedmsg.discovery.Discovery}: {@code Discovery.fromConfig(context, stateDir)}
 * builds the resolvers named by the {@code discovery} configuration list (providers found with
 * {@link java.util.ServiceLoader}, or passed explicitly to {@link org.fedmsg.discovery.Resolvers}), merges
 * their answers keeping each {@link org.fedmsg.discovery.Endpoint}'s source, caches them, refreshes them,
 * tells a {@link org.fedmsg.discovery.DiscoveryListener} what was added and removed, and keeps the last
 * known good answer of a failed source. Resolvers report faults as {@link org.fedmsg.discovery.Problem}
 * values, never as exceptions.
 *
 * <p>Built-in providers: {@code file} ({@link org.fedmsg.discovery.file}), {@code dns-srv}
 * ({@link org.fedmsg.discovery.dns}) and {@code directory} ({@link org.fedmsg.discovery.directory}). See
 * {@code docs/discovery.md}.
 */
package org.fedmsg.discovery;
