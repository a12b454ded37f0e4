/**
 * JMH benchmarks. Build the uber-jar with {@code mvn -B -pl bench -am package -DskipTests}, then
 * run e.g. {@code java -jar bench/target/benchmarks.jar CryptoPrimitives -f 1 -wi 2 -i 3}.
 */
package org.fedmsg.bench;
