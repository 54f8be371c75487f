package dev.jitaccess.store.jdbc;

import dev.jitaccess.BreakGlassReview;
import dev.jitaccess.Grant;
import dev.jitaccess.GrantState;
import dev.jitaccess.RequestRecord;
import dev.jitaccess.RequestState;
import dev.jitaccess.Subject;
import dev.jitaccess.internal.Validate;
import dev.jitaccess.store.ChangeFeed;
import dev.jitaccess.store.ForwardingGrantStore;
import dev.jitaccess.store.GrantStore;
import dev.jitaccess.store.GrantStoreException;
import dev.jitaccess.store.MalformedRecordReporter;
import jakarta.annotation.Nullable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link GrantStore} in a relational database, PostgreSQL or H2, over a {@link DataSource} the application
 * supplies (with its own pool and driver; none is bundled), using {@code java.sql} only. Several application
 * instances may share one database: it is also a {@link ChangeFeed} that tells each instance what the others
 * changed, so a grant or a revocation made on one holds on all of them promptly.
 *
 * <pre>{@code
 * JdbcGrantStore store = JdbcGrantStore.builder()
 *     .dataSource(pool)              // required
 *     .createSchema(true)            // apply the shipped DDL on start; default: the tables exist
 *     .build();
 * JitAccessManager jit = JitAccessManager.builder().policy(policy).store(store).build();
 * }</pre>
 *
 * <h2>Tables</h2>
 *
 * Four tables named with a prefix (default {@value #DEFAULT_TABLE_PREFIX}): {@code grants} (a column per field,
 * a {@code version} column), {@code requests} and {@code reviews} (id, state and version columns, the rest as
 * JSON text), and {@code changes}, the change log: one row per change with a database-generated increasing
 * sequence number. The DDL ships as {@code /dev/jitaccess/store/jdbc/postgresql.sql} and {@code h2.sql}
 * ({@link JdbcDialect#ddlResource()}) with a {@code ${prefix}} placeholder; {@link Builder#createSchema} applies
 * it on start, or a migration tool applies a copy. The store works in the schema its connections use by default
 * ({@code search_path} on PostgreSQL).
 *
 * <h2>Writes</h2>
 *
 * Each write is one transaction on one connection: the row, then its change log row (and on PostgreSQL a
 * {@code pg_notify} carrying {@code kind:id}, delivered when the transaction commits). Every state change is a
 * compare-and-set, {@code UPDATE ... WHERE id = ? AND version = ?} (and the record still open), so exactly one
 * instance wins a race to end a grant. A failure rolls the whole transaction back and surfaces as a
 * {@link GrantStoreException} naming what failed; a duplicate id is an {@link IllegalStateException}. A write
 * that lost a lock conflict (serialization failure, deadlock, lock timeout) is retried a few times, since it
 * certainly did not commit; a connection lost during commit is not, since it may have.
 *
 * <h2>The change feed and its threads</h2>
 *
 * The store itself starts no thread. Each {@link #subscribe} (the engine subscribes once at start) starts one
 * daemon thread, {@code jit-jdbc-feed-N}, holding one connection of its own (from {@link Builder#feedDataSource}
 * if given, else from the data source) for as long as the subscription lasts:
 *
 * <ul>
 *   <li>on PostgreSQL with the pgjdbc driver on the classpath it {@code LISTEN}s and reports notifications as
 *       they arrive, and proves the connection alive with a {@code SELECT 1} every heartbeat;</li>
 *   <li>otherwise (H2, or PostgreSQL without pgjdbc, or {@link FeedMode#POLLING}) it reads the change log
 *       every poll interval by sequence number, watching for numbers that appear out of order.</li>
 * </ul>
 *
 * Either way what it hears is a hint to re-read, taken in batches: one read per id, or one resync for a large
 * batch, and a hint not of the store's shape is ignored. That matters on PostgreSQL, where any login of the
 * database may notify the channel ({@code <schema>.<prefix>changes}) and listen to it: forged hints cost a few
 * resyncs, never the heartbeat (it reveals the ids of what changes, though: see the README).
 *
 * <p>It calls {@code alive()} after each successful round trip and at least every heartbeat (default
 * {@value #DEFAULT_HEARTBEAT_MILLIS} ms; the manager's staleness bound must be larger than twice it). On a lost
 * connection or a gap in the sequence it reconnects and tells the engine to resync, and until it is back the
 * engine's staleness bound runs out and every check is denied. Closing the subscription (the manager's
 * {@code close}) or {@link #close() this store} stops the thread and releases its connection. The thread also
 * prunes the change log of rows older than {@link Builder#changeLogRetention}.
 *
 * <p>A single application instance needs no feed: give the manager {@link #withoutChangeFeed()}.
 *
 * <h2>Malformed rows</h2>
 *
 * A row the store cannot read back (edited by hand or by a faulty migration: an unknown state, a broken JSON
 * column) fails a read of that one record by id, and is left out of every list ({@link #findActive} and the
 * like) with an {@code ERROR} log line, a count ({@link #malformedRecords()}) and a report to the
 * {@link MalformedRecordReporter} listeners, which the manager audits as {@code STORE_RECORD_SKIPPED}: it is
 * never honoured, and every other record still is. The shipped DDL's {@code CHECK} constraints refuse most such
 * rows in the first place.
 *
 * <p>Thread-safe: every method may be called from any thread; nothing is cached but the ids of the malformed
 * records already reported.
 */
public final class JdbcGrantStore implements GrantStore, ChangeFeed, MalformedRecordReporter, AutoCloseable {

  /** The table prefix unless one is given. */
  public static final String DEFAULT_TABLE_PREFIX = "jit_";
  /** How often the feed says it is alive unless told otherwise, in milliseconds. */
  public static final long DEFAULT_HEARTBEAT_MILLIS = 1000;
  /** How often a polling feed reads the change log unless told otherwise, in milliseconds. */
  public static final long DEFAULT_POLL_INTERVAL_MILLIS = 100;
  /** How long change log rows are kept unless told otherwise. */
  public static final Duration DEFAULT_CHANGE_LOG_RETENTION = Duration.ofHours(1);

  static final char GRANT = 'G';
  static final char REQUEST = 'R';
  static final char REVIEW = 'B';

  private static final Pattern PREFIX = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,39}");
  private static final int MAX_ATTEMPTS = 5;
  /** SQL states of a transaction that certainly rolled back because of a concurrent one: retried. */
  private static final Set<String> TRANSIENT = Set.of("40001", "40P01", "55P03", "90131", "HYT00");
  private static final String DUPLICATE_KEY = "23505";
  private static final int MAX_REMEMBERED_MALFORMED = 1024;
  private static final Logger log = LoggerFactory.getLogger(JdbcGrantStore.class);

  private static final String GRANT_COLUMNS = "id, request_id, subject_kind, subject_id, resource, actions, "
      + "not_before, expires_at, state, justification, reference, approvals, break_glass, rule_id, version, "
      + "ended_at, end_reason, bound_to_handle";
  private static final String REQUEST_COLUMNS =
      "id, state, version, requester_kind, requester_id, resource, created_at, grant_id, end_reason, details";
  private static final String REVIEW_COLUMNS = "grant_id, version, incident, acknowledged, details";

  private final DataSource dataSource;
  private final JdbcDialect dialect;
  private final String prefix;
  private final FeedMode feedMode;
  private final FeedSettings feed;
  private final Clock clock;
  private final String grants;
  private final String requests;
  private final String reviews;
  private final String changes;

  private final String insertGrant;
  private final String updateGrant;
  private final String selectGrant;
  private final String selectGrantState;
  private final String selectActive;
  private final String selectActiveBySubject;
  private final String insertRequest;
  private final String updateRequest;
  private final String selectRequest;
  private final String selectPending;
  private final String insertReview;
  private final String updateReview;
  private final String selectReview;
  private final String selectOpenReviews;
  private final String insertChange;
  /** PostgreSQL only: the change-log rows (and notifications) of many ids, given as an array. */
  private final String insertChanges;

  private final List<FeedWorker> workers = new CopyOnWriteArrayList<>();
  private final List<Consumer<MalformedRecord>> malformedListeners = new CopyOnWriteArrayList<>();
  /** Table and id of the malformed records reported so far, up to {@link #MAX_REMEMBERED_MALFORMED}. */
  private final Set<String> reportedMalformed = ConcurrentHashMap.newKeySet();
  private final AtomicLong malformedRecords = new AtomicLong();
  private volatile boolean closed;

  private JdbcGrantStore(Builder b, JdbcDialect dialect, @Nullable String channel) {
    this.dataSource = b.dataSource;
    this.dialect = dialect;
    this.prefix = b.tablePrefix;
    this.clock = b.clock;
    this.grants = prefix + "grants";
    this.requests = prefix + "requests";
    this.reviews = prefix + "reviews";
    this.changes = prefix + "changes";
    this.feedMode = b.feedMode == FeedMode.AUTO
        ? (dialect.notifies() && pgjdbcPresent() ? FeedMode.LISTEN_NOTIFY : FeedMode.POLLING)
        : b.feedMode;
    this.feed = new FeedSettings(b.feedDataSource != null ? b.feedDataSource : b.dataSource, changes,
        channel == null ? "" : channel, channel == null ? "" : quote(channel), b.pollInterval.toNanos(),
        b.heartbeat.toNanos(), b.changeLogRetention.toNanos(),
        "SELECT COALESCE(MAX(seq), 0) FROM " + changes,
        "SELECT seq, kind, id FROM " + changes + " WHERE seq > ? ORDER BY seq",
        "SELECT seq, kind, id FROM " + changes + " WHERE seq >= ? AND seq <= ? ORDER BY seq",
        "DELETE FROM " + changes + " WHERE seq <= ?");

    insertGrant = "INSERT INTO " + grants + " (" + GRANT_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    updateGrant = "UPDATE " + grants + " SET request_id = ?, resource = ?, actions = ?, not_before = ?, "
        + "expires_at = ?, state = ?, justification = ?, reference = ?, approvals = ?, break_glass = ?, rule_id = ?, "
        + "version = ?, ended_at = ?, end_reason = ? "
        + "WHERE id = ? AND version = ? AND state = 'ACTIVE' AND subject_kind = ? AND subject_id = ?";
    selectGrant = "SELECT " + GRANT_COLUMNS + " FROM " + grants + " WHERE id = ?";
    selectGrantState = "SELECT subject_kind, subject_id, version, state FROM " + grants + " WHERE id = ?";
    selectActive = "SELECT " + GRANT_COLUMNS + " FROM " + grants + " WHERE state = 'ACTIVE'";
    selectActiveBySubject = selectActive + " AND subject_kind = ? AND subject_id = ?";
    insertRequest = "INSERT INTO " + requests + " (" + REQUEST_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    updateRequest = "UPDATE " + requests + " SET state = ?, version = ?, requester_kind = ?, requester_id = ?, "
        + "resource = ?, created_at = ?, grant_id = ?, end_reason = ?, details = ? "
        + "WHERE id = ? AND version = ? AND state = 'PENDING'";
    selectRequest = "SELECT " + REQUEST_COLUMNS + " FROM " + requests + " WHERE id = ?";
    selectPending = "SELECT " + REQUEST_COLUMNS + " FROM " + requests + " WHERE state = 'PENDING' ORDER BY created_at, id";
    insertReview = "INSERT INTO " + reviews + " (" + REVIEW_COLUMNS + ") VALUES (?, ?, ?, ?, ?)";
    updateReview = "UPDATE " + reviews + " SET version = ?, incident = ?, acknowledged = ?, details = ? "
        + "WHERE grant_id = ? AND version = ? AND acknowledged = FALSE";
    selectReview = "SELECT " + REVIEW_COLUMNS + " FROM " + reviews + " WHERE grant_id = ?";
    selectOpenReviews = "SELECT " + REVIEW_COLUMNS + " FROM " + reviews + " WHERE acknowledged = FALSE ORDER BY grant_id";
    insertChange = dialect.notifies()
        // One round trip: the change row, and the notification PostgreSQL delivers when the transaction commits.
        ? "WITH c AS (INSERT INTO " + changes + " (kind, id, changed_at) VALUES (?, ?, ?) RETURNING kind, id) "
            + "SELECT pg_notify(?, c.kind || ':' || c.id) FROM c"
        : "INSERT INTO " + changes + " (kind, id, changed_at) VALUES (?, ?, ?)";
    insertChanges = "WITH c AS (INSERT INTO " + changes + " (kind, id, changed_at) SELECT ?, u.id, ? FROM "
        + "unnest(CAST(? AS TEXT[])) AS u(id) RETURNING kind, id) SELECT pg_notify(?, c.kind || ':' || c.id) FROM c";
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The database dialect in use, given or detected. */
  public JdbcDialect dialect() {
    return dialect;
  }

  /** The table prefix. */
  public String tablePrefix() {
    return prefix;
  }

  /** How the change feed follows other instances: {@link FeedMode#LISTEN_NOTIFY} or {@link FeedMode#POLLING}. */
  public FeedMode feedMode() {
    return feedMode;
  }

  /**
   * This store without its change feed, for an application that runs a single instance: the manager then keeps
   * no staleness bound and the store no feed thread. Never share such a store between instances.
   */
  public GrantStore withoutChangeFeed() {
    return new Unshared(this);
  }

  // ------------------------------------------------------------------------------------------------- grants

  /**
   * {@inheritDoc}
   *
   * <p>A grant in a terminal state may be saved too (for example when importing history).
   *
   * @throws IllegalArgumentException if an instant of the grant has a fraction of a millisecond
   */
  @Override
  public void save(Grant grant) {
    Validate.notNull("grant", grant);
    GrantTimes times = GrantTimes.of(grant);
    write("save grant " + Validate.show(grant.id()), c -> {
      try (PreparedStatement ps = c.prepareStatement(insertGrant)) {
        ps.setString(1, grant.id());
        ps.setString(2, grant.requestId());
        ps.setString(3, grant.subject().kind().name());
        ps.setString(4, grant.subject().id());
        ps.setString(5, grant.resource());
        ps.setString(6, Codec.actions(grant.actions()));
        ps.setLong(7, times.notBefore);
        ps.setLong(8, times.expiresAt);
        ps.setString(9, grant.state().name());
        ps.setString(10, grant.justification());
        ps.setString(11, grant.reference());
        ps.setString(12, Codec.approvals(grant.approvals()));
        ps.setBoolean(13, grant.breakGlass());
        ps.setString(14, grant.rule());
        ps.setLong(15, grant.version());
        setLong(ps, 16, times.endedAt);
        ps.setString(17, grant.endReason());
        ps.setBoolean(18, grant.bound());
        insert(ps, "a grant", grant.id());
      }
      logChange(c, GRANT, grant.id());
      return null;
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Only an {@code ACTIVE} grant changes; once ended, no compare-and-set on it succeeds.
   *
   * @throws IllegalArgumentException if {@code expectedVersion} is negative, if {@code updated.version()} is not
   *     {@code expectedVersion + 1}, if {@code updated} names another subject than the stored grant, or if an
   *     instant has a fraction of a millisecond
   */
  @Override
  public boolean compareAndSet(long expectedVersion, Grant updated) {
    Validate.notNull("updated", updated);
    Validate.requireArgument(expectedVersion >= 0, "expectedVersion", expectedVersion, "must not be negative");
    Validate.requireArgument(updated.version() == expectedVersion + 1, "updated.version", updated.version(),
        "must be expectedVersion + 1 = " + (expectedVersion + 1));
    GrantTimes times = GrantTimes.of(updated);
    return write("compare-and-set grant " + Validate.show(updated.id()), c -> {
      int changed;
      try (PreparedStatement ps = c.prepareStatement(updateGrant)) {
        bindUpdate(ps, expectedVersion, updated, times);
        changed = ps.executeUpdate();
      }
      if (changed == 0) {
        requireSameSubject(c, expectedVersion, updated);
        return false;
      }
      logChange(c, GRANT, updated.id());
      return true;
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Here in one transaction: the updates go as one JDBC batch and their change-log rows as one more statement,
   * so a burst costs two round trips however many rows it has. A failure rolls every row back and throws.
   *
   * @throws IllegalArgumentException as {@link #compareAndSet} does, for any row; then no row is changed
   */
  @Override
  public boolean[] compareAndSetAll(List<Update> updates) {
    Validate.notNull("updates", updates);
    int n = updates.size();
    if (n == 0) {
      return new boolean[0];
    }
    GrantTimes[] times = new GrantTimes[n];
    for (int i = 0; i < n; i++) {
      times[i] = GrantTimes.of(Validate.notNull("updates[" + i + "]", updates.get(i)).updated());
    }
    return write("compare-and-set " + n + " grants", c -> {
      int[] counts;
      try (PreparedStatement ps = c.prepareStatement(updateGrant)) {
        for (int i = 0; i < n; i++) {
          bindUpdate(ps, updates.get(i).expectedVersion(), updates.get(i).updated(), times[i]);
          ps.addBatch();
        }
        counts = ps.executeBatch();
      }
      boolean[] replaced = new boolean[n];
      List<String> changed = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        Update update = updates.get(i);
        if (counts.length != n || counts[i] == Statement.SUCCESS_NO_INFO) {
          // Without a count per row no row's fate is known: roll back, and let the caller do them one by one.
          throw new SQLException("the JDBC driver did not report how many rows each update of the batch changed");
        }
        replaced[i] = counts[i] > 0;
        if (replaced[i]) {
          changed.add(update.updated().id());
        } else {
          requireSameSubject(c, update.expectedVersion(), update.updated());
        }
      }
      logChanges(c, GRANT, changed);
      return replaced;
    });
  }

  private static void bindUpdate(PreparedStatement ps, long expectedVersion, Grant updated, GrantTimes times)
      throws SQLException {
    ps.setString(1, updated.requestId());
    ps.setString(2, updated.resource());
    ps.setString(3, Codec.actions(updated.actions()));
    ps.setLong(4, times.notBefore);
    ps.setLong(5, times.expiresAt);
    ps.setString(6, updated.state().name());
    ps.setString(7, updated.justification());
    ps.setString(8, updated.reference());
    ps.setString(9, Codec.approvals(updated.approvals()));
    ps.setBoolean(10, updated.breakGlass());
    ps.setString(11, updated.rule());
    ps.setLong(12, updated.version());
    setLong(ps, 13, times.endedAt);
    ps.setString(14, updated.endReason());
    ps.setString(15, updated.id());
    ps.setLong(16, expectedVersion);
    ps.setString(17, updated.subject().kind().name());
    ps.setString(18, updated.subject().id());
  }

  /** After a compare-and-set that changed nothing: was it because the subject differs? That is a caller's bug. */
  private void requireSameSubject(Connection c, long expectedVersion, Grant updated) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(selectGrantState)) {
      ps.setString(1, updated.id());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next() && rs.getLong(3) == expectedVersion && GrantState.ACTIVE.name().equals(rs.getString(4))) {
          Subject stored = new Subject(Subject.Kind.valueOf(rs.getString(1)), rs.getString(2));
          Validate.requireArgument(stored.equals(updated.subject()), "updated.subject", updated.subject(),
              "must stay the subject of the stored grant, " + stored);
        }
      }
    }
  }

  @Override
  public Optional<Grant> findById(String grantId) {
    Validate.notNull("grantId", grantId);
    return read("find grant " + Validate.show(grantId), c -> {
      try (PreparedStatement ps = c.prepareStatement(selectGrant)) {
        ps.setString(1, grantId);
        return row(ps, grants, this::grant);
      }
    });
  }

  /** {@inheritDoc} An immutable snapshot, in no particular order. */
  @Override
  public List<Grant> findActiveBySubject(Subject subject) {
    Validate.notNull("subject", subject);
    return read("find the active grants of " + subject, c -> {
      try (PreparedStatement ps = c.prepareStatement(selectActiveBySubject)) {
        ps.setString(1, subject.kind().name());
        ps.setString(2, subject.id());
        return rows(ps, grants, "grant", this::grant);
      }
    });
  }

  /** {@inheritDoc} An immutable snapshot, in no particular order. */
  @Override
  public List<Grant> findActive() {
    return read("find the active grants", c -> {
      try (PreparedStatement ps = c.prepareStatement(selectActive)) {
        return rows(ps, grants, "grant", this::grant);
      }
    });
  }

  private Grant grant(ResultSet rs) throws SQLException {
    long endedAt = rs.getLong(16);
    Instant ended = rs.wasNull() ? null : Instant.ofEpochMilli(endedAt);
    return new Grant(rs.getString(1), rs.getString(2),
        new Subject(Subject.Kind.valueOf(rs.getString(3)), rs.getString(4)), rs.getString(5),
        Codec.actions(rs.getString(6)), Instant.ofEpochMilli(rs.getLong(7)), Instant.ofEpochMilli(rs.getLong(8)),
        GrantState.valueOf(rs.getString(9)), rs.getString(10), rs.getString(11), Codec.approvals(rs.getString(12)),
        rs.getBoolean(13), rs.getString(14), rs.getLong(15), ended, rs.getString(17), rs.getBoolean(18));
  }

  // ----------------------------------------------------------------------------------------------- requests

  @Override
  public void saveRequest(RequestRecord request) {
    Validate.notNull("request", request);
    String details = Codec.requestDetails(request);
    write("save request " + Validate.show(request.id()), c -> {
      try (PreparedStatement ps = c.prepareStatement(insertRequest)) {
        ps.setString(1, request.id());
        bindRequest(ps, 2, request, details);
        insert(ps, "a request", request.id());
      }
      logChange(c, REQUEST, request.id());
      return null;
    });
  }

  /**
   * {@inheritDoc} Only a {@code PENDING} request changes.
   *
   * @throws IllegalArgumentException if {@code updated.version()} is not {@code expectedVersion + 1}
   */
  @Override
  public boolean compareAndSetRequest(long expectedVersion, RequestRecord updated) {
    Validate.notNull("updated", updated);
    Validate.requireArgument(updated.version() == expectedVersion + 1, "updated.version", updated.version(),
        "must be expectedVersion + 1 = " + (expectedVersion + 1));
    String details = Codec.requestDetails(updated);
    return write("compare-and-set request " + Validate.show(updated.id()), c -> {
      try (PreparedStatement ps = c.prepareStatement(updateRequest)) {
        int next = bindRequest(ps, 1, updated, details);
        ps.setString(next, updated.id());
        ps.setLong(next + 1, expectedVersion);
        if (ps.executeUpdate() == 0) {
          return false;
        }
      }
      logChange(c, REQUEST, updated.id());
      return true;
    });
  }

  /** Binds state, version, requester, resource, created_at, grant_id, end_reason, details; returns the next index. */
  private static int bindRequest(PreparedStatement ps, int at, RequestRecord r, String details) throws SQLException {
    ps.setString(at, r.state().name());
    ps.setLong(at + 1, r.version());
    ps.setString(at + 2, r.requester().kind().name());
    ps.setString(at + 3, r.requester().id());
    ps.setString(at + 4, r.request().resource());
    ps.setLong(at + 5, floorMillis(r.createdAt()));
    ps.setString(at + 6, r.grantId());
    ps.setString(at + 7, r.endReason());
    ps.setString(at + 8, details);
    return at + 9;
  }

  @Override
  public Optional<RequestRecord> findRequest(String requestId) {
    Validate.notNull("requestId", requestId);
    return read("find request " + Validate.show(requestId), c -> {
      try (PreparedStatement ps = c.prepareStatement(selectRequest)) {
        ps.setString(1, requestId);
        return row(ps, requests, JdbcGrantStore::requestRecord);
      }
    });
  }

  /** {@inheritDoc} An immutable snapshot, oldest first. */
  @Override
  public List<RequestRecord> findPendingRequests() {
    return read("find the pending requests", c -> {
      try (PreparedStatement ps = c.prepareStatement(selectPending)) {
        return rows(ps, requests, "request", JdbcGrantStore::requestRecord);
      }
    });
  }

  private static RequestRecord requestRecord(ResultSet rs) throws SQLException {
    return Codec.request(rs.getString(1), RequestState.valueOf(rs.getString(2)), rs.getString(8), rs.getString(9),
        rs.getLong(3), rs.getString(10));
  }

  // ------------------------------------------------------------------------------------------------ reviews

  @Override
  public void saveReview(BreakGlassReview review) {
    Validate.notNull("review", review);
    String details = Codec.reviewDetails(review);
    write("save the review of grant " + Validate.show(review.grantId()), c -> {
      try (PreparedStatement ps = c.prepareStatement(insertReview)) {
        ps.setString(1, review.grantId());
        bindReview(ps, 2, review, details);
        insert(ps, "a review", review.grantId());
      }
      logChange(c, REVIEW, review.grantId());
      return null;
    });
  }

  /**
   * {@inheritDoc} Only an open (unacknowledged) review changes.
   *
   * @throws IllegalArgumentException if {@code updated.version()} is not {@code expectedVersion + 1}
   */
  @Override
  public boolean compareAndSetReview(long expectedVersion, BreakGlassReview updated) {
    Validate.notNull("updated", updated);
    Validate.requireArgument(updated.version() == expectedVersion + 1, "updated.version", updated.version(),
        "must be expectedVersion + 1 = " + (expectedVersion + 1));
    String details = Codec.reviewDetails(updated);
    return write("compare-and-set the review of grant " + Validate.show(updated.grantId()), c -> {
      try (PreparedStatement ps = c.prepareStatement(updateReview)) {
        int next = bindReview(ps, 1, updated, details);
        ps.setString(next, updated.grantId());
        ps.setLong(next + 1, expectedVersion);
        if (ps.executeUpdate() == 0) {
          return false;
        }
      }
      logChange(c, REVIEW, updated.grantId());
      return true;
    });
  }

  private static int bindReview(PreparedStatement ps, int at, BreakGlassReview r, String details) throws SQLException {
    ps.setLong(at, r.version());
    ps.setString(at + 1, r.incident());
    ps.setBoolean(at + 2, r.isAcknowledged());
    ps.setString(at + 3, details);
    return at + 4;
  }

  @Override
  public Optional<BreakGlassReview> findReview(String grantId) {
    Validate.notNull("grantId", grantId);
    return read("find the review of grant " + Validate.show(grantId), c -> {
      try (PreparedStatement ps = c.prepareStatement(selectReview)) {
        ps.setString(1, grantId);
        return row(ps, reviews, JdbcGrantStore::review);
      }
    });
  }

  @Override
  public List<BreakGlassReview> findOpenReviews() {
    return read("find the open reviews", c -> {
      try (PreparedStatement ps = c.prepareStatement(selectOpenReviews)) {
        return rows(ps, reviews, "review", JdbcGrantStore::review);
      }
    });
  }

  private static BreakGlassReview review(ResultSet rs) throws SQLException {
    return Codec.review(rs.getString(3), rs.getLong(2), rs.getString(5));
  }

  // ------------------------------------------------------------------------------------- malformed rows

  @FunctionalInterface
  private interface RowReader<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /**
   * Reads the one row of {@code ps} (a read by id, whose first column is the record's id), if any. A row that
   * cannot be read fails the read (the caller then honours nothing).
   */
  private static <T> Optional<T> row(PreparedStatement ps, String table, RowReader<T> reader) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return Optional.empty();
      }
      try {
        return Optional.of(reader.read(rs));
      } catch (RuntimeException e) {
        throw malformed(table, rs.getString(1), e);
      }
    }
  }

  /**
   * Reads every row of {@code ps} (whose first column is the record's id) into a list. A row that cannot be read
   * is left out and reported, so that one bad row neither blocks a manager's start nor denies every check after a
   * resync.
   */
  private <T> List<T> rows(PreparedStatement ps, String table, String kind, RowReader<T> reader)
      throws SQLException {
    List<T> result = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        try {
          result.add(reader.read(rs));
        } catch (RuntimeException e) {
          skipped(table, kind, rs.getString(1), e);
        }
      }
    }
    return List.copyOf(result);
  }

  /** Reports a record left out of a list, once per record (past {@link #MAX_REMEMBERED_MALFORMED}, every time). */
  private void skipped(String table, String kind, String id, RuntimeException e) {
    String key = table + '\n' + id;
    if (reportedMalformed.contains(key)
        || (reportedMalformed.size() < MAX_REMEMBERED_MALFORMED && !reportedMalformed.add(key))) {
      return;
    }
    malformedRecords.incrementAndGet();
    MalformedRecord record = new MalformedRecord(table, kind, id, problem(e));
    log.error("the JDBC grant store left out a malformed {} in {} (id {}): {}; it is not honoured until it is "
        + "repaired, every other record still is", kind, table, Validate.show(id), record.problem());
    for (Consumer<MalformedRecord> listener : malformedListeners) {
      try {
        listener.accept(record);
      } catch (RuntimeException failure) {
        log.warn("a malformed record listener failed on {} {}", kind, Validate.show(id), failure);
      }
    }
  }

  /** What a decoding failure says, without the offending value (the validators append it after {@code , got }). */
  private static String problem(RuntimeException e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int got = message.indexOf(", got ");
    StringBuilder problem = new StringBuilder();
    for (int k = 0; k < Math.min(got >= 0 ? got : message.length(), 200); k++) {
      char c = message.charAt(k);
      problem.append(Character.isISOControl(c) || Character.isSurrogate(c) ? '?' : c);
    }
    return problem.toString();
  }

  /**
   * {@inheritDoc} Reports what {@link #findActive}, {@link #findActiveBySubject}, {@link #findPendingRequests} and
   * {@link #findOpenReviews} leave out.
   */
  @Override
  public AutoCloseable onMalformedRecord(Consumer<MalformedRecord> listener) {
    Validate.notNull("listener", listener);
    malformedListeners.add(listener);
    return () -> malformedListeners.remove(listener);
  }

  @Override
  public long malformedRecords() {
    return malformedRecords.get();
  }

  // ------------------------------------------------------------------------------------------- change feed

  /**
   * {@inheritDoc}
   *
   * <p>Starts a daemon thread with a connection of its own that reports every change to {@code listener}
   * (changes this store made included), resyncs first and after every reconnection, and says it is alive at
   * least every heartbeat. Closing the returned handle stops the thread and waits for it.
   *
   * @throws IllegalStateException if this store was closed
   */
  @Override
  public AutoCloseable subscribe(ChangeListener listener) {
    Validate.notNull("listener", listener);
    if (closed) {
      throw new IllegalStateException("the JDBC grant store is closed");
    }
    FeedWorker worker = feedMode == FeedMode.LISTEN_NOTIFY ? newNotifyFeed(listener) : new PollingFeed(feed, listener);
    workers.add(worker);
    worker.start();
    return () -> {
      worker.close();
      workers.remove(worker);
    };
  }

  /** {@inheritDoc} The builder's {@link Builder#heartbeat}. */
  @Override
  public Optional<Duration> heartbeatInterval() {
    return Optional.of(Duration.ofNanos(feed.heartbeatNanos()));
  }

  /** Kept apart so that the pgjdbc-using class is loaded only when the driver is there. */
  private FeedWorker newNotifyFeed(ChangeListener listener) {
    return new NotifyFeed(feed, listener);
  }

  /** Stops every change feed thread this store started. The data source stays the application's. Idempotent. */
  @Override
  public void close() {
    closed = true;
    for (FeedWorker worker : workers) {
      worker.close();
    }
    workers.clear();
  }

  /** How many change feed subscriptions are running. */
  int runningFeeds() {
    return workers.size();
  }

  /** How many of them are connected and listening for notifications. */
  int listeningFeeds() {
    return (int) workers.stream().filter(FeedWorker::listening).count();
  }

  private void logChange(Connection c, char kind, String id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(insertChange)) {
      ps.setString(1, String.valueOf(kind));
      ps.setString(2, id);
      ps.setLong(3, clock.millis());
      if (dialect.notifies()) {
        ps.setString(4, feed.channel());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
        }
      } else {
        ps.executeUpdate();
      }
    }
  }

  /** {@link #logChange} for many ids in one statement (PostgreSQL) or one JDBC batch (the others). */
  private void logChanges(Connection c, char kind, List<String> ids) throws SQLException {
    if (ids.isEmpty()) {
      return;
    }
    if (dialect.notifies()) {
      try (PreparedStatement ps = c.prepareStatement(insertChanges)) {
        ps.setString(1, String.valueOf(kind));
        ps.setLong(2, clock.millis());
        ps.setArray(3, c.createArrayOf("text", ids.toArray()));
        ps.setString(4, feed.channel());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            // one pg_notify per row, sent when the transaction commits
          }
        }
      }
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(insertChange)) {
      long now = clock.millis();
      for (String id : ids) {
        ps.setString(1, String.valueOf(kind));
        ps.setString(2, id);
        ps.setLong(3, now);
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  // ------------------------------------------------------------------------------------------ transactions

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /** Runs {@code work} in one transaction: commits, or rolls back everything and reports the failure. */
  private <T> T write(String what, Work<T> work) {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = dataSource.getConnection()) {
        boolean autoCommit = c.getAutoCommit();
        if (autoCommit) {
          c.setAutoCommit(false);
        }
        try {
          T result = work.run(c);
          c.commit();
          return result;
        } catch (SQLException | RuntimeException | Error e) {
          rollback(c, e);
          throw e;
        } finally {
          if (autoCommit) {
            restoreAutoCommit(c);
          }
        }
      } catch (SQLException e) {
        if (attempt < MAX_ATTEMPTS && isTransient(e)) {
          // A lock conflict with another instance's transaction: ours rolled back, so trying again is safe.
          LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(1_000_000L, 5_000_000L * attempt));
          continue;
        }
        throw failure(what, e);
      }
    }
  }

  /** Runs a read; commits too when the connection came without auto-commit, so no transaction is left open. */
  private <T> T read(String what, Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      try {
        T result = work.run(c);
        if (!autoCommit) {
          c.commit();
        }
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        if (!autoCommit) {
          rollback(c, e);
        }
        throw e;
      }
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  private static void rollback(Connection c, Throwable cause) {
    try {
      c.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  private static void restoreAutoCommit(Connection c) {
    try {
      c.setAutoCommit(true);
    } catch (SQLException e) {
      // The connection is broken; the pool will find out.
    }
  }

  /** Executes an INSERT; a duplicate key is the caller's {@link IllegalStateException}. */
  private static void insert(PreparedStatement ps, String what, String id) throws SQLException {
    try {
      ps.executeUpdate();
    } catch (SQLException e) {
      if (hasState(e, DUPLICATE_KEY)) {
        throw new IllegalStateException(what + " with id " + Validate.show(id) + " already exists", e);
      }
      throw e;
    }
  }

  private static boolean isTransient(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && s.getSQLState() != null && TRANSIENT.contains(s.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasState(SQLException e, String state) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && state.equals(s.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  private GrantStoreException failure(String what, SQLException e) {
    return new GrantStoreException("the JDBC grant store (" + dialect + ", tables " + prefix + "*) could not "
        + what + ": " + e.getMessage() + " [SQL state " + e.getSQLState() + "]; nothing was changed by it", e);
  }

  private static GrantStoreException malformed(String table, String id, RuntimeException e) {
    return new GrantStoreException("the JDBC grant store found a malformed row in " + table + " (id "
        + Validate.show(id) + "): " + e.getMessage(), e);
  }

  private static void setLong(PreparedStatement ps, int index, @Nullable Long value) throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.BIGINT);
    } else {
      ps.setLong(index, value);
    }
  }

  private static long floorMillis(Instant instant) {
    try {
      return instant.toEpochMilli();
    } catch (ArithmeticException e) {
      return instant.isBefore(Instant.EPOCH) ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** A grant's instants as epoch milliseconds, checked once before any connection is taken. */
  private record GrantTimes(long notBefore, long expiresAt, @Nullable Long endedAt) {
    static GrantTimes of(Grant g) {
      return new GrantTimes(Codec.millis("grant.notBefore", g.notBefore()),
          Codec.millis("grant.expiresAt", g.expiresAt()),
          g.endedAt() == null ? null : Codec.millis("grant.endedAt", g.endedAt()));
    }
  }

  static boolean pgjdbcPresent() {
    try {
      Class.forName("org.postgresql.PGConnection", false, JdbcGrantStore.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  private static String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  @Override
  public String toString() {
    return "JdbcGrantStore[" + dialect + ", tables " + prefix + "*, feed " + feedMode + "]";
  }

  // ----------------------------------------------------------------------------------------------- settings

  /** How the change feed follows the changes of other instances. */
  public enum FeedMode {
    /** {@link #LISTEN_NOTIFY} on PostgreSQL when the pgjdbc driver is on the classpath, else {@link #POLLING}. */
    AUTO,
    /** PostgreSQL {@code LISTEN}/{@code NOTIFY}; needs the pgjdbc driver (and no pooler in transaction mode). */
    LISTEN_NOTIFY,
    /** Read the change log by sequence number every poll interval; works on any supported database. */
    POLLING
  }

  /** What a feed thread needs to know. */
  record FeedSettings(DataSource dataSource, String changesTable, String channel, String quotedChannel,
      long pollIntervalNanos, long heartbeatNanos, long retentionNanos, String maxSeqSql, String afterSql,
      String rangeSql, String pruneSql) {

    long pruneEveryNanos() {
      return Math.max(retentionNanos / 4, 100_000_000L);
    }
  }

  /** Builds a {@link JdbcGrantStore}; {@link #build()} connects once to check the database. Not thread-safe. */
  public static final class Builder {
    private DataSource dataSource;
    private DataSource feedDataSource;
    private JdbcDialect dialect;
    private String tablePrefix = DEFAULT_TABLE_PREFIX;
    private boolean createSchema;
    private FeedMode feedMode = FeedMode.AUTO;
    private Duration pollInterval = Duration.ofMillis(DEFAULT_POLL_INTERVAL_MILLIS);
    private Duration heartbeat = Duration.ofMillis(DEFAULT_HEARTBEAT_MILLIS);
    private Duration changeLogRetention = DEFAULT_CHANGE_LOG_RETENTION;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** Where the tables are: the application's pool (required). */
    public Builder dataSource(DataSource dataSource) {
      this.dataSource = Validate.notNull("dataSource", dataSource);
      return this;
    }

    /**
     * Where each change feed subscription takes its one long-lived connection; default {@link #dataSource}. Give a
     * separate one when the pool is small, or when it goes through a pooler in transaction mode (PgBouncer), which
     * cannot keep a {@code LISTEN}.
     */
    public Builder feedDataSource(DataSource feedDataSource) {
      this.feedDataSource = Validate.notNull("feedDataSource", feedDataSource);
      return this;
    }

    /** The database dialect; detected from the connection's metadata when not given. */
    public Builder dialect(JdbcDialect dialect) {
      this.dialect = Validate.notNull("dialect", dialect);
      return this;
    }

    /**
     * Prefix of the four table names ({@code grants}, {@code requests}, {@code reviews}, {@code changes}):
     * a letter, then up to 39 letters, digits or underscores. Default {@value #DEFAULT_TABLE_PREFIX}.
     */
    public Builder tablePrefix(String tablePrefix) {
      Validate.notNull("tablePrefix", tablePrefix);
      if (!PREFIX.matcher(tablePrefix).matches()) {
        throw Validate.bad("tablePrefix", tablePrefix,
            "must be a letter then up to 39 letters, digits or underscores");
      }
      this.tablePrefix = tablePrefix;
      return this;
    }

    /** Whether {@link #build()} applies the shipped DDL (idempotent: {@code CREATE ... IF NOT EXISTS}). Default false. */
    public Builder createSchema(boolean createSchema) {
      this.createSchema = createSchema;
      return this;
    }

    /** How the change feed follows other instances. Default {@link FeedMode#AUTO}. */
    public Builder feedMode(FeedMode feedMode) {
      this.feedMode = Validate.notNull("feedMode", feedMode);
      return this;
    }

    /**
     * How often a polling feed reads the change log: the delay before another instance's change holds here.
     * Default {@value #DEFAULT_POLL_INTERVAL_MILLIS} ms; between 1 ms and the heartbeat.
     */
    public Builder pollInterval(Duration pollInterval) {
      this.pollInterval = Validate.durationBetween("pollInterval", pollInterval, Duration.ofMillis(1),
          Duration.ofMinutes(1), "must be between 1 ms and 1 min");
      return this;
    }

    /**
     * How often the feed proves its connection and tells the manager it is alive. The manager's
     * {@code stalenessBound} (default 5 s) must be larger than twice it, or the manager refuses to build: checks
     * would be denied whenever one heartbeat came a little late. Default
     * {@value #DEFAULT_HEARTBEAT_MILLIS} ms; between 10 ms and 10 min.
     */
    public Builder heartbeat(Duration heartbeat) {
      this.heartbeat = Validate.durationBetween("heartbeat", heartbeat, Duration.ofMillis(10),
          Duration.ofMinutes(10), "must be between 10 ms and 10 min");
      return this;
    }

    /** How long change log rows are kept before the feed prunes them. Default 1 h; at least 1 s. */
    public Builder changeLogRetention(Duration retention) {
      Validate.notNull("changeLogRetention", retention);
      Validate.requireArgument(retention.compareTo(Duration.ofSeconds(1)) >= 0, "changeLogRetention", retention,
          "must be at least 1 s");
      this.changeLogRetention = retention;
      return this;
    }

    /** The clock that stamps change log rows (and so their retention). Default system UTC. */
    public Builder clock(Clock clock) {
      this.clock = Validate.notNull("clock", clock);
      return this;
    }

    /**
     * Connects once: detects the dialect if none was given, applies the DDL if asked, and checks that the tables
     * are there.
     *
     * @throws IllegalArgumentException if no data source was given, or the poll interval exceeds the heartbeat
     * @throws IllegalStateException if listen/notify was asked for without PostgreSQL and the pgjdbc driver
     * @throws GrantStoreException if the database cannot be reached or the tables are missing
     */
    public JdbcGrantStore build() {
      Validate.notNull("dataSource", dataSource);
      Validate.requireArgument(pollInterval.compareTo(heartbeat) <= 0, "pollInterval", pollInterval,
          "must not exceed the heartbeat " + heartbeat);
      JdbcDialect resolved = dialect;
      String channel = null;
      try (Connection c = dataSource.getConnection()) {
        if (resolved == null) {
          resolved = JdbcDialect.detect(c.getMetaData());
        }
        if (feedMode == FeedMode.LISTEN_NOTIFY && !(resolved.notifies() && pgjdbcPresent())) {
          throw new IllegalStateException("feedMode LISTEN_NOTIFY needs PostgreSQL and the pgjdbc driver "
              + "(org.postgresql:postgresql) on the classpath");
        }
        if (createSchema) {
          applyDdl(c, resolved, tablePrefix);
        }
        checkTables(c, tablePrefix);
        if (resolved.notifies()) {
          channel = channel(c, tablePrefix);
        }
        if (!c.getAutoCommit()) {
          c.commit();
        }
      } catch (SQLException e) {
        throw new GrantStoreException("cannot start the JDBC grant store (tables " + tablePrefix + "*): "
            + e.getMessage() + " [SQL state " + e.getSQLState() + "]", e);
      }
      return new JdbcGrantStore(this, resolved, channel);
    }

    private static void checkTables(Connection c, String prefix) throws SQLException {
      for (String table : List.of("grants", "requests", "reviews", "changes")) {
        try (Statement s = c.createStatement()) {
          s.executeQuery("SELECT 1 FROM " + prefix + table + " WHERE 1 = 0").close();
        } catch (SQLException e) {
          if (!c.getAutoCommit()) {
            c.rollback();
          }
          throw new SQLException("table " + prefix + table + " is not there: apply the DDL "
              + "(JdbcDialect.ddlResource(), with ${prefix} = " + prefix + ") or build with createSchema(true); "
              + e.getMessage(), e.getSQLState(), e);
        }
      }
    }

    /** {@code <schema>.<prefix>changes}: notifications are database-wide, so the schema keeps stores apart. */
    private static String channel(Connection c, String prefix) throws SQLException {
      String schema = null;
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_schema()")) {
        if (rs.next()) {
          schema = rs.getString(1);
        }
      }
      String channel = (schema == null ? "public" : schema) + "." + prefix.toLowerCase(java.util.Locale.ROOT)
          + "changes";
      if (channel.getBytes(StandardCharsets.UTF_8).length > 63) { // PostgreSQL's identifier limit
        channel = "jit_changes_" + Integer.toHexString(channel.hashCode());
      }
      return channel;
    }
  }

  /** Applies the DDL of {@code dialect} for {@code prefix} on {@code c}, in one transaction where the database allows. */
  static void applyDdl(Connection c, JdbcDialect dialect, String prefix) throws SQLException {
    List<String> statements = ddlStatements(dialect, prefix);
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      if (dialect == JdbcDialect.POSTGRESQL) {
        // Two instances starting together must not both create a table (CREATE ... IF NOT EXISTS races).
        s.execute("SELECT pg_advisory_xact_lock(" + (0x6A69740000000000L | (prefix.hashCode() & 0xFFFFFFFFL)) + ")");
      }
      for (String statement : statements) {
        s.execute(statement);
      }
      c.commit();
    } catch (SQLException | RuntimeException e) {
      rollback(c, e);
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  /** The statements of the shipped DDL for {@code dialect}, with {@code ${prefix}} replaced and comments removed. */
  static List<String> ddlStatements(JdbcDialect dialect, String prefix) {
    String resource = dialect.ddlResource();
    String text;
    try (InputStream in = JdbcGrantStore.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the DDL resource " + resource + " is missing from jit-core");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the DDL resource " + resource, e);
    }
    StringBuilder sql = new StringBuilder();
    for (String line : text.split("\n")) {
      int comment = line.indexOf("--");
      sql.append(comment >= 0 ? line.substring(0, comment) : line).append('\n');
    }
    List<String> statements = new ArrayList<>();
    for (String statement : sql.toString().replace("${prefix}", prefix).split(";")) {
      if (!statement.isBlank()) {
        statements.add(statement.strip());
      }
    }
    return statements;
  }

  /** The store seen without its change feed. */
  private static final class Unshared extends ForwardingGrantStore implements MalformedRecordReporter {
    private final JdbcGrantStore store;

    Unshared(JdbcGrantStore store) {
      super(store);
      this.store = store;
    }

    @Override
    public boolean[] compareAndSetAll(List<Update> updates) {
      return store.compareAndSetAll(updates); // it changes nothing about compareAndSet: keep the one round trip
    }

    @Override
    public AutoCloseable onMalformedRecord(Consumer<MalformedRecord> listener) {
      return store.onMalformedRecord(listener);
    }

    @Override
    public long malformedRecords() {
      return store.malformedRecords();
    }

    @Override
    public String toString() {
      return delegate() + " without change feed";
    }
  }
}
