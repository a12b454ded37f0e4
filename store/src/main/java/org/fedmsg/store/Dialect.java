package org.fedmsg.store;

/** What differs between the two databases the store runs on. */
enum Dialect {
  SQLITE("sqlite", "CAST(m.body_frame AS TEXT)"),
  POSTGRESQL("postgresql", "convert_from(m.body_frame, 'UTF8')");

  /** Flyway's {vendor} folder of the migrations. */
  final String vendor;
  /** The body frame as text, for {@code contains}. */
  final String bodyText;

  Dialect(String vendor, String bodyText) {
    this.vendor = vendor;
    this.bodyText = bodyText;
  }

  static Dialect of(String jdbcUrl) {
    return jdbcUrl.startsWith("jdbc:sqlite:") ? SQLITE : POSTGRESQL;
  }
}
