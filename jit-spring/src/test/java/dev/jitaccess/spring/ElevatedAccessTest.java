package dev.jitaccess.spring;

import static dev.jitaccess.spring.Fixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.GrantState;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.AuditEventType;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import reactor.core.publisher.Mono;

/** Scoped elevation: a grant requested for the call, held during it and released afterwards. */
class ElevatedAccessTest {

  private static final Subject RECONCILER = Subject.service("reconciler");

  private final Fixture fx = new Fixture();

  @AfterEach
  void tearDown() {
    fx.close();
    MDC.clear();
  }

  /** What an elevated job calls: guarded by the same resource and action as the elevation. */
  public static class Ledger {
    @RequiresAccess(resource = "jobs/reconcile", action = "run")
    public String post() {
      return "posted";
    }
  }

  /** A reactive guarded method, and an elevated one composing it. */
  public static class ReactiveLedger {
    @RequiresAccess(resource = "jobs/reconcile", action = "run")
    public Mono<String> post() {
      return Mono.just("posted");
    }
  }

  public static class ReactiveJobs {
    ReactiveLedger ledger;

    @ElevatedAccess(resource = "jobs/reconcile", action = "run", justification = "JOB-6 reactive")
    public Mono<String> reconcile() {
      return ledger.post().map(posted -> "reconciled, " + posted);
    }
  }

  public static class Jobs {
    final JitAccessManager jit;
    final AtomicReference<String> grantIdSeen = new AtomicReference<>();
    final AtomicReference<Boolean> allowedDuring = new AtomicReference<>();
    final AtomicReference<String> postedDuring = new AtomicReference<>();
    final CountDownLatch inside = new CountDownLatch(1);
    final CountDownLatch finish = new CountDownLatch(1);
    Ledger ledger;

    Jobs(JitAccessManager jit) {
      this.jit = jit;
    }

    @ElevatedAccess(resource = "jobs/reconcile", action = "run", justification = "JOB-1 nightly", duration = "5m")
    public String reconcile() {
      grantIdSeen.set(MDC.get("jit.grantId"));
      allowedDuring.set(jit.isAllowed(RECONCILER, "jobs/reconcile", "run"));
      if (ledger != null) {
        postedDuring.set(ledger.post());
      }
      return "reconciled";
    }

    @ElevatedAccess(resource = "jobs/reconcile", action = "run", justification = "JOB-4 long", duration = "5m")
    public String holding() throws InterruptedException {
      inside.countDown();
      finish.await(30, TimeUnit.SECONDS);
      return ledger.post();
    }

    @ElevatedAccess(resource = "'jobs/' + #name", action = "run", justification = "JOB-2", reference = "CHG-7")
    public void failing(String name) {
      grantIdSeen.set(MDC.get("jit.grantId"));
      throw new IllegalStateException("job failed");
    }

    @ElevatedAccess(resource = "jobs/reconcile", action = "run", justification = "no ticket")
    public void withoutTicket() {}

    @ElevatedAccess(resource = "jobs/reconcile", action = "run", justification = "JOB-3", duration = "PT1H")
    public void tooLong() {}

    @ElevatedAccess(resource = "guarded/vault", action = "write", justification = "rotate keys")
    public void needsApproval() {}
  }

  @Test
  void theGrantExistsForTheCallOnly() {
    fx.caller.set(RECONCILER);
    Jobs target = new Jobs(fx.jit);
    Jobs jobs = fx.proxy(target);

    target.ledger = fx.proxy(new Ledger());
    assertThat(fx.jit.isAllowed(RECONCILER, "jobs/reconcile", "run")).isFalse();
    assertThat(jobs.reconcile()).isEqualTo("reconciled");
    assertThat(target.postedDuring).as("a guarded method the call itself calls").hasValue("posted");
    assertThat(target.allowedDuring).as("the elevation is bound to the call, not to the subject").hasValue(false);
    assertThat(fx.jit.isAllowed(RECONCILER, "jobs/reconcile", "run")).isFalse();
    assertThat(MDC.get("jit.grantId")).isNull();

    String grantId = target.grantIdSeen.get();
    assertThat(fx.jit.grant(grantId)).hasValueSatisfying(g -> {
      assertThat(g.state()).isEqualTo(GrantState.REVOKED);
      assertThat(g.justification()).isEqualTo("JOB-1 nightly");
      assertThat(Duration.between(g.notBefore(), g.expiresAt())).isEqualTo(Duration.ofMinutes(5));
    });
    assertThat(fx.audit.events()).extracting(AuditEvent::type)
        .containsSubsequence(AuditEventType.REQUESTED, AuditEventType.GRANTED, AuditEventType.RELEASED);
  }

