package dev.jitaccess;

import dev.jitaccess.audit.AuditSink;
import dev.jitaccess.audit.Slf4jAuditSink;
import dev.jitaccess.credential.Credential;
import dev.jitaccess.credential.CredentialIssuer;
import dev.jitaccess.internal.Validate;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.store.GrantStore;
import dev.jitaccess.store.InMemoryGrantStore;
import jakarta.annotation.Nullable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * The entry point: request, check, extend and end just-in-time grants.
 *
 * <pre>{@code
 * JitAccessManager jit = JitAccessManager.builder().policy(policy).build();
 * RequestOutcome outcome = jit.request(AccessRequest.builder()
 *     .subject(Subject.user("alice")).resource("prod/db/orders").actions("read")
 *     .duration(Duration.ofMinutes(30)).justification("INC-1234: slow query").build());
 * boolean ok = jit.isAllowed(Subject.user("alice"), "prod/db/orders", "read");
 * }</pre>
 *
 * <p>Semantics every implementation keeps: time never goes back (the largest instant seen is "now"); checks
 * fail closed; a grant is visible to checks only after its {@code GRANTED} audit event was accepted; ending an
 * ended grant returns {@code false} and writes nothing; exactly one terminal event per grant. All methods are
 * thread-safe.
 */
public interface JitAccessManager extends AutoCloseable {

  /** Asks for access; the policy grants, denies or (later) routes it to approvers. */
  RequestOutcome request(AccessRequest request);

  /**
   * An approver says yes to a pending request. Once enough distinct eligible approvers have, the request is
   * granted and the grant's time starts now. Approving twice counts once and changes nothing; so does another
   * subject that is the same person (see {@link Builder#personKey}).
   *
   * @throws IllegalArgumentException for an unknown request, or an approver who is not eligible (the requester
   *     itself under any spelling, unless the rule allows self-approval)
   * @throws IllegalStateException when the request is no longer pending
   */
  RequestOutcome approve(String requestId, Subject approver, @Nullable String comment);

  /**
   * An eligible approver says no: the request ends, {@code REJECTED}.
   *
   * @throws IllegalArgumentException for an unknown request or an approver who is not eligible
   * @throws IllegalStateException when the request is no longer pending
   */
  RequestOutcome deny(String requestId, Subject approver, String reason);

  /**
   * Withdraws a pending request: it ends {@link RequestState#CANCELLED}, audited {@code CANCELLED} with
   * {@code actor}, and listeners hear {@link JitAccessListener#onRequestCancelled}. Only the requester or an
   * administrator (see {@link Builder#administrators}) may cancel.
   *
   * @return {@code false} if the request is unknown or no longer pending; nothing is written then
   * @throws IllegalArgumentException when {@code actor} is neither the requester nor an administrator
   */
  boolean cancel(String requestId, Subject actor);

  /** The requests waiting for approvals. */
  List<RequestRecord> pendingRequests();

  /**
   * The request with this id, in any state, as the store keeps it (ended requests may be forgotten after the
   * store's retention period); a pending request whose review window closed is reported expired. Empty for an
   * unknown id.
   */
  Optional<RequestRecord> requestRecord(String requestId);

  /** The requests {@code approver} may approve and has not approved yet. */
  List<RequestRecord> pendingRequestsFor(Subject approver);

  /** The break-glass grants nobody has reviewed yet, oldest first. */
  List<BreakGlassReview> breakGlassReviews();

  /**
   * Records the post-incident review of a break-glass grant.
   *
   * @return {@code false} if it had been reviewed already
   * @throws IllegalArgumentException for an unknown grant, or when the reviewer is the same person as the grant's
   *     subject (see {@link Builder#personKey})
   */
  boolean acknowledgeReview(String grantId, Subject reviewer, @Nullable String comment);

  /**
   * The hot path: whether {@code subject} may do {@code action} on the concrete {@code resource} now. Never
   * throws for bad input: a {@code null} subject, a malformed resource or action is denied.
   */
  AccessDecision check(@Nullable Subject subject, @Nullable String resource, @Nullable String action);

