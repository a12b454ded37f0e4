/** The {@code file} resolver: the reference {@code endpoints} map. */
package org.fedmsg.discovery.file;
