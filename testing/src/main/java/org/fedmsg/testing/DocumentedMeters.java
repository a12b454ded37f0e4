package org.fedmsg.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The meters {@code docs/operations.md} promises, read from its table, and helpers to check a real
 * scrape against them: tests of each component assert that every meter documented for it is
 * served, so the table and the code cannot drift apart.
 */
public final class DocumentedMeters {
  private static final Pattern ROW = Pattern.compile("(?m)^\\| `(fedmsg_[a-z_]+)` \\| ([a-z]+) \\| [^|]* \\| ([a-z, ]+) \\|");

  private DocumentedMeters() {}

  /** One row of the table: a meter name as scraped, its type and the components that serve it. */
  public record Meter(String name, String type, List<String> components) {
    /** The sample name to look for in an exposition (a histogram's {@code _count}). */
    public String sample() {
      return type.equals("histogram") ? name + "_count" : name;
    }
  }

  /** Every meter in docs/operations.md. */
  public static List<Meter> all() {
    String doc;
    try {
      doc = Files.readString(ProjectRoot.resolve("docs/operations.md"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Meter> out = new ArrayList<>();
    Matcher m = ROW.matcher(doc);
    while (m.find()) {
      out.add(new Meter(m.group(1), m.group(2), List.of(m.group(3).trim().split(",\\s*"))));
    }
    if (out.isEmpty()) {
      throw new AssertionError("no meter table in docs/operations.md");
    }
    return out;
  }

  /** The meters documented for {@code component}. */
  public static List<Meter> of(String component) {
    return all().stream().filter(m -> m.components().contains(component)).toList();
  }

  /** The documented meters of {@code component} that {@code exposition} lacks (empty: all there). */
  public static List<String> missing(String exposition, String component) {
    return of(component).stream().map(Meter::sample)
        .filter(sample -> !Pattern.compile("(?m)^" + Pattern.quote(sample) + "[{ ]").matcher(exposition).find())
        .toList();
  }

  /** A real scrape: GET {@code url}, which must answer 200. */
  public static String scrape(String url) {
    try {
      HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
          .send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new AssertionError(url + " answered " + r.statusCode());
      }
      return r.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** The value of sample {@code name} whose labels contain every one of {@code labels} ({@code k="v"}). */
  public static double value(String exposition, String name, String... labels) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{([^}]*)\\})? (\\S+)$").matcher(exposition);
    while (m.find()) {
      String have = m.group(1) == null ? "" : m.group(1);
      boolean all = true;
      for (String label : labels) {
        all &= have.contains(label);
      }
      if (all) {
        return Double.parseDouble(m.group(2));
      }
    }
    throw new AssertionError("no sample " + name + " " + List.of(labels) + " in:\n" + exposition);
  }
}
