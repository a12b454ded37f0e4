/** The {@code dns-srv} resolver: {@code _fedmsg._tcp.<domain>} SRV records and CURVE keys in TXT records. */
package org.fedmsg.discovery.dns;
