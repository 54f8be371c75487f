package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.BOB;
import static dev.jitaccess.EngineFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.InMemoryAuditSink;
import dev.jitaccess.policy.ApprovalRequirement;
import dev.jitaccess.policy.PolicyDecision;
import dev.jitaccess.store.ForwardingGrantStore;
import dev.jitaccess.store.InMemoryGrantStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Per-subject limits hold when one subject's requests race: the slot is taken before any I/O, so no two requests
 * can both see the last free slot. Each round holds every request that got past the limit at the point of I/O until
 * all eight have either got there or been answered, which is when an unguarded check lets them all through.
 */
class ConcurrentLimitsTest {

  private static final int THREADS = 8;
  private static final int LIMIT = 2;
  private static final int ROUNDS = 10;

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);
  /** The current round's gate: counted down once by each request, at the I/O point or when answered. */
  private final AtomicReference<CountDownLatch> gate = new AtomicReference<>(new CountDownLatch(0));
  private final ThreadLocal<Boolean> atGate = ThreadLocal.withInitial(() -> false);

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
  }

  /** Waits at the gate until every request of the round has reached it or been answered. */
  private void holdAtGate() {
    if (!atGate.get()) {
      atGate.set(true);
      CountDownLatch latch = gate.get();
      latch.countDown();
      try {
        latch.await(30, TimeUnit.SECONDS); // a safety net only: the round releases it
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  void eightConcurrentRequestsWithALimitOfTwoGiveTwoGrantsRoundAfterRound() throws Exception {
    InMemoryAuditSink trail = new InMemoryAuditSink();
    EngineFixture f = fixtures.create(b -> b.maxActiveGrantsPerSubject(LIMIT).auditSink(event -> {
      if (event.type() == AuditEventType.GRANTED) {
        holdAtGate(); // the I/O between the limit check and the grant becoming visible
      }
      trail.write(event);
    }));

    for (int round = 0; round < ROUNDS; round++) {
      List<RequestOutcome> outcomes = race(() -> f.jit.request(request(ALICE, "prod/a", Duration.ofMinutes(5)).build()));

      assertThat(outcomes).as("round %d", round).filteredOn(o -> o instanceof RequestOutcome.Granted).hasSize(LIMIT);
      assertThat(outcomes).filteredOn(o -> o instanceof RequestOutcome.Denied)
          .allSatisfy(o -> assertThat(((RequestOutcome.Denied) o).reason()).contains("too many active grants"));
      assertThat(f.jit.activeGrants(ALICE)).hasSize(LIMIT);
      // Ending them frees the slots for the next round, whichever way they end.
      List<Grant> grants = f.jit.activeGrants(ALICE);
      f.jit.release(grants.get(0).id());
      f.jit.revoke(grants.get(1).id(), BOB, "next round");
    }
  }

  @Test
  void eightConcurrentRequestsForApprovalWithALimitOfTwoLeaveTwoPending() throws Exception {
    ApprovalRequirement requirement = new ApprovalRequirement(1, Set.of(BOB), Set.of(), false, Duration.ofHours(1));
    InMemoryGrantStore inner = new InMemoryGrantStore();
    EngineFixture f = fixtures.create(new ForwardingGrantStore(inner) {
      @Override
      public void saveRequest(RequestRecord request) {
        holdAtGate();
        super.saveRequest(request);
      }
    }, b -> b.maxPendingRequestsPerSubject(LIMIT)
        .policy(r -> PolicyDecision.requireApprovals("r", r.duration(), requirement)));

    for (int round = 0; round < ROUNDS; round++) {
      List<RequestOutcome> outcomes = race(() -> f.jit.request(request(ALICE, "prod/a", Duration.ofMinutes(5)).build()));

      assertThat(outcomes).as("round %d", round).filteredOn(o -> o instanceof RequestOutcome.Pending).hasSize(LIMIT);
      assertThat(f.jit.pendingRequests()).hasSize(LIMIT);
      List<RequestRecord> pending = f.jit.pendingRequests();
      f.jit.deny(pending.get(0).id(), BOB, "next round");
      f.jit.approve(pending.get(1).id(), BOB, null); // granted: no longer pending
    }
  }

  /** Runs {@code call} on eight threads released together; returns what each got. */
  private List<RequestOutcome> race(java.util.concurrent.Callable<RequestOutcome> call) throws Exception {
    CountDownLatch latch = new CountDownLatch(THREADS);
    gate.set(latch);
    CyclicBarrier start = new CyclicBarrier(THREADS);
    List<Future<RequestOutcome>> futures = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      futures.add(pool.submit(() -> {
        atGate.set(false);
        start.await();
        try {
          return call.call();
        } finally {
          if (!atGate.get()) {
            latch.countDown();
          }
        }
      }));
    }
    List<RequestOutcome> outcomes = new ArrayList<>();
    for (Future<RequestOutcome> future : futures) {
      outcomes.add(future.get(60, TimeUnit.SECONDS));
    }
    return outcomes;
  }

  // ---------------------------------------------------------------- the slot is given back on every failure

  @Test
  void aGrantWhoseAuditOrStoreFailsGivesItsSlotBack() {
    AtomicReference<Predicate<AuditEvent>> failAudit = new AtomicReference<>(e -> false);
    AtomicBoolean failSave = new AtomicBoolean();
    InMemoryAuditSink trail = new InMemoryAuditSink();
    EngineFixture f = fixtures.create(new ForwardingGrantStore(new InMemoryGrantStore()) {
      @Override
      public void save(Grant grant) {
        if (failSave.getAndSet(false)) {
          throw new IllegalStateException("store down");
        }
        super.save(grant);
      }
    }, b -> b.maxActiveGrantsPerSubject(1).auditSink(event -> {
      if (failAudit.get().test(event)) {
        throw new IllegalStateException("sink down");
      }
      trail.write(event);
    }));

    failAudit.set(e -> e.type() == AuditEventType.GRANTED);
    assertThatThrownBy(() -> f.jit.request(request(ALICE, "prod/a", Duration.ofMinutes(5)).build()))
        .isInstanceOf(JitAccessException.class);
    failAudit.set(e -> false);
    failSave.set(true);
    assertThatThrownBy(() -> f.jit.request(request(ALICE, "prod/a", Duration.ofMinutes(5)).build()))
        .isInstanceOf(JitAccessException.class);

    assertThat(f.jit.request(request(ALICE, "prod/a", Duration.ofMinutes(5)).build()))
        .isInstanceOf(RequestOutcome.Granted.class);
    assertThat(f.jit.request(request(ALICE, "prod/b", Duration.ofMinutes(5)).build()))
        .as("the one slot is now taken").isInstanceOf(RequestOutcome.Denied.class);
  }

  @Test
  void aPendingRequestThatCannotBeStoredGivesItsSlotBackAndAnEndedOneFreesIt() {
    ApprovalRequirement requirement = new ApprovalRequirement(1, Set.of(BOB), Set.of(), false, Duration.ofHours(1));
    AtomicBoolean failSave = new AtomicBoolean(true);
    EngineFixture f = fixtures.create(new ForwardingGrantStore(new InMemoryGrantStore()) {
      @Override
      public void saveRequest(RequestRecord request) {
        if (failSave.getAndSet(false)) {
          throw new IllegalStateException("store down");
        }
        super.saveRequest(request);
      }
    }, b -> b.maxPendingRequestsPerSubject(1)
        .policy(r -> PolicyDecision.requireApprovals("r", r.duration(), requirement)));

    assertThatThrownBy(() -> f.jit.request(request(ALICE, "prod/a", Duration.ofMinutes(5)).build()))
        .isInstanceOf(JitAccessException.class);
    RequestOutcome pending = f.jit.request(request(ALICE, "prod/a", Duration.ofMinutes(5)).build());
    assertThat(pending).isInstanceOf(RequestOutcome.Pending.class);
    assertThat(f.jit.request(request(ALICE, "prod/b", Duration.ofMinutes(5)).build()))
        .isInstanceOf(RequestOutcome.Denied.class);

    f.clock.advance(Duration.ofHours(2)); // the review window closes
    f.jit.pendingRequests();
    org.awaitility.Awaitility.await().untilAsserted(() ->
        assertThat(f.jit.request(request(ALICE, "prod/b", Duration.ofMinutes(5)).build()))
            .isInstanceOf(RequestOutcome.Pending.class));
  }

  @Test
  void anExpiredGrantFreesItsSlot() {
    EngineFixture f = fixtures.create(b -> b.maxActiveGrantsPerSubject(1));
    f.grant(ALICE, "prod/a", Duration.ofMinutes(5));
    assertThat(f.jit.request(request(ALICE, "prod/b", Duration.ofMinutes(5)).build()))
        .isInstanceOf(RequestOutcome.Denied.class);

    f.clock.advance(Duration.ofMinutes(6));

    org.awaitility.Awaitility.await().untilAsserted(() ->
        assertThat(f.jit.request(request(ALICE, "prod/b", Duration.ofMinutes(5)).build()))
            .isInstanceOf(RequestOutcome.Granted.class));
  }
}
