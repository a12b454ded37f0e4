/**
 * Configuration: the {@code fedmsg.d/*.yaml} files, merged and checked. Start with
 * {@link org.fedmsg.config.ConfigLoader} ({@code ConfigLoader.loadDefault(null)} reads the
 * standard locations) and read values from the resulting {@link org.fedmsg.config.FedmsgConfig}.
 * Every key is documented in {@code docs/configuration.md}.
 */
package org.fedmsg.config;
