/** Placeholder. */
package org.fedmsg.cli;
