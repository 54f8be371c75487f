package dev.jitaccess.store;

import dev.jitaccess.BreakGlassReview;
import dev.jitaccess.Grant;
import dev.jitaccess.RequestRecord;
import dev.jitaccess.Subject;
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
