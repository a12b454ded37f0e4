/** Placeholder. */
package org.fedmsg.discovery;