  /** {@code check(...).allowed()}. */
  default boolean isAllowed(@Nullable Subject subject, @Nullable String resource, @Nullable String action) {
    return check(subject, resource, action).allowed();
  }

  /**
   * Lengthens an active grant by {@code more}, as far as its policy rule allows.
   *
   * @throws IllegalArgumentException for an unknown grant id or bad input
   * @throws IllegalStateException when the grant has ended or run out
   * @throws ExtensionDeniedException when the policy refuses
   */
  Grant extend(String grantId, Duration more, @Nullable String justification);

  /**
   * As {@link #extend(String, Duration, String)}, done by {@code actor}, whom the {@code EXTENDED} event names. The
   * grant's holder may extend it; someone else only when an administrator (see {@link Builder#administrators}),
   * and the policy still bounds the extension.
   *
   * @throws IllegalArgumentException also when {@code actor} is neither the holder nor an administrator
   */
  Grant extend(String grantId, Duration more, @Nullable String justification, Subject actor);

  /** The holder is done early. {@code false} if the grant had already ended (or is unknown). */
  boolean release(String grantId);

  /**
   * As {@link #release(String)}, done by {@code actor}, whom the {@code RELEASED} event names: the holder, or an
   * administrator (see {@link Builder#administrators}). To take away someone else's grant otherwise, use
   * {@link #revoke}.
   *
   * @throws IllegalArgumentException when {@code actor} is neither the holder nor an administrator
   */
  boolean release(String grantId, Subject actor);

  /** Takes a grant away. {@code false} if it had already ended (or is unknown). */
  boolean revoke(String grantId, Subject actor, String reason);

  /** Revokes every active grant of {@code subject}; returns how many this call ended. */
  int revokeAll(Subject subject, Subject actor, String reason);

  /** The grant with this id, active or ended. */
  Optional<Grant> grant(String grantId);

  /**
   * The credential issued for an effective grant, when a {@code CredentialIssuer} is configured; empty before a
   * scheduled grant starts and after the grant ends. Its secret is for the holder only: never log it.
   */
  Optional<Credential> credential(String grantId);

  /** The subject's grants that have not ended, including scheduled ones that have not started yet. */
  List<Grant> activeGrants(Subject subject);

  /**
   * Requests access that must be effective now and returns it as a handle whose {@code close()} releases it. A
   * request that cannot be turned into such a grant leaves nothing behind: one routed to approvers is cancelled.
   *
   * @throws AccessNotGrantedException when the request is denied or waits for approval
   */
  GrantHandle acquire(AccessRequest request);

  /**
   * As {@link #acquire}, for a grant bound to the handle: no {@link #check} allows it, on this instance or any
   * other sharing the store; only {@link GrantHandle#check} does. For access held by one call (an elevation), which
   * other calls of the same subject must not ride on.
   *
   * @throws AccessNotGrantedException when the request is denied or waits for approval (it is then cancelled)
   */
  GrantHandle acquireBound(AccessRequest request);

  /** Stops the expiry thread. Idempotent. Afterwards every check is denied and every change refused. */
  @Override
  void close();

  static Builder builder() {
    return new Builder();
  }

  /** Configures a manager; each setter validates at once. Not thread-safe. */
  final class Builder {
    /** The default expiry timer resolution. */
    public static final Duration DEFAULT_TICK = Duration.ofMillis(10);
    /** How long checks trust a store's change feed that has gone silent, by default. */
    public static final Duration DEFAULT_STALENESS_BOUND = Duration.ofSeconds(5);
    /** How many grants one subject may hold at once (started or scheduled), by default. */
    public static final int DEFAULT_MAX_ACTIVE_GRANTS_PER_SUBJECT = 64;
    /** How many requests of one subject may wait for approval at once, by default. */
    public static final int DEFAULT_MAX_PENDING_REQUESTS_PER_SUBJECT = 16;
    /** How far the wall clock may drift from the monotonic clock before the engine re-anchors, by default. */
    public static final Duration DEFAULT_CLOCK_STEP_THRESHOLD = Duration.ofSeconds(1);
    /** The default budget of {@code ACCESS_DENIED} events per subject per minute. */
    public static final int DEFAULT_DENIED_EVENTS_PER_MINUTE = 10;

