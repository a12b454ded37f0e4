/**
 * The directory service: services register signed statements of their endpoints and CURVE keys
 * ({@link org.fedmsg.discovery.directory.SignedRegistration}) with every replica
 * ({@link org.fedmsg.discovery.directory.DirectoryServer}) through a
 * {@link org.fedmsg.discovery.directory.DirectoryRegistrar}; clients
 * ({@link org.fedmsg.discovery.directory.DirectoryClient}, the {@code directory} resolver) query the replicas
 * and verify every registration themselves with a
 * {@link org.fedmsg.discovery.directory.RegistrationVerifier}.
 */
package org.fedmsg.discovery.directory;
