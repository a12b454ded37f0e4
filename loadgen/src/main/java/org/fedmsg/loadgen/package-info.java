/**
 * End-to-end load runs of real buses, the engine of {@code fedmsg bench}: start with
 * {@link org.fedmsg.loadgen.LoadGenerator} and a {@link org.fedmsg.loadgen.BenchSpec}; the result
 * is a {@link org.fedmsg.loadgen.BenchReport} (text or one CSV line).
 */
package org.fedmsg.loadgen;
