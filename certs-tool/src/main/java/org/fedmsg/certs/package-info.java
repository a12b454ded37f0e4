/** Placeholder. */
package org.fedmsg.certs;
