package org.fedmsg.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A datagrepper {@code /raw} query: a time range (both ends inclusive), filters, and a page.
 * Values of one filter are alternatives (OR); different filters must all hold (AND); a
 * {@code not*} filter excludes messages matching any of its values; {@code contains} matches a
 * substring of the body frame.
 *
 * @param page 1-based
 * @param descending newest first (datagrepper's {@code order=desc})
 */
public record Query(Instant start, Instant end, List<String> topics, List<String> categories, List<String> users,
    List<String> packages, List<String> contains, List<String> notTopics, List<String> notCategories,
    List<String> notUsers, List<String> notPackages, int page, int rowsPerPage, boolean descending) {

  /** Copies the lists; checks the range and the page. */
  public Query {
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(end, "end");
    topics = List.copyOf(topics);
    categories = List.copyOf(categories);
    users = List.copyOf(users);
    packages = List.copyOf(packages);
    contains = List.copyOf(contains);
    notTopics = List.copyOf(notTopics);
    notCategories = List.copyOf(notCategories);
    notUsers = List.copyOf(notUsers);
    notPackages = List.copyOf(notPackages);
    if (end.isBefore(start)) {
      throw new IllegalArgumentException("end must not be before start");
    }
    if (page < 1) {
      throw new IllegalArgumentException("page must be > 0");
    }
    if (rowsPerPage < 1) {
      throw new IllegalArgumentException("rows_per_page must be > 0");
    }
  }

  /** A query for everything between two instants, oldest first, one large page (for replay and tests). */
  public static Query between(Instant start, Instant end, int rows) {
    return new Query(start, end, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
        List.of(), List.of(), 1, rows, false);
  }

  /** This query with other topics. */
  public Query withTopics(List<String> newTopics) {
    return new Query(start, end, newTopics, categories, users, packages, contains, notTopics, notCategories, notUsers,
        notPackages, page, rowsPerPage, descending);
  }

  long offset() {
    return (long) (page - 1) * rowsPerPage;
  }
}
