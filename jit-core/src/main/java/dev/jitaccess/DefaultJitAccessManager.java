package dev.jitaccess;

import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.AuditException;
import dev.jitaccess.expiry.ExpiryScheduler;
import dev.jitaccess.expiry.ObservableClock;
import dev.jitaccess.expiry.TimerWheel;
import dev.jitaccess.internal.Validate;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.PolicyDecision;
import dev.jitaccess.store.GrantStore;
import dev.jitaccess.store.GrantStoreException;
import jakarta.annotation.Nullable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@link JitAccessManager}.
 *
 * <h2>Where the truth is</h2>
 * The {@link GrantStore} is the record; every change is a compare-and-set on the grant's version there, which is
 * what makes ends exactly-once when expiry, release and revocation race. The engine mirrors the active grants in
 * {@link #index} (subject to an immutable array of {@link LiveGrant}s) so that {@link #check} never calls the
 * store, takes no lock and allocates nothing.
 *
 * <h2>Threads</h2>
 * <ul>
 *   <li>Application threads call everything. Checks read {@code index} (a {@link ConcurrentHashMap} read) and
 *       each grant's volatile view.</li>
 *   <li>Changes to one subject's array are serialised by {@code index.compute} on that subject; changes to one
 *       grant's working copy by {@code live.compute} on its id. Neither lock is held during store or audit I/O.</li>
 *   <li>The expiry thread of {@link ExpiryScheduler} fires grant timers (ending them through the same
 *       compare-and-set path as a revocation) and retries the audit backlog.</li>
 * </ul>
 */
final class DefaultJitAccessManager implements JitAccessManager {

  private static final Logger log = LoggerFactory.getLogger(DefaultJitAccessManager.class);
  private static final AtomicInteger INSTANCES = new AtomicInteger();
  private static final LiveGrant[] NONE = new LiveGrant[0];

  static final AccessDecision NO_SUBJECT = AccessDecision.deny("no subject");
  static final AccessDecision INVALID_RESOURCE = AccessDecision.deny("invalid resource name");
  static final AccessDecision INVALID_ACTION = AccessDecision.deny("invalid action");
  static final AccessDecision NO_GRANT = AccessDecision.deny("no active grant covers this resource and action");
  static final AccessDecision CLOSED = AccessDecision.deny("the access manager is closed");
  static final AccessDecision USE_NOT_AUDITED = AccessDecision.deny("the use could not be audited");

  private static final Duration FIRST_RETRY = Duration.ofMillis(100);
  private static final Duration MAX_RETRY = Duration.ofSeconds(30);

  private final AccessPolicy policy;
  private final GrantStore store;
  private final AuditWriter audit;
  private final Listeners listeners;
  private final EngineTime time;
  private final UsageAudit usageAudit;
  private final DeniedAuditLimiter deniedLimiter;
  private final ConcurrentHashMap<Subject, LiveGrant[]> index = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, LiveGrant> live = new ConcurrentHashMap<>();
  private final ExpiryScheduler expiry;
  private final AuditRetry auditRetry = new AuditRetry();
  private volatile boolean closed;

  DefaultJitAccessManager(Builder builder) {
    this.policy = builder.policy;
    this.store = builder.storeOrDefault();
    this.listeners = new Listeners(builder.listeners);
    this.time = new EngineTime(builder.clockOrDefault());
    this.audit = new AuditWriter(builder.auditSinkOrDefault(), time::now);
    this.usageAudit = builder.usageAudit;
    this.deniedLimiter = new DeniedAuditLimiter(builder.deniedEventsPerMinute);
    List<Grant> active;
    try {
      active = store.findActive();
    } catch (RuntimeException e) {
      throw new JitAccessException("cannot start: the grant store could not list the active grants", e);
    }
    this.expiry = new ExpiryScheduler("jit-expiry-" + INSTANCES.incrementAndGet(), builder.tick, time::millis,
        this::onTimer);
    if (time.clock() instanceof ObservableClock observable) {
      observable.addChangeListener(expiry::wakeUp);
    }
    // Grants that ran out while nothing was running are past due: the first advance expires them, audited.
    for (Grant grant : active) {
      publish(grant);
    }
  }

  // ---------------------------------------------------------------- requests

  @Override
  public RequestOutcome request(AccessRequest request) {
    Validate.notNull("request", request);
    ensureOpen();
    String requestId = UUID.randomUUID().toString();
    Instant now = time.now();
    audit.writeOrThrow(event(AuditEventType.REQUESTED, request.subject(), request.subject(), request.resource(),
        request.actions(), null, requestId, request.justification(), requestDetails(request)));

    PolicyDecision decision = evaluate(request);
    if (decision instanceof PolicyDecision.Allow allow) {
      return new RequestOutcome.Granted(grant(request, requestId, allow, now));
    }
    String reason = decision instanceof PolicyDecision.Deny deny ? deny.reason() : "no policy rule matches the request";
    audit.writeBestEffort(event(AuditEventType.DENIED, request.subject(), request.subject(), request.resource(),
        request.actions(), null, requestId, reason, Map.of()));
    return new RequestOutcome.Denied(requestId, reason);
  }

  private PolicyDecision evaluate(AccessRequest request) {
    try {
      PolicyDecision decision = policy.evaluate(request);
      return decision != null ? decision : PolicyDecision.deny("the policy gave no decision");
    } catch (RuntimeException e) {
      log.error("policy {} failed on a request of {} for {}; denied", policy.getClass().getName(),
          request.subject(), request.resource(), e);
      return PolicyDecision.deny("the policy failed: " + e.getClass().getSimpleName());
    }
  }

  private Grant grant(AccessRequest request, String requestId, PolicyDecision.Allow allow, Instant now) {
    Instant start = request.startAt() != null && request.startAt().isAfter(now)
        ? Instant.ofEpochMilli(request.startAt().toEpochMilli())
        : now;
    // A policy may give less than was asked, never more.
    Duration duration = allow.duration().compareTo(request.duration()) < 0 ? allow.duration() : request.duration();
    Instant expiresAt = Instant.ofEpochMilli(start.plus(duration).toEpochMilli());
    if (!expiresAt.isAfter(start)) {
      expiresAt = start.plusMillis(1);
    }
    Grant grant = new Grant(UUID.randomUUID().toString(), requestId, request.subject(), request.resource(),
        request.actions(), start, expiresAt, GrantState.ACTIVE, request.justification(), request.reference(),
        List.of(), request.breakGlass(), allow.rule(), 0, null, null);

    // Audit before effect: the grant exists for nobody until its GRANTED event is accepted.
    audit.writeOrThrow(event(AuditEventType.GRANTED, request.subject(), grant, request.justification(),
        grantDetails(grant)));
    try {
      store.save(grant);
    } catch (RuntimeException e) {
      // The trail says GRANTED; say truthfully that it never took effect.
      audit.writeReducing(event(AuditEventType.REVOKED, null, grant.ended(GrantState.REVOKED, now, "not stored"),
          "the grant store failed; the grant never took effect", Map.of()));
      throw new JitAccessException("the grant store could not save the grant for request " + requestId
          + "; nothing was granted", e);
    }
    publish(grant);
    // A revocation may have raced between save and publish: it could not see the working copy to drop it.
    if (readStored(grant.id()).map(g -> g.state().isTerminal()).orElse(true)) {
      unpublish(grant.id());
    } else {
      listeners.emit("granted", l -> l.onGranted(grant));
    }
    return grant;
  }

  @Override
  public RequestOutcome approve(String requestId, Subject approver, @Nullable String comment) {
    Validate.id("requestId", requestId);
    Validate.notNull("approver", approver);
    Validate.text("comment", comment);
    ensureOpen();
    throw new IllegalArgumentException("requestId " + Validate.show(requestId)
        + " is not a pending request: this version grants or denies every request at once");
  }

  @Override
  public RequestOutcome deny(String requestId, Subject approver, String reason) {
    Validate.id("requestId", requestId);
    Validate.notNull("approver", approver);
    Validate.requiredText("reason", reason);
    ensureOpen();
    throw new IllegalArgumentException("requestId " + Validate.show(requestId)
        + " is not a pending request: this version grants or denies every request at once");
  }

  // ---------------------------------------------------------------- the check path

  @Override
  public AccessDecision check(@Nullable Subject subject, @Nullable String resource, @Nullable String action) {
    if (closed) {
      return CLOSED;
    }
    if (subject == null) {
      return denied(null, resource, action, NO_SUBJECT);
    }
    if (resource == null) {
      return denied(subject, null, action, INVALID_RESOURCE);
    }
    if (action == null) {
      return denied(subject, resource, null, INVALID_ACTION);
    }
    long now = time.millis();
    LiveGrant[] grants = index.get(subject);
    if (grants != null) {
      for (LiveGrant grant : grants) {
        LiveGrant.View view = grant.view;
        if (view.notBefore <= now && now < view.expiresAt) {
          int actionIndex = grant.actionIndex(action);
          if (actionIndex >= 0 && grant.pattern.matches(resource)) {
            return used(grant, view, resource, actionIndex);
          }
        }
      }
    }
    if (!ResourcePattern.isName(resource)) {
      return denied(subject, resource, action, INVALID_RESOURCE);
    }
    if (!Validate.isAction(action)) {
      return denied(subject, resource, action, INVALID_ACTION);
    }
    return denied(subject, resource, action, NO_GRANT);
  }

  private AccessDecision used(LiveGrant grant, LiveGrant.View view, String resource, int actionIndex) {
    switch (usageAudit) {
      case NONE:
        return view.allow;
      case FIRST_USE:
        if (grant.isUseRecorded(resource, actionIndex) || !grant.claimUse(resource, actionIndex)) {
          return view.allow;
        }
        try {
          audit.writeOrThrow(usedEvent(view.grant, resource, grant.actions[actionIndex]));
          return view.allow;
        } catch (AuditException e) {
          grant.unclaimUse(resource, actionIndex);
          log.warn("{}; the check is denied", e.getMessage(), e.getCause());
          return USE_NOT_AUDITED;
        }
      case EVERY_USE:
      default:
        try {
          audit.writeOrThrow(usedEvent(view.grant, resource, grant.actions[actionIndex]));
          return view.allow;
        } catch (AuditException e) {
          log.warn("{}; the check is denied", e.getMessage(), e.getCause());
          return USE_NOT_AUDITED;
        }
    }
  }

  private AuditEvent usedEvent(Grant grant, String resource, String action) {
    Map<String, String> details = grant.resource().equals(resource) ? Map.of() : Map.of("grantResource", grant.resource());
    return event(AuditEventType.ACCESS_USED, grant.subject(), grant.subject(), resource, Set.of(action), grant.id(),
        grant.requestId(), null, details);
  }

  private AccessDecision denied(@Nullable Subject subject, @Nullable String resource, @Nullable String action,
      AccessDecision decision) {
    long heldBack = deniedLimiter.admit(subject, time.millis());
    if (heldBack != DeniedAuditLimiter.SUPPRESSED) {
      Map<String, String> details = heldBack > 0 ? Map.of("suppressed", Long.toString(heldBack)) : Map.of();
      // Bad input is recorded escaped and cut short: it may be hostile.
      String shownResource = resource == null || ResourcePattern.isName(resource) ? resource : Validate.show(resource);
      Set<String> actions = action == null ? Set.of() : Set.of(Validate.isAction(action) ? action : Validate.show(action));
      audit.writeBestEffort(event(AuditEventType.ACCESS_DENIED, subject, subject, shownResource, actions, null, null,
          decision.reason(), details));
    }
    return decision;
  }

  // ---------------------------------------------------------------- extension

  @Override
  public Grant extend(String grantId, Duration more, @Nullable String justification) {
    Validate.id("grantId", grantId);
    Validate.duration("more", more);
    Validate.text("justification", justification);
    ensureOpen();
    while (true) {
      Grant current = readStored(grantId)
          .orElseThrow(() -> new IllegalArgumentException("grantId " + Validate.show(grantId) + " names no grant"));
      Instant now = time.now();
      if (current.state().isTerminal() || !now.isBefore(current.expiresAt())) {
        throw new IllegalStateException("grant " + grantId + " has ended ("
            + (current.state().isTerminal() ? current.state() : "ran out at " + current.expiresAt()) + ")");
      }
      PolicyDecision decision;
      try {
        decision = policy.evaluateExtension(current, more, justification);
      } catch (RuntimeException e) {
        log.error("policy {} failed on an extension of grant {}; refused", policy.getClass().getName(), grantId, e);
        throw new ExtensionDeniedException("the policy failed: " + e.getClass().getSimpleName());
      }
      if (!(decision instanceof PolicyDecision.Allow allow)) {
        throw new ExtensionDeniedException(decision instanceof PolicyDecision.Deny deny
            ? deny.reason() : "no policy rule allows extending grants of rule " + current.rule());
      }
      Duration added = allow.duration().compareTo(more) < 0 ? allow.duration() : more;
      Grant extended = current.withExpiresAt(Instant.ofEpochMilli(current.expiresAt().plus(added).toEpochMilli()));
      if (!casStored(current, extended)) {
        continue; // changed meanwhile: judge the new state
      }
      try {
        audit.writeOrThrow(event(AuditEventType.EXTENDED, current.subject(), extended, justification,
            Map.of("previousExpiresAt", current.expiresAt().toString(), "expiresAt", extended.expiresAt().toString())));
      } catch (AuditException e) {
        // Audit before effect: take the extension back; the working copy was never changed.
        if (!casStored(extended, extended.withExpiresAt(current.expiresAt()))) {
          log.warn("could not take back the unaudited extension of grant {}: it changed meanwhile", grantId);
        }
        throw e;
      }
      live.computeIfPresent(grantId, (id, working) -> {
        working.view = new LiveGrant.View(extended);
        expiry.schedule(working, extended.expiresAt().toEpochMilli());
        return working;
      });
      listeners.emit("extended", l -> l.onExtended(extended));
      return extended;
    }
  }

  // ---------------------------------------------------------------- ends

  /** How a grant can end: the terminal state, the audit event, and who is told. */
  private enum Ending {
    RELEASE(GrantState.REVOKED, AuditEventType.RELEASED),
    REVOKE(GrantState.REVOKED, AuditEventType.REVOKED),
    EXPIRE(GrantState.EXPIRED, AuditEventType.EXPIRED);

    final GrantState state;
    final AuditEventType event;

    Ending(GrantState state, AuditEventType event) {
      this.state = state;
      this.event = event;
    }
  }

  @Override
  public boolean release(String grantId) {
    Validate.id("grantId", grantId);
    ensureOpen();
    return end(grantId, Ending.RELEASE, null, Grant.RELEASED_REASON);
  }

  @Override
  public boolean revoke(String grantId, Subject actor, String reason) {
    Validate.id("grantId", grantId);
    Validate.notNull("actor", actor);
    Validate.requiredText("reason", reason);
    ensureOpen();
    return end(grantId, Ending.REVOKE, actor, reason);
  }

  @Override
  public int revokeAll(Subject subject, Subject actor, String reason) {
    Validate.notNull("subject", subject);
    Validate.notNull("actor", actor);
    Validate.requiredText("reason", reason);
    ensureOpen();
    List<Grant> grants;
    try {
      grants = store.findActiveBySubject(subject);
    } catch (RuntimeException e) {
      // Fail closed locally even though the store cannot tell which grants to end.
      for (LiveGrant grant : index.getOrDefault(subject, NONE)) {
        unpublish(grant.grantId);
      }
      throw new GrantStoreException("the grant store could not list the grants of " + subject
          + "; they are no longer honoured here, but their revocation is not stored", e);
    }
    int ended = 0;
    for (Grant grant : grants) {
      if (end(grant.id(), Ending.REVOKE, actor, reason)) {
        ended++;
      }
    }
    return ended;
  }

  /**
   * Ends a grant through a compare-and-set in the store, so that of several racing ends exactly one wins and
   * writes the one terminal event. A grant found already run out is expired rather than revoked or released,
   * and the call then reports {@code false}: the caller did not end it.
   */
  private boolean end(String grantId, Ending ending, @Nullable Subject actor, String reason) {
    while (true) {
      Optional<Grant> stored = readStored(grantId);
      if (stored.isEmpty() || stored.get().state().isTerminal()) {
        unpublish(grantId);
        return false;
      }
      Grant current = stored.get();
      long now = time.millis();
      boolean ranOut = now >= current.expiresAt().toEpochMilli();
      if (ending == Ending.EXPIRE && !ranOut) {
        // Extended since the timer was set (possibly by another node): wait for the new expiry.
        live.computeIfPresent(grantId, (id, working) -> {
          expiry.schedule(working, current.expiresAt().toEpochMilli());
          return working;
        });
        return false;
      }
      Ending effective = ranOut ? Ending.EXPIRE : ending;
      Grant ended = effective == Ending.EXPIRE
          ? current.ended(GrantState.EXPIRED, current.expiresAt(), Grant.EXPIRED_REASON)
          : current.ended(effective.state, Instant.ofEpochMilli(now), reason);
      if (!casStored(current, ended)) {
        continue;
      }
      unpublish(grantId);
      Map<String, String> details = effective == Ending.EXPIRE
          ? Map.of("expiresAt", current.expiresAt().toString())
          : Map.of();
      Subject by = effective == Ending.EXPIRE ? null : effective == Ending.RELEASE ? current.subject() : actor;
      if (audit.writeReducing(event(effective.event, by, ended, ended.endReason(), details))) {
        scheduleAuditRetry();
      }
      switch (effective) {
        case RELEASE -> listeners.emit("released", l -> l.onReleased(ended));
        case REVOKE -> listeners.emit("revoked", l -> l.onRevoked(ended, actor, reason));
        case EXPIRE -> listeners.emit("expired", l -> l.onExpired(ended));
      }
      return effective == ending;
    }
  }

  // ---------------------------------------------------------------- reads

  @Override
  public Optional<Grant> grant(String grantId) {
    Validate.id("grantId", grantId);
    return readStored(grantId);
  }

  @Override
  public List<Grant> activeGrants(Subject subject) {
    Validate.notNull("subject", subject);
    Instant now = time.now();
    List<Grant> result = new ArrayList<>();
    for (Grant grant : readActive(subject)) {
      if (now.isBefore(grant.expiresAt())) {
        result.add(grant);
      }
    }
    return List.copyOf(result);
  }

  @Override
  public GrantHandle acquire(AccessRequest request) {
    Validate.notNull("request", request);
    if (request.startAt() != null && request.startAt().isAfter(time.now())) {
      throw Validate.bad("startAt", request.startAt().toString(), "must not be in the future for acquire");
    }
    RequestOutcome outcome = request(request);
    if (outcome instanceof RequestOutcome.Granted granted && granted.grant().isEffectiveAt(time.now())) {
      return new GrantHandle(this, granted.grant());
    }
    throw new AccessNotGrantedException(outcome);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      expiry.close();
    }
  }

  // ---------------------------------------------------------------- the working copies

  private void publish(Grant grant) {
    LiveGrant working = new LiveGrant(grant);
    live.put(grant.id(), working);
    index.compute(grant.subject(), (subject, grants) -> {
      LiveGrant[] current = grants == null ? NONE : grants;
      LiveGrant[] next = Arrays.copyOf(current, current.length + 1);
      next[current.length] = working;
      return next;
    });
    expiry.schedule(working, grant.expiresAt().toEpochMilli());
  }

  private void unpublish(String grantId) {
    LiveGrant working = live.remove(grantId);
    if (working == null) {
      return;
    }
    expiry.cancel(working);
    index.computeIfPresent(working.subject, (subject, grants) -> {
      int at = Arrays.asList(grants).indexOf(working);
      if (at < 0) {
        return grants;
      }
      if (grants.length == 1) {
        return null;
      }
      LiveGrant[] next = new LiveGrant[grants.length - 1];
      System.arraycopy(grants, 0, next, 0, at);
      System.arraycopy(grants, at + 1, next, at, grants.length - at - 1);
      return next;
    });
  }

  // ---------------------------------------------------------------- the expiry thread

  private void onTimer(TimerWheel.Timer timer) {
    if (timer instanceof LiveGrant grant) {
      try {
        end(grant.grantId, Ending.EXPIRE, null, Grant.EXPIRED_REASON);
      } catch (RuntimeException e) {
        // The check path already denies it (time comparison); try the stored transition again later.
        log.error("could not expire grant {}; retrying", grant.grantId, e);
        live.computeIfPresent(grant.grantId, (id, working) -> {
          expiry.schedule(working, time.millis() + MAX_RETRY.toMillis());
          return working;
        });
      }
    } else if (timer == auditRetry) {
      if (audit.retryBacklog()) {
        auditRetry.backoff = FIRST_RETRY;
      } else {
        auditRetry.backoff = auditRetry.backoff.multipliedBy(2).compareTo(MAX_RETRY) > 0
            ? MAX_RETRY : auditRetry.backoff.multipliedBy(2);
        scheduleAuditRetry();
      }
    }
  }

  private void scheduleAuditRetry() {
    if (!closed && !auditRetry.isScheduled()) {
      expiry.schedule(auditRetry, time.millis() + auditRetry.backoff.toMillis());
    }
  }

  /** The timer that retries refused privilege-reducing audit events; touched by the expiry thread. */
  private static final class AuditRetry extends TimerWheel.Timer {
    volatile Duration backoff = FIRST_RETRY;
  }

  // ---------------------------------------------------------------- store and audit helpers

  private Optional<Grant> readStored(String grantId) {
    try {
      return store.findById(grantId);
    } catch (RuntimeException e) {
      unpublish(grantId);
      throw new GrantStoreException("the grant store could not read grant " + grantId
          + "; it is no longer honoured here until the store answers again", e);
    }
  }

  private List<Grant> readActive(Subject subject) {
    try {
      return store.findActiveBySubject(subject);
    } catch (RuntimeException e) {
      throw new GrantStoreException("the grant store could not list the grants of " + subject, e);
    }
  }

  private boolean casStored(Grant expected, Grant updated) {
    try {
      return store.compareAndSet(expected.version(), updated);
    } catch (RuntimeException e) {
      if (updated.state().isTerminal() || updated.expiresAt().isBefore(expected.expiresAt())) {
        // Fail closed: what was meant to end or shrink stops here even though the store did not take it.
        unpublish(expected.id());
      }
      throw new GrantStoreException("the grant store failed to update grant " + expected.id(), e);
    }
  }

  private AuditEvent event(AuditEventType type, @Nullable Subject actor, Grant grant, @Nullable String reason,
      Map<String, String> details) {
    return event(type, actor, grant.subject(), grant.resource(), grant.actions(), grant.id(), grant.requestId(),
        reason, details);
  }

  private AuditEvent event(AuditEventType type, @Nullable Subject actor, @Nullable Subject subject,
      @Nullable String resource, Set<String> actions, @Nullable String grantId, @Nullable String requestId,
      @Nullable String reason, Map<String, String> details) {
    return new AuditEvent(UUID.randomUUID().toString(), type, time.now(), actor, subject, resource, actions,
        grantId, requestId, reason, details);
  }

  private static Map<String, String> requestDetails(AccessRequest request) {
    Map<String, String> details = new LinkedHashMap<>();
    details.put("duration", request.duration().toString());
    if (request.reference() != null) {
      details.put("reference", request.reference());
    }
    if (request.startAt() != null) {
      details.put("startAt", request.startAt().toString());
    }
    if (request.breakGlass()) {
      details.put("breakGlass", "true");
    }
    return details;
  }

  private static Map<String, String> grantDetails(Grant grant) {
    Map<String, String> details = new LinkedHashMap<>();
    details.put("rule", grant.rule());
    details.put("notBefore", grant.notBefore().toString());
    details.put("expiresAt", grant.expiresAt().toString());
    if (grant.reference() != null) {
      details.put("reference", grant.reference());
    }
    return details;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the access manager is closed");
    }
  }
}
