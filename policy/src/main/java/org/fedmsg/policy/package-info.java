/** Placeholder. */
package org.fedmsg.policy;
