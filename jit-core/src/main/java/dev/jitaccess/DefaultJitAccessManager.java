package dev.jitaccess;

import dev.jitaccess.AccessDecision.Code;
import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.AuditException;
import dev.jitaccess.credential.Credential;
import dev.jitaccess.credential.CredentialIssuer;
import dev.jitaccess.expiry.ExpiryScheduler;
import dev.jitaccess.expiry.ObservableClock;
import dev.jitaccess.expiry.Ticker;
import dev.jitaccess.expiry.TimerWheel;
import dev.jitaccess.internal.Validate;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.ApprovalRequirement;
import dev.jitaccess.policy.PolicyDecision;
import dev.jitaccess.store.ChangeFeed;
import dev.jitaccess.store.GrantStore;
import dev.jitaccess.store.GrantStoreException;
import dev.jitaccess.store.MalformedRecordReporter;
import jakarta.annotation.Nullable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Comparator;
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
 * {@link #index} ({@link CheckIndex}: per subject one flat record of its grants) so that {@link #check} never calls
 * the store, takes no lock and allocates nothing.
 *
 * <h2>Threads</h2>
 * <ul>
 *   <li>Application threads call everything. Checks read {@code index} (a {@link ConcurrentHashMap} read and one
 *       record; see {@link CheckIndex} for its threads and publication).</li>
 *   <li>Changes to one grant's working copy are serialised by {@code live.compute} on its id, which updates the
 *       subject's record inside (that lock first, then the index's). No lock is held during store or audit I/O.</li>
 *   <li>The expiry thread of {@link ExpiryScheduler} fires grant timers (ending them through the same
 *       compare-and-set path as a revocation), review windows, credential invalidation retries, the audit
 *       backlog, and the retries of ends the store failed to take ({@code pendingEnds}: a failing caller adds
 *       one, any end of that grant takes it out with {@code ConcurrentHashMap} operations, so each is settled
 *       once).</li>
 *   <li>A store's {@link ChangeFeed} thread reports other instances' changes; they go through the same upsert
 *       ({@code publish}) and drop ({@code unpublish}) as local ones.</li>
 *   <li>Per-subject limits are reserved in the subject's {@link CheckIndex} entry before a request's I/O and handed
 *       over atomically with the grant or pending request being counted, so racing requests of one subject cannot
 *       overshoot them.</li>
 *   <li>Extensions of one grant are serialised on its working copy, so a second never builds on a first that
 *       may still fail.</li>
 *   <li>Whichever thread reads the time may notice a wall clock step ({@link EngineTime}); it only records it in
 *       {@link ClockSteps}, and the expiry thread audits it.</li>
 * </ul>
 *
 * <h2>Linearizability with checks</h2>
 * A grant leaves the check path atomically with its working copy leaving {@code live} (its view is replaced by
 * an ended one first), a grant read as ended from the store is dropped before any caller is answered, and an
 * extension becomes visible only while checks have not yet seen the grant run out. {@code LinearizabilityTest}
 * checks concurrent histories of all of these against a sequential specification.
 */
final class DefaultJitAccessManager implements JitAccessManager {

  private static final Logger log = LoggerFactory.getLogger(DefaultJitAccessManager.class);
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  static final AccessDecision NO_SUBJECT = AccessDecision.deny(Code.NO_SUBJECT, "no subject");
  static final AccessDecision INVALID_RESOURCE = AccessDecision.deny(Code.INVALID_RESOURCE, "invalid resource name");
  static final AccessDecision INVALID_ACTION = AccessDecision.deny(Code.INVALID_ACTION, "invalid action");
  static final AccessDecision NO_GRANT = AccessDecision.deny(Code.NO_GRANT, "no active grant covers this resource and action");
  static final AccessDecision CLOSED = AccessDecision.deny(Code.CLOSED, "the access manager is closed");
  static final AccessDecision USE_NOT_AUDITED = AccessDecision.deny(Code.USE_NOT_AUDITED, "the use could not be audited");
  static final AccessDecision STALE = AccessDecision.deny(Code.STALE,
      "the grant cache is stale: the store's change feed has been silent for longer than the staleness bound");

  private static final Duration FIRST_RETRY = Duration.ofMillis(100);
  private static final Duration MAX_RETRY = Duration.ofSeconds(30);
  /** How many expiries go to the store and the audit sink together (a JDBC transaction's worth of rows). */
  static final int END_BATCH = 512;

  private final AccessPolicy policy;
  private final GrantStore store;
  private final AuditWriter audit;
  private final Listeners listeners;
  private final EngineTime time;
  private final ClockSteps clockSteps;
  private final UsageAudit usageAudit;
  private final DeniedAuditLimiter deniedLimiter;
  /** The check path's per-subject records, and the per-subject limits' counts. */
  private final CheckIndex index;
  private final ConcurrentHashMap<String, LiveGrant> live = new ConcurrentHashMap<>();
  /** The pending requests this instance knows of (its own, stored ones at start, others' through the feed). */
  private final ConcurrentHashMap<String, ReviewWindow> reviewWindows = new ConcurrentHashMap<>();
  /** The same requests' latest records, by approver and approver group, for {@link #pendingRequestsFor}. */
  private final PendingIndex pendingIndex = new PendingIndex();
  /**
   * Grants whose end the engine decided but the store did not take (it failed at the moment of expiry, or could
   * not confirm a grant just given): off the check path, and retried on the expiry thread until written. Each
   * keeps the working copy that holds the credential, which whoever ends the grant, on any path, invalidates.
   */
  private final ConcurrentHashMap<String, PendingEnd> pendingEnds = new ConcurrentHashMap<>();
  /** Grants with an extension on its way (stored, not yet visible to checks), and how many. */
  private final ConcurrentHashMap<String, Integer> extending = new ConcurrentHashMap<>();
  private final ApproverDirectory approverDirectory;
  private final PersonKey personKey;
  private final Set<Subject> administrators;
  private final Set<String> administratorGroups;
  @Nullable private final CredentialIssuer credentialIssuer;
  private final long expiryWarningMillis;
  private final long stalenessMillis;
  private final int maxPendingRequestsPerSubject;
  private final int maxActiveGrantsPerSubject;
  private final String activeGrantRefusal;
  private final String pendingRequestRefusal;
  private final int maxJustificationLength;
  private final int maxActionsPerRequest;
  /** Checks are denied after this instant unless the store's change feed says it is alive; no feed: never. */
  private volatile long freshUntil = Long.MAX_VALUE;
  @Nullable private final AutoCloseable feedSubscription;
  @Nullable private final AutoCloseable malformedSubscription;
  private final ExpiryScheduler expiry;
  private final AuditRetry auditRetry = new AuditRetry();
  private final ExpiryScheduler.Batch eachTimer = ExpiryScheduler.each(this::onTimer);
  private volatile boolean closed;

  DefaultJitAccessManager(Builder builder) {
    this.policy = builder.policy;
    this.store = builder.storeOrDefault();
    this.listeners = new Listeners(builder.listeners, builder.listenerExecutor);
    Clock clock = builder.clockOrDefault();
    Ticker ticker = clock instanceof Ticker own ? own : System::nanoTime;
    this.clockSteps = new ClockSteps(ticker);
    this.time = new EngineTime(clock, ticker, builder.clockStepThreshold.toMillis(), this::clockStepped);
    this.audit = new AuditWriter(builder.auditSinkOrDefault(), time::now);
    this.usageAudit = builder.usageAudit;
    this.deniedLimiter = new DeniedAuditLimiter(builder.deniedEventsPerMinute);
    this.approverDirectory = builder.approverDirectory;
    this.personKey = builder.personKey;
    this.administrators = builder.administrators;
    this.administratorGroups = builder.administratorGroups;
    this.credentialIssuer = builder.credentialIssuer;
    this.expiryWarningMillis = builder.expiryWarning.toMillis();
    this.stalenessMillis = builder.stalenessBound.toMillis();
    this.maxPendingRequestsPerSubject = builder.maxPendingRequestsPerSubject;
    this.maxActiveGrantsPerSubject = builder.maxActiveGrantsPerSubject;
    this.activeGrantRefusal = "too many active grants for this subject (limit " + maxActiveGrantsPerSubject + ")";
    this.pendingRequestRefusal = "too many pending requests for this subject (limit " + maxPendingRequestsPerSubject
        + ")";
    this.index = new CheckIndex(usageAudit, new CheckGate());
    this.maxJustificationLength = builder.maxJustificationLength;
    this.maxActionsPerRequest = builder.maxActionsPerRequest;
    // Before the first read, so that a record the store leaves out at start is audited too.
    this.malformedSubscription = store instanceof MalformedRecordReporter reporter
        ? reporter.onMalformedRecord(this::auditSkipped)
        : null;
    List<Grant> active;
    List<RequestRecord> pending;
    try {
      active = store.findActive();
      pending = store.findPendingRequests();
    } catch (RuntimeException e) {
      closeQuietly(malformedSubscription);
      throw new JitAccessException("cannot start: the grant store could not list the active grants and requests", e);
    }
    this.expiry = ExpiryScheduler.batched("jit-expiry-" + INSTANCES.incrementAndGet(), builder.tick, time::millis,
        this::onTimers);
    expiry.schedule(clockSteps, time.millis()); // reports a step noticed while starting, if any
    if (clock instanceof ObservableClock observable) {
      // Read at once, so that each step of the clock is seen (and audited) as it is made, not netted with the next.
      observable.addChangeListener(() -> {
        time.millis();
        expiry.wakeUp();
      });
    }
    // Grants that ran out while nothing was running are past due: the first advance expires them, audited.
    for (Grant grant : active) {
      publish(grant, time.behind());
    }
    // Likewise requests whose review window closed while nothing was running expire at once.
    for (RequestRecord request : pending) {
      watchReviewWindow(request);
    }
    this.feedSubscription = store instanceof ChangeFeed feed ? subscribe(feed) : null;
  }