    AccessPolicy policy;
    GrantStore store;
    AuditSink auditSink;
    CredentialIssuer credentialIssuer;
    final List<JitAccessListener> listeners = new ArrayList<>();
    Executor listenerExecutor;
    Clock clock;
    Duration clockStepThreshold = DEFAULT_CLOCK_STEP_THRESHOLD;
    ApproverDirectory approverDirectory = ApproverDirectory.NONE;
    PersonKey personKey = PersonKey.standard();
    Set<Subject> administrators = Set.of();
    Set<String> administratorGroups = Set.of();
    Duration expiryWarning = Duration.ZERO;
    Duration stalenessBound = DEFAULT_STALENESS_BOUND;
    int maxActiveGrantsPerSubject = DEFAULT_MAX_ACTIVE_GRANTS_PER_SUBJECT;
    int maxPendingRequestsPerSubject = DEFAULT_MAX_PENDING_REQUESTS_PER_SUBJECT;
    int maxJustificationLength = Validate.MAX_TEXT_LENGTH;
    int maxActionsPerRequest = AccessRequest.MAX_ACTIONS;
    Duration tick = DEFAULT_TICK;
    UsageAudit usageAudit = UsageAudit.FIRST_USE;
    int deniedEventsPerMinute = DEFAULT_DENIED_EVENTS_PER_MINUTE;

    Builder() {}

    /** Required: decides requests and extensions. */
    public Builder policy(AccessPolicy policy) {
      requireUnset("policy", this.policy);
      this.policy = Validate.notNull("policy", policy);
      return this;
    }

    /** Where grants live; default an {@link InMemoryGrantStore}. */
    public Builder store(GrantStore store) {
      requireUnset("store", this.store);
      this.store = Validate.notNull("store", store);
      return this;
    }

    /** Where audit events go; default an {@link Slf4jAuditSink}. */
    public Builder auditSink(AuditSink auditSink) {
      requireUnset("auditSink", this.auditSink);
      this.auditSink = Validate.notNull("auditSink", auditSink);
      return this;
    }

    /**
     * Issues a credential (for example a signed token) when a grant becomes effective and invalidates it when
     * the grant ends; optional.
     */
    public Builder credentialIssuer(CredentialIssuer issuer) {
      requireUnset("credentialIssuer", this.credentialIssuer);
      this.credentialIssuer = Validate.notNull("credentialIssuer", issuer);
      return this;
    }

    /** Hears transitions; may be called several times. */
    public Builder listener(JitAccessListener listener) {
      listeners.add(Validate.notNull("listener", listener));
      return this;
    }

    /**
     * Where listeners are called; default one daemon thread of the manager's. Whatever the executor, the events of
     * one subject are called one at a time, in the order of the transitions; the engine never waits for them, so a
     * slow listener delays no expiry. {@link JitAccessManager#close()} waits (up to 10 s) for the events emitted
     * before it, and shuts down only the default executor. {@code Runnable::run} calls them on the thread that made
     * the transition, the expiry thread included.
     */
    public Builder listenerExecutor(Executor executor) {
      requireUnset("listenerExecutor", this.listenerExecutor);
      this.listenerExecutor = Validate.notNull("listenerExecutor", executor);
      return this;
    }

    /**
     * The wall clock; default the system clock in UTC. Tests pass a manual clock.
     *
     * <p>It gives the instants the engine writes down (a grant's {@code notBefore} and {@code expiresAt}, audit
     * timestamps); how long a grant has left is measured on a monotonic clock ({@link System#nanoTime()}, or the
     * clock itself when it is a {@link dev.jitaccess.expiry.Ticker}) anchored to it. So a wall clock stepped back
     * never lengthens a grant, one stepped forward ends grants early, and after a forward glitch and its
     * correction new grants live exactly as long as they were given. See {@link #clockStepThreshold}.
     */
    public Builder clock(Clock clock) {
      requireUnset("clock", this.clock);
      this.clock = Validate.notNull("clock", clock);
      return this;
    }

