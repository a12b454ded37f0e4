/** Placeholder. */
package org.fedmsg;
