/**
 * JSON as the reference Python fedmsg reads and writes it. Start with
 * {@link org.fedmsg.json.CanonicalJson}: {@code parse} reads any body a reference publisher or
 * relay sends into a Jackson tree, {@code encode} writes the canonical form that fedmsg/1
 * signatures cover (Python {@code json.dumps(sort_keys=True, separators=(',', ':'))}).
 */
package org.fedmsg.json;
