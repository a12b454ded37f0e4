package org.fedmsg.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.fedmsg.testing.PostgresServer;

/**
 * The two databases every store test class runs against: SQLite (a file per test) and a real
 * PostgreSQL server started once per test JVM under {@code target/} (a database per test).
 */
enum Databases {
  SQLITE, POSTGRESQL;

  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static PostgresServer server;

  /** A fresh, empty database of this kind. */
  String freshUrl(Path tmp) throws Exception {
    String name = "t" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    if (this == SQLITE) {
      return "jdbc:sqlite:" + tmp.resolve(name + ".db");
    }
    return postgres().createDatabase(name);
  }

  static synchronized PostgresServer postgres() throws Exception {
    if (server == null) {
      Path dir = Path.of("target", "pg-" + ProcessHandle.current().pid()).toAbsolutePath();
      Files.createDirectories(dir);
      PostgresServer started = PostgresServer.start(dir);
      Runtime.getRuntime().addShutdownHook(new Thread(started::close));
      server = started;
    }
    return server;
  }

  /** A PostgreSQL server of the test's own, e.g. to stop it. */
  static PostgresServer ownPostgres(String name) throws Exception {
    Path dir = Path.of("target", "pg-" + name + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet())
        .toAbsolutePath();
    return PostgresServer.start(dir);
  }
}
