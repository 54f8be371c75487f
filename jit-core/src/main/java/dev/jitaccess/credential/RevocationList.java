package dev.jitaccess.credential;

import dev.jitaccess.internal.Validate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ids of tokens revoked before their expiry, kept in memory only as long as they matter. Thread-safe.
 *
 * <p>A list is not tied to an issuer: {@link #shared()}, the default of every {@link SignedTokenIssuer} on the
 * system clock, lives as long as the process, so a token revoked through one issuer stays revoked for the
 * issuers and verifiers built after it (a key rotation builds a new issuer). Token ids are grant ids, unique
 * across issuers.
 *
 * <p>An entry is kept until its token's {@code exp} plus {@link #RETENTION_AFTER_EXPIRY} (the largest
 * leeway a {@link SignedTokenVerifier} may allow), after which the token is refused as expired anyway and the
 * entry is dropped. Memory is therefore bounded by the number of tokens revoked within one token lifetime,
 * not by the total ever revoked. Dropping happens on {@link #revoke}, in a sweep at most once every
 * {@link #SWEEP_INTERVAL} of this list's clock, so reads never pay for it.
 *
 * <p>Give the verifiers the same clock as this list (or clocks that agree within the retention), since an
 * entry is dropped by this list's idea of time.
 */
public final class RevocationList implements TokenRevocations {

  /** How long an entry outlives its token's expiry: the largest verifier leeway. */
  public static final Duration RETENTION_AFTER_EXPIRY = SignedTokenVerifier.MAX_LEEWAY;
  /** Least time between two sweeps of expired entries. */
  public static final Duration SWEEP_INTERVAL = Duration.ofSeconds(30);

  private static final RevocationList SHARED = new RevocationList();

  private final Clock clock;
  private final ConcurrentHashMap<String, Instant> keepUntil = new ConcurrentHashMap<>();
  private final AtomicLong nextSweepMillis = new AtomicLong(Long.MIN_VALUE);

  /**
   * The list of this process, on the system clock: where every {@link SignedTokenIssuer} on the system clock
   * records invalidations unless given another list, and what its verifiers consult.
   */
  public static RevocationList shared() {
    return SHARED;
  }

  /** A new list on the system clock. */
  public RevocationList() {
    this(Clock.systemUTC());
  }

  /** A list that drops entries by {@code clock}. */
  public RevocationList(Clock clock) {
    this.clock = Validate.notNull("clock", clock);
  }

  /**
   * Revokes a token until it expires. Idempotent; revoking again with a later expiry keeps the later one.
   *
   * @param tokenId the token's {@code jti} (the grant id)
   * @param tokenExpiresAt the token's {@code exp}
   */
  public void revoke(String tokenId, Instant tokenExpiresAt) {
    Validate.id("tokenId", tokenId);
    Validate.notNull("tokenExpiresAt", tokenExpiresAt);
    Instant until = tokenExpiresAt.plus(RETENTION_AFTER_EXPIRY);
    keepUntil.merge(tokenId, until, (a, b) -> a.isAfter(b) ? a : b);
    sweepIfDue();
  }

  @Override
  public boolean isRevoked(String tokenId) {
    return tokenId != null && keepUntil.containsKey(tokenId);
  }

  /** How many entries are kept now. */
  public int size() {
    return keepUntil.size();
  }

  @Override
  public String toString() {
    return "RevocationList[" + keepUntil.size() + " revoked]";
  }

  private void sweepIfDue() {
    long now = clock.millis();
    long due = nextSweepMillis.get();
    if (now < due || !nextSweepMillis.compareAndSet(due, now + SWEEP_INTERVAL.toMillis())) {
      return; // not yet, or another thread is sweeping
    }
    Instant cutoff = Instant.ofEpochMilli(now);
    keepUntil.values().removeIf(until -> !until.isAfter(cutoff));
  }
}
