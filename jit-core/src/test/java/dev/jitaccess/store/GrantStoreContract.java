package dev.jitaccess.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.Approval;
import dev.jitaccess.AccessRequest;
import dev.jitaccess.BreakGlassReview;
import dev.jitaccess.Grant;
import dev.jitaccess.RequestRecord;
import dev.jitaccess.RequestState;
import dev.jitaccess.policy.ApprovalRequirement;
import dev.jitaccess.GrantState;
import dev.jitaccess.Subject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The suite every {@link GrantStore} must pass. It ships in jit-core's {@code tests} test-jar; a store is done
 * when a subclass of it passes:
 *
 * <pre>{@code
 * class MyStoreTest extends GrantStoreContract {
 *   protected GrantStore createStore() { return new MyStore(dataSource); }
 * }
 * }</pre>
 *
 * <p>{@link #createStore()} is called before every test. The store need not be empty: every test uses grant
 * ids and subject ids with a prefix of its own and looks only at those, so a store backed by a shared database
 * works without truncating tables between tests.
 *
 * <p>The fuzz test ({@link #concurrentChangesKeepEveryGrantConsistent()}) runs {@link #fuzzRounds()} rounds on
 * {@value #FUZZ_THREADS} threads; a slow store may override {@link #fuzzRounds()} to run fewer.
 */
public abstract class GrantStoreContract {

  /** When the grants of this suite start; far from now, so a store that compares with its own clock is not confused. */
  protected static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  /** When they end unless changed. */
  protected static final Instant T1 = T0.plusSeconds(3600);

  protected static final int FUZZ_THREADS = 4;
  private static final int FUZZ_GRANTS = 32;
  private static final long FUZZ_SEED = 0x5EED_1A7EL;

  private GrantStore store;
  private String prefix;

  /** A store under test; called before every test. */
  protected abstract GrantStore createStore();

  /** How many rounds the fuzz test runs; each round is one operation on each of {@value #FUZZ_THREADS} threads. */
  protected int fuzzRounds() {
    return 800;
  }

  @BeforeEach
  public final void setUpGrantStoreContract() {
    store = createStore();
    prefix = "c" + UUID.randomUUID().toString().substring(0, 8) + "-";
  }

  /** The store of the current test. */
  protected final GrantStore store() {
    return store;
  }

  /**
   * An active, auto-approved grant at version 0 on {@code prod/db/orders} for {@code read}, valid from
   * {@code notBefore} to {@code expiresAt}. Change it with {@link Grant#withExpiresAt} and {@link Grant#ended},
   * which give the next version.
   */
  public static Grant grant(String id, Subject subject, Instant notBefore, Instant expiresAt) {
    return new Grant(id, "req-" + id, subject, "prod/db/orders", Set.of("read"), notBefore, expiresAt,
        GrantState.ACTIVE, "contract test", null, List.of(), false, "contract-rule", 0, null, null);
  }

  /** {@link #grant(String, Subject, Instant, Instant)} from {@link #T0} to {@link #T1}. */
  public static Grant grant(String id, Subject subject) {
    return grant(id, subject, T0, T1);
  }

  // ---------------------------------------------------------------------------------------------- save / find

  @Test
  public void savedGrantIsFoundByIdWithEveryField() {
    Subject alice = user("alice");
    Grant grant = new Grant(id("g1"), id("r1"), alice, "prod/db/**", Set.of("write", "read", "admin"),
        T0.plusMillis(123), T1.plusMillis(456), GrantState.ACTIVE, "INC-1234: slow query \u00fcber \uD83D\uDD25",
        "INC-1234", List.of(new Approval(user("bob"), T0.minusSeconds(5), "ok"),
            new Approval(Subject.service("approver-bot"), T0.minusSeconds(1), null)),
        true, "break-glass-rule", 7, null, null);

    store.save(grant);

    assertThat(store.findById(grant.id())).contains(grant);
    assertThat(store.findById(id("missing"))).isEmpty();
    assertThat(mine(store.findActive())).containsExactly(grant);
    assertThat(store.findActiveBySubject(alice)).containsExactly(grant);
  }

  @Test
  public void aGrantBoundToItsHandleStaysBoundThroughSaveAndCompareAndSet() {
    Grant bound = grant(id("bound"), user("alice"));
    bound = new Grant(bound.id(), bound.requestId(), bound.subject(), bound.resource(), bound.actions(),
        bound.notBefore(), bound.expiresAt(), bound.state(), bound.justification(), bound.reference(),
        bound.approvals(), bound.breakGlass(), bound.rule(), bound.version(), null, null, true);
    store.save(bound);
    Grant extended = bound.withExpiresAt(bound.expiresAt().plusSeconds(60));
    assertThat(store.compareAndSet(bound.version(), extended)).isTrue();

    assertThat(store.findById(bound.id())).contains(extended);
    assertThat(store.findById(bound.id()).orElseThrow().bound()).isTrue();
  }

  @Test
  public void activeGrantsIncludeThoseNotStartedAndThosePastTheirExpiry() {
    Subject alice = user("alice");
    Grant future = grant(id("future"), alice, T1, T1.plusSeconds(60));
    Grant past = grant(id("past"), alice, Instant.parse("2001-01-01T00:00:00Z"), Instant.parse("2001-01-01T01:00:00Z"));
    store.save(future);
    store.save(past);

    assertThat(mine(store.findActive())).containsExactlyInAnyOrder(future, past);
    assertThat(store.findActiveBySubject(alice)).containsExactlyInAnyOrder(future, past);
  }

  @Test
  public void duplicateIdIsRejectedAndTheStoredGrantKept() {
    Grant first = grant(id("dup"), user("alice"));
    Grant second = grant(id("dup"), user("bob"), T0, T1.plusSeconds(1));
    store.save(first);

    assertThatThrownBy(() -> store.save(second))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(first.id());
    assertThat(store.findById(first.id())).contains(first);
    assertThat(store.findActiveBySubject(user("bob"))).isEmpty();
    assertThat(mine(store.findActive())).containsExactly(first);
  }

  @Test
  public void idOfAnEndedGrantIsNotReused() {
    Grant first = grant(id("dup"), user("alice"));
    store.save(first);
    assertThat(store.compareAndSet(0, first.ended(GrantState.REVOKED, T0, "done"))).isTrue();

    assertThatThrownBy(() -> store.save(grant(first.id(), user("alice"))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(first.id());
    assertThat(mine(store.findActive())).isEmpty();
  }

  // ------------------------------------------------------------------------------------------ compare-and-set

  @Test
  public void compareAndSetReplacesAndIncrementsTheVersion() {
    Subject alice = user("alice");
    Grant v0 = grant(id("g"), alice);
    store.save(v0);

    Grant v1 = v0.withExpiresAt(T1.plusSeconds(600));
    assertThat(store.compareAndSet(0, v1)).isTrue();
    assertThat(store.findById(v0.id())).contains(v1);

    Grant v2 = v1.withExpiresAt(T1.plusSeconds(1200));
    assertThat(store.compareAndSet(1, v2)).isTrue();
    assertThat(store.findById(v0.id())).contains(v2);
    assertThat(store.findById(v0.id()).orElseThrow().version()).isEqualTo(2);
    assertThat(mine(store.findActive())).containsExactly(v2);
    assertThat(store.findActiveBySubject(alice)).containsExactly(v2);
  }

  @Test
  public void compareAndSetWithStaleVersionFailsAndChangesNothing() {
    Grant v0 = grant(id("g"), user("alice"));
    store.save(v0);
    Grant v1 = v0.withExpiresAt(T1.plusSeconds(600));
    assertThat(store.compareAndSet(0, v1)).isTrue();

    Grant competingV1 = v0.ended(GrantState.REVOKED, T0, "stale");
    assertThat(store.compareAndSet(0, competingV1)).isFalse();
    Grant aheadV3 = v1.withExpiresAt(T1).withExpiresAt(T1.plusSeconds(5));
    assertThat(store.compareAndSet(2, aheadV3)).isFalse();

    assertThat(store.findById(v0.id())).contains(v1);
    assertThat(mine(store.findActive())).containsExactly(v1);
    assertThat(store.findActiveBySubject(user("alice"))).containsExactly(v1);
  }

  @Test
  public void compareAndSetOnMissingGrantFails() {
    Grant unknown = grant(id("nobody-saved-me"), user("alice"));

    assertThat(store.compareAndSet(0, unknown.withExpiresAt(T1.plusSeconds(1)))).isFalse();
    assertThat(store.compareAndSet(0, unknown.ended(GrantState.REVOKED, T0, "x"))).isFalse();

    assertThat(store.findById(unknown.id())).isEmpty();
    assertThat(mine(store.findActive())).isEmpty();
    assertThat(store.findActiveBySubject(user("alice"))).isEmpty();
  }

  @Test
  public void endedGrantLeavesTheActiveGrantsButIsStillFoundById() {
    Subject alice = user("alice");
    Grant kept = grant(id("kept"), alice);
    Grant revoked = grant(id("revoked"), alice);
    Grant expired = grant(id("expired"), alice);
    Grant released = grant(id("released"), alice);
    for (Grant g : List.of(kept, revoked, expired, released)) {
      store.save(g);
    }

    Grant revokedV1 = revoked.ended(GrantState.REVOKED, T0.plusSeconds(10), "suspicious");
    Grant expiredV2 = expired.withExpiresAt(T1.plusSeconds(60)).ended(GrantState.EXPIRED, T1.plusSeconds(60),
        Grant.EXPIRED_REASON);
    Grant releasedV1 = released.ended(GrantState.REVOKED, T0.plusSeconds(20), Grant.RELEASED_REASON);
    assertThat(store.compareAndSet(0, revokedV1)).isTrue();
    assertThat(store.compareAndSet(0, expired.withExpiresAt(T1.plusSeconds(60)))).isTrue();
    assertThat(store.compareAndSet(1, expiredV2)).isTrue();
    assertThat(store.compareAndSet(0, releasedV1)).isTrue();

    assertThat(mine(store.findActive())).containsExactly(kept);
    assertThat(store.findActiveBySubject(alice)).containsExactly(kept);
    assertThat(store.findById(revoked.id())).contains(revokedV1);
    assertThat(store.findById(expired.id())).contains(expiredV2);
    assertThat(store.findById(released.id())).contains(releasedV1);
    Grant found = store.findById(released.id()).orElseThrow();
    assertThat(found.state()).isEqualTo(GrantState.REVOKED);
    assertThat(found.endedAt()).isEqualTo(T0.plusSeconds(20));
    assertThat(found.endReason()).isEqualTo(Grant.RELEASED_REASON);
  }

  @Test
  public void endedGrantCannotChangeAgain() {
    Grant v0 = grant(id("g"), user("alice"));
    store.save(v0);
    Grant revoked = v0.ended(GrantState.REVOKED, T0, "first end");
    assertThat(store.compareAndSet(0, revoked)).isTrue();

    assertThat(store.compareAndSet(1, revoked.ended(GrantState.EXPIRED, T1, Grant.EXPIRED_REASON))).isFalse();
    assertThat(store.compareAndSet(1, revoked.withExpiresAt(T1.plusSeconds(60)))).isFalse();
    assertThat(store.compareAndSet(0, v0.ended(GrantState.EXPIRED, T1, Grant.EXPIRED_REASON))).isFalse();
    assertThat(store.compareAndSet(0, v0.withExpiresAt(T1.plusSeconds(60)))).isFalse();

    assertThat(store.findById(v0.id())).contains(revoked);
    assertThat(mine(store.findActive())).isEmpty();
  }

  // ---------------------------------------------------------------------------------- batch compare-and-set

  /**
   * The rows of a batch a burst of ends makes, with every outcome a row can have: a grant at the expected version,
   * one another instance changed first, one already ended, one never saved, and two rows on one grant.
   */
  private List<GrantStore.Update> mixedBatch(String tag, Subject subject) {
    Grant fresh = grant(id(tag + "-fresh"), subject);
    Grant changedElsewhere = grant(id(tag + "-elsewhere"), subject);
    Grant ended = grant(id(tag + "-ended"), subject);
    Grant twice = grant(id(tag + "-twice"), subject);
    Grant never = grant(id(tag + "-never"), subject);
    for (Grant g : List.of(fresh, changedElsewhere, ended, twice)) {
      store.save(g);
    }
    assertThat(store.compareAndSet(0, changedElsewhere.withExpiresAt(T1.plusSeconds(60)))).isTrue();
    assertThat(store.compareAndSet(0, ended.ended(GrantState.REVOKED, T0, "revoked first"))).isTrue();
    Grant twiceExtended = twice.withExpiresAt(T1.plusSeconds(30));
    return List.of(
        new GrantStore.Update(0, fresh.ended(GrantState.EXPIRED, T1, Grant.EXPIRED_REASON)),
        new GrantStore.Update(0, changedElsewhere.ended(GrantState.EXPIRED, T1, Grant.EXPIRED_REASON)),
        new GrantStore.Update(0, ended.ended(GrantState.EXPIRED, T1, Grant.EXPIRED_REASON)),
        new GrantStore.Update(0, never.ended(GrantState.EXPIRED, T1, Grant.EXPIRED_REASON)),
        new GrantStore.Update(0, twiceExtended),
        new GrantStore.Update(0, twice.ended(GrantState.EXPIRED, T1, Grant.EXPIRED_REASON)),
        new GrantStore.Update(1, twiceExtended.ended(GrantState.EXPIRED, T1.plusSeconds(30), Grant.EXPIRED_REASON)));
  }

  @Test
  public void compareAndSetAllDecidesEachRowAsCompareAndSetWould() {
    Subject alice = user("alice");
    List<GrantStore.Update> batch = mixedBatch("batch", alice);
    List<GrantStore.Update> oneByOne = mixedBatch("single", alice);

    boolean[] replaced = store.compareAndSetAll(batch);
    boolean[] expected = new boolean[oneByOne.size()];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = store.compareAndSet(oneByOne.get(i).expectedVersion(), oneByOne.get(i).updated());
    }

    assertThat(replaced).containsExactly(true, false, false, false, true, false, true);
    assertThat(replaced).containsExactly(expected);
    for (int i = 0; i < batch.size(); i++) {
      Optional<Grant> inBatch = store.findById(batch.get(i).updated().id());
      Optional<Grant> single = store.findById(oneByOne.get(i).updated().id());
      assertThat(inBatch.map(Grant::version)).as("row %d", i).isEqualTo(single.map(Grant::version));
      assertThat(inBatch.map(Grant::state)).as("row %d", i).isEqualTo(single.map(Grant::state));
      assertThat(inBatch.map(Grant::endReason)).as("row %d", i).isEqualTo(single.map(Grant::endReason));
    }
    assertThat(store.findActiveBySubject(alice)).extracting(Grant::id)
        .containsExactlyInAnyOrder(id("batch-elsewhere"), id("single-elsewhere"));
  }

  @Test
  public void compareAndSetAllEndsABurstOfGrantsAndAnEmptyBatchChangesNothing() {
    Subject alice = user("alice");
    List<GrantStore.Update> burst = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      Grant g = grant(id("burst" + i), alice);
      store.save(g);
      burst.add(new GrantStore.Update(0, g.ended(GrantState.EXPIRED, T1, Grant.EXPIRED_REASON)));
    }

    assertThat(store.compareAndSetAll(List.of())).isEmpty();
    assertThat(mine(store.findActive())).hasSize(1_000);
    boolean[] replaced = store.compareAndSetAll(burst);

    assertThat(replaced).hasSize(1_000).doesNotContain(false);
    assertThat(mine(store.findActive())).isEmpty();
    assertThat(store.findById(id("burst999"))).contains(burst.get(999).updated());
    assertThat(store.compareAndSetAll(burst)).hasSize(1_000).doesNotContain(true);
  }

  @Test
  public void aBatchRowMustNameTheNextVersion() {
    Grant g = grant(id("g"), user("alice"));
    assertThatThrownBy(() -> new GrantStore.Update(1, g.ended(GrantState.EXPIRED, T1, Grant.EXPIRED_REASON)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("updated.version");
    assertThatThrownBy(() -> new GrantStore.Update(0, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("updated");
  }

  // ----------------------------------------------------------------------------------------------- look-ups

  @Test
  public void subjectsAreIsolatedByKindAndId() {
    Subject userAlice = user("alice");
    Subject serviceAlice = Subject.service(prefix + "alice");
    Subject userBob = user("bob");
    Grant u1 = grant(id("u1"), userAlice);
    Grant u2 = grant(id("u2"), userAlice);
    Grant s1 = grant(id("s1"), serviceAlice);
    Grant b1 = grant(id("b1"), userBob);
    for (Grant g : List.of(u1, u2, s1, b1)) {
      store.save(g);
    }

    assertThat(store.findActiveBySubject(userAlice)).containsExactlyInAnyOrder(u1, u2);
    assertThat(store.findActiveBySubject(serviceAlice)).containsExactly(s1);
    assertThat(store.findActiveBySubject(userBob)).containsExactly(b1);
    assertThat(store.findActiveBySubject(user("carol"))).isEmpty();
    assertThat(store.findActiveBySubject(Subject.service(prefix + "bob"))).isEmpty();

    assertThat(store.compareAndSet(0, s1.ended(GrantState.REVOKED, T0, "x"))).isTrue();
    assertThat(store.findActiveBySubject(serviceAlice)).isEmpty();
    assertThat(store.findActiveBySubject(userAlice)).containsExactlyInAnyOrder(u1, u2);
  }

  @Test
  public void lookUpsReturnSnapshotsNotLiveViews() {
    Subject alice = user("alice");
    Grant a = grant(id("a"), alice);
    Grant b = grant(id("b"), alice);
    store.save(a);
    store.save(b);
    List<Grant> bySubject = store.findActiveBySubject(alice);
    List<Grant> all = store.findActive();
    List<Grant> allMine = mine(all);

    store.save(grant(id("c"), alice));
    assertThat(store.compareAndSet(0, a.ended(GrantState.REVOKED, T0, "x"))).isTrue();
    assertThat(store.compareAndSet(0, b.withExpiresAt(T1.plusSeconds(1)))).isTrue();

    assertThat(bySubject).containsExactlyInAnyOrder(a, b);
    assertThat(mine(all)).isEqualTo(allMine).containsExactlyInAnyOrder(a, b);
  }

  // -------------------------------------------------------------------------------------------------- fuzz

  /**
   * {@value #FUZZ_THREADS} threads hammer a few dozen grants, in rounds that make them mostly aim at the same
   * grant at the same moment: racing saves of one id, racing extensions and racing ends. Every outcome is
   * recorded, then checked: one save per id, at most one winner per (grant, expected version), versions
   * without gaps, at most one terminal transition per grant, and the active look-ups equal the grants whose
   * latest state is {@code ACTIVE}.
   */
  @Test
  public void concurrentChangesKeepEveryGrantConsistent() throws Exception {
    Subject[] subjects = {user("s0"), Subject.service(prefix + "s0"), user("s1"), Subject.service(prefix + "s1"),
        user("s2")};
    Grant[] initial = new Grant[FUZZ_GRANTS];
    for (int g = 0; g < FUZZ_GRANTS; g++) {
      initial[g] = grant(id("fuzz" + g), subjects[g % subjects.length]);
    }
    int rounds = fuzzRounds();
    int[] targets = new Random(FUZZ_SEED).ints(rounds, 0, FUZZ_GRANTS).toArray();

    AtomicInteger[] saves = new AtomicInteger[FUZZ_GRANTS];
    AtomicInteger[] terminalTransitions = new AtomicInteger[FUZZ_GRANTS];
    List<Map<Long, Grant>> winners = new ArrayList<>();
    for (int g = 0; g < FUZZ_GRANTS; g++) {
      saves[g] = new AtomicInteger();
      terminalTransitions[g] = new AtomicInteger();
      winners.add(new ConcurrentHashMap<>());
    }
    ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    CyclicBarrier roundStart = new CyclicBarrier(FUZZ_THREADS);

    ExecutorService pool = Executors.newFixedThreadPool(FUZZ_THREADS);
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < FUZZ_THREADS; t++) {
        Random random = new Random(FUZZ_SEED + t);
        workers.add(pool.submit(() -> {
          for (int round = 0; round < rounds; round++) {
            roundStart.await(30, TimeUnit.SECONDS);
            // Mostly all threads on the round's grant; sometimes one wanders off to another.
            int g = random.nextInt(5) == 0 ? random.nextInt(FUZZ_GRANTS) : targets[round];
            fuzzStep(initial[g], random, saves[g], terminalTransitions[g], winners.get(g), violations);
          }
          return null;
        }));
      }
      for (Future<?> worker : workers) {
        worker.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(violations).as("violations seen while running (seed %x)", FUZZ_SEED).isEmpty();
    Set<Grant> expectedActive = new HashSet<>();
    for (int g = 0; g < FUZZ_GRANTS; g++) {
      Optional<Grant> latest = store.findById(initial[g].id());
      if (latest.isEmpty()) {
        assertThat(saves[g]).as("saves of never-found grant %d", g).hasValue(0);
        continue;
      }
      Grant last = latest.get();
      assertThat(saves[g]).as("successful saves of grant %d", g).hasValue(1);
      Map<Long, Grant> won = winners.get(g);
      assertThat(won.keySet()).as("expected versions that won on grant %d", g)
          .isEqualTo(versionsBelow(last.version()));
      assertThat(last).isEqualTo(last.version() == 0 ? initial[g] : won.get(last.version() - 1));
      assertThat(terminalTransitions[g]).as("terminal transitions of grant %d", g)
          .hasValue(last.state().isTerminal() ? 1 : 0);
      if (last.state() == GrantState.ACTIVE) {
        expectedActive.add(last);
      }
    }
    assertThat(new HashSet<>(mine(store.findActive()))).isEqualTo(expectedActive);
    for (Subject subject : subjects) {
      Set<Grant> expected = expectedActive.stream().filter(g -> g.subject().equals(subject)).collect(Collectors.toSet());
      assertThat(new HashSet<>(store.findActiveBySubject(subject))).as("active grants of %s", subject)
          .isEqualTo(expected);
    }
  }

  private void fuzzStep(Grant initial, Random random, AtomicInteger saves, AtomicInteger terminalTransitions,
      Map<Long, Grant> winners, ConcurrentLinkedQueue<String> violations) {
    if (random.nextInt(8) == 0) {
      for (Grant seen : store.findActiveBySubject(initial.subject())) {
        if (!seen.subject().equals(initial.subject()) || seen.state() != GrantState.ACTIVE) {
          violations.add("findActiveBySubject(" + initial.subject() + ") returned " + seen);
        }
      }
    }
    Optional<Grant> found = store.findById(initial.id());
    if (found.isEmpty()) {
      try {
        store.save(initial);
        saves.incrementAndGet();
      } catch (IllegalStateException lostTheRace) {
        // another thread saved it first
      }
      return;
    }
    Grant current = found.get();
    if (current.state().isTerminal()) {
      Grant again = current.ended(GrantState.EXPIRED, T1, Grant.EXPIRED_REASON);
      if (store.compareAndSet(current.version(), again)) {
        violations.add("an ended grant changed again: " + again);
      }
      return;
    }
    int dice = random.nextInt(20);
    Grant next = switch (dice) {
      case 0 -> current.ended(GrantState.REVOKED, T0.plusSeconds(current.version()), "revoked in fuzz");
      case 1 -> current.ended(GrantState.EXPIRED, current.expiresAt(), Grant.EXPIRED_REASON);
      default -> current.withExpiresAt(current.expiresAt().plusSeconds(1 + random.nextInt(60)));
    };
    if (store.compareAndSet(current.version(), next)) {
      Grant earlier = winners.putIfAbsent(current.version(), next);
      if (earlier != null) {
        violations.add("two winners from version " + current.version() + ": " + earlier + " and " + next);
      }
      if (next.state().isTerminal()) {
        terminalTransitions.incrementAndGet();
      }
    }
  }

  // ------------------------------------------------------------------------------- requests and reviews

  /** A request waiting for two approvals, at {@code version}, in {@code state}. */
  public static RequestRecord request(String id, Subject requester, RequestState state, long version) {
    AccessRequest request = AccessRequest.builder().subject(requester).resource("prod/db/orders").actions("read")
        .duration(java.time.Duration.ofMinutes(30)).justification("contract test").build();
    ApprovalRequirement requirement = new ApprovalRequirement(2, Set.of(Subject.user("approver")), Set.of(), false,
        java.time.Duration.ofHours(1));
    return new RequestRecord(id, request, "contract-rule", java.time.Duration.ofMinutes(30), requirement,
        List.of(), T0, T0.plusSeconds(3600), state, state == RequestState.GRANTED ? "g-" + id : null,
        state.isTerminal() && state != RequestState.GRANTED ? "ended" : null, version);
  }

  @Test
  public void savedRequestIsFoundAndListedWhilePending() {
    RequestRecord pending = request(id("r1"), user("alice"), RequestState.PENDING, 0);
    store.saveRequest(pending);

    assertThat(store.findRequest(pending.id())).contains(pending);
    assertThat(store.findPendingRequests()).contains(pending);
    assertThatThrownBy(() -> store.saveRequest(pending)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  public void requestCompareAndSetHasOneWinnerAndDecidedRequestsLeaveThePendingList() {
    RequestRecord pending = request(id("r2"), user("alice"), RequestState.PENDING, 0);
    store.saveRequest(pending);
    RequestRecord rejected = request(pending.id(), user("alice"), RequestState.REJECTED, 1);

    assertThat(store.compareAndSetRequest(0, rejected)).isTrue();
    assertThat(store.compareAndSetRequest(0, request(pending.id(), user("alice"), RequestState.EXPIRED, 1)))
        .isFalse();

    assertThat(store.findRequest(pending.id())).contains(rejected);
    assertThat(store.findPendingRequests()).doesNotContain(pending, rejected);
    assertThat(store.compareAndSetRequest(1, request(pending.id(), user("alice"), RequestState.EXPIRED, 2)))
        .isFalse();
  }

  @Test
  public void reviewsAreOpenUntilAcknowledgedOnce() {
    Grant grant = grant(id("bg"), user("oncall"));
    BreakGlassReview open = new BreakGlassReview(grant, "INC-1", null, null, null, 0);
    store.saveReview(open);
    BreakGlassReview done = new BreakGlassReview(grant, "INC-1", Subject.user("lead"), T1, "fine", 1);

    assertThat(store.findOpenReviews()).contains(open);
    assertThat(store.compareAndSetReview(0, done)).isTrue();
    assertThat(store.compareAndSetReview(0, done)).isFalse();

    assertThat(store.findReview(grant.id())).contains(done);
    assertThat(store.findOpenReviews()).doesNotContain(open, done);
    assertThatThrownBy(() -> store.saveReview(open)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  public void savedRequestKeepsEveryField() {
    Subject alice = user("alice");
    AccessRequest asked = AccessRequest.builder().subject(alice).resource("prod/db/*/replica")
        .actions("write", "read").duration(java.time.Duration.ofMinutes(45).plusNanos(7))
        .justification("CHG-77: \"quoted\" \\ back\\slash, 100% of_it, \u00fcber \uD83D\uDD25")
        .reference("CHG-77").startAt(T0.plusNanos(123_456_789)).breakGlass(false)
        .groups(Set.of("sre", "dba")).attributes(new java.util.LinkedHashMap<>(Map.of("team", "payments")))
        .build();
    ApprovalRequirement requirement = new ApprovalRequirement(3,
        new java.util.LinkedHashSet<>(List.of(user("carol"), Subject.service(prefix + "bot"))), Set.of("leads", "dba"),
        true, java.time.Duration.ofMinutes(90));
    List<Approval> approvals = List.of(new Approval(user("zed"), T0.plusMillis(5), "fine by me"),
        new Approval(user("carol"), T0.plusMillis(1), null));
    RequestRecord granted = new RequestRecord(id("r-every"), asked, "rule-7", java.time.Duration.ofMinutes(40),
        requirement, approvals, T0.minusSeconds(60).plusNanos(1), T0.plusSeconds(5340), RequestState.GRANTED,
        id("g-every"), null, 4);
    RequestRecord rejected = new RequestRecord(id("r-rejected"), asked, "rule-7", java.time.Duration.ofMinutes(40),
        null, List.of(), T0, null, RequestState.REJECTED, null, "no: \"not now\"", 0);

    store.saveRequest(granted);
    store.saveRequest(rejected);

    assertThat(store.findRequest(granted.id())).contains(granted);
    RequestRecord found = store.findRequest(granted.id()).orElseThrow();
    assertThat(found.approvals()).containsExactlyElementsOf(approvals); // in the order given, not sorted
    assertThat(found.request().attributes()).isEqualTo(Map.of("team", "payments"));
    assertThat(store.findRequest(rejected.id())).contains(rejected);
    assertThat(store.findRequest(id("missing"))).isEmpty();
    assertThat(store.findPendingRequests()).doesNotContain(granted, rejected);
  }

  @Test
  public void approvalsAccumulateInOrderWhileTheRequestIsPending() {
    RequestRecord v0 = request(id("r-acc"), user("alice"), RequestState.PENDING, 0);
    store.saveRequest(v0);
    Approval first = new Approval(user("bob"), T0.plusSeconds(1), "one");
    Approval second = new Approval(user("amy"), T0.plusSeconds(2), null);
    RequestRecord v1 = withApprovals(v0, List.of(first), RequestState.PENDING, null);
    RequestRecord v2 = withApprovals(v1, List.of(first, second), RequestState.GRANTED, id("g-acc"));

    assertThat(store.compareAndSetRequest(0, v1)).isTrue();
    assertThat(store.findPendingRequests()).contains(v1).doesNotContain(v0);
    assertThat(store.compareAndSetRequest(1, v2)).isTrue();

    assertThat(store.findRequest(v0.id())).contains(v2);
    assertThat(store.findRequest(v0.id()).orElseThrow().approvals()).containsExactly(first, second);
    assertThat(store.findPendingRequests()).doesNotContain(v0, v1, v2);
    assertThat(store.compareAndSetRequest(2, withApprovals(v2, List.of(), RequestState.EXPIRED, id("g-acc"))))
        .isFalse();
    assertThat(store.compareAndSetRequest(0, request(id("r-nobody"), user("alice"), RequestState.EXPIRED, 1)))
        .isFalse();
  }

  @Test
  public void reviewKeepsTheWholeGrantAndItsAcknowledgement() {
    Grant grant = new Grant(id("bg-every"), id("r-bg"), user("oncall"), "prod/**", Set.of("admin", "read"),
        T0, T0.plusSeconds(900), GrantState.ACTIVE, "INC-9: \"db down\"", "INC-9",
        List.of(new Approval(user("lead"), T0.minusSeconds(1), "go")), true, "break-glass", 0, null, null);
    BreakGlassReview open = new BreakGlassReview(grant, "INC-9", null, null, null, 0);
    store.saveReview(open);
    BreakGlassReview acknowledged = new BreakGlassReview(grant, "INC-9", Subject.service(prefix + "auditor"),
        T1.plusNanos(5), "reviewed \u2714", 1);

    assertThat(store.findReview(grant.id())).contains(open);
    assertThat(store.findReview(id("missing"))).isEmpty();
    assertThat(store.compareAndSetReview(0, acknowledged)).isTrue();
    assertThat(store.findReview(grant.id())).contains(acknowledged);
    assertThat(store.findReview(grant.id()).orElseThrow().grant()).isEqualTo(grant);
    assertThat(store.compareAndSetReview(0, new BreakGlassReview(grant(id("nobody"), user("x")), "INC-0", null,
        null, null, 1))).isFalse();
  }

  @Test
  public void idsAndTextWithSpecialCharactersAndAtTheirLongestRoundTrip() {
    String longId = prefix + "x".repeat(dev.jitaccess.internal.Validate.MAX_ID_LENGTH - prefix.length());
    String oddId = prefix + "o'brien \"quoted\" \\ 100%_:{}[]\u00e9\uD83D\uDE80";
    Subject odd = Subject.service(prefix + "svc:with'colon\"and\\ %_");
    Set<String> actions = new java.util.TreeSet<>();
    for (int i = 0; i < AccessRequest.MAX_ACTIONS; i++) {
      actions.add("a" + i + "_x-y");
    }
    String justification = "j\u00fc\"\\'%".repeat(dev.jitaccess.internal.Validate.MAX_TEXT_LENGTH / 6 + 1)
        .substring(0, dev.jitaccess.internal.Validate.MAX_TEXT_LENGTH);
    Grant longest = new Grant(longId, oddId, odd, "a/" + "s".repeat(500) + "/**", actions, T0, T1,
        GrantState.ACTIVE, justification, "REF-" + "9".repeat(252), List.of(new Approval(odd, T0, justification)),
        false, longId, 0, null, null);
    Grant quoted = grant(oddId, odd);

    store.save(longest);
    store.save(quoted);

    assertThat(store.findById(longId)).contains(longest);
    assertThat(store.findById(oddId)).contains(quoted);
    assertThat(store.findActiveBySubject(odd)).containsExactlyInAnyOrder(longest, quoted);
    assertThat(store.findActiveBySubject(Subject.service(prefix + "svc:with'colon\"and\\ %"))).isEmpty();
    assertThat(store.findActiveBySubject(new Subject(Subject.Kind.USER, odd.id()))).isEmpty();
    Grant ended = quoted.ended(GrantState.REVOKED, T0.plusMillis(1), justification);
    assertThat(store.compareAndSet(0, ended)).isTrue();
    assertThat(store.findById(oddId)).contains(ended);
  }

  @Test
  public void racingCompareAndSetsOnOneRequestHaveOneWinnerPerVersion() throws Exception {
    RequestRecord v0 = request(id("r-race"), user("alice"), RequestState.PENDING, 0);
    store.saveRequest(v0);
    int rounds = 25;
    Map<Long, String> winners = new ConcurrentHashMap<>();
    ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(FUZZ_THREADS);
    try {
      CyclicBarrier barrier = new CyclicBarrier(FUZZ_THREADS);
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < FUZZ_THREADS; t++) {
        String approver = "approver-" + t;
        workers.add(pool.submit(() -> {
          for (int round = 0; round < rounds; round++) {
            barrier.await(30, TimeUnit.SECONDS);
            RequestRecord current = store.findRequest(v0.id()).orElseThrow();
            List<Approval> more = new ArrayList<>(current.approvals());
            more.add(new Approval(user(approver), T0.plusSeconds(round), null));
            RequestRecord next = withApprovals(current, more, RequestState.PENDING, null);
            if (store.compareAndSetRequest(current.version(), next)
                && winners.putIfAbsent(current.version(), approver) != null) {
              violations.add("two winners from version " + current.version());
            }
          }
          return null;
        }));
      }
      for (Future<?> worker : workers) {
        worker.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(violations).isEmpty();
    RequestRecord last = store.findRequest(v0.id()).orElseThrow();
    assertThat(winners.keySet()).isEqualTo(versionsBelow(last.version()));
    assertThat(last.approvals()).hasSize((int) last.version());
    assertThat(last.version()).isBetween((long) rounds, (long) rounds * FUZZ_THREADS);
  }

  private static RequestRecord withApprovals(RequestRecord r, List<Approval> approvals, RequestState state,
      String grantId) {
    return new RequestRecord(r.id(), r.request(), r.rule(), r.duration(), r.requirement(), approvals, r.createdAt(),
        r.reviewDeadline(), state, grantId, r.endReason(), r.version() + 1);
  }

  // ------------------------------------------------------------------------------------------------ helpers

  /** An id unique to this test run, so a store shared between tests or runs does not mix them up. */
  protected final String id(String name) {
    return prefix + name;
  }

  /** A user subject unique to this test run. */
  protected final Subject user(String name) {
    return Subject.user(prefix + name);
  }

  /** The grants of this test run among {@code grants}. */
  protected final List<Grant> mine(List<Grant> grants) {
    return grants.stream().filter(g -> g.id().startsWith(prefix)).toList();
  }

  private static Set<Long> versionsBelow(long version) {
    Set<Long> versions = new HashSet<>();
    for (long v = 0; v < version; v++) {
      versions.add(v);
    }
    return versions;
  }
}
