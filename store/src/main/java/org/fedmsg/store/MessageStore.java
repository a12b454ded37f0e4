package org.fedmsg.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.fedmsg.crypto.LogText;
import org.fedmsg.Message;
import org.fedmsg.WireFormat;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The message archive: every message handed to {@link #archive} is written, verbatim, to SQLite
 * or PostgreSQL in batched transactions by one writer thread; queries read it back page by page
 * without holding a result set in memory.
 *
 * <p>Threading: {@link #archive} never blocks and never throws for a database problem. Messages
 * wait in a bounded queue ({@link StoreOptions.Builder#queueSize}); while the database is away the
 * writer retries the same batch, and once the queue is full new messages are dropped, counted
 * ({@link StoreStats#dropped}) and logged. Queries may run on any thread, concurrently.
 *
 * <p>fedmsg/2 messages carry {@code epoch} and {@code seq}: the store compares each with the last
 * one it archived from the same signer and epoch (also across restarts, from the database) and
 * counts and logs every gap as missed messages ({@link StoreStats#missed}).
 */
public final class MessageStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MessageStore.class);
  private static final Logger AUDIT = LoggerFactory.getLogger("org.fedmsg.audit");
  private static final ArchivedMessage STOP = new ArchivedMessage(-1, List.of(new byte[0], new byte[0]), "-", null,
      Instant.EPOCH, Instant.EPOCH, null, null, WireFormat.FEDMSG1, null, null, null, java.util.Set.of(), java.util.Set.of());

  private final StoreOptions options;
  private final Dialect dialect;
  private final HikariDataSource pool;
  private final BlockingQueue<ArchivedMessage> queue;
  private final Clock clock;
  private final Thread writer;
  private final CountDownLatch closing = new CountDownLatch(1);
  private final CountDownLatch writerDone = new CountDownLatch(1);
  private final SequenceGaps gaps = new SequenceGaps();
  private final LongAdder dropped = new LongAdder();
  private final AtomicLong lastDropLog = new AtomicLong();
  private volatile long unwritten;
  /** Messages the writer has taken off the queue and not yet written (a batch being retried). */
  private volatile int inHand;
  private volatile boolean healthy = true;
  private volatile boolean closed;

  private final Counter storedCounter;
  private final Counter duplicateCounter;
  private final Counter droppedCounter;
  private final Counter rejectedCounter;
  private final Counter failureCounter;
  private final Counter missedCounter;
  private final DistributionSummary batchSizes;
  private final Timer batchTimer;
  private final AtomicLong lagMillis = new AtomicLong();

  private MessageStore(StoreOptions options, MeterRegistry registry, Clock clock) {
    this.options = options;
    this.clock = clock;
    this.dialect = Dialect.of(options.jdbcUrl);
    this.queue = new ArrayBlockingQueue<>(options.queueSize + 1);
    this.pool = pool(options, dialect);
    try {
      Flyway.configure().dataSource(pool).locations("classpath:db/migration/" + dialect.vendor)
          .loggers("slf4j").load().migrate();
    } catch (RuntimeException e) {
      pool.close();
      throw new StoreException("cannot prepare the store's schema at " + redact(options.jdbcUrl) + ": "
          + rootMessage(e), e);
    }
    storedCounter = Counter.builder("fedmsg.store.messages.stored").description("messages written to the archive")
        .register(registry);
    duplicateCounter = Counter.builder("fedmsg.store.messages.duplicate")
        .description("messages not written: their msg_id was archived already").register(registry);
    droppedCounter = Counter.builder("fedmsg.store.messages.dropped")
        .description("messages lost because the outage buffer was full").register(registry);
    rejectedCounter = Counter.builder("fedmsg.store.messages.rejected")
        .description("messages the database refused (see the log for the reason)").register(registry);
    failureCounter = Counter.builder("fedmsg.store.write.failures").description("failed write attempts (retried)")
        .register(registry);
    missedCounter = Counter.builder("fedmsg.store.messages.missed")
        .description("fedmsg/2 messages never received (seq gaps within an epoch)").register(registry);
    batchSizes = DistributionSummary.builder("fedmsg.store.batch.size").description("messages per write transaction")
        .register(registry);
    batchTimer = Timer.builder("fedmsg.store.batch.latency").description("time to write one batch").register(registry);
    Gauge.builder("fedmsg.store.queue.depth", this, s -> s.queue.size() + s.inHand)
        .description("messages waiting to be written").register(registry);
    Gauge.builder("fedmsg.store.lag.seconds", lagMillis, l -> l.get() / 1000.0)
        .description("receive-to-commit time of the last message written").register(registry);
    Gauge.builder("fedmsg.store.healthy", this, s -> s.healthy ? 1 : 0)
        .description("1 when the last write succeeded").register(registry);
    this.writer = new Thread(this::writeLoop, "fedmsg-store-writer");
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * Opens (creating or migrating the schema of) the store and starts its writer.
   *
   * @throws StoreException if the database cannot be reached or migrated
   */
  public static MessageStore open(StoreOptions options, MeterRegistry registry) {
    return new MessageStore(options, registry, Clock.systemUTC());
  }

  static MessageStore open(StoreOptions options, MeterRegistry registry, Clock clock) {
    return new MessageStore(options, registry, clock);
  }

  private static HikariDataSource pool(StoreOptions options, Dialect dialect) {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(options.jdbcUrl);
    c.setPoolName("fedmsg-store");
    if (options.user != null) {
      c.setUsername(options.user);
    }
    if (options.password != null) {
      c.setPassword(options.password);
    }
    // Fail fast while the database is away: the writer retries, the bus side never waits.
    c.setConnectionTimeout(2_000);
    c.setInitializationFailTimeout(2_000);
    if (dialect == Dialect.SQLITE) {
      String file = options.jdbcUrl.substring("jdbc:sqlite:".length());
      if (!file.isEmpty() && !file.startsWith(":") && !file.startsWith("file:")) {
        Path parent = Path.of(file).toAbsolutePath().getParent();
        try {
          Files.createDirectories(parent);
        } catch (IOException e) {
          throw new StoreException("cannot create the store's directory " + parent + ": " + e.getMessage(), e);
        }
      }
      // WAL lets queries read while the writer writes; busy_timeout waits for the writer's lock.
      c.addDataSourceProperty("journal_mode", "WAL");
      c.addDataSourceProperty("busy_timeout", "10000");
      c.addDataSourceProperty("synchronous", "NORMAL");
      c.setMaximumPoolSize(4);
    } else {
      c.setMaximumPoolSize(8);
    }
    try {
      return new HikariDataSource(c);
    } catch (RuntimeException e) {
      throw new StoreException("cannot connect to the store at " + redact(options.jdbcUrl) + ": " + rootMessage(e), e);
    }
  }

  /* --------------- writing --------------- */

  /**
   * Hands a verified message to the writer. Never blocks; when the buffer is full the message is
   * dropped and counted.
   *
   * @return false if it was dropped (buffer full or store closed)
   */
  public boolean archive(Message message) {
    return archive(ArchivedMessage.of(message, clock.instant()));
  }

  /** As {@link #archive(Message)}, for a message already in archive form (imports, replays). */
  public boolean archive(ArchivedMessage message) {
    // one slot is kept for the close marker
    if (closed || queue.remainingCapacity() <= 1 || !queue.offer(message)) {
      dropped.increment();
      droppedCounter.increment();
      long now = System.nanoTime();
      long last = lastDropLog.get();
      if (now - last > 10_000_000_000L && lastDropLog.compareAndSet(last, now)) {
        AUDIT.warn("store buffer full ({} messages) or store closed: message dropped (topic={} msg_id={}); {} dropped so far",
            options.queueSize, LogText.escape(message.topic()), LogText.escape(message.msgId().orElse("-")),
            dropped.sum());
      }
      return false;
    }
    handed.incrementAndGet();
    return true;
  }

  private void writeLoop() {
    List<ArchivedMessage> batch = new ArrayList<>();
    boolean stopping = false;
    try {
      while (true) {
        if (batch.isEmpty()) {
          if (stopping) {
            queue.drainTo(batch, options.batchSize);
            if (batch.isEmpty()) {
              return;
            }
          } else {
            ArchivedMessage first = queue.poll(200, TimeUnit.MILLISECONDS);
            if (first == null) {
              continue;
            }
            if (first == STOP) {
              stopping = true;
              continue;
            }
            batch.add(first);
            queue.drainTo(batch, options.batchSize - 1);
            if (batch.remove(STOP)) {
              stopping = true;
            }
          }
        }
        inHand = batch.size();
        try {
          write(batch);
          batch.clear();
          inHand = 0;
          healthy = true;
        } catch (SQLException | RuntimeException e) {
          failureCounter.increment();
          if (healthy) {
            LOG.error("store: cannot write {} message(s), retrying every {} ms while the database is away: {}",
                batch.size(), options.retryInterval.toMillis(), rootMessage(e));
          }
          healthy = false;
          if (stopping) {
            unwritten = batch.size() + queue.size();
            LOG.error("store: closing with {} message(s) not written (database unavailable)", unwritten);
            return;
          }
          if (closing.await(options.retryInterval.toMillis(), TimeUnit.MILLISECONDS)) {
            stopping = true;  // one more attempt, then give up and report
          }
        }
      }
    } catch (InterruptedException e) {
      unwritten = batch.size() + queue.size();
      Thread.currentThread().interrupt();
    } finally {
      writerDone.countDown();
    }
  }

  private void write(List<ArchivedMessage> batch) throws SQLException {
    long started = System.nanoTime();
    List<SequenceGaps.Gap> found;
    int stored = 0;
    int duplicates = 0;
    List<ArchivedMessage> refused = new ArrayList<>();
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try {
        found = gaps.check(c, batch);
        try (PreparedStatement insert = c.prepareStatement(INSERT);
            PreparedStatement users = c.prepareStatement("INSERT INTO message_users (message_id, username) VALUES (?, ?)");
            PreparedStatement packages = c.prepareStatement(
                "INSERT INTO message_packages (message_id, package) VALUES (?, ?)")) {
          for (ArchivedMessage m : batch) {
            String problem = unstorable(m);
            if (problem != null) {
              refused.add(m);
              LOG.warn("store: message refused ({}): topic={} msg_id={}", problem, LogText.escape(m.topic()),
                  LogText.escape(m.msgId().orElse("-")));
              continue;
            }
            Long id = insert(insert, m);
            if (id == null) {
              duplicates++;
            } else {
              stored++;
              names(users, id, m.users());
              names(packages, id, m.packages());
            }
          }
          users.executeBatch();
          packages.executeBatch();
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        try {
          c.rollback();
        } catch (SQLException ignored) {
          // the connection is gone; the batch is retried on a new one
        }
        throw e;
      }
    }
    gaps.commit(found);
    for (SequenceGaps.Gap g : found) {
      missedCounter.increment(g.count());
      AUDIT.warn("gap: {} message(s) of {} (epoch {}) were never archived: seq {}..{}", g.count(),
          LogText.escape(g.signer()), LogText.escape(g.epoch()), g.from(), g.to());
    }
    storedCounter.increment(stored);
    duplicateCounter.increment(duplicates);
    rejectedCounter.increment(refused.size());
    batchSizes.record(batch.size());
    batchTimer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    Instant now = clock.instant();
    lagMillis.set(Math.max(0, now.toEpochMilli() - batch.get(batch.size() - 1).received().toEpochMilli()));
  }

  /** PostgreSQL text cannot hold NUL; such a message could never be written, so it is refused at once. */
  private static String unstorable(ArchivedMessage m) {
    List<String> texts = new ArrayList<>(List.of(m.topic()));
    m.msgId().ifPresent(texts::add);
    m.signer().ifPresent(texts::add);
    m.epoch().ifPresent(texts::add);
    texts.addAll(m.users());
    texts.addAll(m.packages());
    for (String t : texts) {
      if (t.indexOf('\0') >= 0) {
        return "NUL character in a text field";
      }
    }
    return null;
  }

  private static final String INSERT = "INSERT INTO messages (msg_id, topic, category, ts, received, signer, "
      + "cert_fingerprint, format, epoch, seq, topic_frame, body_frame, signature_frame) "
      + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (msg_id) DO NOTHING RETURNING id";

  /** @return the new row's id, or null for a duplicate msg_id */
  private static Long insert(PreparedStatement st, ArchivedMessage m) throws SQLException {
    st.setString(1, m.msgId().orElse(null));
    st.setString(2, m.topic());
    st.setString(3, m.category().orElse(null));
    st.setLong(4, m.timestamp().toEpochMilli());
    st.setLong(5, m.received().toEpochMilli());
    st.setString(6, m.signer().orElse(null));
    st.setString(7, m.certFingerprint().orElse(null));
    st.setString(8, m.format().name());
    st.setString(9, m.epoch().orElse(null));
    st.setObject(10, m.seq().isPresent() ? m.seq().getAsLong() : null, java.sql.Types.BIGINT);
    st.setBytes(11, m.frame(0));
    st.setBytes(12, m.frame(1));
    st.setBytes(13, m.frameCount() == 3 ? m.frame(2) : null);
    try (ResultSet rs = st.executeQuery()) {
      return rs.next() ? rs.getLong(1) : null;
    }
  }

  /** Adds the (id, name) rows to the batch of {@code st}, written after the messages (same transaction). */
  private static void names(PreparedStatement st, long id, java.util.Set<String> names) throws SQLException {
    for (String n : names) {
      st.setLong(1, id);
      st.setString(2, n);
      st.addBatch();
    }
  }

  /**
   * Waits until everything handed to {@link #archive} so far has been written (or refused).
   *
   * @return false if that did not happen within the timeout (e.g. the database is away)
   */
  public boolean flush(java.time.Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long target = handed.get();
    // The writer's counters move after each commit; poll them until they reach what was handed over.
    while (processed() < target) {
      if (System.nanoTime() >= deadline) {
        return false;
      }
      TimeUnit.MILLISECONDS.sleep(5);
    }
    return true;
  }

  private final AtomicLong handed = new AtomicLong();

  private long processed() {
    return (long) (storedCounter.count() + duplicateCounter.count() + rejectedCounter.count());
  }

  /* --------------- reading --------------- */

  /** Receives query results one at a time, in order. */
  @FunctionalInterface
  public interface Sink {
    void accept(ArchivedMessage message) throws IOException;
  }

  /**
   * Streams one page of a query's results to {@code sink}, reading rows as it goes.
   *
   * @return how many messages were passed
   * @throws StoreException if the database fails
   * @throws IOException if the sink does
   */
  public int query(Query q, Sink sink) throws IOException {
    Sql sql = Sql.where(q, dialect);
    String order = q.descending() ? " ORDER BY m.ts DESC, m.id DESC" : " ORDER BY m.ts ASC, m.id ASC";
    String text = "SELECT " + Sql.COLUMNS + " FROM messages m WHERE " + sql.where + order + " LIMIT ? OFFSET ?";
    int n = 0;
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);  // PostgreSQL streams with a cursor only inside a transaction
      try (PreparedStatement st = sql.bind(c, text, q.rowsPerPage(), q.offset())) {
        st.setFetchSize(100);
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) {
            sink.accept(read(c, rs));
            n++;
          }
        }
      } finally {
        c.rollback();
      }
    } catch (SQLException e) {
      throw new StoreException("query failed: " + rootMessage(e), e);
    }
    return n;
  }

  /** How many messages match the query's range and filters (all pages). */
  public long count(Query q) {
    Sql sql = Sql.where(q, dialect);
    try (Connection c = pool.getConnection(); PreparedStatement st = sql.bind(c,
        "SELECT COUNT(*) FROM messages m WHERE " + sql.where); ResultSet rs = st.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new StoreException("count failed: " + rootMessage(e), e);
    }
  }

  /** The message with this {@code msg_id}, if archived. */
  public Optional<ArchivedMessage> byMsgId(String msgId) {
    try (Connection c = pool.getConnection();
        PreparedStatement st = c.prepareStatement("SELECT " + Sql.COLUMNS + " FROM messages m WHERE m.msg_id = ?")) {
      st.setString(1, msgId);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() ? Optional.of(read(c, rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new StoreException("lookup failed: " + rootMessage(e), e);
    }
  }

  /**
   * Messages per topic in {@code buckets} consecutive buckets of {@code width}, the first starting
   * at {@code first}, by signing time: for statistics pages. One grouped query over the ts index;
   * the result has one entry per topic seen in the range.
   */
  public Map<String, long[]> countsByTopic(Instant first, java.time.Duration width, int buckets) {
    long start = first.toEpochMilli();
    long w = width.toMillis();
    if (w <= 0 || buckets < 1) {
      throw new IllegalArgumentException("width and buckets must be positive");
    }
    Map<String, long[]> out = new java.util.TreeMap<>();
    try (Connection c = pool.getConnection(); PreparedStatement st = c.prepareStatement(
        "SELECT topic, (ts - ?) / ? AS bucket, COUNT(*) FROM messages WHERE ts >= ? AND ts < ? GROUP BY topic, bucket")) {
      st.setLong(1, start);
      st.setLong(2, w);
      st.setLong(3, start);
      st.setLong(4, start + w * buckets);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          int b = (int) rs.getLong(2);
          if (b >= 0 && b < buckets) {
            out.computeIfAbsent(rs.getString(1), t -> new long[buckets])[b] += rs.getLong(3);
          }
        }
      }
    } catch (SQLException e) {
      throw new StoreException("counts failed: " + rootMessage(e), e);
    }
    return out;
  }

  /** Every distinct topic archived, sorted. */
  public List<String> topics() {
    List<String> out = new ArrayList<>();
    try (Connection c = pool.getConnection();
        PreparedStatement st = c.prepareStatement("SELECT DISTINCT topic FROM messages ORDER BY topic");
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    } catch (SQLException e) {
      throw new StoreException("topics failed: " + rootMessage(e), e);
    }
    return out;
  }

  /**
   * One line on what the archive holds ({@code N message(s), newest signed at T}), for the start-up
   * report: with the gap reports that follow, it tells an operator what a downtime may have cost.
   */
  public String summary() {
    try (Connection c = pool.getConnection();
        PreparedStatement st = c.prepareStatement("SELECT COUNT(*), MAX(ts) FROM messages");
        ResultSet rs = st.executeQuery()) {
      rs.next();
      long n = rs.getLong(1);
      long newest = rs.getLong(2);
      return n + " message(s)" + (rs.wasNull() ? "" : ", newest signed at " + Instant.ofEpochMilli(newest));
    } catch (SQLException e) {
      throw new StoreException("summary failed: " + rootMessage(e), e);
    }
  }

  /** Whether the database answers now (a trivial query within 2 s). */
  public boolean databaseReachable() {
    try (Connection c = pool.getConnection(); PreparedStatement st = c.prepareStatement("SELECT 1");
        ResultSet rs = st.executeQuery()) {
      return rs.next();
    } catch (SQLException | RuntimeException e) {
      return false;
    }
  }

  private static ArchivedMessage read(Connection c, ResultSet rs) throws SQLException {
    long id = rs.getLong(1);
    List<byte[]> frames = new ArrayList<>();
    frames.add(rs.getBytes(12));
    frames.add(rs.getBytes(13));
    byte[] sig = rs.getBytes(14);
    if (sig != null) {
      frames.add(sig);
    }
    long seq = rs.getLong(11);
    Long seqValue = rs.wasNull() ? null : seq;
    return new ArchivedMessage(id, frames, rs.getString(3), rs.getString(2), Instant.ofEpochMilli(rs.getLong(5)),
        Instant.ofEpochMilli(rs.getLong(6)), rs.getString(7), rs.getString(8), WireFormat.valueOf(rs.getString(9)),
        rs.getString(10), seqValue, rs.getString(4), names(c, "SELECT username FROM message_users WHERE message_id = ?", id),
        names(c, "SELECT package FROM message_packages WHERE message_id = ?", id));
  }

  private static java.util.Set<String> names(Connection c, String sql, long id) throws SQLException {
    java.util.Set<String> out = new java.util.TreeSet<>();
    try (PreparedStatement st = c.prepareStatement(sql)) {
      st.setLong(1, id);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  /* --------------- state --------------- */

  public StoreOptions options() {
    return options;
  }

  /** The counters now. */
  public StoreStats stats() {
    return new StoreStats((long) storedCounter.count(), (long) duplicateCounter.count(), dropped.sum(),
        (long) rejectedCounter.count(), (long) failureCounter.count(), (long) missedCounter.count(),
        queue.size() + inHand,
        unwritten, healthy);
  }

  /**
   * Stops accepting messages, writes what is queued (one more attempt if the database fails), and
   * closes the pool. What could not be written is logged and counted in {@link StoreStats#unwritten}.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    closing.countDown();
    queue.offer(STOP);  // the queue has one slot more than its capacity for this marker
    try {
      writerDone.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    pool.close();
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.toString() : t.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  /** A JDBC URL for logs: a password in its query string is hidden. */
  static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
  }
}
