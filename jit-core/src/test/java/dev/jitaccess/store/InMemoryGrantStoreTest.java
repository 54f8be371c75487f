package dev.jitaccess.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.Grant;
import dev.jitaccess.GrantState;
import dev.jitaccess.Subject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InMemoryGrantStoreTest extends GrantStoreContract {

  @Override
  protected GrantStore createStore() {
    return new InMemoryGrantStore();
  }

  // ------------------------------------------------------------------------------------ ended-grant retention

  @Test
  void keepsEveryEndedGrantUpToTheBound() {
    InMemoryGrantStore store = new InMemoryGrantStore(10);
    List<Grant> ended = endGrants(store, "g", 10);

    assertThat(store.retainedEndedGrants()).isEqualTo(10);
    for (Grant g : ended) {
      assertThat(store.findById(g.id())).contains(g);
    }
  }

  @Test
  void forgetsEndedGrantsBeyondTheBoundButNeverActiveOnes() {
    InMemoryGrantStore store = new InMemoryGrantStore(10);
    Subject alice = Subject.user("alice");
    List<Grant> active = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Grant g = grant("active-" + i, alice);
      store.save(g);
      active.add(g);
    }

    List<Grant> ended = endGrants(store, "ended", 40);

    assertThat(store.retainedEndedGrants()).isEqualTo(10);
    int found = 0;
    for (Grant g : ended) {
      Optional<Grant> byId = store.findById(g.id());
      if (byId.isPresent()) {
        assertThat(byId).contains(g);
        found++;
      }
    }
    assertThat(found).isEqualTo(10);
    for (Grant g : active) {
      assertThat(store.findById(g.id())).contains(g);
    }
    assertThat(store.findActive()).containsExactlyInAnyOrderElementsOf(active);
    assertThat(store.findActiveBySubject(alice)).containsExactlyInAnyOrderElementsOf(active);
  }

  @Test
  void savedEndedGrantsCountTowardsTheBound() {
    InMemoryGrantStore store = new InMemoryGrantStore(3);
    for (int i = 0; i < 8; i++) {
      store.save(grant("old-" + i, Subject.user("alice")).ended(GrantState.EXPIRED, T1, Grant.EXPIRED_REASON));
    }

    assertThat(store.retainedEndedGrants()).isEqualTo(3);
    assertThat(store.findActive()).isEmpty();
  }

  @Test
  void retentionBoundMustBePositive() {
    assertThatThrownBy(() -> new InMemoryGrantStore(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("retainedEndedGrants");
    assertThatThrownBy(() -> new InMemoryGrantStore(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("retainedEndedGrants");
  }

  // ---------------------------------------------------------------------------------------- in-memory rules

  @Test
  void savingAnEndedGrantPutsItStraightAmongTheEnded() {
    InMemoryGrantStore store = new InMemoryGrantStore();
    Grant ended = grant("g", Subject.user("alice")).ended(GrantState.REVOKED, T0, "imported");

    store.save(ended);

    assertThat(store.findById("g")).contains(ended);
    assertThat(store.findActive()).isEmpty();
    assertThat(store.findActiveBySubject(Subject.user("alice"))).isEmpty();
    assertThat(store.indexedSubjects()).isZero();
    assertThatThrownBy(() -> store.save(grant("g", Subject.user("alice"))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("\"g\"");
    assertThat(store.compareAndSet(1, ended.ended(GrantState.EXPIRED, T1, Grant.EXPIRED_REASON))).isFalse();
  }

  @Test
  void wrongNextVersionIsAProgrammingError() {
    InMemoryGrantStore store = new InMemoryGrantStore();
    Grant v0 = grant("g", Subject.user("alice"));
    store.save(v0);
    Grant v2 = v0.withExpiresAt(T1.plusSeconds(1)).withExpiresAt(T1.plusSeconds(2));

    assertThatThrownBy(() -> store.compareAndSet(0, v2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("updated.version");
    assertThatThrownBy(() -> store.compareAndSet(2, v2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("updated.version");
    assertThatThrownBy(() -> store.compareAndSet(-1, v0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expectedVersion");
    assertThat(store.findById("g")).contains(v0);
  }

  @Test
  void aGrantCannotChangeSubject() {
    InMemoryGrantStore store = new InMemoryGrantStore();
    Grant v0 = grant("g", Subject.user("alice"));
    store.save(v0);
    Grant stolen = new Grant("g", v0.requestId(), Subject.user("mallory"), v0.resource(), v0.actions(),
        v0.notBefore(), v0.expiresAt(), GrantState.ACTIVE, v0.justification(), null, List.of(), false, v0.rule(),
        1, null, null);

    assertThatThrownBy(() -> store.compareAndSet(0, stolen))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("updated.subject");
    assertThat(store.findById("g")).contains(v0);
    assertThat(store.findActiveBySubject(Subject.user("alice"))).containsExactly(v0);
    assertThat(store.findActiveBySubject(Subject.user("mallory"))).isEmpty();
  }

  @Test
  void nullArgumentsAreRejectedByName() {
    InMemoryGrantStore store = new InMemoryGrantStore();

    assertThatThrownBy(() -> store.save(null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("grant");
    assertThatThrownBy(() -> store.compareAndSet(0, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("updated");
    assertThatThrownBy(() -> store.findById(null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("grantId");
    assertThatThrownBy(() -> store.findActiveBySubject(null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("subject");
  }

  @Test
  void snapshotsAreImmutable() {
    InMemoryGrantStore store = new InMemoryGrantStore();
    Grant g = grant("g", Subject.user("alice"));
    store.save(g);

    assertThatThrownBy(() -> store.findActive().add(g)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> store.findActiveBySubject(Subject.user("alice")).clear())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> store.findActiveBySubject(Subject.user("nobody")).add(g))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void subjectIndexForgetsSubjectsWithoutActiveGrants() {
    InMemoryGrantStore store = new InMemoryGrantStore();
    Grant a = grant("a", Subject.user("alice"));
    Grant b = grant("b", Subject.user("alice"));
    Grant c = grant("c", Subject.service("alice"));
    store.save(a);
    store.save(b);
    store.save(c);
    assertThat(store.indexedSubjects()).isEqualTo(2);

    assertThat(store.compareAndSet(0, a.ended(GrantState.REVOKED, T0, "x"))).isTrue();
    assertThat(store.indexedSubjects()).isEqualTo(2);
    assertThat(store.compareAndSet(0, b.ended(GrantState.EXPIRED, T1, Grant.EXPIRED_REASON))).isTrue();
    assertThat(store.compareAndSet(0, c.ended(GrantState.REVOKED, T0, Grant.RELEASED_REASON))).isTrue();

    assertThat(store.indexedSubjects()).isZero();
    assertThat(store.findActiveBySubject(Subject.user("alice"))).isEmpty();
  }

  @Test
  void subjectIndexStaysExactWhenOneSubjectsGrantsComeAndGoConcurrently() throws Exception {
    InMemoryGrantStore store = new InMemoryGrantStore();
    Subject churn = Subject.service("ci-deploy");
    Subject keep = Subject.service("ci-keep");
    int threads = 4;
    int perThread = 500;
    List<Grant> kept = new CopyOnWriteArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        workers.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            // The churning subject's set is emptied (and dropped) and refilled over and over, from all threads.
            Grant g = grant("t" + thread + "-" + i, churn);
            store.save(g);
            assertThat(store.compareAndSet(0, g.ended(GrantState.REVOKED, T0, Grant.RELEASED_REASON))).isTrue();
            if (i % 50 == 0) {
              Grant k = grant("k" + thread + "-" + i, keep);
              store.save(k);
              kept.add(k);
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

    assertThat(store.findActiveBySubject(churn)).isEmpty();
    assertThat(store.findActiveBySubject(keep)).containsExactlyInAnyOrderElementsOf(kept);
    assertThat(store.findActive()).containsExactlyInAnyOrderElementsOf(kept);
    assertThat(store.indexedSubjects()).isEqualTo(1);
    for (Grant g : kept) {
      assertThat(store.compareAndSet(0, g.ended(GrantState.EXPIRED, T1, Grant.EXPIRED_REASON))).isTrue();
    }
    assertThat(store.indexedSubjects()).isZero();
  }

  @Test
  void subjectIndexEntryIsOneIdThenAnArrayAndShrinksBack() {
    Object one = InMemoryGrantStore.plus(null, "a");
    Object two = InMemoryGrantStore.plus(one, "b");
    Object three = InMemoryGrantStore.plus(two, "c");

    assertThat(one).isEqualTo("a");
    assertThat(two).isEqualTo(new String[] {"a", "b"});
    assertThat(three).isEqualTo(new String[] {"a", "b", "c"});
    assertThat(two).isEqualTo(new String[] {"a", "b"}); // copied, never written in place
    assertThat(InMemoryGrantStore.minus(three, "b")).isEqualTo(new String[] {"a", "c"});
    assertThat(InMemoryGrantStore.minus(three, "a")).isEqualTo(new String[] {"b", "c"});
    assertThat(InMemoryGrantStore.minus(three, "c")).isEqualTo(new String[] {"a", "b"});
    assertThat(InMemoryGrantStore.minus(three, "x")).isSameAs(three);
    assertThat(InMemoryGrantStore.minus(two, "a")).isEqualTo("b");
    assertThat(InMemoryGrantStore.minus(two, "b")).isEqualTo("a");
    assertThat(InMemoryGrantStore.minus(one, "x")).isSameAs(one);
    assertThat(InMemoryGrantStore.minus(one, "a")).isNull();
  }

  @Test
  void subjectWithManyGrantsEndingInAnyOrderKeepsAnExactIndex() {
    InMemoryGrantStore store = new InMemoryGrantStore();
    Subject alice = Subject.user("alice");
    List<Grant> active = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      Grant g = grant("g" + i, alice);
      store.save(g);
      active.add(g);
    }
    store.save(grant("other", Subject.user("bob")));

    for (int at : new int[] {3, 0, 4, 1, 0, 1, 0}) { // middle, first, last, ... down to none
      Grant g = active.remove(at);
      assertThat(store.compareAndSet(0, g.ended(GrantState.REVOKED, T0, "x"))).isTrue();
      assertThat(store.findActiveBySubject(alice)).containsExactlyInAnyOrderElementsOf(active);
    }

    assertThat(store.indexedSubjects()).isEqualTo(1);
    assertThat(store.findActiveBySubject(Subject.user("bob"))).extracting(Grant::id).containsExactly("other");
  }

  private static List<Grant> endGrants(InMemoryGrantStore store, String prefix, int count) {
    List<Grant> ended = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Grant g = grant(prefix + "-" + i, Subject.user("u" + (i % 3)));
      store.save(g);
      Grant end = g.ended(GrantState.REVOKED, T0.plusSeconds(i), "done");
      assertThat(store.compareAndSet(0, end)).isTrue();
      ended.add(end);
    }
    return ended;
  }
}
