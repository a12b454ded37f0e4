/**
 * The hub: runs {@link org.fedmsg.hub.Consumer}s, the Java counterpart of {@code fedmsg-hub}
 * (moksha). Start with {@link org.fedmsg.hub.Hub#builder()}; write a consumer by implementing
 * {@link org.fedmsg.hub.Consumer} and registering it in
 * {@code META-INF/services/org.fedmsg.hub.Consumer} (or naming it in {@code hub.consumers}).
 */
package org.fedmsg.hub;