    /**
     * How far the wall clock may drift from the monotonic clock before the engine takes it as a step and
     * re-anchors to it, audited as {@code CLOCK_STEP} (at most one event a minute, summing up the steps seen);
     * from 50 ms to 1 h, default {@link #DEFAULT_CLOCK_STEP_THRESHOLD}. Smaller drift, like NTP slewing the clock,
     * is absorbed until it adds up, so the instants the engine writes down stay within this much of the clock.
     */
    public Builder clockStepThreshold(Duration threshold) {
      this.clockStepThreshold = Validate.durationBetween("clockStepThreshold", threshold, Duration.ofMillis(50),
          Duration.ofHours(1), "must be between 50 ms and 1 h");
      return this;
    }

    /** Where approvers' group memberships come from; default {@link ApproverDirectory#NONE}. */
    public Builder approverDirectory(ApproverDirectory directory) {
      this.approverDirectory = Validate.notNull("approverDirectory", directory);
      return this;
    }

    /**
     * Which person a subject is, for separation of duties (self-approval, an approver counts once, the own
     * break-glass review); default {@link PersonKey#standard()}, which takes {@code bob}, {@code BOB} and
     * {@code service:bob} for one person.
     */
    public Builder personKey(PersonKey personKey) {
      this.personKey = Validate.notNull("personKey", personKey);
      return this;
    }

    /**
     * Who may act on other subjects' grants and requests besides their holder: release or extend someone else's
     * grant, cancel someone else's pending request. The subjects named, and the members of the groups named (as
     * the {@link #approverDirectory} tells), are administrators. Default none. Revocation is not limited by it: the
     * application decides who may call {@link JitAccessManager#revoke}.
     */
    public Builder administrators(Set<Subject> subjects, Set<String> groups) {
      Validate.notNull("administrators.subjects", subjects).forEach(s -> Validate.notNull("administrators.subjects", s));
      Validate.notNull("administrators.groups", groups).forEach(g -> Validate.id("administrators.groups", g));
      this.administrators = Set.copyOf(subjects);
      this.administratorGroups = Set.copyOf(groups);
      return this;
    }

    /**
     * How long before a grant ends listeners hear {@link JitAccessListener#onExpiringSoon}; zero (the default)
     * for no warning. Grants shorter than the lead are not warned about.
     */
    public Builder expiryWarning(Duration lead) {
      Validate.notNull("expiryWarning", lead);
      Validate.requireArgument(!lead.isNegative() && lead.compareTo(Validate.MAX_DURATION) <= 0, "expiryWarning",
          lead, "must be zero or positive and at most " + Validate.MAX_DURATION);
      this.expiryWarning = lead;
      return this;
    }

    /**
     * For a store shared by several instances (one that is a {@link dev.jitaccess.store.ChangeFeed}): how long
     * checks go on trusting this instance's copy of the grants after the feed went silent; past it every check
     * is denied until the feed is back. Default {@link #DEFAULT_STALENESS_BOUND}.
     */
    public Builder stalenessBound(Duration bound) {
      this.stalenessBound = Validate.durationBetween("stalenessBound", bound, Duration.ofMillis(100),
          Duration.ofHours(1), "must be between 100 ms and 1 h");
      return this;
    }

    /**
     * How many grants one subject may hold at once; a request beyond it is denied. Bounds what one runaway
     * client can make the engine keep. Default {@link #DEFAULT_MAX_ACTIVE_GRANTS_PER_SUBJECT}.
     */
    public Builder maxActiveGrantsPerSubject(int limit) {
      Validate.requireArgument(limit >= 1 && limit <= 100_000, "maxActiveGrantsPerSubject", limit,
          "must be between 1 and 100000");
      this.maxActiveGrantsPerSubject = limit;
      return this;
    }

