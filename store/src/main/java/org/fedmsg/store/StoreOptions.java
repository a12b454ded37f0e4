package org.fedmsg.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.fedmsg.ConfigException;
import org.fedmsg.config.FedmsgConfig;

/**
 * How a {@link MessageStore} is set up: the database (a JDBC URL: {@code jdbc:sqlite:FILE} or
 * {@code jdbc:postgresql://...}), write batching, the outage buffer, and the query limits.
 * Immutable; built with {@link #builder()} or from the {@code store.*} configuration keys.
 */
public final class StoreOptions {
  /** Default {@code store.batch_size}. */
  public static final int DEFAULT_BATCH_SIZE = 500;
  /** Default {@code store.queue_size}: messages held while the database is away. */
  public static final int DEFAULT_QUEUE_SIZE = 100_000;
  /** Default and largest {@code rows_per_page}, as datagrepper's. */
  public static final int DEFAULT_MAX_ROWS_PER_PAGE = 100;
  /** Default {@code store.max_query_span}. */
  public static final Duration DEFAULT_MAX_QUERY_SPAN = Duration.ofDays(31);

  final String jdbcUrl;
  final String user;
  final String password;
  final int batchSize;
  final int queueSize;
  final Duration retryInterval;
  final int maxRowsPerPage;
  final Duration maxQuerySpan;
  final long maxOffset;

  private StoreOptions(Builder b) {
    this.jdbcUrl = b.jdbcUrl;
    this.user = b.user;
    this.password = b.password;
    this.batchSize = b.batchSize;
    this.queueSize = b.queueSize;
    this.retryInterval = b.retryInterval;
    this.maxRowsPerPage = b.maxRowsPerPage;
    this.maxQuerySpan = b.maxQuerySpan;
    this.maxOffset = b.maxOffset;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The JDBC URL. */
  public String jdbcUrl() {
    return jdbcUrl;
  }

  public int maxRowsPerPage() {
    return maxRowsPerPage;
  }

  public Duration maxQuerySpan() {
    return maxQuerySpan;
  }

  /** Builder; setters check their argument ({@link IllegalArgumentException}). */
  public static final class Builder {
    private String jdbcUrl;
    private String user;
    private String password;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private int queueSize = DEFAULT_QUEUE_SIZE;
    private Duration retryInterval = Duration.ofSeconds(1);
    private int maxRowsPerPage = DEFAULT_MAX_ROWS_PER_PAGE;
    private Duration maxQuerySpan = DEFAULT_MAX_QUERY_SPAN;
    private long maxOffset = 100_000;

    private Builder() {}

    /**
     * Settings from configuration: {@code store.url} (default {@code jdbc:sqlite:<state_dir>/store.db}),
     * {@code store.user}, {@code store.password_file}, {@code store.batch_size}, {@code store.queue_size},
     * {@code store.max_query_span}.
     *
     * <p>Without {@code store.url} and {@code state_dir} no URL is set: give one with {@link #jdbcUrl}.
     *
     * @throws ConfigException for a bad value
     */
    public Builder apply(FedmsgConfig config) {
      String url = config.get("store.url").map(n -> n.textValue())
          .or(() -> config.stateDir().map(dir -> "jdbc:sqlite:" + dir.resolve("store.db"))).orElse(null);
      try {
        if (url != null) {
          jdbcUrl(url);
        }
        config.get("store.user").ifPresent(u -> user(u.textValue()));
        config.get("store.batch_size").ifPresent(v -> batchSize(v.intValue()));
        config.get("store.queue_size").ifPresent(v -> queueSize(v.intValue()));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("store settings: " + e.getMessage());
      }
      config.get("store.password_file").ifPresent(f -> {
        try {
          password(java.nio.file.Files.readString(Path.of(f.textValue())).strip());
        } catch (java.io.IOException e) {
          throw new ConfigException("key 'store.password_file': cannot read " + f.textValue() + ": " + e);
        }
      });
      config.get("store.max_query_span").ifPresent(v -> maxQuerySpan(org.fedmsg.discovery.Durations.parse(v)));
      return this;
    }

    public Builder jdbcUrl(String url) {
      Objects.requireNonNull(url, "url");
      if (!url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
        throw new IllegalArgumentException("store URL must start with jdbc:sqlite: or jdbc:postgresql:, not " + url);
      }
      this.jdbcUrl = url;
      return this;
    }

    public Builder user(String user) {
      this.user = user;
      return this;
    }

    public Builder password(String password) {
      this.password = password;
      return this;
    }

    /** Messages written per transaction (at most). */
    public Builder batchSize(int n) {
      if (n < 1 || n > 100_000) {
        throw new IllegalArgumentException("batch size must be 1..100000: " + n);
      }
      this.batchSize = n;
      return this;
    }

    /** Messages held in memory while the database is slow or away; beyond, new ones are dropped and counted. */
    public Builder queueSize(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("queue size must be positive: " + n);
      }
      this.queueSize = n;
      return this;
    }

    /** The pause between attempts to write while the database fails. */
    public Builder retryInterval(Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("retry interval must be positive: " + d);
      }
      this.retryInterval = d;
      return this;
    }

    public Builder maxRowsPerPage(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("rows per page cap must be positive: " + n);
      }
      this.maxRowsPerPage = n;
      return this;
    }

    /** The longest time range a query may cover. */
    public Builder maxQuerySpan(Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("max query span must be positive: " + d);
      }
      this.maxQuerySpan = d;
      return this;
    }

    /** The deepest page a query may ask for, in rows skipped. */
    public Builder maxOffset(long n) {
      if (n < 0) {
        throw new IllegalArgumentException("max offset must not be negative: " + n);
      }
      this.maxOffset = n;
      return this;
    }

    /** @throws ConfigException without a JDBC URL */
    public StoreOptions build() {
      if (jdbcUrl == null) {
        throw new ConfigException("no store database: set 'store.url' (or 'state_dir' for the default SQLite file)");
      }
      return new StoreOptions(this);
    }
  }
}
