package dev.jitaccess.store;

import dev.jitaccess.BreakGlassReview;
import dev.jitaccess.Grant;
import dev.jitaccess.RequestRecord;
import dev.jitaccess.Subject;
import dev.jitaccess.internal.Validate;
import java.util.List;
import java.util.Optional;

/**
 * Where grants live: the SPI a team implements to keep grants in its own database.
 *
 * <p>The engine keeps its own index of active grants for the check path and loads it from
 * {@link #findActive()} when it starts, so a store is only called on changes and look-ups, never per check.
 * Calls come from any application thread and from the expiry thread, concurrently: an implementation must be
 * thread-safe, and {@link #compareAndSet} must be atomic, because it is how the engine guarantees exactly one
 * terminal transition per grant even when expiry and revocation race (also across several nodes sharing the
 * store).
 *
 * <p>Any failure is reported by throwing ({@link GrantStoreException} preferred). The engine then fails
 * closed: nothing is granted, and a grant whose end could not be stored stops being honoured locally anyway.
 *
 * <p>{@code GrantStoreContract} in jit-core's test-jar is the suite every implementation must pass.
 */
public interface GrantStore {

  /**
   * Stores a new grant.
   *
   * @throws IllegalStateException if a grant with the same id exists
   */
  void save(Grant grant);

  /**
   * Replaces the stored grant with {@code updated} iff the stored one has {@code expectedVersion}; atomically.
   * {@code updated} has the same id and version {@code expectedVersion + 1}.
   *
   * @return {@code true} if replaced, {@code false} if the grant is missing or has another version
   */
  boolean compareAndSet(long expectedVersion, Grant updated);

  /**
   * One row of {@link #compareAndSetAll}: replace the stored grant with {@code updated} iff it has
   * {@code expectedVersion}.
   *
   * @throws IllegalArgumentException if {@code updated} is null, {@code expectedVersion} is negative, or
   *     {@code updated.version()} is not {@code expectedVersion + 1}
   */
  record Update(long expectedVersion, Grant updated) {
    public Update {
      Validate.notNull("updated", updated);
      Validate.requireArgument(expectedVersion >= 0, "expectedVersion", expectedVersion, "must not be negative");
      Validate.requireArgument(updated.version() == expectedVersion + 1, "updated.version", updated.version(),
          "must be expectedVersion + 1 = " + (expectedVersion + 1));
    }
  }

  /**
   * Several {@link #compareAndSet}s in one call, for the engine's bursts (many grants expiring in one tick): a store
   * that can should do them in one round trip. Each row is atomic on its own, with the rules of
   * {@link #compareAndSet}; rows naming the same grant are applied in order. The rows need not be atomic together:
   * some may be refused because another instance changed those grants, and the others still apply.
   *
   * <p>The default calls {@link #compareAndSet} row by row. When a row fails part-way, the rows before it stand and
   * it and the rows after it report {@code false}: the caller re-reads a row that reports {@code false} to learn why,
   * as after any refused compare-and-set.
   *
   * @return for each row, in order, whether it replaced the stored grant
   * @throws IllegalArgumentException for a row {@link #compareAndSet} refuses as a caller's mistake (the rows
   *     before it may stand)
   * @throws RuntimeException (preferably {@link GrantStoreException}) when the store failed before changing any row
   */
  default boolean[] compareAndSetAll(List<Update> updates) {
    Validate.notNull("updates", updates);
    boolean[] replaced = new boolean[updates.size()];
    for (int i = 0; i < replaced.length; i++) {
      Update update = updates.get(i);
      try {
        replaced[i] = compareAndSet(update.expectedVersion(), update.updated());
      } catch (IllegalArgumentException e) {
        throw e; // the caller's bug, not the store's failure
      } catch (RuntimeException e) {
        if (i == 0) {
          throw e;
        }
        // Rows before it changed: report them, and leave this one and the rest for the caller to re-read.
        return replaced;
      }
    }
    return replaced;
  }

  /** The grant with this id, active or ended (a store may forget ended grants after a retention period). */
  Optional<Grant> findById(String grantId);

  /** The grants of this subject in state {@code ACTIVE}, including those not yet started or past their expiry. */
  List<Grant> findActiveBySubject(Subject subject);

  /** Every grant in state {@code ACTIVE}. */
  List<Grant> findActive();

  /**
   * Stores a request that waits: for approvals, or for its scheduled start.
   *
   * @throws IllegalStateException if a request with the same id exists
   */
  void saveRequest(RequestRecord request);

  /** Compare-and-set on the request's version, with the rules of {@link #compareAndSet}. */
  boolean compareAndSetRequest(long expectedVersion, RequestRecord updated);

  /** The request with this id, in any state (ended ones may be forgotten after a retention period). */
  Optional<RequestRecord> findRequest(String requestId);

  /** Every request in state {@code PENDING}. */
  List<RequestRecord> findPendingRequests();

  /**
   * Stores a break-glass grant's review.
   *
   * @throws IllegalStateException if a review of the same grant exists
   */
  void saveReview(BreakGlassReview review);

  /** Compare-and-set on the review's version, with the rules of {@link #compareAndSet}. */
  boolean compareAndSetReview(long expectedVersion, BreakGlassReview updated);

  /** The review of this break-glass grant. */
  Optional<BreakGlassReview> findReview(String grantId);

  /** Every review not yet acknowledged. */
  List<BreakGlassReview> findOpenReviews();
}
