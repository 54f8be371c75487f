package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ORDERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.AuditLogVerifier;
import dev.jitaccess.audit.JsonLinesAuditSink;
import dev.jitaccess.store.GrantStore;
import dev.jitaccess.store.InMemoryGrantStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Many grants running out in one tick: ended in batches, each exactly as if it had run out alone. */
class ExpiryBurstTest {

  /** More than one batch of the store and the sink, and not a multiple of it. */
  private static final int BURST = DefaultJitAccessManager.END_BATCH * 2 + 37;

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  @TempDir
  Path dir;

  private static Subject subject(int i) {
    return Subject.user("user-" + (i % 50));
  }

  private static List<Grant> burst(EngineFixture f, int count) {
    List<Grant> grants = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      grants.add(f.grant(subject(i), ORDERS + "/" + i, Duration.ofMinutes(1)));
    }
    return grants;
  }

  /** A store that counts its calls, to show a burst goes to it in batches. */
  static final class CountingStore extends dev.jitaccess.store.ForwardingGrantStore {
    final AtomicInteger batches = new AtomicInteger();
    final AtomicInteger singles = new AtomicInteger();

    CountingStore(GrantStore delegate) {
      super(delegate);
    }

    @Override
    public boolean compareAndSet(long expectedVersion, Grant updated) {
      singles.incrementAndGet();
      return super.compareAndSet(expectedVersion, updated);
    }

    @Override
    public boolean[] compareAndSetAll(List<Update> updates) {
      batches.incrementAndGet();
      return delegate().compareAndSetAll(updates);
    }
  }

  @Test
  void aBurstIsEndedInBatchesWithOneTerminalEventPerGrantAndEveryCredentialInvalidated() {
    CountingStore store = new CountingStore(new InMemoryGrantStore());
    CredentialLifecycleTest.RecordingIssuer issuer = new CredentialLifecycleTest.RecordingIssuer();
    EngineFixture f = fixtures.create(store, b -> b.credentialIssuer(issuer));
    List<Grant> grants = burst(f, BURST);

    f.clock.advance(Duration.ofMinutes(1));

    await().until(() -> f.events(AuditEventType.EXPIRED).size() == BURST);
    for (Grant grant : grants) {
      assertThat(store.findById(grant.id()).orElseThrow().state()).isEqualTo(GrantState.EXPIRED);
      assertThat(f.terminalEvents(grant.id())).isEqualTo(1);
      assertThat(f.jit.isAllowed(grant.subject(), grant.resource(), "read")).isFalse();
    }
    assertThat(issuer.invalidated).hasSize(BURST).doesNotHaveDuplicates();
    assertThat(store.batches.get()).isBetween(3, 3 + 2);
    assertThat(store.singles.get()).isZero();
    assertThat(f.jit.release(grants.get(0).id())).isFalse(); // idempotent: nothing new
    assertThat(f.terminalEvents(grants.get(0).id())).isEqualTo(1);
  }

  @Test
  void rowsAnotherInstanceChangedAreSettledOneByOne() {
    InMemoryGrantStore backing = new InMemoryGrantStore();
    EngineFixture f = fixtures.create(backing, b -> {});
    List<Grant> grants = burst(f, 40);
    // Another instance (no feed here) extended every fourth grant and revoked every fifth first.
    for (int i = 0; i < grants.size(); i++) {
      Grant g = grants.get(i);
      if (i % 4 == 0) {
        assertThat(backing.compareAndSet(g.version(), g.withExpiresAt(g.expiresAt().plus(Duration.ofHours(1)))))
            .isTrue();
      } else if (i % 5 == 0) {
        assertThat(backing.compareAndSet(g.version(), g.ended(GrantState.REVOKED, f.clock.instant(), "elsewhere")))
            .isTrue();
      }
    }

    f.clock.advance(Duration.ofMinutes(1));

    await().until(() -> f.events(AuditEventType.EXPIRED).size() == 40 - 10 - 6);
    for (int i = 0; i < grants.size(); i++) {
      Grant g = grants.get(i);
      GrantState expected = i % 4 == 0 ? GrantState.ACTIVE : i % 5 == 0 ? GrantState.REVOKED : GrantState.EXPIRED;
      assertThat(backing.findById(g.id()).orElseThrow().state()).as("grant %d", i).isEqualTo(expected);
      assertThat(f.eventsOf(g.id(), AuditEventType.EXPIRED)).as("grant %d", i)
          .hasSize(expected == GrantState.EXPIRED ? 1 : 0);
      // The extension is honoured here now; the grant revoked elsewhere is not.
      assertThat(f.jit.isAllowed(g.subject(), g.resource(), "read")).as("grant %d", i)
          .isEqualTo(expected == GrantState.ACTIVE);
    }
  }

  @Test
  void aBurstThroughTheHashChainedFileSinkVerifies() throws Exception {
    Path log = dir.resolve("audit");
    JsonLinesAuditSink sink = JsonLinesAuditSink.builder(log).durability(JsonLinesAuditSink.Durability.GROUP_COMMIT)
        .build();
    EngineFixture f = fixtures.create(b -> b.auditSink(sink));
    List<Grant> grants = burst(f, BURST);
    long before = sink.head().seq();

    f.clock.advance(Duration.ofMinutes(1));

    await().until(() -> sink.head().seq() == before + BURST);
    for (Grant grant : grants) {
      assertThat(f.store.findById(grant.id()).orElseThrow().state()).isEqualTo(GrantState.EXPIRED);
    }
    f.jit.close();
    sink.close();
    AuditLogVerifier.Result result = AuditLogVerifier.verify(log);
    assertThat(result.ok()).as("%s", result).isTrue();
  }

  /** Records every event it hears, per grant, to check the order. */
  static final class Recorder implements JitAccessListener {
    final Map<String, List<String>> heard = new ConcurrentHashMap<>();
    final AtomicInteger expired = new AtomicInteger();

    private void add(Grant grant, String what) {
      heard.computeIfAbsent(grant.id(), id -> new CopyOnWriteArrayList<>()).add(what);
    }

    @Override
    public void onGranted(Grant grant) {
      add(grant, "granted");
    }

    @Override
    public void onExpiringSoon(Grant grant) {
      add(grant, "expiring soon");
    }

    @Override
    public void onExtended(Grant grant) {
      add(grant, "extended");
    }

    @Override
    public void onExpired(Grant grant) {
      add(grant, "expired");
      expired.incrementAndGet();
    }
  }

  @Test
  void onAPoolEachGrantIsHeardInTheOrderOfItsTransitionsAndCloseDrains() {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      Recorder recorder = new Recorder();
      EngineFixture f = fixtures.create(b -> b.listener(recorder).listenerExecutor(pool)
          .expiryWarning(Duration.ofSeconds(30)));
      List<Grant> grants = burst(f, BURST);
      for (int i = 0; i < BURST; i += 3) {
        f.jit.extend(grants.get(i).id(), Duration.ofSeconds(20), "more");
      }
      f.clock.advance(Duration.ofSeconds(40)); // the warnings, together
      await().until(() -> recorder.heard.values().stream().filter(h -> h.contains("expiring soon")).count()
          == BURST - (BURST + 2) / 3);
      f.clock.advance(Duration.ofSeconds(30)); // the others' expiries and the extended ones' warnings, together
      await().until(() -> recorder.heard.values().stream().filter(h -> h.contains("expiring soon")).count() == BURST);
      f.clock.advance(Duration.ofSeconds(10)); // the extended ones' expiries

      await().until(() -> f.events(AuditEventType.EXPIRED).size() == BURST);
      f.jit.close();

      assertThat(recorder.expired.get()).isEqualTo(BURST); // close waited for every event
      for (int i = 0; i < BURST; i++) {
        List<String> heard = recorder.heard.get(grants.get(i).id());
        assertThat(heard).as("grant %d", i).containsExactlyElementsOf(i % 3 == 0
            ? List.of("granted", "extended", "expiring soon", "expired")
            : List.of("granted", "expiring soon", "expired"));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aListenerThatHangsDelaysNoExpiry() throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger heard = new AtomicInteger();
    JitAccessListener hanging = new JitAccessListener() {
      @Override
      public void onExpired(Grant grant) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        heard.incrementAndGet();
      }
    };
    EngineFixture f = fixtures.create(b -> b.listener(hanging));
    List<Grant> grants = burst(f, BURST);

    f.clock.advance(Duration.ofMinutes(1));

    await().until(() -> f.events(AuditEventType.EXPIRED).size() == BURST);
    assertThat(heard.get()).isZero(); // every grant ended, stored and audited while the listener still hangs
    for (Grant grant : grants) {
      assertThat(f.store.findById(grant.id()).orElseThrow().state()).isEqualTo(GrantState.EXPIRED);
    }
    Grant next = f.grant(subject(1), ORDERS + "/next", Duration.ofMinutes(1));
    f.clock.advance(Duration.ofMinutes(1));
    await().until(() -> f.eventsOf(next.id(), AuditEventType.EXPIRED).size() == 1);

    release.countDown();
    f.jit.close();
    assertThat(heard.get()).isEqualTo(BURST + 1);
  }
}
