package org.fedmsg.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** The SQL of queries: a WHERE clause built from a {@link Query}, every value a bound parameter. */
final class Sql {
  static final String COLUMNS = "m.id, m.msg_id, m.topic, m.category, m.ts, m.received, m.signer, m.cert_fingerprint, "
      + "m.format, m.epoch, m.seq, m.topic_frame, m.body_frame, m.signature_frame";

  final String where;
  final List<Object> params;

  private Sql(String where, List<Object> params) {
    this.where = where;
    this.params = params;
  }

  static Sql where(Query q, Dialect dialect) {
    StringBuilder w = new StringBuilder("m.ts >= ? AND m.ts <= ?");
    List<Object> p = new ArrayList<>();
    p.add(q.start().toEpochMilli());
    p.add(q.end().toEpochMilli());
    in(w, p, "m.topic", q.topics(), false);
    in(w, p, "m.category", q.categories(), false);
    sub(w, p, "message_users", "username", q.users(), false);
    sub(w, p, "message_packages", "package", q.packages(), false);
    if (!q.contains().isEmpty()) {
      w.append(" AND (");
      for (int i = 0; i < q.contains().size(); i++) {
        w.append(i == 0 ? "" : " OR ").append(dialect.bodyText).append(" LIKE ? ESCAPE '\\'");
        p.add("%" + escapeLike(q.contains().get(i)) + "%");
      }
      w.append(')');
    }
    in(w, p, "m.topic", q.notTopics(), true);
    // a message without a category is not "in" an excluded category
    if (!q.notCategories().isEmpty()) {
      w.append(" AND (m.category IS NULL OR m.category NOT IN (").append(marks(q.notCategories().size())).append("))");
      p.addAll(q.notCategories());
    }
    sub(w, p, "message_users", "username", q.notUsers(), true);
    sub(w, p, "message_packages", "package", q.notPackages(), true);
    return new Sql(w.toString(), p);
  }

  PreparedStatement bind(Connection c, String sql, Object... extra) throws SQLException {
    PreparedStatement st = c.prepareStatement(sql);
    int i = 1;
    for (Object o : params) {
      st.setObject(i++, o);
    }
    for (Object o : extra) {
      st.setObject(i++, o);
    }
    return st;
  }

  private static void in(StringBuilder w, List<Object> p, String column, List<String> values, boolean not) {
    if (values.isEmpty()) {
      return;
    }
    w.append(" AND ").append(column).append(not ? " NOT IN (" : " IN (").append(marks(values.size())).append(')');
    p.addAll(values);
  }

  private static void sub(StringBuilder w, List<Object> p, String table, String column, List<String> values,
      boolean not) {
    if (values.isEmpty()) {
      return;
    }
    w.append(" AND m.id ").append(not ? "NOT IN" : "IN").append(" (SELECT message_id FROM ").append(table)
        .append(" WHERE ").append(column).append(" IN (").append(marks(values.size())).append("))");
    p.addAll(values);
  }

  private static String marks(int n) {
    return String.join(", ", java.util.Collections.nCopies(n, "?"));
  }

  static String escapeLike(String s) {
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }
}
