package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.ORDERS;
import static dev.jitaccess.EngineFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.CredentialLifecycleTest.RecordingIssuer;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.store.ChangeFeed;
import dev.jitaccess.store.ForwardingGrantStore;
import dev.jitaccess.store.GrantStore;
import dev.jitaccess.store.InMemoryGrantStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 12, items 18 and 21: an end the engine decides (an expiry, or taking back a grant it could not confirm)
 * is never abandoned when the store fails at that moment. It is retried until the store takes it, written to the
 * audit trail once, heard by listeners, and the grant's credential is invalidated, by whichever path ends it.
 */
class EndsSurviveStoreFailuresTest {

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  /** A store that fails reads by id, or compare-and-sets, while told to; with or without a change feed. */
  static class FlakyStore extends ForwardingGrantStore {
    volatile boolean failReads;
    volatile boolean failWrites;
    /** Fail reads by id from the next save on, as a store whose pool runs dry right after a write. */
    volatile boolean failReadsAfterSave;
    final AtomicInteger failed = new AtomicInteger();

    FlakyStore(GrantStore delegate) {
      super(delegate);
    }

    @Override
    public void save(Grant grant) {
      super.save(grant);
      if (failReadsAfterSave) {
        failReads = true;
      }
    }

    @Override
    public Optional<Grant> findById(String grantId) {
      if (failReads) {
        failed.incrementAndGet();
        throw new IllegalStateException("connection reset");
      }
      return super.findById(grantId);
    }

    @Override
    public boolean compareAndSet(long expectedVersion, Grant updated) {
      if (failWrites) {
        failed.incrementAndGet();
        throw new IllegalStateException("connection reset");
      }
      return super.compareAndSet(expectedVersion, updated);
    }

    void recover() {
      failReads = false;
      failWrites = false;
      failReadsAfterSave = false;
    }
  }

  /** The same over a {@link FeedingStore}, whose feed it passes on. */
  static final class FlakyFeedingStore extends FlakyStore implements ChangeFeed {
    final FeedingStore feeding;

    FlakyFeedingStore(FeedingStore feeding) {
      super(feeding);
      this.feeding = feeding;
    }

    @Override
    public AutoCloseable subscribe(ChangeListener listener) {
      return feeding.subscribe(listener);
    }
  }

  /** Hears every end. */
  static final class Ends implements JitAccessListener {
    final List<String> expired = new CopyOnWriteArrayList<>();
    final List<String> revoked = new CopyOnWriteArrayList<>();

    @Override
    public void onExpired(Grant grant) {
      expired.add(grant.id());
    }

    @Override
    public void onRevoked(Grant grant, Subject actor, String reason) {
      revoked.add(grant.id());
    }
  }

  private static FlakyStore store(boolean feed) {
    return feed ? new FlakyFeedingStore(new FeedingStore()) : new FlakyStore(new InMemoryGrantStore());
  }

