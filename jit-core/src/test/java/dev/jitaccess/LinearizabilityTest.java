package dev.jitaccess;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.PolicyDecision;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Concurrent histories of check, revoke, release, extend and clock steps (which make the expiry thread run)
 * on shared grants, checked for linearizability against a sequential specification by exhaustive search
 * (Wing and Gong): some order of the operations that respects real time must explain every result. In
 * particular, once {@code revoke} returned {@code true}, no check that started afterwards allows the grant.
 */
class LinearizabilityTest {

  private static final int HISTORIES = Integer.getInteger("jit.lin.histories", 400);
  private static final int THREADS = 3;
  private static final int OPS_PER_THREAD = 3;
  private static final Subject ALICE = Subject.user("alice");
  private static final String[] RESOURCES = {"prod/a", "prod/b"};

  private static final AccessPolicy POLICY = new AccessPolicy() {
    @Override
    public PolicyDecision evaluate(AccessRequest request) {
      return PolicyDecision.allow("lin", request.duration());
    }

    @Override
    public PolicyDecision evaluateExtension(Grant grant, Duration extension, String justification) {
      return PolicyDecision.allow("lin", extension);
    }
  };

  enum Kind { CHECK, REVOKE, RELEASE, EXTEND, ADVANCE }

  /** One completed operation: what was called, what it returned, and when (a global logical clock). */
  record Event(int thread, Kind kind, int target, long arg, Object result, long invoked, long returned) {}

  /** The sequential specification: grant expiries and ends, and the time. */
  static final class Spec {
    final long[] expiresAt;
    final boolean[] ended;
    long now;

    Spec(long[] expiresAt, long now) {
      this.expiresAt = expiresAt.clone();
      this.ended = new boolean[expiresAt.length];
      this.now = now;
    }

    Spec copy() {
      Spec s = new Spec(expiresAt, now);
      System.arraycopy(ended, 0, s.ended, 0, ended.length);
      return s;
    }

    boolean live(int g) {
      return !ended[g] && now < expiresAt[g];
    }

    /** Applies the operation; whether its recorded result is the one the specification gives. */
    boolean apply(Event e) {
      switch (e.kind()) {
        case CHECK:
          return e.result().equals(live(e.target()));
        case REVOKE:
        case RELEASE: {
          boolean expected = live(e.target());
          if (now >= expiresAt[e.target()]) {
            ended[e.target()] = true; // the engine expires it instead
          }
          if (expected) {
            ended[e.target()] = true;
          }
          return e.result().equals(expected);
        }
        case EXTEND: {
          boolean expected = live(e.target());
          if (expected) {
            expiresAt[e.target()] += e.arg();
          }
          return e.result().equals(expected);
        }
        case ADVANCE:
          now = Math.max(now, e.arg());
          return true;
        default:
          throw new IllegalStateException();
      }
    }
  }

  @Test
  void everyConcurrentHistoryIsLinearizable() throws Exception {
    Random random = new Random(42);
    int checkedOps = 0;
    for (int h = 0; h < HISTORIES; h++) {
      long seed = random.nextLong();
      History history = record(new Random(seed));
      checkedOps += history.events.size();
      assertThat(linearizable(history.events, history.initial))
          .as("history %d (seed %d) has no linearization: %s%nexpiries %s%ntrail %s", h, seed, history.events,
              Arrays.toString(history.initial.expiresAt), history.trail)
          .isTrue();
    }
    assertThat(checkedOps).isEqualTo(HISTORIES * THREADS * OPS_PER_THREAD);
  }

  record History(List<Event> events, Spec initial, String trail) {}

