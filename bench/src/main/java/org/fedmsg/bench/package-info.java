/** Placeholder. */
package org.fedmsg.bench;
