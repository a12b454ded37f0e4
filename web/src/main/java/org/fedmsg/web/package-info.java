/**
 * The bus in a browser: {@link org.fedmsg.web.Gateway} serves verified messages over WebSocket and
 * Server-Sent Events, with the live bus page, {@code fedmsg-notify.js}, statistics and Prometheus
 * meters on the same port. Start with {@link org.fedmsg.web.GatewayOptions} and {@code docs/gateway.md}.
 */
package org.fedmsg.web;