  @Test
  void theGrantIsReleasedWhenTheMethodThrows() {
    fx.caller.set(RECONCILER);
    Jobs target = new Jobs(fx.jit);
    Jobs jobs = fx.proxy(target);
    assertThatThrownBy(() -> jobs.failing("cleanup")).isInstanceOf(IllegalStateException.class)
        .hasMessage("job failed");
    assertThat(fx.jit.grant(target.grantIdSeen.get())).hasValueSatisfying(g -> {
      assertThat(g.resource()).isEqualTo("jobs/cleanup");
      assertThat(g.reference()).isEqualTo("CHG-7");
      assertThat(g.state()).isEqualTo(GrantState.REVOKED);
    });
    assertThat(fx.jit.activeGrants(RECONCILER)).isEmpty();
    assertThat(MDC.get("jit.grantId")).isNull();
  }

  @Test
  void aPolicyDenialRefusesTheCall() {
    fx.caller.set(RECONCILER);
    Jobs jobs = fx.proxy(new Jobs(fx.jit));
    assertThatThrownBy(jobs::withoutTicket).isInstanceOf(JitAccessDeniedException.class)
        .hasMessageContaining("justification");
    assertThatThrownBy(jobs::tooLong).isInstanceOf(JitAccessDeniedException.class)
        .hasMessageContaining("exceeds the max duration");
    assertThat(fx.events(AuditEventType.DENIED)).isEqualTo(2);
    assertThat(fx.jit.activeGrants(RECONCILER)).isEmpty();
  }

  @Test
  void anotherCallOfTheSameSubjectDoesNotRideOnARunningElevation() throws Exception {
    fx.caller.set(RECONCILER);
    Jobs target = new Jobs(fx.jit);
    target.ledger = fx.proxy(new Ledger());
    Jobs jobs = fx.proxy(target);
    ExecutorService elevated = Executors.newSingleThreadExecutor();
    try {
      Future<String> running = elevated.submit(jobs::holding);
      assertThat(target.inside.await(30, TimeUnit.SECONDS)).isTrue();

      // The attacker: the same subject, another call, while the elevation is live.
      assertThatThrownBy(target.ledger::post).isInstanceOf(JitAccessDeniedException.class);
      assertThat(fx.jit.isAllowed(RECONCILER, "jobs/reconcile", "run")).isFalse();

      target.finish.countDown();
      assertThat(running.get(30, TimeUnit.SECONDS)).as("the elevated call itself").isEqualTo("posted");
    } finally {
      target.finish.countDown();
      elevated.shutdownNow();
    }
    assertThat(fx.jit.activeGrants(RECONCILER)).isEmpty();
  }

  @Test
  void aReactiveElevationCoversTheGuardedPublishersItComposesAndNoOtherSubscription() {
    fx.caller.set(RECONCILER);
    ReactiveJobs target = new ReactiveJobs();
    target.ledger = fx.proxy(new ReactiveLedger());
    ReactiveJobs jobs = fx.proxy(target);

    assertThat(jobs.reconcile().block()).isEqualTo("reconciled, posted");
    assertThatThrownBy(() -> target.ledger.post().block()).isInstanceOf(JitAccessDeniedException.class);
    assertThat(fx.jit.activeGrants(RECONCILER)).isEmpty();
  }

  @Test
  void aRuleThatNeedsApprovalsRefusesTheCallAndLeavesNoPendingRequestBehind() {
    Jobs jobs = fx.proxy(new Jobs(fx.jit));
    JitAccessDeniedException denied = JitAccessInterceptorTest.catchDenied(jobs::needsApproval);
    assertThat(denied.decision().reason()).contains("1 approval").contains("auto-approves");
    assertThat(fx.jit.pendingRequests()).isEmpty();
    assertThat(fx.audit.events(AuditEventType.CANCELLED)).singleElement()
        .satisfies(e -> assertThat(e.actor()).isEqualTo(ALICE));
  }

  @Test
  void noSubjectNoElevation() {
    fx.caller.set(null);
    Jobs jobs = fx.proxy(new Jobs(fx.jit));
    assertThat(JitAccessInterceptorTest.catchDenied(jobs::reconcile).decision().reason()).isEqualTo("no subject");
    assertThat(fx.events(AuditEventType.REQUESTED)).isZero();
    assertThat(fx.events(AuditEventType.ACCESS_DENIED)).isEqualTo(1);
  }

  @Test
  void groupsOfTheCallerGoOnTheRequest() {
    JitAccessInterceptor interceptor = JitAccessInterceptor.of(fx.jit, new SubjectResolver() {
      @Override
      public Subject currentSubject() {
        return RECONCILER;
      }

      @Override
      public java.util.Set<String> currentGroups() {
        return java.util.Set.of("batch");
      }
    });
    Jobs jobs = JitAccessInterceptorTest.proxy(new Jobs(fx.jit), interceptor);
    jobs.reconcile();
    assertThat(fx.audit.events(AuditEventType.REQUESTED)).singleElement()
        .satisfies(e -> assertThat(e.subject()).isEqualTo(RECONCILER));
  }
}