  // ---------------------------------------------------------------- other instances' changes

  private AutoCloseable subscribe(ChangeFeed feed) {
    freshUntil = time.millis() + stalenessMillis;
    try {
      return feed.subscribe(new FeedListener());
    } catch (RuntimeException e) {
      expiry.close();
      closeQuietly(malformedSubscription);
      throw new JitAccessException("cannot start: the store's change feed could not be subscribed to", e);
    }
  }

  /** Applies what other instances changed. Called by the feed's thread, one call at a time. */
  private final class FeedListener implements ChangeFeed.ChangeListener {

    @Override
    public void grantChanged(String grantId) {
      refreshGrant(grantId);
    }

    @Override
    public void requestChanged(String requestId) {
      try {
        Optional<RequestRecord> stored = store.findRequest(requestId);
        if (stored.isPresent() && stored.get().state() == RequestState.PENDING) {
          watchReviewWindow(stored.get());
          // This instance may have ended the request between the read and the watch, and forgotten it before
          // the watch put it back: read again, so what is known here never outlives the request.
          stored = store.findRequest(requestId);
        }
        if (stored.isPresent() && stored.get().state() == RequestState.PENDING) {
          pendingIndex.update(stored.get());
        } else {
          cancelReviewWindow(requestId);
        }
      } catch (RuntimeException e) {
        log.warn("could not read request {} after a change on another instance", requestId, e);
      }
    }

    /** A resync failed: heartbeats do not restore trust until one succeeds (each heartbeat tries again). */
    private volatile boolean resyncOwed;

    @Override
    public void resync() {
      try {
        List<Grant> active = store.findActive();
        Set<String> stillActive = new java.util.HashSet<>();
        for (Grant grant : active) {
          stillActive.add(grant.id());
          publish(grant, time.behind());
        }
        for (String grantId : List.copyOf(live.keySet())) {
          if (!stillActive.contains(grantId)) {
            refreshGrant(grantId);
          }
        }
        Set<String> stillPending = new java.util.HashSet<>();
        for (RequestRecord request : store.findPendingRequests()) {
          stillPending.add(request.id());
          watchReviewWindow(request);
        }
        for (String requestId : pendingIndex.ids()) {
          if (!stillPending.contains(requestId)) {
            requestChanged(requestId); // ended unheard, or made here since the listing: the store says which
          }
        }
        resyncOwed = false;
        alive();
      } catch (RuntimeException e) {
        // Not knowing what changed, trust nothing until a resync succeeds.
        freshUntil = Long.MIN_VALUE;
        if (!resyncOwed) {
          log.error("could not re-read the store after its change feed lost track; every check is denied until it "
              + "does (retried on every heartbeat)", e);
        } else {
          log.debug("the store still cannot be re-read: {}", e.toString());
        }
        resyncOwed = true;
      }
    }

    @Override
    public void alive() {
      if (resyncOwed) {
        resync(); // a connected feed with a store that could not be read is not up to date
        return;
      }
      freshUntil = time.millis() + stalenessMillis;
    }
  }

  /** A record the store left out is not honoured here: said in the trail, for whoever has to repair it. */
  private void auditSkipped(MalformedRecordReporter.MalformedRecord record) {
    boolean request = "request".equals(record.kind());
    audit.writeBestEffort(event(AuditEventType.STORE_RECORD_SKIPPED, null, null, null, Set.of(),
        request ? null : record.id(), request ? record.id() : null,
        "the grant store holds a " + record.kind() + " it cannot read; it is left out and not honoured",
        Map.of("table", record.table(), "kind", record.kind(), "problem", record.problem())));
  }

  private static void closeQuietly(@Nullable AutoCloseable closeable) {
    if (closeable != null) {
      try {
        closeable.close();
      } catch (Exception e) {
        log.warn("a store subscription did not close cleanly", e);
      }
    }
  }

  /** Re-reads one grant after another instance changed it: shows it, takes its new version, or drops it. */
  private void refreshGrant(String grantId) {
    try {
      reread(grantId);
    } catch (RuntimeException e) {
      LiveGrant dropped = unpublish(grantId); // fail closed
      log.warn("could not read grant {} after a change on another instance; no longer honoured here until the"
          + " store answers again", grantId, e);
      if (dropped != null) {
        // Not forgotten: its expiry and its credential are still this instance's to handle.
        retryEnd(pendingEnds.computeIfAbsent(grantId, id -> new PendingEnd(grantId, dropped, null, "")));
      }
    }
  }

  /** Shows a grant as the store has it, or drops it as ended; throws when the store cannot say. */
  private void reread(String grantId) {
    Optional<Grant> stored = store.findById(grantId);
    if (stored.isPresent() && !stored.get().state().isTerminal()) {
      LiveGrant shown = publish(stored.get(), time.behind());
      PendingEnd parked = pendingEnds.get(grantId);
      if (parked != null && parked.ending == null && pendingEnds.remove(grantId, parked)) {
        // Dropped on a failed read, honoured again now that the store answers: with the credential it had.
        expiry.cancel(parked);
        if (shown.credential == null && parked.working != null) {
          shown.credential = parked.working.credential;
        }
      }
    } else {
      LiveGrant dropped = unpublish(grantId);
      if (stored.isPresent()) {
        ended(stored.get(), dropped);
      }
    }
  }

  // ---------------------------------------------------------------- requests

  @Override
  public RequestOutcome request(AccessRequest request) {
    return request(request, false);
  }

