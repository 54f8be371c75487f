package dev.jitaccess.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.jitaccess.BreakGlassReview;
import dev.jitaccess.Grant;
import dev.jitaccess.RequestRecord;
import dev.jitaccess.Subject;
import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The default {@link GrantStore}: grants in memory, lost when the process ends.
 *
 * <p>Active grants live in a map by id, with an index of grant ids by subject. Ended grants move to a bounded
 * map so {@link #findById} still answers for them; beyond {@link #DEFAULT_RETAINED_ENDED_GRANTS} (or the
 * bound given to the constructor) the least valuable ones are forgotten, as the {@link GrantStore} contract
 * allows. A forgotten grant's id is no longer known, so {@link #save} no longer rejects it as a duplicate.
 *
 * <h2>Threads</h2>
 *
 * Application threads (request, approve, extend, release, revoke) and the engine's expiry thread call in
 * concurrently. Safety rests on one rule: <em>every change for a grant id runs inside
 * {@code active.compute(id, ...)}</em>, so all changes to one grant are serialized by the map's per-key lock,
 * while changes to different grants proceed in parallel. Inside that section:
 *
 * <ul>
 *   <li>the per-subject index is changed only through {@code bySubject.compute} /
 *       {@code computeIfPresent} on the subject, so adding an id and dropping a subject's emptied entry are
 *       atomic per subject and can never lose each other's update. Locks are always taken in the same order
 *       (grant id, then subject; never the reverse), so they cannot deadlock;</li>
 *   <li>an index entry is immutable: the one id of a subject with one active grant, or an array of the ids of a
 *       subject with more, never written after it is put in the map. A change replaces the entry whole (the
 *       array is copied, O(the subject's active grants), as the engine's own per-subject index does), so a
 *       reader that got an entry from the map reads a complete one without a lock. This costs a map entry and
 *       at most an array per subject, where a concurrent set per subject cost a map of its own;</li>
 *   <li>a grant that ends is put in the ended map <em>before</em> it leaves the active map. A reader of
 *       {@link #findById} looks in the active map first and in the ended map second, so it sees either the
 *       last active version or the ended one, never neither.</li>
 * </ul>
 *
 * <p>Reads take no lock: they read the concurrent maps and copy what they find into immutable lists. The index
 * may briefly name an id whose grant has just ended (or is not yet in the active map); readers resolve every
 * id through the active map, so they never return an ended grant or one of another subject. The ended map
 * does its size maintenance on the calling thread, so the store starts no threads of its own.
 */
public final class InMemoryGrantStore implements GrantStore {

  /** How many ended grants are kept for {@link #findById} unless the constructor says otherwise. */
  public static final int DEFAULT_RETAINED_ENDED_GRANTS = 100_000;

  private final ConcurrentHashMap<String, Grant> active = new ConcurrentHashMap<>();
  /** Per subject, the ids of its active grants: a {@code String} for one, a {@code String[]} for more. */
  private final ConcurrentHashMap<Subject, Object> bySubject = new ConcurrentHashMap<>();
  private final Cache<String, Grant> ended;
  private final VersionedRecords<RequestRecord> requests;
  private final VersionedRecords<BreakGlassReview> reviews;

  /** A store that keeps up to {@value #DEFAULT_RETAINED_ENDED_GRANTS} ended grants. */
  public InMemoryGrantStore() {
    this(DEFAULT_RETAINED_ENDED_GRANTS);
  }

  /**
   * A store that keeps up to {@code retainedEndedGrants} ended grants for {@link #findById}.
   *
   * @throws IllegalArgumentException if {@code retainedEndedGrants} is not positive
   */
  public InMemoryGrantStore(int retainedEndedGrants) {
    Validate.requireArgument(retainedEndedGrants > 0, "retainedEndedGrants", retainedEndedGrants, "must be positive");
    this.ended = Caffeine.newBuilder()
        .maximumSize(retainedEndedGrants)
        .executor(Runnable::run)
        .build();
    // Decided requests stay findable up to the same bound as ended grants: the engine reads a granted one
    // again at its scheduled start, to ask the policy once more.
    this.requests = new VersionedRecords<>("request", RequestRecord::id, RequestRecord::version,
        r -> !r.state().isTerminal(), retainedEndedGrants);
    this.reviews = new VersionedRecords<>("review", BreakGlassReview::grantId, BreakGlassReview::version,
        r -> !r.isAcknowledged(), retainedEndedGrants);
  }

  /**
   * {@inheritDoc}
   *
   * <p>A grant in a terminal state may be saved too (for example when importing history); it goes straight to
   * the ended grants.
   *
   * @throws IllegalStateException if an active or retained ended grant has the same id
   */
  @Override
  public void save(Grant grant) {
    Validate.notNull("grant", grant);
    String id = grant.id();
    active.compute(id, (key, current) -> {
      if (current != null || ended.getIfPresent(id) != null) {
        throw new IllegalStateException("a grant with id " + Validate.show(id) + " already exists");
      }
      if (grant.state().isTerminal()) {
        ended.put(id, grant);
        return null;
      }
      index(grant);
      return grant;
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>When {@code updated} is in a terminal state the grant leaves the active grants, and no later
   * compare-and-set on it succeeds.
   *
   * @throws IllegalArgumentException if {@code expectedVersion} is negative, if {@code updated.version()} is
   *     not {@code expectedVersion + 1}, or if {@code updated} names another subject than the stored grant
   */
  @Override
  public boolean compareAndSet(long expectedVersion, Grant updated) {
    Validate.notNull("updated", updated);
    Validate.requireArgument(expectedVersion >= 0, "expectedVersion", expectedVersion, "must not be negative");
    Validate.requireArgument(updated.version() == expectedVersion + 1, "updated.version", updated.version(),
        "must be expectedVersion + 1 = " + (expectedVersion + 1));
    boolean[] replaced = {false};
    active.computeIfPresent(updated.id(), (id, current) -> {
      if (current.version() != expectedVersion) {
        return current;
      }
      Validate.requireArgument(current.subject().equals(updated.subject()), "updated.subject", updated.subject(),
          "must stay the subject of the stored grant, " + current.subject());
      replaced[0] = true;
      if (updated.state().isTerminal()) {
        ended.put(id, updated); // before it leaves the active map, so findById never misses it
        unindex(current);
        return null;
      }
      return updated;
    });
    return replaced[0];
  }

  @Override
  public Optional<Grant> findById(String grantId) {
    Validate.notNull("grantId", grantId);
    Grant grant = active.get(grantId);
    if (grant == null) {
      grant = ended.getIfPresent(grantId);
    }
    return Optional.ofNullable(grant);
  }

  /** {@inheritDoc} An immutable snapshot, in no particular order. */
  @Override
  public List<Grant> findActiveBySubject(Subject subject) {
    Validate.notNull("subject", subject);
    Object entry = bySubject.get(subject);
    if (entry == null) {
      return List.of();
    }
    if (entry instanceof String id) {
      Grant grant = activeOf(subject, id);
      return grant != null ? List.of(grant) : List.of();
    }
    String[] ids = (String[]) entry;
    List<Grant> grants = new ArrayList<>(ids.length);
    for (String id : ids) {
      Grant grant = activeOf(subject, id);
      if (grant != null) {
        grants.add(grant);
      }
    }
    return List.copyOf(grants);
  }

  /** The active grant {@code id} if it is {@code subject}'s, else null. */
  @Nullable
  private Grant activeOf(Subject subject, String id) {
    Grant grant = active.get(id);
    return grant != null && grant.subject().equals(subject) ? grant : null;
  }

  /** {@inheritDoc} An immutable snapshot, in no particular order. */
  @Override
  public List<Grant> findActive() {
    return List.copyOf(active.values());
  }

  @Override
  public void saveRequest(RequestRecord request) {
    requests.save(request);
  }

  @Override
  public boolean compareAndSetRequest(long expectedVersion, RequestRecord updated) {
    return requests.compareAndSet(expectedVersion, updated);
  }

  @Override
  public Optional<RequestRecord> findRequest(String requestId) {
    return requests.find(requestId);
  }

  @Override
  public List<RequestRecord> findPendingRequests() {
    return requests.openRecords();
  }

  @Override
  public void saveReview(BreakGlassReview review) {
    reviews.save(review);
  }

  @Override
  public boolean compareAndSetReview(long expectedVersion, BreakGlassReview updated) {
    return reviews.compareAndSet(expectedVersion, updated);
  }

  @Override
  public Optional<BreakGlassReview> findReview(String grantId) {
    return reviews.find(grantId);
  }

  @Override
  public List<BreakGlassReview> findOpenReviews() {
    return reviews.openRecords();
  }

  @Override
  public String toString() {
    return "InMemoryGrantStore[active=" + active.size() + ", ended=" + ended.estimatedSize() + "]";
  }

  /** How many ended grants are retained right now, after pending evictions ran. For tests. */
  long retainedEndedGrants() {
    ended.cleanUp();
    return ended.estimatedSize();
  }

  /** How many subjects the index holds an entry for. For tests: an emptied entry must not linger. */
  int indexedSubjects() {
    return bySubject.size();
  }

  // Both called only inside active.compute on the grant's id.

  private void index(Grant grant) {
    bySubject.compute(grant.subject(), (subject, entry) -> plus(entry, grant.id()));
  }

  private void unindex(Grant grant) {
    bySubject.computeIfPresent(grant.subject(), (subject, entry) -> minus(entry, grant.id()));
  }

  /** A new index entry: {@code entry} (null, one id or several) with {@code id} added. */
  static Object plus(@Nullable Object entry, String id) {
    if (entry == null) {
      return id;
    }
    if (entry instanceof String one) {
      return new String[] {one, id};
    }
    String[] ids = (String[]) entry;
    String[] next = Arrays.copyOf(ids, ids.length + 1);
    next[ids.length] = id;
    return next;
  }

  /** A new index entry: {@code entry} without {@code id}; the same entry if {@code id} is not in it, null if empty. */
  @Nullable
  static Object minus(Object entry, String id) {
    if (entry instanceof String one) {
      return one.equals(id) ? null : one;
    }
    String[] ids = (String[]) entry;
    int at = Arrays.asList(ids).indexOf(id);
    if (at < 0) {
      return entry;
    }
    if (ids.length == 2) {
      return ids[1 - at];
    }
    String[] next = new String[ids.length - 1];
    System.arraycopy(ids, 0, next, 0, at);
    System.arraycopy(ids, at + 1, next, at, ids.length - at - 1);
    return next;
  }
}