  private static History record(Random random) throws Exception {
    EngineFixture f = new EngineFixture(b -> b.policy(POLICY).usageAudit(UsageAudit.NONE).deniedEventsPerMinute(0));
    try {
      Instant t0 = f.clock.instant();
      String[] ids = new String[RESOURCES.length];
      long[] expiries = new long[RESOURCES.length];
      for (int g = 0; g < RESOURCES.length; g++) {
        Grant grant = f.grant(ALICE, RESOURCES[g], Duration.ofSeconds(10 + random.nextInt(3)));
        ids[g] = grant.id();
        expiries[g] = grant.expiresAt().toEpochMilli();
      }
      Spec initial = new Spec(expiries, t0.toEpochMilli());
      AtomicLong logical = new AtomicLong();
      CyclicBarrier start = new CyclicBarrier(THREADS);
      List<Event>[] perThread = new List[THREADS];
      long[][] plans = new long[THREADS][OPS_PER_THREAD];
      Thread[] threads = new Thread[THREADS];
      Throwable[] failure = new Throwable[1];
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        long threadSeed = random.nextLong();
        perThread[t] = new ArrayList<>();
        threads[t] = new Thread(() -> {
          Random r = new Random(threadSeed);
          try {
            start.await();
            for (int i = 0; i < OPS_PER_THREAD; i++) {
              Kind kind = Kind.values()[r.nextInt(Kind.values().length)];
              int g = r.nextInt(RESOURCES.length);
              long arg = kind == Kind.EXTEND ? 1000L * (1 + r.nextInt(5))
                  : kind == Kind.ADVANCE ? t0.toEpochMilli() + 1000L * (8 + r.nextInt(8)) : 0;
              long invoked = logical.incrementAndGet();
              Object result = switch (kind) {
                case CHECK -> f.jit.isAllowed(ALICE, RESOURCES[g], "read");
                case REVOKE -> f.jit.revoke(ids[g], ALICE, "lin");
                case RELEASE -> f.jit.release(ids[g]);
                case EXTEND -> extend(f, ids[g], arg);
                case ADVANCE -> {
                  advanceTo(f, arg);
                  yield Boolean.TRUE;
                }
              };
              perThread[thread].add(new Event(thread, kind, g, arg, result, invoked, logical.incrementAndGet()));
            }
          } catch (Throwable e) {
            failure[0] = e;
          }
        });
        threads[t].start();
      }
      for (Thread thread : threads) {
        thread.join();
      }
      if (failure[0] != null) {
        throw new AssertionError("an operation threw", failure[0]);
      }
      List<Event> events = new ArrayList<>();
      Arrays.stream(perThread).forEach(events::addAll);
      StringBuilder trail = new StringBuilder();
      for (var e : f.audit.events()) {
        int g = Arrays.asList(ids).indexOf(e.grantId());
        trail.append("\n  g").append(g).append(' ').append(e.type()).append(" t=").append(e.timestamp().toEpochMilli())
            .append(' ').append(e.reason()).append(' ').append(e.details());
      }
      return new History(events, initial, trail.toString());
    } finally {
      f.close();
    }
  }

  private static boolean extend(EngineFixture f, String id, long millis) {
    try {
      f.jit.extend(id, Duration.ofMillis(millis), "lin");
      return true;
    } catch (IllegalStateException ended) {
      return false;
    }
  }

  /** Moves the shared clock forward to {@code target} (never back): the expiry thread then races the others. */
  private static synchronized void advanceTo(EngineFixture f, long target) {
    if (f.clock.millis() < target) {
      f.clock.set(Instant.ofEpochMilli(target));
    }
  }

  /** Wing and Gong: try every operation that could come first (no other returned before it was invoked). */
  static boolean linearizable(List<Event> pending, Spec spec) {
    if (pending.isEmpty()) {
      return true;
    }
    long firstReturn = pending.stream().mapToLong(Event::returned).min().orElseThrow();
    for (Event candidate : pending) {
      if (candidate.invoked() > firstReturn) {
        continue; // something returned before this began: it cannot go first
      }
      Spec next = spec.copy();
      if (next.apply(candidate)) {
        List<Event> rest = new ArrayList<>(pending);
        rest.remove(candidate);
        if (linearizable(rest, next)) {
          return true;
        }
      }
    }
    return false;
  }

  @Test
  void theCheckerRejectsAHistoryWhereARevokedGrantIsAllowedAfterwards() {
    Spec spec = new Spec(new long[] {10_000}, 0);
    List<Event> history = List.of(
        new Event(0, Kind.REVOKE, 0, 0, true, 1, 2),
        new Event(1, Kind.CHECK, 0, 0, true, 3, 4));

    assertThat(linearizable(history, spec)).isFalse();
    assertThat(linearizable(List.of(
        new Event(0, Kind.REVOKE, 0, 0, true, 1, 4),
        new Event(1, Kind.CHECK, 0, 0, true, 2, 3)), spec)).isTrue();
  }
}
