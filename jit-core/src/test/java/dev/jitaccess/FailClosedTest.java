package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ADMIN;
import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.BOB;
import static dev.jitaccess.EngineFixture.ORDERS;
import static dev.jitaccess.EngineFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.AuditException;
import dev.jitaccess.store.ForwardingGrantStore;
import dev.jitaccess.store.GrantStoreException;
import dev.jitaccess.store.InMemoryGrantStore;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** DESIGN.md "Fail closed" and "Audit before effect": every failure ends on the side of less access. */
class FailClosedTest {

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  @Test
  void throwingPolicyDenies() {
    EngineFixture f = fixtures.create(b -> b.policy(r -> {
      throw new IllegalStateException("rules service down");
    }));

    RequestOutcome outcome = f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5)).build());

    assertThat(outcome).isInstanceOfSatisfying(RequestOutcome.Denied.class,
        d -> assertThat(d.reason()).contains("policy failed"));
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    assertThat(f.events(AuditEventType.DENIED)).hasSize(1);
  }

  @Test
  void policyReturningNullDenies() {
    EngineFixture f = fixtures.create(b -> b.policy(r -> null));

    assertThat(f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5)).build()))
        .isInstanceOf(RequestOutcome.Denied.class);
  }

  @Test
  void whenTheSinkRefusesTheGrantedEventNothingIsGranted() {
    EngineFixture f = fixtures.create();
    f.audit.failWith(new IllegalStateException("disk full"));

    assertThatThrownBy(() -> f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5)).build()))
        .isInstanceOf(AuditException.class).hasMessageContaining("nothing was changed");

    f.audit.recover();
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    assertThat(f.store.findActive()).isEmpty();
  }

  @Test
  void whenOnlyTheGrantedEventFailsNothingIsStoredOrVisible() {
    EngineFixture f = fixtures.create(b -> b.auditSink(event -> {
      if (event.type() == AuditEventType.GRANTED) {
        throw new IllegalStateException("refused");
      }
    }));

    assertThatThrownBy(() -> f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5)).build()))
        .isInstanceOf(AuditException.class);
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    assertThat(f.store.findActive()).isEmpty();
  }

  @Test
  void whenTheStoreCannotSaveTheRequestFailsAndTheTrailSaysItNeverTookEffect() {
    EngineFixture f = fixtures.create(new ForwardingGrantStore(new InMemoryGrantStore()) {
      @Override
      public void save(Grant grant) {
        throw new GrantStoreException("connection refused");
      }
    }, b -> {});

    assertThatThrownBy(() -> f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5)).build()))
        .isInstanceOf(JitAccessException.class).hasMessageContaining("nothing was granted");

    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    String grantId = f.events(AuditEventType.GRANTED).get(0).grantId();
    assertThat(f.eventsOf(grantId, AuditEventType.REVOKED)).singleElement()
        .satisfies(e -> assertThat(e.reason()).contains("never took effect"));
  }

  @Test
  void whenTheStoreFailsToStoreARevocationTheGrantIsNoLongerHonouredHere() {
    FlakyStore store = new FlakyStore();
    EngineFixture f = fixtures.create(store, b -> {});
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(30));
    store.failing = true;

    assertThatThrownBy(() -> f.jit.revoke(grant.id(), ADMIN, "compromised laptop"))
        .isInstanceOf(GrantStoreException.class);

    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
  }

  @Test
  void whenTheStoreCannotListASubjectsGrantsRevokeAllStillStopsHonouringThemHere() {
    FlakyStore store = new FlakyStore();
    EngineFixture f = fixtures.create(store, b -> {});
    f.grant(ALICE, ORDERS, Duration.ofMinutes(30));
    f.grant(ALICE, "prod/db/customers", Duration.ofMinutes(30));
    f.grant(BOB, ORDERS, Duration.ofMinutes(30));
    store.failing = true;

    assertThatThrownBy(() -> f.jit.revokeAll(ALICE, ADMIN, "compromised laptop"))
        .isInstanceOf(GrantStoreException.class).hasMessageContaining("no longer honoured here");

    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    assertThat(f.jit.isAllowed(ALICE, "prod/db/customers", "read")).isFalse();
    assertThat(f.jit.isAllowed(BOB, ORDERS, "read")).isTrue();
  }

  @Test
  void whenTheStoreFailsToStoreAnExtensionTheGrantStaysAsItWas() {
    boolean[] failing = {false};
    EngineFixture f = fixtures.create(new ForwardingGrantStore(new InMemoryGrantStore()) {
      @Override
      public boolean compareAndSet(long expectedVersion, Grant updated) {
        if (failing[0]) {
          throw new GrantStoreException("store unavailable");
        }
        return super.compareAndSet(expectedVersion, updated);
      }
    }, b -> {});
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(30));
    failing[0] = true;

    assertThatThrownBy(() -> f.jit.extend(grant.id(), Duration.ofMinutes(30), "more"))
        .isInstanceOf(GrantStoreException.class);

    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
    assertThat(f.jit.grant(grant.id()).orElseThrow()).isEqualTo(grant);
    assertThat(f.events(AuditEventType.EXTENDED)).isEmpty();
  }

  @Test
  void whenTheStoreCannotBeReadAtStartTheManagerDoesNotStart() {
    FlakyStore store = new FlakyStore();
    store.failing = true;

    assertThatThrownBy(() -> new EngineFixture(store, b -> {}))
        .isInstanceOf(JitAccessException.class).hasMessageContaining("cannot start");
  }

  @Test
  void revocationIsNotBlockedByAFailingSinkAndItsEventArrivesWhenTheSinkRecovers() {
    EngineFixture f = fixtures.create();
    Grant first = f.grant(ALICE, ORDERS, Duration.ofMinutes(30));
    Grant second = f.grant(ALICE, "prod/db/customers", Duration.ofMinutes(30));
    f.audit.failWith(new IllegalStateException("disk full"));

    assertThat(f.jit.revoke(first.id(), ADMIN, "incident over")).isTrue();
    assertThat(f.jit.release(second.id())).isTrue();
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();

    f.audit.recover();
    f.clock.advance(Duration.ofSeconds(1)); // the retry timer runs on the engine's clock
    await().until(() -> f.terminalEvents(first.id()) == 1 && f.terminalEvents(second.id()) == 1);
    // In order: the revocation before the release.
    assertThat(f.audit.events().stream().filter(e -> e.type().reducesPrivilege()).map(e -> e.type()))
        .containsExactly(AuditEventType.REVOKED, AuditEventType.RELEASED);
  }

  @Test
  void expiryIsNotBlockedByAFailingSink() {
    EngineFixture f = fixtures.create();
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(5));
    f.audit.failWith(new IllegalStateException("disk full"));

    f.clock.advance(Duration.ofMinutes(5));

    await().until(() -> f.store.findById(grant.id()).orElseThrow().state() == GrantState.EXPIRED);
    f.audit.recover();
    f.clock.advance(Duration.ofSeconds(1));
    await().until(() -> f.terminalEvents(grant.id()) == 1);
  }

  @Test
  void whenFirstUseCannotBeAuditedTheCheckIsDeniedAndRetriedNextTime() {
    EngineFixture f = fixtures.create();
    f.grant(ALICE, ORDERS, Duration.ofMinutes(5));
    f.audit.failWith(new IllegalStateException("disk full"));

    AccessDecision decision = f.jit.check(ALICE, ORDERS, "read");

    assertThat(decision.allowed()).isFalse();
    assertThat(decision.reason()).contains("could not be audited");
    f.audit.recover();
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
    assertThat(f.events(AuditEventType.ACCESS_USED)).hasSize(1);
  }

  @Test
  void noSubjectNoAccess() {
    EngineFixture f = fixtures.create();
    f.grant(ALICE, ORDERS, Duration.ofMinutes(5));

    assertThat(f.jit.check(null, ORDERS, "read").allowed()).isFalse();
    assertThat(f.jit.check(ALICE, null, "read").allowed()).isFalse();
    assertThat(f.jit.check(ALICE, ORDERS, null).allowed()).isFalse();
  }

  @Test
  void closedManagerDeniesEveryCheckAndRefusesChanges() {
    EngineFixture f = fixtures.create();
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(5));

    f.jit.close();
    f.jit.close();

    assertThat(f.jit.check(ALICE, ORDERS, "read").reason()).contains("closed");
    assertThatThrownBy(() -> f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5)).build()))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> f.jit.revoke(grant.id(), ADMIN, "x")).isInstanceOf(IllegalStateException.class);
  }

  /** An in-memory store that can be told to fail every call. */
  static final class FlakyStore extends ForwardingGrantStore {
    volatile boolean failing;

    FlakyStore() {
      super(new InMemoryGrantStore());
    }

    private void maybeFail() {
      if (failing) {
        throw new GrantStoreException("store unavailable");
      }
    }

    @Override
    public void save(Grant grant) {
      maybeFail();
      super.save(grant);
    }

    @Override
    public boolean compareAndSet(long expectedVersion, Grant updated) {
      maybeFail();
      return super.compareAndSet(expectedVersion, updated);
    }

    @Override
    public java.util.Optional<Grant> findById(String grantId) {
      maybeFail();
      return super.findById(grantId);
    }

    @Override
    public List<Grant> findActiveBySubject(Subject subject) {
      maybeFail();
      return super.findActiveBySubject(subject);
    }

    @Override
    public List<Grant> findActive() {
      maybeFail();
      return super.findActive();
    }
  }
}
