package org.fedmsg.store;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A {@code /raw} request's parameters, checked and turned into a {@link Query} and datagrepper's
 * {@code arguments} echo.
 */
record RawQuery(Query query, List<String> meta, ObjectNode arguments) {
  /** Default rows per page, as datagrepper's. */
  static final int DEFAULT_ROWS = 20;
  /** Default range when none of start, end, delta is given: the last ten minutes (datagrepper's default delta). */
  static final double DEFAULT_DELTA = 600;
  static final List<String> META = List.of("usernames", "packages");

  static List<String> meta(Map<String, List<String>> p) {
    List<String> meta = p.getOrDefault("meta", List.of());
    for (String m : meta) {
      if (!META.contains(m)) {
        throw new IllegalArgumentException("meta must be in " + String.join(",", META) + " (not " + m + ")");
      }
    }
    return List.copyOf(new java.util.LinkedHashSet<>(meta));
  }

  static final class Parser {
    private final StoreOptions options;
    private final Clock clock;

    Parser(StoreOptions options, Clock clock) {
      this.options = options;
      this.clock = clock;
    }

    /** @throws IllegalArgumentException with the message the client sees */
    RawQuery parse(Map<String, List<String>> p) {
      Double start = number(p, "start");
      Double end = number(p, "end");
      Double delta = number(p, "delta");
      double now = clock.millis() / 1000.0;
      // datagrepper's assemble_timerange: delta counts back from end (default now) or forward from start
      if (delta != null) {
        if (delta < 0) {
          throw new IllegalArgumentException("delta must not be negative");
        }
        if (end == null) {
          end = start == null ? now : start + delta;
        }
        if (start == null) {
          start = end - delta;
        }
      } else {
        if (end == null) {
          end = now;
        }
        if (start == null) {
          start = end - DEFAULT_DELTA;
        }
      }
      delta = end - start;
      int page = integer(p, "page", 1);
      int rows = integer(p, "rows_per_page", DEFAULT_ROWS);
      String order = p.getOrDefault("order", List.of("desc")).get(0);
      if (page < 1) {
        throw new IllegalArgumentException("page must be > 0");
      }
      if (rows < 1) {
        throw new IllegalArgumentException("rows_per_page must be > 0");
      }
      if (rows > options.maxRowsPerPage) {
        throw new IllegalArgumentException("rows_per_page must be <= " + options.maxRowsPerPage);
      }
      if (!order.equals("desc") && !order.equals("asc")) {
        throw new IllegalArgumentException("order must be either 'desc' or 'asc'");
      }
      if (end < start) {
        throw new IllegalArgumentException("end must not be before start");
      }
      if (delta > options.maxQuerySpan.toSeconds()) {
        throw new IllegalArgumentException("the query covers " + Math.round(delta) + " s, more than this store "
            + "allows (store.max_query_span = " + options.maxQuerySpan.toSeconds() + " s): narrow start, end or delta");
      }
      if ((long) (page - 1) * rows > options.maxOffset) {
        throw new IllegalArgumentException("page " + page + " starts beyond row " + options.maxOffset
            + ", the deepest this store serves: narrow the time range instead");
      }
      List<String> meta = meta(p);
      Query q = new Query(instant(start), instant(end), list(p, "topic"), list(p, "category"), list(p, "user"),
          list(p, "package"), list(p, "contains"), list(p, "not_topic"), list(p, "not_category"), list(p, "not_user"),
          list(p, "not_package"), page, rows, order.equals("desc"));
      ObjectNode a = StoreHttpApi.JSON.createObjectNode();
      a.put("start", start);
      a.put("end", end);
      a.put("delta", delta);
      array(a, "users", q.users());
      array(a, "packages", q.packages());
      array(a, "categories", q.categories());
      array(a, "topics", q.topics());
      array(a, "contains", q.contains());
      array(a, "not_users", q.notUsers());
      array(a, "not_packages", q.notPackages());
      array(a, "not_categories", q.notCategories());
      array(a, "not_topics", q.notTopics());
      a.put("page", page);
      a.put("rows_per_page", rows);
      a.put("order", order);
      array(a, "meta", meta);
      return new RawQuery(q, meta, a);
    }

    private static Instant instant(double seconds) {
      if (!Double.isFinite(seconds) || Math.abs(seconds) > 1e11) {
        throw new IllegalArgumentException("time out of range: " + seconds);
      }
      long whole = (long) Math.floor(seconds);
      return Instant.ofEpochSecond(whole, Math.round((seconds - whole) * 1e9));
    }

    private static Double number(Map<String, List<String>> p, String name) {
      List<String> v = p.get(name);
      if (v == null || v.isEmpty() || v.get(0).isEmpty()) {
        return null;
      }
      try {
        double d = Double.parseDouble(v.get(0));
        if (!Double.isFinite(d) || Math.abs(d) > 1e11) {
          throw new NumberFormatException();
        }
        return d;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + " must be a number of seconds (since the epoch for start and end), not "
            + v.get(0));
      }
    }

    private static int integer(Map<String, List<String>> p, String name, int fallback) {
      List<String> v = p.get(name);
      if (v == null || v.isEmpty()) {
        return fallback;
      }
      try {
        return Integer.parseInt(v.get(0));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + " must be an integer, not " + v.get(0));
      }
    }

    private static List<String> list(Map<String, List<String>> p, String name) {
      List<String> v = p.getOrDefault(name, List.of());
      if (v.size() > 100) {
        throw new IllegalArgumentException("at most 100 values of " + name);
      }
      return v;
    }

    private static void array(ObjectNode o, String name, List<String> values) {
      ArrayNode a = o.putArray(name);
      values.forEach(a::add);
    }
  }
}