  /** @param bound whether a grant given at once is bound to its handle (see {@link Grant#bound()}) */
  private RequestOutcome request(AccessRequest request, boolean bound) {
    Validate.notNull("request", request);
    if (request.justification() != null && request.justification().length() > maxJustificationLength) {
      throw Validate.bad("justification", request.justification(),
          "must be at most " + maxJustificationLength + " characters (got " + request.justification().length() + ")");
    }
    Validate.requireArgument(request.actions().size() <= maxActionsPerRequest, "actions", request.actions().size(),
        "must name at most " + maxActionsPerRequest + " actions");
    if (request.startAt() != null) {
      Validate.requireArgument(!request.startAt().isAfter(time.now().plus(Validate.MAX_DURATION)), "startAt",
          request.startAt(), "must be at most " + Validate.MAX_DURATION + " ahead");
    }
    ensureOpen();
    String requestId = UUID.randomUUID().toString();
    Instant now = time.now();
    audit.writeOrThrow(event(AuditEventType.REQUESTED, request.subject(), request.subject(), request.resource(),
        request.actions(), null, requestId, request.justification(), requestDetails(request)));

    PolicyDecision decision = request.breakGlass() && request.startAt() != null && request.startAt().isAfter(now)
        ? PolicyDecision.deny("break-glass access starts at once; it cannot be scheduled")
        : evaluate(request);
    boolean grantLimit = decision instanceof PolicyDecision.Allow;
    boolean pendingLimit = decision instanceof PolicyDecision.RequireApprovals && !request.breakGlass();
    boolean limitReached = false;
    try (CheckIndex.Slot slot = grantLimit ? index.reserveGrant(request.subject(), maxActiveGrantsPerSubject)
        : pendingLimit ? index.reservePending(request.subject(), maxPendingRequestsPerSubject) : null) {
      if ((grantLimit || pendingLimit) && slot == null) {
        decision = PolicyDecision.deny(grantLimit ? activeGrantRefusal : pendingRequestRefusal);
        limitReached = true;
      }
      if (decision instanceof PolicyDecision.Allow allow) {
        return new RequestOutcome.Granted(
            grant(request, requestId, allow.rule(), allow.duration(), List.of(), now, null, slot, bound));
      }
      if (decision instanceof PolicyDecision.RequireApprovals approvals && !request.breakGlass()) {
        return awaitApprovals(request, requestId, approvals, now, slot);
      }
    }
    if (decision instanceof PolicyDecision.RequireApprovals) {
      decision = PolicyDecision.deny("break-glass access cannot wait for approvals");
    }
    String reason = decision instanceof PolicyDecision.Deny deny ? deny.reason() : "no policy rule matches the request";
    audit.writeBestEffort(event(AuditEventType.DENIED, request.subject(), request.subject(), request.resource(),
        request.actions(), null, requestId, reason, Map.of()));
    return new RequestOutcome.Denied(requestId, reason, limitReached);
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

  /**
   * Gives the grant: audited first, then stored, then visible to checks. Its time starts now (for an approved
   * request: at the last approval) or at the requested start, if later.
   *
   * @param waited the stored record of a request that waited for approvals, or {@code null}
   */
  private Grant grant(AccessRequest request, String requestId, String rule, Duration allowed,
      List<Approval> approvals, Instant now, @Nullable RequestRecord waited, @Nullable CheckIndex.Slot slot,
      boolean bound) {
    Instant start = request.startAt() != null && request.startAt().isAfter(now)
        ? Instant.ofEpochMilli(request.startAt().toEpochMilli())
        : now;
    // A policy may give less than was asked, never more.
    Duration duration = allowed.compareTo(request.duration()) < 0 ? allowed : request.duration();
    Instant expiresAt = Instant.ofEpochMilli(start.plus(duration).toEpochMilli());
    if (!expiresAt.isAfter(start)) {
      expiresAt = start.plusMillis(1);
    }
    String grantId = waited != null ? waited.grantId() : UUID.randomUUID().toString();
    Grant grant = new Grant(grantId, requestId, request.subject(), request.resource(),
        request.actions(), start, expiresAt, GrantState.ACTIVE, request.justification(), request.reference(),
        approvals, request.breakGlass(), rule, 0, null, null, bound);

    // Audit before effect: the grant exists for nobody until its events are accepted.
    if (grant.breakGlass()) {
      audit.writeOrThrow(event(AuditEventType.BREAK_GLASS, request.subject(), grant, request.justification(),
          grantDetails(grant)));
    }
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
    if (waited == null && start.isAfter(now)) {
      // Kept so that the policy can be asked again, with the request as made, when the window opens.
      rememberScheduled(request, requestId, rule, duration, now, grant.id());
    }
    if (grant.breakGlass()) {
      queueForReview(grant);
    }
    long offset = time.offsetSince(now);
    LiveGrant working = publish(grant, offset, slot);
    // A revocation may have raced between save and publish: it could not see the working copy to drop it.
    boolean endedMeanwhile;
    try {
      endedMeanwhile = readStored(grant.id()).map(g -> g.state().isTerminal()).orElse(true);
    } catch (RuntimeException e) {
      // Stored and audited, yet unconfirmed: never left behind ACTIVE for other instances to honour.
      endOrRetry(grant.id(), working, Ending.REVOKE, "the grant store failed while the grant was given");
      throw new GrantStoreException("the grant store failed while giving the grant for request " + requestId
          + "; nothing was granted: the stored grant is revoked (retried until the store takes it)", e);
    }
    if (endedMeanwhile) {
      unpublish(grant.id());
    } else {
      if (working.started) {
        issueCredential(working);
      }
      listeners.emit(grant.subject(), "granted", l -> l.onGranted(grant));
      if (grant.breakGlass()) {
        listeners.emit(grant.subject(), "break-glass", l -> l.onBreakGlass(grant));
      }
    }
    return grant;
  }

  private void rememberScheduled(AccessRequest request, String requestId, String rule, Duration duration,
      Instant now, String grantId) {
    try {
      store.saveRequest(new RequestRecord(requestId, request, rule, duration, null, List.of(), now, null,
          RequestState.GRANTED, grantId, null, 0));
    } catch (RuntimeException e) {
      // The start check then judges the request as the grant records it (without groups or attributes).
      log.warn("could not store scheduled request {}; its start check will use the grant alone", requestId, e);
    }
  }

  private void queueForReview(Grant grant) {
    try {
      store.saveReview(new BreakGlassReview(grant, grant.reference() != null ? grant.reference() : "none",
          null, null, null, 0));
    } catch (RuntimeException e) {
      // The BREAK_GLASS audit event already stands; losing the queue entry must not be silent.
      log.error("could not queue break-glass grant {} for review; review it from the audit trail", grant.id(), e);
    }
  }

  // ---------------------------------------------------------------- approvals

  private RequestOutcome awaitApprovals(AccessRequest request, String requestId,
      PolicyDecision.RequireApprovals decision, Instant now, CheckIndex.Slot slot) {
    ApprovalRequirement requirement = decision.requirement();
    Duration duration = decision.duration().compareTo(request.duration()) < 0 ? decision.duration() : request.duration();
    RequestRecord record = new RequestRecord(requestId, request, decision.rule(), duration, requirement, List.of(),
        now, now.plus(requirement.reviewWindow()), RequestState.PENDING, null, null, 0);
    try {
      store.saveRequest(record);
    } catch (RuntimeException e) {
      throw new JitAccessException("the grant store could not save request " + requestId + "; nothing is pending", e);
    }
    watchReviewWindow(record, slot);
    listeners.emit(record.requester(), "pending approval", l -> l.onPendingApproval(record));
    return new RequestOutcome.Pending(requestId, record.approvalsNeeded());
  }

  @Override
  public RequestOutcome approve(String requestId, Subject approver, @Nullable String comment) {
    Validate.id("requestId", requestId);
    Validate.notNull("approver", approver);
    Validate.text("comment", comment);
    ensureOpen();
    while (true) {
      RequestRecord current = pendingForDecision(requestId, approver);
      if (current.isApprovedBy(approver, personKey)) {
        return new RequestOutcome.Pending(requestId, current.approvalsNeeded()); // one approver counts once
      }
      if (current.approvalsNeeded() == 0) {
        throw new IllegalStateException("request " + requestId + " has all its approvals and is being granted");
      }
      Instant now = time.now();
      RequestRecord approved = current.withApproval(new Approval(approver, now, comment));
      if (!casRequest(current, approved)) {
        continue; // another approver or the review window got there first: judge again
      }
      try {
        audit.writeOrThrow(event(AuditEventType.APPROVED, approver, current.requester(), current.request().resource(),
            current.request().actions(), null, requestId, comment,
            Map.of("approvals", approved.approvals().size() + "/" + current.requirement().approvals())));
      } catch (RuntimeException e) {
        takeBackApproval(approved);
        throw e;
      }
      if (approved.approvalsNeeded() > 0) {
        return new RequestOutcome.Pending(requestId, approved.approvalsNeeded());
      }
      return new RequestOutcome.Granted(grantApproved(approved, now));
    }
  }

  /**
   * Turns a fully approved request into its grant. The grant is made first (audited, stored, visible) and the
   * request marked granted after, so a failure leaves the request pending, its last approval taken back for
   * the approver to give again; a request decided otherwise meanwhile (denied, expired) loses the grant.
   */
  private Grant grantApproved(RequestRecord approved, Instant now) {
    RequestRecord granted = approved.granted(UUID.randomUUID().toString());
    Grant grant;
    try {
      grant = grant(approved.request(), approved.id(), approved.rule(), approved.duration(), approved.approvals(),
          now, granted, null, false);
    } catch (RuntimeException e) {
      takeBackApproval(approved);
      throw e;
    }
    if (!casRequest(approved, granted)) {
      endOrRetry(grant.id(), null, Ending.REVOKE, "the request was decided otherwise meanwhile");
      throw new IllegalStateException("request " + approved.id() + " is no longer pending");
    }
    cancelReviewWindow(approved.id());
    return grant;
  }

  /** Audit before effect: an approval that could not be recorded (or granted) does not count. */
  private void takeBackApproval(RequestRecord approved) {
    if (!casRequest(approved, approved.withoutLastApproval())) {
      log.warn("could not take back the last approval of request {}: it changed meanwhile", approved.id());
    }
  }

  @Override
  public RequestOutcome deny(String requestId, Subject approver, String reason) {
    Validate.id("requestId", requestId);
    Validate.notNull("approver", approver);
    Validate.requiredText("reason", reason);
    ensureOpen();
    while (true) {
      RequestRecord current = pendingForDecision(requestId, approver);
      RequestRecord rejected = current.ended(RequestState.REJECTED, reason);
      if (!casRequest(current, rejected)) {
        continue;
      }
      cancelReviewWindow(requestId);
      if (audit.writeReducing(event(AuditEventType.REJECTED, approver, current.requester(),
          current.request().resource(), current.request().actions(), null, requestId, reason, Map.of()))) {
        scheduleAuditRetry();
      }
      listeners.emit(rejected.requester(), "request rejected", l -> l.onRequestRejected(rejected));
      return new RequestOutcome.Denied(requestId, reason);
    }
  }

  @Override
  public boolean cancel(String requestId, Subject actor) {
    Validate.id("requestId", requestId);
    Validate.notNull("actor", actor);
    ensureOpen();
    return cancel(requestId, actor, "withdrawn by " + actor);
  }

  /** Ends a pending request {@code CANCELLED}; exactly once, through the store's compare-and-set. */
  private boolean cancel(String requestId, Subject actor, String reason) {
    while (true) {
      Optional<RequestRecord> stored = readRequest(requestId);
      if (stored.isEmpty() || stored.get().state() != RequestState.PENDING) {
        return false;
      }
      RequestRecord current = stored.get();
      requireOwnerOrAdministrator(actor, current.requester(), "cancel request " + requestId);
      if (reviewClosed(current, time.millis())) {
        expireRequest(requestId); // it ended by itself first
        return false;
      }
      RequestRecord cancelled = current.ended(RequestState.CANCELLED, reason);
      if (!casRequest(current, cancelled)) {
        continue;
      }
      cancelReviewWindow(requestId);
      if (audit.writeReducing(event(AuditEventType.CANCELLED, actor, current.requester(),
          current.request().resource(), current.request().actions(), null, requestId, reason, Map.of()))) {
        scheduleAuditRetry();
      }
      listeners.emit(cancelled.requester(), "request cancelled", l -> l.onRequestCancelled(cancelled));
      return true;
    }
  }

  /**
   * Who may act on what belongs to {@code owner} (release or extend its grant, cancel its request): the owner, or
   * an administrator. The engine has no other notion of authority; revocation is left to the application.
   *
   * @throws IllegalArgumentException for anyone else
   */
  private void requireOwnerOrAdministrator(Subject actor, Subject owner, String what) {
    if (actor.equals(owner) || administrators.contains(actor)
        || !administratorGroups.isEmpty() && !java.util.Collections.disjoint(administratorGroups, groupsOf(actor))) {
      return;
    }
    throw new IllegalArgumentException("actor " + actor + " may not " + what + ": only " + owner
        + " or an administrator may");
  }

  /** The pending request an eligible approver may decide; every refusal names why and changes nothing. */
  private RequestRecord pendingForDecision(String requestId, Subject approver) {
    RequestRecord record = readRequest(requestId).orElseThrow(() -> new IllegalArgumentException(
        "requestId " + Validate.show(requestId) + " names no request"));
    if (record.state() != RequestState.PENDING) {
      throw new IllegalStateException("request " + requestId + " is no longer pending: " + record.state());
    }
    if (reviewClosed(record, time.millis())) {
      expireRequest(requestId);
      throw new IllegalStateException("request " + requestId + " is no longer pending: its review window closed at "
          + record.reviewDeadline());
    }
    if (!record.requirement().selfApprovalAllowed() && personKey.samePerson(approver, record.requester())) {
      throw new IllegalArgumentException("approver " + approver + " may not decide its own request " + requestId);
    }
    if (!record.requirement().isEligible(approver, groupsOf(approver), record.requester(), personKey)) {
      throw new IllegalArgumentException("approver " + approver + " is not eligible to decide request " + requestId);
    }
    return record;
  }

  private Set<String> groupsOf(Subject approver) {
    try {
      Set<String> groups = approverDirectory.groupsOf(approver);
      return groups != null ? groups : Set.of();
    } catch (RuntimeException e) {
      log.warn("the approver directory failed for {}; treating it as a member of no group", approver, e);
      return Set.of();
    }
  }

  @Override
  public List<RequestRecord> pendingRequests() {
    long now = time.millis();
    return readPending().stream()
        .filter(r -> r.state() == RequestState.PENDING && !reviewClosed(r, now))
        .sorted(Comparator.comparing(RequestRecord::createdAt))
        .toList();
  }

  @Override
  public Optional<RequestRecord> requestRecord(String requestId) {
    Validate.id("requestId", requestId);
    Optional<RequestRecord> stored = readRequest(requestId);
    if (stored.isPresent() && stored.get().state() == RequestState.PENDING && reviewClosed(stored.get(), time.millis())) {
      expireRequest(requestId); // report what approve and deny would find: it has ended
      return readRequest(requestId);
    }
    return stored;
  }

  /**
   * {@inheritDoc}
   *
   * <p>From what this instance knows (its own requests, the store's at start, other instances' through the change
   * feed), indexed by approver and group: the cost is that of the requests naming the approver or one of its groups,
   * not of every pending one.
   */
  @Override
  public List<RequestRecord> pendingRequestsFor(Subject approver) {
    Validate.notNull("approver", approver);
    Set<String> groups = groupsOf(approver);
    long now = time.millis();
    return pendingIndex.candidates(approver, groups).stream()
        .filter(r -> r.state() == RequestState.PENDING && !reviewClosed(r, now)
            && r.requirement().isEligible(approver, groups, r.requester(), personKey)
            && !r.isApprovedBy(approver, personKey))
        .sorted(Comparator.comparing(RequestRecord::createdAt))
        .toList();
  }

  /** Ends a request whose review window closed; exactly once, through the store's compare-and-set. */
  private void expireRequest(String requestId) {
    while (true) {
      Optional<RequestRecord> stored = readRequest(requestId);
      if (stored.isEmpty() || stored.get().state() != RequestState.PENDING) {
        forgetReviewWindow(requestId);
        return;
      }
      RequestRecord current = stored.get();
      if (!reviewClosed(current, time.millis())) {
        watchReviewWindow(current);
        return;
      }
      RequestRecord expired = current.ended(RequestState.EXPIRED, "review window closed");
      if (!casRequest(current, expired)) {
        continue;
      }
      forgetReviewWindow(requestId);
      if (audit.writeReducing(event(AuditEventType.EXPIRED, null, current.requester(), current.request().resource(),
          current.request().actions(), null, requestId, expired.endReason(),
          Map.of("reviewDeadline", current.reviewDeadline().toString(),
              "approvals", current.approvals().size() + "/" + current.requirement().approvals())))) {
        scheduleAuditRetry();
      }
      listeners.emit(expired.requester(), "request expired", l -> l.onRequestExpired(expired));
      return;
    }
  }

  private ReviewWindow watchReviewWindow(RequestRecord request) {
    return watchReviewWindow(request, null);
  }

  /** @param slot the reservation under the pending-request limit, handed over if the request is new here */
  private ReviewWindow watchReviewWindow(RequestRecord request, @Nullable CheckIndex.Slot slot) {
    pendingIndex.put(request);
    ReviewWindow window = reviewWindows.computeIfAbsent(request.id(), id -> {
      index.pendingAdded(request.requester(), slot); // counted atomically with the window appearing
      return new ReviewWindow(id, request.requester(), time.behind());
    });
    expiry.schedule(window, request.reviewDeadline().toEpochMilli() + window.offset);
    return window;
  }

  /**
   * Whether the review window of a request has closed at engine time {@code now}: with the offset this instance
   * watches it with (as for grants, see {@link LiveGrant.View#offset}), so that no step back of the clock reopens
   * or lengthens it; for a request not watched here, as the clock stands.
   */
  private boolean reviewClosed(RequestRecord request, long now) {
    ReviewWindow window = reviewWindows.get(request.id());
    long offset = window != null ? window.offset : time.behind();
    return now >= request.reviewDeadline().toEpochMilli() + offset;
  }

  private void cancelReviewWindow(String requestId) {
    ReviewWindow window = forgetReviewWindow(requestId);
    if (window != null) {
      expiry.cancel(window);
    }
  }

  /** Stops counting a request as pending here (of several racing callers, the one that removes it). */
  @Nullable
  private ReviewWindow forgetReviewWindow(String requestId) {
    pendingIndex.remove(requestId);
    ReviewWindow window = reviewWindows.remove(requestId);
    if (window != null) {
      index.pendingRemoved(window.requester);
    }
    return window;
  }

  /** The timer of one pending request's review window. */
  private static final class ReviewWindow extends TimerWheel.Timer {
    final String requestId;
    /** Whose request it is: what the limit of pending requests per subject counts. */
    final Subject requester;
    /** From the request's wall instants to engine time: the clock's steps back seen when it was first watched. */
    final long offset;

    ReviewWindow(String requestId, Subject requester, long offset) {
      this.requestId = requestId;
      this.requester = requester;
      this.offset = offset;
    }
  }

  // ---------------------------------------------------------------- break-glass reviews

  @Override
  public List<BreakGlassReview> breakGlassReviews() {
    return fromStore("list the break-glass reviews", store::findOpenReviews).stream()
        .sorted(Comparator.comparing(r -> r.grant().notBefore()))
        .toList();
  }

  @Override
  public boolean acknowledgeReview(String grantId, Subject reviewer, @Nullable String comment) {
    Validate.id("grantId", grantId);
    Validate.notNull("reviewer", reviewer);
    Validate.text("comment", comment);
    ensureOpen();
    while (true) {
      BreakGlassReview review = readReview(grantId).orElseThrow(() -> new IllegalArgumentException(
          "grantId " + Validate.show(grantId) + " names no break-glass grant"));
      if (personKey.samePerson(review.grant().subject(), reviewer)) {
        throw new IllegalArgumentException("reviewer " + reviewer + " may not review its own break-glass access");
      }
      if (review.isAcknowledged()) {
        return false;
      }
      BreakGlassReview done = review.acknowledged(reviewer, time.now(), comment);
      if (fromStore("record the review of grant " + grantId, () -> store.compareAndSetReview(review.version(), done))) {
        if (audit.writeReducing(event(AuditEventType.BREAK_GLASS_REVIEWED, reviewer, review.grant(), comment,
            Map.of("incident", review.incident())))) {
          scheduleAuditRetry();
        }
        return true;
      }
    }
  }

  // ---------------------------------------------------------------- the check path

  @Override
  public AccessDecision check(@Nullable Subject subject, @Nullable String resource, @Nullable String action) {
    return check(subject, resource, action, null);
  }

  /** {@link GrantHandle#check}: by the handle's grant alone, which may be bound to it. */
  AccessDecision checkHeld(Grant held, @Nullable String resource, @Nullable String action) {
    return check(held.subject(), resource, action, held.id());
  }

  /**
   * @param heldId {@code null} for an ordinary check, which no bound grant allows; else the one grant that may
   *     allow, bound or not (a handle's check)
   */
  private AccessDecision check(@Nullable Subject subject, @Nullable String resource, @Nullable String action,
      @Nullable String heldId) {
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
    if (now > freshUntil) {
      return denied(subject, resource, action, STALE, now);
    }
    LiveGrant held = heldId == null ? null : live.get(heldId);
    if (heldId == null || held != null) {
      AccessDecision decision = index.check(subject, resource, action, now, held);
      if (decision != null) {
        return decision;
      }
    }
    if (!ResourcePattern.isName(resource)) {
      return denied(subject, resource, action, INVALID_RESOURCE, now);
    }
    if (!Validate.isAction(action)) {
      return denied(subject, resource, action, INVALID_ACTION, now);
    }
    return denied(subject, resource, action, NO_GRANT, now);
  }

  /** What the check index asks of the engine on its rare paths. */
  private final class CheckGate implements CheckIndex.Gate {

    @Override
    public boolean allowedAtStart(LiveGrant grant, Grant version) {
      return DefaultJitAccessManager.this.allowedAtStart(grant, version);
    }

    @Override
    public boolean audited(Grant grant, String resource, String action) {
      try {
        audit.writeOrThrow(usedEvent(grant, resource, action));
        return true;
      } catch (AuditException e) {
        log.warn("{}; the check is denied", e.getMessage(), e.getCause());
        return false;
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
    return denied(subject, resource, action, decision, time.millis());
  }

  /** @param now engine time as the check already read it */
  private AccessDecision denied(@Nullable Subject subject, @Nullable String resource, @Nullable String action,
      AccessDecision decision, long now) {
    long heldBack = deniedLimiter.admit(subject, now);
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
    return extendAs(grantId, more, justification, null);
  }

  @Override
  public Grant extend(String grantId, Duration more, @Nullable String justification, Subject actor) {
    return extendAs(grantId, more, justification, Validate.notNull("actor", actor));
  }

  /** @param actor who extends; {@code null} for the holder */
  private Grant extendAs(String grantId, Duration more, @Nullable String justification, @Nullable Subject actor) {
    Validate.id("grantId", grantId);
    Validate.duration("more", more);
    Validate.text("justification", justification);
    ensureOpen();
    LiveGrant working = live.get(grantId);
    if (working == null) {
      return extendStored(grantId, more, justification, actor);
    }
    // One extension of a grant at a time here: a second one must not build on a first that may still fail.
    synchronized (working) {
      return extendStored(grantId, more, justification, actor);
    }
  }

  private Grant extendStored(String grantId, Duration more, @Nullable String justification, @Nullable Subject actor) {
    while (true) {
      Grant current = readStored(grantId)
          .orElseThrow(() -> new IllegalArgumentException("grantId " + Validate.show(grantId) + " names no grant"));
      Subject by = actor != null ? actor : current.subject();
      requireOwnerOrAdministrator(by, current.subject(), "extend grant " + grantId);
      long now = time.millis();
      long runsOutAt = runsOutAt(current, now);
      if (current.state().isTerminal() || now >= runsOutAt) {
        throw new IllegalStateException("grant " + grantId + " has ended ("
            + (current.state().isTerminal() ? current.state() : "ran out at " + ranOutAt(current, runsOutAt)) + ")");
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
      extending.merge(grantId, 1, Integer::sum);
      try {
        if (!casStored(current, extended)) {
          continue; // changed meanwhile: judge the new state
        }
        try {
          audit.writeOrThrow(event(AuditEventType.EXTENDED, by, extended, justification,
              Map.of("previousExpiresAt", current.expiresAt().toString(), "expiresAt", extended.expiresAt().toString())));
        } catch (AuditException e) {
          // Audit before effect: take the extension back; the working copy was never changed.
          if (!casStored(extended, extended.withExpiresAt(current.expiresAt()))) {
            log.warn("could not take back the unaudited extension of grant {}: it changed meanwhile", grantId);
          }
          throw e;
        }
        if (!showExtension(extended)) {
          // Checks here saw the grant run out first: it ended then, and the extension came too late.
          end(grantId, Ending.EXPIRE, null, Grant.EXPIRED_REASON);
          throw new IllegalStateException("grant " + grantId + " has ended (ran out at " + current.expiresAt()
              + ", before the extension could take effect)");
        }
        extendCredential(extended);
        listeners.emit(extended.subject(), "extended", l -> l.onExtended(extended));
        return extended;
      } finally {
        extending.computeIfPresent(grantId, (id, n) -> n == 1 ? null : n - 1);
      }
    }
  }

  /**
   * Makes a stored, audited extension visible to checks, unless checks here have already seen the grant run
   * out (time passed its old expiry while the extension was on its way): a grant that ran out is never
   * revived, which keeps extensions linearizable with checks.
   *
   * @return whether the extension is in effect
   */
  private boolean showExtension(Grant extended) {
    // No working copy: the grant ended meanwhile, so the extension is not in effect.
    boolean[] shown = {false};
    live.computeIfPresent(extended.id(), (id, working) -> {
      LiveGrant.View before = working.view;
      if (before.grant.version() >= extended.version()) {
        shown[0] = true;
        return working;
      }
      // Checks and ends read the clock, then the view; this writes the view, then reads the clock. So either
      // this sees the time at which one of them found the grant run out, or that one sees the pending view and
      // settles it as lost (LiveGrant.viewAt): an extension never revives a grant anyone saw run out.
      LiveGrant.View pending = before.extendingTo(extended);
      working.view = pending;
      if (time.millis() < before.expiresAt && working.commitExtension(pending)) {
        index.refresh(working);
        viewChanged(working);
        shown[0] = true;
      } else {
        working.withdrawExtension(pending);
      }
      return working;
    });
    return shown[0];
  }

  // ---------------------------------------------------------------- ends

  /**
   * When the grant runs out as far as ending it goes, in engine time: its stored expiry, with the offset this
   * instance shows it with (so a clock stepped back lengthens it no more here than for checks), except while an
   * extension of this instance is on its way (stored, not yet shown to checks): then the expiry checks still see,
   * because an extension that arrives after that may not revive the grant (see {@link #showExtension}).
   */
  private long runsOutAt(Grant stored, long now) {
    LiveGrant working = live.get(stored.id());
    if (working == null) {
      return stored.expiresAt().toEpochMilli() + time.behind();
    }
    long runsOutAt = stored.expiresAt().toEpochMilli() + working.view.offset;
    return extending.containsKey(stored.id()) ? Math.min(working.viewAt(now).expiresAt, runsOutAt) : runsOutAt;
  }

  /**
   * The wall time a grant that ran out at engine time {@code runsOutAt} ended at: within its window, which a step
   * back of the clock since it was made would otherwise leave behind.
   */
  private Instant ranOutAt(Grant grant, long runsOutAt) {
    long wall = runsOutAt - time.behind();
    return Instant.ofEpochMilli(
        Math.max(grant.notBefore().toEpochMilli(), Math.min(grant.expiresAt().toEpochMilli(), wall)));
  }

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
  public boolean release(String grantId, Subject actor) {
    Validate.id("grantId", grantId);
    Validate.notNull("actor", actor);
    ensureOpen();
    return end(grantId, Ending.RELEASE, actor, Grant.RELEASED_REASON);
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
      for (LiveGrant grant : index.grants(subject)) {
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
        return false;
      }
      Grant current = stored.get();
      if (ending == Ending.RELEASE && actor != null) {
        requireOwnerOrAdministrator(actor, current.subject(), "release grant " + grantId);
      }
      long now = time.millis();
      long runsOutAt = runsOutAt(current, now);
      boolean ranOut = now >= runsOutAt;
      if (ending == Ending.EXPIRE && !ranOut) {
        // Extended since the timer was set (possibly by another node): wait for the new expiry. An extension
        // of this instance still on its way shows itself (or is withdrawn): look again shortly.
        live.computeIfPresent(grantId, (id, working) -> {
          if (working.view.grant.version() < current.version() && !extending.containsKey(grantId)) {
            applyView(working, current, working.view.offset);
          } else {
            expiry.schedule(working, Math.max(nextDeadline(working), now + 1));
          }
          return working;
        });
        return false;
      }
      Ending effective = ranOut ? Ending.EXPIRE : ending;
      Instant ranOutAt = ranOutAt(current, runsOutAt);
      Grant ended = effective == Ending.EXPIRE
          ? current.ended(GrantState.EXPIRED, ranOutAt, Grant.EXPIRED_REASON)
          : current.ended(effective.state, time.now(), reason);
      if (!casStored(current, ended)) {
        continue;
      }
      Subject by = effective == Ending.EXPIRE ? null
          : effective == Ending.RELEASE && actor == null ? current.subject() : actor;
      if (audit.writeReducing(endedEvent(effective, by, ended, ranOutAt))) {
        scheduleAuditRetry();
      }
      tellEnded(effective, ended, actor, reason);
      return effective == ending;
    }
  }

  /**
   * After the store took the end: the grant leaves this instance (its credential invalidated) and its one terminal
   * event is made.
   */
  private AuditEvent endedEvent(Ending effective, @Nullable Subject by, Grant ended, Instant ranOutAt) {
    Map<String, String> details = new LinkedHashMap<>(ended(ended, unpublish(ended.id())));
    if (effective == Ending.EXPIRE) {
      details.put("expiresAt", ranOutAt.toString());
    }
    return event(effective.event, by, ended, ended.endReason(), details);
  }

  private void tellEnded(Ending effective, Grant ended, @Nullable Subject actor, String reason) {
    switch (effective) {
      case RELEASE -> listeners.emit(ended.subject(), "released", l -> l.onReleased(ended));
      case REVOKE -> listeners.emit(ended.subject(), "revoked", l -> l.onRevoked(ended, actor, reason));
      case EXPIRE -> listeners.emit(ended.subject(), "expired", l -> l.onExpired(ended));
    }
  }

  /**
   * Expires grants whose timers fired together, {@value #END_BATCH} at a time: one {@link GrantStore#compareAndSetAll}
   * with the versions this instance shows, one {@link AuditWriter#writeReducingAll}. Per grant it is the end
   * {@link #end} makes, in the same order (stored, off the check path with its credential invalidated, audited,
   * told). A grant whose row the store did not take (changed by another instance, extended on its way here, or the
   * store failed) goes the one-grant way, which re-reads it and retries until the store takes its end.
   */
  private void expireAll(List<LiveGrant> due) {
    for (int from = 0; from < due.size(); from += END_BATCH) {
      expireBatch(due.subList(from, Math.min(due.size(), from + END_BATCH)));
    }
  }

  private void expireBatch(List<LiveGrant> due) {
    long now = time.millis();
    List<LiveGrant> batched = new ArrayList<>(due.size());
    List<GrantStore.Update> updates = new ArrayList<>(due.size());
    List<Instant> ranOut = new ArrayList<>(due.size());
    for (LiveGrant working : due) {
      Grant shown = working.view.grant;
      long runsOutAt = runsOutAt(shown, now);
      if (now < runsOutAt || working.view.extension != null) {
        onTimer(working); // an extension arrived or is on its way: the one-grant way settles it
        continue;
      }
      Instant at = ranOutAt(shown, runsOutAt);
      batched.add(working);
      ranOut.add(at);
      updates.add(new GrantStore.Update(shown.version(), shown.ended(GrantState.EXPIRED, at, Grant.EXPIRED_REASON)));
    }
    if (updates.isEmpty()) {
      return;
    }
    boolean[] replaced;
    try {
      replaced = store.compareAndSetAll(updates);
    } catch (RuntimeException e) {
      log.warn("the grant store failed on a batch of {} expiries; each is retried on its own: {}", updates.size(),
          e.toString());
      replaced = new boolean[updates.size()];
    }
    List<AuditEvent> events = new ArrayList<>(updates.size());
    List<Grant> ended = new ArrayList<>(updates.size());
    for (int i = 0; i < replaced.length; i++) {
      if (replaced[i]) {
        Grant grant = updates.get(i).updated();
        events.add(endedEvent(Ending.EXPIRE, null, grant, ranOut.get(i)));
        ended.add(grant);
      } else {
        endOrRetry(batched.get(i).grantId, batched.get(i), Ending.EXPIRE, Grant.EXPIRED_REASON);
      }
    }
    if (audit.writeReducingAll(events)) {
      scheduleAuditRetry();
    }
    for (Grant grant : ended) {
      tellEnded(Ending.EXPIRE, grant, null, Grant.EXPIRED_REASON);
    }
  }

  /**
   * Ends a grant on the engine's own decision (its expiry, a refusal at its start, a credential that could not
   * be issued, a grant the store could not confirm). When the store fails, the end is not abandoned: the grant
   * stays off the check path (the failing call took it off) and the end is retried until the store takes it.
   *
   * @param working the grant's working copy, when the caller holds it (it may already be off the check path)
   */
  private void endOrRetry(String grantId, @Nullable LiveGrant working, Ending ending, String reason) {
    LiveGrant copy = working != null ? working : live.get(grantId);
    try {
      end(grantId, ending, null, reason);
    } catch (RuntimeException e) {
      unpublish(grantId); // fail closed, whatever failed
      log.error("the grant store did not take the end ({}) of grant {}; retrying until it does", ending, grantId, e);
      // An end supersedes a mere re-read (see refreshGrant) of the same grant; a first end stands.
      PendingEnd pending = pendingEnds.compute(grantId, (id, old) -> old != null && old.ending != null ? old
          : new PendingEnd(grantId, copy != null || old == null ? copy : old.working, ending, reason));
      retryEnd(pending);
    }
  }

  private void retryEnd(PendingEnd pending) {
    if (scheduleRetry(pending, pending.backoff)) {
      pending.backoff = doubled(pending.backoff);
    }
  }

  /** Schedules a retry timer {@code backoff} from now, unless the manager is closed; whether it did. */
  private boolean scheduleRetry(TimerWheel.Timer retry, Duration backoff) {
    if (closed) {
      return false;
    }
    expiry.schedule(retry, time.millis() + backoff.toMillis());
    return true;
  }

  /** A retry of {@link #endOrRetry} (or of a failed {@link #refreshGrant}) is due. Runs on the expiry thread. */
  private void onPendingEnd(PendingEnd pending) {
    if (pendingEnds.get(pending.grantId) != pending) {
      return; // settled, or superseded by an end
    }
    try {
      if (pending.ending == null) {
        reread(pending.grantId);
      } else {
        end(pending.grantId, pending.ending, null, pending.reason);
      }
    } catch (RuntimeException e) {
      log.warn("the grant store still cannot settle grant {}; retrying in {}: {}", pending.grantId,
          pending.backoff, e.toString());
      retryEnd(pending);
      return;
    }
    // The store answered: the grant is shown again, has ended (now or before), is gone, or was extended
    // elsewhere. Whatever is still held here does not outlive this answer.
    if (pendingEnds.remove(pending.grantId, pending) && pending.working != null) {
      invalidateCredential(pending.working.view.grant, pending.working);
    }
  }

  /**
   * An end the store has yet to take, or (no {@link #ending}) a grant dropped on a failed read that the store
   * must be asked about again; retried on the expiry thread with growing backoff.
   */
  private static final class PendingEnd extends TimerWheel.Timer {
    final String grantId;
    /** The working copy taken off the check path, with its credential; null when there was none here. */
    @Nullable final LiveGrant working;
    @Nullable final Ending ending;
    final String reason;
    /** Written by the thread that schedules the retry: the failing caller first, then the expiry thread. */
    volatile Duration backoff = FIRST_RETRY;

    PendingEnd(String grantId, @Nullable LiveGrant working, @Nullable Ending ending, String reason) {
      this.grantId = grantId;
      this.working = working;
      this.ending = ending;
      this.reason = reason;
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
    return acquire(request, false);
  }

  @Override
  public GrantHandle acquireBound(AccessRequest request) {
    return acquire(request, true);
  }

  /** Access now or nothing: a request that waits for approvals is cancelled, a grant not effective now released. */
  private GrantHandle acquire(AccessRequest request, boolean bound) {
    Validate.notNull("request", request);
    if (request.startAt() != null && request.startAt().isAfter(time.now())) {
      throw Validate.bad("startAt", request.startAt().toString(), "must not be in the future for acquire");
    }
    RequestOutcome outcome = request(request, bound);
    if (outcome instanceof RequestOutcome.Granted granted && granted.grant().isEffectiveAt(time.now())) {
      return new GrantHandle(this, granted.grant(), credential(granted.grant().id()).orElse(null));
    }
    try {
      if (outcome instanceof RequestOutcome.Pending pending
          && !cancel(pending.requestId(), request.subject(), "acquire does not wait for approvals")) {
        // Approved in the meantime: the grant is nobody's to use, as acquire already answered no.
        readRequest(pending.requestId()).map(RequestRecord::grantId).ifPresent(this::release);
      } else if (outcome instanceof RequestOutcome.Granted granted) {
        release(granted.grant().id());
      }
    } catch (RuntimeException e) {
      // Left to its review window or its expiry, which end it all the same.
      log.warn("could not withdraw request {}, which acquire could not use", outcome.requestId(), e);
    }
    throw new AccessNotGrantedException(outcome);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      closeQuietly(feedSubscription);
      closeQuietly(malformedSubscription);
      expiry.close();
      listeners.close();
    }
  }

  // ---------------------------------------------------------------- the working copies

  /**
   * Makes an active grant visible to checks and schedules its timer; for a grant already visible (this
   * instance's own change, reported back by a change feed) it only takes a newer version or a smaller offset.
   *
   * @param offset from the grant's wall instants to engine time ({@link LiveGrant.View#offset}): the steps back
   *     of the clock seen so far, so none seen later lengthens the grant
   */
  private LiveGrant publish(Grant grant, long offset) {
    return publish(grant, offset, null);
  }

  /** @param slot this instance's reservation under the active-grant limit, handed over if the grant is new here */
  private LiveGrant publish(Grant grant, long offset, @Nullable CheckIndex.Slot slot) {
    return live.compute(grant.id(), (id, existing) -> {
      if (existing != null) {
        long kept = Math.min(existing.view.offset, offset);
        // This instance's own extension on its way is shown by showExtension alone, which never revives a
        // grant that ran out meanwhile; the change feed reporting it back early must not show it unchecked.
        if (existing.view.grant.version() < grant.version() && !extending.containsKey(id)) {
          applyView(existing, grant, kept);
        } else if (kept < existing.view.offset && existing.view.extension == null) {
          // The change feed showed this instance's new grant first, with a step back of the clock counted.
          applyView(existing, existing.view.grant, kept);
        }
        return existing;
      }
      LiveGrant working = new LiveGrant(grant, offset);
      long notBefore = grant.notBefore().toEpochMilli();
      // A grant that starts later is looked at again when it starts; one too short to warn about is not warned.
      working.started = working.view.notBefore <= time.millis();
      working.warned = expiryWarningMillis == 0
          || grant.expiresAt().toEpochMilli() - expiryWarningMillis <= notBefore;
      index.add(working, slot);
      expiry.schedule(working, nextDeadline(working));
      return working;
    });
  }

  /** Takes a newer version of a visible grant (an extension): the check path, the warning and the timer. */
  private void applyView(LiveGrant working, Grant grant, long offset) {
    working.view = new LiveGrant.View(grant, offset);
    index.refresh(working);
    viewChanged(working);
  }

  /** After a new view of the grant: its expiry warning and its timer. */
  private void viewChanged(LiveGrant working) {
    working.warned = expiryWarningMillis == 0
        || working.warned && working.view.expiresAt - expiryWarningMillis <= time.millis();
    expiry.schedule(working, nextDeadline(working));
  }

  /** When the grant's timer must fire next: at its start, at its expiry warning, or at its expiry. */
  private long nextDeadline(LiveGrant grant) {
    LiveGrant.View view = grant.view;
    if (!grant.started) {
      return view.notBefore;
    }
    if (!grant.warned) {
      return view.expiresAt - expiryWarningMillis;
    }
    return view.expiresAt;
  }

  @Nullable
  private LiveGrant unpublish(String grantId) {
    LiveGrant[] removed = new LiveGrant[1];
    live.computeIfPresent(grantId, (id, working) -> {
      // Denied from this instant, atomically with leaving the map: whoever next finds the grant gone (and
      // reports it ended) cannot be followed by a check that still reads it from a subject's record, which it
      // leaves in the same step.
      working.view = working.view.ended();
      index.remove(working);
      removed[0] = working;
      return null;
    });
    LiveGrant working = removed[0];
    if (working == null) {
      return null;
    }
    expiry.cancel(working);
    return working;
  }

  // ---------------------------------------------------------------- credentials

  /**
   * Issues the credential of a grant that just became effective. Fail closed: a grant whose credential cannot
   * be issued is revoked, and the caller hears why.
   */
  private void issueCredential(LiveGrant working) {
    if (credentialIssuer == null) {
      return;
    }
    Grant grant = working.view.grant;
    try {
      Credential credential = credentialIssuer.issue(grant);
      if (credential == null || !grant.id().equals(credential.grantId())) {
        throw new IllegalStateException("the issuer returned no credential for this grant");
      }
      working.credential = credential;
    } catch (RuntimeException e) {
      log.error("credential issuer {} failed for grant {}; the grant is revoked", credentialIssuer.getClass().getName(),
          grant.id(), e);
      endOrRetry(grant.id(), working, Ending.REVOKE, "no credential could be issued");
      throw new JitAccessException("no credential could be issued for grant " + grant.id()
          + "; the grant was revoked", e);
    }
  }

  @Override
  public Optional<Credential> credential(String grantId) {
    Validate.id("grantId", grantId);
    LiveGrant working = live.get(grantId);
    return working == null ? Optional.empty() : Optional.ofNullable(working.credential);
  }

  /**
   * The grant has ended in the store: the credential of its working copy (the one just taken off the check
   * path, and the one an end still to be written kept) is invalidated, and that end's retry is called off.
   */
  private Map<String, String> ended(Grant ended, @Nullable LiveGrant unpublished) {
    Map<String, String> details = invalidateCredential(ended, unpublished);
    PendingEnd pending = pendingEnds.remove(ended.id());
    if (pending != null) {
      expiry.cancel(pending);
      if (pending.working != unpublished) {
        invalidateCredential(ended, pending.working);
      }
    }
    return details;
  }

  /**
   * Invalidates the credential of an ended grant; a failure is retried with backoff until it succeeds.
   *
   * @return what the issuer reported for the end's audit event (the sessions a database login had), when the
   *     first attempt succeeded
   */
  private Map<String, String> invalidateCredential(Grant ended, @Nullable LiveGrant working) {
    Credential credential = working == null ? null : working.credential;
    if (credentialIssuer == null || credential == null) {
      return Map.of();
    }
    Invalidation invalidation = new Invalidation(ended, credential);
    if (!invalidation.attempt(credentialIssuer)) {
      scheduleRetry(invalidation, invalidation.backoff);
      return Map.of("credential", "invalidation pending");
    }
    return invalidation.details;
  }

  private static Duration doubled(Duration backoff) {
    Duration twice = backoff.multipliedBy(2);
    return twice.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : twice;
  }

  /** Makes the grant's credential follow its extension; a failure is retried with backoff while it matters. */
  private void extendCredential(Grant extended) {
    LiveGrant working = live.get(extended.id());
    if (credentialIssuer == null || working == null || working.credential == null) {
      return;
    }
    CredentialExtension extension = new CredentialExtension(extended);
    if (!extension.attempt()) {
      scheduleRetry(extension, extension.backoff);
    }
  }

  /**
   * A credential still to extend, retried on the expiry thread with growing backoff until it succeeds, the grant
   * ends (its credential is then invalidated instead) or a later extension takes over.
   */
  private final class CredentialExtension extends TimerWheel.Timer {
    final Grant grant;
    Duration backoff = FIRST_RETRY;
    int failures;

    CredentialExtension(Grant grant) {
      this.grant = grant;
    }

    /** Tries once; {@code true} when done or no longer needed. Reports a failure (never the secret). */
    boolean attempt() {
      LiveGrant working = live.get(grant.id());
      if (working == null || working.credential == null || working.view.grant.version() != grant.version()) {
        return true;
      }
      try {
        Credential extended = credentialIssuer.extend(grant, working.credential);
        if (extended == null || !grant.id().equals(extended.grantId())) {
          throw new IllegalStateException("the issuer returned no credential for grant " + grant.id());
        }
        working.credential = extended;
        if (failures > 0) {
          log.warn("the credential of grant {} was extended after {} failed attempts", grant.id(), failures);
        }
        return true;
      } catch (RuntimeException e) {
        failures++;
        log.error("could not extend the credential of grant {} to {} (attempt {}); retrying in {}", grant.id(),
            grant.expiresAt(), failures, backoff, e);
        backoff = doubled(backoff);
        return false;
      }
    }
  }

  /** A credential still to invalidate, retried on the expiry thread with growing backoff. */
  private static final class Invalidation extends TimerWheel.Timer {
    final Grant grant;
    final Credential credential;
    /** What the issuer said about the last successful attempt, for the audit; read by the thread that made it. */
    Map<String, String> details = Map.of();
    Duration backoff = FIRST_RETRY;
    int failures;

    Invalidation(Grant grant, Credential credential) {
      this.grant = grant;
      this.credential = credential;
    }

    /** Tries once; on failure reports it (never the secret) and doubles the backoff. */
    boolean attempt(CredentialIssuer issuer) {
      try {
        Map<String, String> described = issuer.invalidateAndDescribe(grant, credential);
        details = described == null ? Map.of() : described;
        if (failures > 0) {
          log.warn("the credential of grant {} was invalidated after {} failed attempts", grant.id(), failures);
        }
        return true;
      } catch (RuntimeException e) {
        failures++;
        log.error("could not invalidate the credential of grant {} (attempt {}); retrying in {}", grant.id(),
            failures, backoff, e);
        backoff = doubled(backoff);
        return false;
      }
    }
  }

  // ---------------------------------------------------------------- the expiry thread

  /**
   * The timers one advance found due: grants that ran out are expired together ({@link #expireAll}), every other
   * timer on its own, guarded so that one that throws skips no other.
   */
  private void onTimers(List<TimerWheel.Timer> due) {
    long now = time.millis();
    List<LiveGrant> expiring = null;
    List<TimerWheel.Timer> others = null;
    for (int i = 0, n = due.size(); i < n; i++) {
      TimerWheel.Timer timer = due.get(i);
      if (timer instanceof LiveGrant grant && now >= grant.view.expiresAt) {
        (expiring == null ? expiring = new ArrayList<>() : expiring).add(grant);
      } else {
        (others == null ? others = new ArrayList<>() : others).add(timer);
      }
    }
    if (others != null) {
      eachTimer.fire(others);
    }
    if (expiring != null) {
      try {
        expireAll(expiring);
      } catch (RuntimeException e) {
        // Not one of the store's failures (those are retried per grant): each still left is retried later.
        log.error("could not expire a batch of {} grants; retrying each", expiring.size(), e);
        for (LiveGrant grant : expiring) {
          live.computeIfPresent(grant.grantId, (id, working) -> {
            expiry.schedule(working, time.millis() + MAX_RETRY.toMillis());
            return working;
          });
        }
      }
    }
  }

  private void onTimer(TimerWheel.Timer timer) {
    if (timer instanceof LiveGrant grant) {
      try {
        onGrantTimer(grant);
      } catch (RuntimeException e) {
        // The check path already denies it (time comparison); try the stored transition again later.
        log.error("could not expire grant {}; retrying", grant.grantId, e);
        live.computeIfPresent(grant.grantId, (id, working) -> {
          expiry.schedule(working, time.millis() + MAX_RETRY.toMillis());
          return working;
        });
      }
    } else if (timer instanceof PendingEnd pending) {
      onPendingEnd(pending);
    } else if (timer instanceof Invalidation invalidation) {
      if (!invalidation.attempt(credentialIssuer)) {
        scheduleRetry(invalidation, invalidation.backoff);
      }
    } else if (timer instanceof CredentialExtension extension) {
      if (!extension.attempt()) {
        scheduleRetry(extension, extension.backoff);
      }
    } else if (timer instanceof ReviewWindow window) {
      try {
        expireRequest(window.requestId);
      } catch (RuntimeException e) {
        log.error("could not expire request {}; retrying", window.requestId, e);
        expiry.schedule(window, time.millis() + MAX_RETRY.toMillis());
      }
    } else if (timer == auditRetry) {
      if (audit.retryBacklog()) {
        auditRetry.backoff = FIRST_RETRY;
      } else {
        auditRetry.backoff = doubled(auditRetry.backoff);
        scheduleAuditRetry();
      }
    } else if (timer == clockSteps) {
      reportClockSteps();
    }
  }

  /**
   * {@link EngineTime} re-anchored to a clock that stepped: the step is audited from the expiry thread, so the
   * thread that noticed it (perhaps a check) only takes note. A step noticed before the scheduler exists is
   * reported by the first run of the timer, which the constructor schedules.
   */
  private void clockStepped(long stepMillis, long wallMillis, long engineMillis) {
    clockSteps.add(stepMillis, wallMillis);
    ExpiryScheduler scheduler = expiry;
    if (scheduler != null && !closed) {
      try {
        scheduler.schedule(clockSteps, engineMillis);
      } catch (IllegalStateException closedMeanwhile) {
        log.debug("a clock step noticed while closing is not audited");
      }
    }
  }

  /** Writes the clock steps noticed as one {@code CLOCK_STEP} event, at most one a minute. */
  private void reportClockSteps() {
    long wait = clockSteps.millisUntilReport();
    if (wait > 0) {
      expiry.schedule(clockSteps, time.millis() + wait);
      return;
    }
    ClockSteps.Report report = clockSteps.takeReport();
    if (report != null) {
      log.warn("{} ({})", report.reason(), report.details());
      audit.writeBestEffort(event(AuditEventType.CLOCK_STEP, null, null, null, Set.of(), null, null, report.reason(),
          report.details()));
    }
  }

  /** A grant's timer fired: it starts, it is about to end, or it ends. Runs on the expiry thread. */
  private void onGrantTimer(LiveGrant grant) {
    LiveGrant.View view = grant.view;
    long now = time.millis();
    if (now >= view.expiresAt) {
      endOrRetry(grant.grantId, grant, Ending.EXPIRE, Grant.EXPIRED_REASON);
      return;
    }
    if (!grant.started && now >= view.notBefore) {
      String refusal = policyRefusalAtStart(view.grant);
      if (refusal != null) {
        endOrRetry(grant.grantId, grant, Ending.REVOKE, "the policy no longer allows it at its start: " + refusal);
        return;
      }
      grant.started = true;
      index.refresh(grant);
      try {
        issueCredential(grant);
      } catch (GrantStoreException e) {
        throw e; // the revocation itself failed: the timer's retry takes it up
      } catch (JitAccessException e) {
        return; // revoked and reported
      }
    }
    if (grant.started && !grant.warned && now >= view.expiresAt - expiryWarningMillis) {
      grant.warned = true;
      listeners.emit(view.grant.subject(), "expiring soon", l -> l.onExpiringSoon(view.grant));
    }
    live.computeIfPresent(grant.grantId, (id, working) -> {
      expiry.schedule(working, nextDeadline(working));
      return working;
    });
  }

  /**
   * Asks the policy again when a scheduled grant's window opens (the rule may have changed since it was given).
   *
   * @return why it now refuses, or {@code null} when it still allows
   */
  @Nullable
  private String policyRefusalAtStart(Grant grant) {
    return policyRefusalAtStart(readRequest(grant.requestId())
        .map(RequestRecord::request)
        .orElseGet(() -> requestAsGranted(grant)));
  }

  /**
   * A check in the moment between a scheduled grant's start and its timer asking the policy again: rather than
   * allow unasked, the check asks the policy itself, without the store (the check path never calls it), so with
   * the request as the grant records it. The timer still asks with the stored request and revokes on a refusal.
   */
  private boolean allowedAtStart(LiveGrant working, Grant grant) {
    if (policyRefusalAtStart(requestAsGranted(grant)) != null) {
      return false;
    }
    working.allowedAtStart = true;
    index.refresh(working);
    return true;
  }

  private static AccessRequest requestAsGranted(Grant grant) {
    return AccessRequest.builder()
        .subject(grant.subject())
        .resource(grant.resource())
        .actions(grant.actions())
        .duration(Duration.between(grant.notBefore(), grant.expiresAt()))
        .justification(grant.justification())
        .reference(grant.reference())
        .breakGlass(grant.breakGlass())
        .build();
  }

  @Nullable
  private String policyRefusalAtStart(AccessRequest request) {
    PolicyDecision decision = evaluate(request.toBuilder().startAt(null).build());
    if (decision instanceof PolicyDecision.Allow || decision instanceof PolicyDecision.RequireApprovals) {
      return null;
    }
    return decision instanceof PolicyDecision.Deny deny ? deny.reason() : "no policy rule matches the request";
  }

  private void scheduleAuditRetry() {
    if (!auditRetry.isScheduled()) {
      scheduleRetry(auditRetry, auditRetry.backoff);
    }
  }

  /** The timer that retries refused privilege-reducing audit events; touched by the expiry thread. */
  private static final class AuditRetry extends TimerWheel.Timer {
    volatile Duration backoff = FIRST_RETRY;
  }

  // ---------------------------------------------------------------- store and audit helpers

  /**
   * Reads a grant from the store. One found ended is dropped here before the caller acts on it: whatever the
   * caller answers ("already ended") must not be followed by a check that still allows it.
   */
  private Optional<Grant> readStored(String grantId) {
    try {
      Optional<Grant> stored = store.findById(grantId);
      if (stored.isEmpty()) {
        unpublish(grantId);
      } else if (stored.get().state().isTerminal()) {
        ended(stored.get(), unpublish(grantId));
      }
      return stored;
    } catch (RuntimeException e) {
      unpublish(grantId);
      throw new GrantStoreException("the grant store could not read grant " + grantId
          + "; it is no longer honoured here until the store answers again", e);
    }
  }

  /** Calls the store; a failure becomes a {@link GrantStoreException} saying what could not be done. */
  private static <T> T fromStore(String couldNot, java.util.function.Supplier<T> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      throw new GrantStoreException("the grant store could not " + couldNot, e);
    }
  }

  private Optional<RequestRecord> readRequest(String requestId) {
    return fromStore("read request " + requestId, () -> store.findRequest(requestId));
  }

  private List<RequestRecord> readPending() {
    return fromStore("list the pending requests", store::findPendingRequests);
  }

  private Optional<BreakGlassReview> readReview(String grantId) {
    return fromStore("read the review of grant " + grantId, () -> store.findReview(grantId));
  }

  /** Compare-and-set on a stored request; what it changed is known here at once, for the listings. */
  private boolean casRequest(RequestRecord expected, RequestRecord updated) {
    boolean changed = fromStore("update request " + expected.id(),
        () -> store.compareAndSetRequest(expected.version(), updated));
    if (changed) {
      pendingIndex.update(updated);
    }
    return changed;
  }

  private List<Grant> readActive(Subject subject) {
    return fromStore("list the grants of " + subject, () -> store.findActiveBySubject(subject));
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

  private Map<String, String> grantDetails(Grant grant) {
    Map<String, String> details = new LinkedHashMap<>();
    details.put("rule", grant.rule());
    details.put("notBefore", grant.notBefore().toString());
    details.put("expiresAt", grant.expiresAt().toString());
    if (grant.reference() != null) {
      details.put("reference", grant.reference());
    }
    if (credentialIssuer != null) {
      try {
        credentialIssuer.auditDetails(grant).forEach(details::putIfAbsent);
      } catch (RuntimeException e) {
        log.warn("credential issuer {} could not describe grant {} for the audit", credentialIssuer.getClass().getName(),
            grant.id(), e);
      }
    }
    return details;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the access manager is closed");
    }
  }
}
