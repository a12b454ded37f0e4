/**
 * JSON as the reference Python fedmsg reads and writes it. Start with
 * {@link org.fedmsg.json.CanonicalJson}: {@code parse} reads any body a reference publisher or
 * relay sends into a Jackson tree, {@code encode} writes the canonical form that fedmsg/1
 * signatures cover (Python {@code json.dumps(sort_keys=True, separators=(',', ':'))}).
 * {@link org.fedmsg.json.StreamingCanonicalJson} produces the same canonical bytes straight from
 * a received body, without a tree, for verification from raw frames.
 */
package org.fedmsg.json;