    /**
     * How many requests of one subject may wait for approval at once; a request beyond it is denied. Counted from
     * the requests this instance knows of (its own, and others' as the store's change feed tells them), so that a
     * request costs the same however many wait. Default {@link #DEFAULT_MAX_PENDING_REQUESTS_PER_SUBJECT}.
     */
    public Builder maxPendingRequestsPerSubject(int limit) {
      Validate.requireArgument(limit >= 1 && limit <= 10_000, "maxPendingRequestsPerSubject", limit,
          "must be between 1 and 10000");
      this.maxPendingRequestsPerSubject = limit;
      return this;
    }

    /** The longest justification a request may carry, at most (and by default) 1024 characters. */
    public Builder maxJustificationLength(int limit) {
      Validate.requireArgument(limit >= 1 && limit <= Validate.MAX_TEXT_LENGTH, "maxJustificationLength", limit,
          "must be between 1 and " + Validate.MAX_TEXT_LENGTH);
      this.maxJustificationLength = limit;
      return this;
    }

    /** The most actions one request may ask for, at most (and by default) {@value AccessRequest#MAX_ACTIONS}. */
    public Builder maxActionsPerRequest(int limit) {
      Validate.requireArgument(limit >= 1 && limit <= AccessRequest.MAX_ACTIONS, "maxActionsPerRequest", limit,
          "must be between 1 and " + AccessRequest.MAX_ACTIONS);
      this.maxActionsPerRequest = limit;
      return this;
    }

    /** The expiry timer resolution, from 1 ms to 1 s; default {@link #DEFAULT_TICK}. */
    public Builder tick(Duration tick) {
      this.tick = Validate.durationBetween("tick", tick, Duration.ofMillis(1), Duration.ofSeconds(1),
          "must be between 1 ms and 1 s");
      return this;
    }

    /** How much allowed use is audited; default {@link UsageAudit#FIRST_USE}. */
    public Builder usageAudit(UsageAudit usageAudit) {
      this.usageAudit = Validate.notNull("usageAudit", usageAudit);
      return this;
    }

    /**
     * How many {@code ACCESS_DENIED} events one subject may cause per minute (0 to record none); the rest
     * are counted and the count is reported with the next recorded event, so a loop cannot flood the sink.
     */
    public Builder deniedEventsPerMinute(int limit) {
      Validate.requireArgument(limit >= 0 && limit <= 100_000, "deniedEventsPerMinute", limit,
          "must be between 0 and 100000");
      this.deniedEventsPerMinute = limit;
      return this;
    }

    /**
     * Builds and starts the manager: loads the active grants from the store and schedules their expiry
     * (grants that ran out while nothing was running expire at once).
     *
     * @throws IllegalStateException when no policy was set
     * @throws IllegalArgumentException when the store is a change feed whose heartbeat is known and the staleness
     *     bound is not larger than twice it
     * @throws JitAccessException when the store cannot be read
     */
    public JitAccessManager build() {
      if (policy == null) {
        throw new IllegalStateException("policy is required: call policy(...) before build()");
      }
      if (store instanceof dev.jitaccess.store.ChangeFeed feed) {
        feed.heartbeatInterval().ifPresent(this::requireBoundAboveTwiceHeartbeat);
      }
      return new DefaultJitAccessManager(this);
    }

    /** A bound of two heartbeats or less runs out on a healthy feed whenever one heartbeat comes a little late. */
    private void requireBoundAboveTwiceHeartbeat(Duration heartbeat) {
      if (stalenessBound.compareTo(heartbeat.multipliedBy(2)) <= 0) {
        throw new IllegalArgumentException("stalenessBound " + stalenessBound + " must be larger than twice the "
            + "store's change feed heartbeat " + heartbeat + " (" + heartbeat.multipliedBy(2)
            + "): raise stalenessBound or lower the store's heartbeat");
      }
    }

    GrantStore storeOrDefault() {
      return store != null ? store : new InMemoryGrantStore();
    }

    AuditSink auditSinkOrDefault() {
      return auditSink != null ? auditSink : new Slf4jAuditSink();
    }

    Clock clockOrDefault() {
      return clock != null ? clock : Clock.systemUTC();
    }

    private static void requireUnset(String field, @Nullable Object current) {
      if (current != null) {
        throw new IllegalStateException(field + " was already set to " + current);
      }
    }
  }
}