  /**
   * Gives a one-minute grant on {@code f}, lets it run out while {@code store} fails its reads and its
   * compare-and-sets (or only the latter), so that the expiry cannot be written, and has the store answer again.
   */
  private static Grant expiredDuringAnOutage(EngineFixture f, FlakyStore store, boolean writes) {
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(1));
    // An expiry writes the versions it shows without reading them first: failing reads alone would not stop it.
    store.failReads = !writes;
    store.failWrites = true;
    f.clock.advance(Duration.ofMinutes(1));
    await().until(() -> store.failed.get() > 0);
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    store.recover();
    return grant;
  }

  @ParameterizedTest(name = "feed {0}, failing {1}")
  @CsvSource({"false, reads", "false, writes", "true, reads", "true, writes"})
  void anExpiryTheStoreFailsToTakeIsRetriedUntilWrittenHeardAndItsCredentialInvalidated(boolean feed,
      String failing) {
    FlakyStore store = store(feed);
    RecordingIssuer issuer = new RecordingIssuer();
    Ends ends = new Ends();
    EngineFixture f = fixtures.create(store, b -> b.credentialIssuer(issuer).listener(ends));

    Grant grant = expiredDuringAnOutage(f, store, failing.equals("writes"));
    f.clock.advance(Duration.ofMinutes(1)); // the retry runs on the engine's clock
    await().until(() -> store.findById(grant.id()).orElseThrow().state() == GrantState.EXPIRED
        && issuer.invalidated.contains(grant.id()) && ends.expired.contains(grant.id()));
    assertThat(f.eventsOf(grant.id(), AuditEventType.EXPIRED)).hasSize(1);
    assertThat(f.terminalEvents(grant.id())).isEqualTo(1);
    assertThat(issuer.invalidated).containsExactly(grant.id());
  }

  @Test
  void aFailedExpiryReAddedByAResyncIsEndedOnceAndItsCredentialInvalidated() {
    FlakyFeedingStore store = new FlakyFeedingStore(new FeedingStore());
    RecordingIssuer issuer = new RecordingIssuer();
    EngineFixture f = fixtures.create(store, b -> b.credentialIssuer(issuer));

    Grant grant = expiredDuringAnOutage(f, store, false);
    store.feeding.reconnect(); // the resync shows the still ACTIVE grant again, whose own timer then ends it
    f.clock.advance(Duration.ofMinutes(1));

    await().until(() -> store.findById(grant.id()).orElseThrow().state() == GrantState.EXPIRED
        && issuer.invalidated.contains(grant.id()));
    assertThat(f.terminalEvents(grant.id())).isEqualTo(1);
    assertThat(issuer.invalidated).containsExactly(grant.id());
  }

  /**
   * Two instances on one store with a feed: {@code f}, with a credential issuer and a store that can fail its
   * reads, holds {@code grant}; {@code other} changes it while {@code f} cannot read, which drops it there.
   */
  private final class ChangedElsewhere {
    final FlakyFeedingStore store = new FlakyFeedingStore(new FeedingStore());
    final RecordingIssuer issuer = new RecordingIssuer();
    final EngineFixture f = fixtures.create(store, b -> b.credentialIssuer(issuer));
    final EngineFixture other = fixtures.create(store.feeding, b -> {});
    final Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(1));

    /** Runs {@code change} on {@code other} while {@code f} cannot read; the store then answers again. */
    void whileUnreadable(Runnable change) {
      store.failReads = true;
      change.run(); // the feed tells f, which cannot read the grant
      assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
      store.recover();
      f.clock.advance(Duration.ofSeconds(1));
      store.feeding.heartbeat();
    }
  }

  @Test
  void aGrantEndedElsewhereWhileItCouldNotBeReadHasItsCredentialInvalidatedWhenTheStoreAnswers() {
    ChangedElsewhere t = new ChangedElsewhere();

    t.whileUnreadable(() -> assertThat(t.other.jit.revoke(t.grant.id(), EngineFixture.ADMIN, "offboarding")).isTrue());

    await().until(() -> t.issuer.invalidated.contains(t.grant.id()));
    assertThat(t.issuer.invalidated).containsExactly(t.grant.id());
  }

  @Test
  void aGrantExtendedElsewhereWhileItCouldNotBeReadIsHonouredAgainWithItsCredentialAndEndsOnce() {
    ChangedElsewhere t = new ChangedElsewhere();

    t.whileUnreadable(() -> t.other.jit.extend(t.grant.id(), Duration.ofMinutes(1), "more"));

    await().until(() -> t.f.jit.isAllowed(ALICE, ORDERS, "read"));
    assertThat(t.f.jit.credential(t.grant.id())).isPresent();
    t.f.clock.advance(Duration.ofMinutes(2));
    await().until(() -> t.issuer.invalidated.contains(t.grant.id()));
    assertThat(t.store.findById(t.grant.id()).orElseThrow().state()).isEqualTo(GrantState.EXPIRED);
    assertThat(t.f.terminalEvents(t.grant.id()) + t.other.terminalEvents(t.grant.id())).isEqualTo(1);
    assertThat(t.issuer.invalidated).containsExactly(t.grant.id());
  }

  @Test
  void aRevocationAfterAFailedExpiryInvalidatesTheCredential() {
    FlakyStore store = store(false);
    RecordingIssuer issuer = new RecordingIssuer();
    EngineFixture f = fixtures.create(store, b -> b.credentialIssuer(issuer));
    Grant grant = expiredDuringAnOutage(f, store, false);

    // Before the retry is due: the revocation finds the grant run out and expires it.
    assertThat(f.jit.revoke(grant.id(), EngineFixture.ADMIN, "offboarding")).isFalse();

    assertThat(store.findById(grant.id()).orElseThrow().state()).isEqualTo(GrantState.EXPIRED);
    assertThat(issuer.invalidated).containsExactly(grant.id());
    f.clock.advance(Duration.ofMinutes(1));
    await().until(() -> f.terminalEvents(grant.id()) == 1);
    assertThat(issuer.invalidated).containsExactly(grant.id());
  }

  @Test
  void aGrantTheStoreFailsToConfirmIsRevokedAuditedAndNeverLeftActive() {
    FlakyStore store = store(false);
    Ends ends = new Ends();
    EngineFixture f = fixtures.create(store, b -> b.listener(ends));
    store.failReadsAfterSave = true;

    assertThatThrownBy(() -> f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(30)).build()))
        .isInstanceOf(JitAccessException.class);
    Grant stored = store.findActive().get(0); // the store kept it: GRANTED is in the trail
    assertThat(f.eventsOf(stored.id(), AuditEventType.GRANTED)).hasSize(1);
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();

    store.recover();
    f.clock.advance(Duration.ofMinutes(1));
    await().until(() -> store.findById(stored.id()).orElseThrow().state() == GrantState.REVOKED);
    assertThat(f.eventsOf(stored.id(), AuditEventType.REVOKED)).hasSize(1);
    assertThat(f.terminalEvents(stored.id())).isEqualTo(1);
    assertThat(ends.revoked).containsExactly(stored.id());
    assertThat(store.findActive()).isEmpty();
  }

  @Test
  void aGrantTheStoreFailsToConfirmIsNotHonouredForLongByAnotherInstance() {
    FeedingStore shared = new FeedingStore();
    FlakyStore flaky = new FlakyStore(shared);
    EngineFixture one = fixtures.create(flaky, b -> {});
    EngineFixture other = fixtures.create(shared, b -> {});
    flaky.failReadsAfterSave = true;

    assertThatThrownBy(() -> one.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(30)).build()))
        .isInstanceOf(JitAccessException.class);
    assertThat(other.jit.isAllowed(ALICE, ORDERS, "read")).isTrue(); // the other instance saw it stored

    flaky.recover();
    one.clock.advance(Duration.ofMinutes(1));
    await().until(() -> !other.jit.isAllowed(ALICE, ORDERS, "read"));
    assertThat(shared.findActive()).isEmpty();
  }
}
