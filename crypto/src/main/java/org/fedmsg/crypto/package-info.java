/** Placeholder. */
package org.fedmsg.crypto;
