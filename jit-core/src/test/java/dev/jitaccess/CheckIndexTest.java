package dev.jitaccess;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.audit.AuditEventType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The check path's per-subject record ({@link CheckIndex}: keys filter before the full match, action and first-use
 * bits) answers exactly as matching every active grant in order would: same allowed or not, same (first) grant;
 * and it audits each first use once, however the record is rebuilt around it.
 */
class CheckIndexTest {

  private static final String[] SEGMENTS = {"prod", "db", "orders", "a", "ab", "b", "*", "**"};
  private static final String[] ACTIONS = {"read", "write", "admin"};

  record Held(Grant grant, ResourcePattern pattern) {}

  @Test
  void agreesWithMatchingEveryGrantInOrder() {
    SplittableRandom random = new SplittableRandom(7);
    for (int round = 0; round < 6; round++) {
      try (EngineFixture f = new EngineFixture(b -> b.usageAudit(UsageAudit.NONE).maxActiveGrantsPerSubject(1000))) {
        // Up to 80 grants, so groups beyond the 64 flagged positions are covered too.
        int count = round == 0 ? 1 : round == 1 ? 2 : 10 + random.nextInt(71);
        List<Held> held = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          String resource = randomName(random, true);
          String action = ACTIONS[random.nextInt(ACTIONS.length)];
          RequestOutcome outcome = f.jit.request(AccessRequest.builder().subject(EngineFixture.ALICE)
              .resource(resource).actions(action).duration(Duration.ofHours(1)).justification("test").build());
          Grant grant = ((RequestOutcome.Granted) outcome).grant();
          held.add(new Held(grant, ResourcePattern.of(resource)));
        }
        assertAgrees(f, held, random);
        // Remove some (from the front, the middle and the end), then compare again.
        for (int i = 0; i < count / 2; i++) {
          Held gone = held.remove(random.nextInt(held.size()));
          assertThat(f.jit.release(gone.grant().id())).isTrue();
        }
        assertAgrees(f, held, random);
      }
    }
  }

  @Test
  void aSubjectWithMoreDistinctActionsThanTheRecordHasBitsForIsCheckedAndAuditedLikeAnyOther() {
    try (EngineFixture f = new EngineFixture(b -> b.maxActiveGrantsPerSubject(100))) {
      int count = CheckIndex.TABLE + 8;
      List<Grant> grants = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        grants.add(f.grant(EngineFixture.ALICE, i % 2 == 0 ? "prod/db/orders" : "prod/cache/**", Duration.ofHours(1),
            "act" + (char) ('a' + i / 26) + (char) ('a' + i % 26)));
      }
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < count; i++) {
          String action = grants.get(i).actions().iterator().next();
          AccessDecision decision = f.jit.check(EngineFixture.ALICE,
              i % 2 == 0 ? "prod/db/orders" : "prod/cache/eu", action);
          assertThat(decision.allowed()).as(action).isTrue();
          assertThat(decision.grant().id()).as(action).isEqualTo(grants.get(i).id());
        }
      }
      assertThat(f.jit.check(EngineFixture.ALICE, "prod/db/orders", "read").allowed()).isFalse();
      assertThat(usesPerGrantAndAction(f).values()).hasSize(count).containsOnly(1L);
    }
  }

  @Test
  void aPatternGrantUsedOnMoreResourcesThanTheRecordKeepsAuditsEachFirstUseOnce() {
    try (EngineFixture f = new EngineFixture()) {
      Grant pattern = f.grant(EngineFixture.ALICE, "prod/**", Duration.ofHours(1), "read", "write");
      int resources = CheckIndex.LEARNED * 2 + 3;
      for (int round = 0; round < 3; round++) {
        for (int r = 0; r < resources; r++) {
          assertThat(f.jit.check(EngineFixture.ALICE, "prod/db/t" + r, "read").allowed()).isTrue();
        }
        if (round == 1) {
          // Rebuilds the subject's record; what it kept must survive, what it did not is still known.
          f.grant(EngineFixture.ALICE, "prod/other", Duration.ofHours(1), "admin");
        }
      }
      assertThat(f.eventsOf(pattern.id(), AuditEventType.ACCESS_USED)).hasSize(resources)
          .extracting(e -> e.resource()).doesNotHaveDuplicates();
    }
  }

  @Test
  void removingAGrantBeforePatternGrantsWithLearnedUsesKeepsEachUseWithItsOwnGrant() {
    try (EngineFixture f = new EngineFixture()) {
      Grant first = f.grant(EngineFixture.ALICE, "prod/x", Duration.ofHours(1), "read");
      Grant below = f.grant(EngineFixture.ALICE, "prod/db/**", Duration.ofHours(1), "read");
      Grant oneDeep = f.grant(EngineFixture.ALICE, "prod/*", Duration.ofHours(1), "read", "write");
      // The record learns a use of each pattern grant, naming the grant by its place (second, third).
      assertThat(f.jit.check(EngineFixture.ALICE, "prod/db/orders", "read").grant().id()).isEqualTo(below.id());
      assertThat(f.jit.check(EngineFixture.ALICE, "prod/a", "write").grant().id()).isEqualTo(oneDeep.id());
      assertThat(f.jit.release(first.id())).isTrue();
      // "prod/*" takes the second place: the use learned there before is not its own and "prod/*" does not match.
      assertThat(f.jit.check(EngineFixture.ALICE, "prod/db/orders", "write").allowed()).isFalse();
      assertThat(f.jit.check(EngineFixture.ALICE, "prod/db/orders", "read").grant().id()).isEqualTo(below.id());
      assertThat(f.jit.check(EngineFixture.ALICE, "prod/a", "write").grant().id()).isEqualTo(oneDeep.id());
      assertThat(f.jit.release(below.id())).isTrue();
      assertThat(f.jit.check(EngineFixture.ALICE, "prod/db/orders", "read").allowed()).isFalse();
      assertThat(f.jit.check(EngineFixture.ALICE, "prod/a", "write").grant().id()).isEqualTo(oneDeep.id());
      assertThat(f.eventsOf(below.id(), AuditEventType.ACCESS_USED)).hasSize(1);
      assertThat(f.eventsOf(oneDeep.id(), AuditEventType.ACCESS_USED)).hasSize(1);
    }
  }

  @Test
  void firstUsesRacingWithChangesToTheSubjectsOtherGrantsAreAuditedOnceEach() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try (EngineFixture f = new EngineFixture(b -> b.maxActiveGrantsPerSubject(100))) {
      for (int round = 0; round < 30; round++) {
        Grant used = f.grant(EngineFixture.ALICE, "prod/db/orders" + round, Duration.ofHours(1), "read", "write");
        CyclicBarrier start = new CyclicBarrier(3);
        List<Future<?>> running = new ArrayList<>();
        for (String action : new String[] {"read", "write"}) {
          running.add(pool.submit(() -> {
            start.await();
            for (int i = 0; i < 200; i++) {
              assertThat(f.jit.check(EngineFixture.ALICE, used.resource(), action).allowed()).isTrue();
            }
            return null;
          }));
        }
        running.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < 20; i++) {
            // Each rebuilds the subject's record around the grant being used.
            Grant other = f.grant(EngineFixture.ALICE, "prod/other/" + i, Duration.ofHours(1), "read", "admin");
            assertThat(f.jit.release(other.id())).isTrue();
          }
          return null;
        }));
        for (Future<?> task : running) {
          task.get();
        }
        assertThat(f.jit.release(used.id())).isTrue();
      }
      assertThat(usesPerGrantAndAction(f).values()).hasSize(60).containsOnly(1L);
    } finally {
      pool.shutdownNow();
    }
  }

  private static Map<String, Long> usesPerGrantAndAction(EngineFixture f) {
    return f.events(AuditEventType.ACCESS_USED).stream()
        .collect(Collectors.groupingBy(e -> e.grantId() + " " + e.actions(), Collectors.counting()));
  }

  private static void assertAgrees(EngineFixture f, List<Held> held, SplittableRandom random) {
    for (int q = 0; q < 400; q++) {
      String name = q % 3 == 0 && !held.isEmpty()
          ? concrete(held.get(random.nextInt(held.size())).pattern().text(), random)
          : randomName(random, false);
      String action = ACTIONS[random.nextInt(ACTIONS.length)];
      Grant expected = null;
      for (Held h : held) {
        if (h.grant().actions().contains(action) && h.pattern().matches(name)) {
          expected = h.grant();
          break;
        }
      }
      AccessDecision decision = f.jit.check(EngineFixture.ALICE, name, action);
      assertThat(decision.allowed()).as("%s %s", name, action).isEqualTo(expected != null);
      if (expected != null) {
        assertThat(decision.grant().id()).as("%s %s", name, action).isEqualTo(expected.id());
      }
    }
  }

  private static String randomName(SplittableRandom random, boolean pattern) {
    int depth = 1 + random.nextInt(4);
    StringBuilder name = new StringBuilder();
    for (int i = 0; i < depth; i++) {
      String segment = SEGMENTS[random.nextInt(pattern ? SEGMENTS.length : SEGMENTS.length - 2)];
      if (i > 0) {
        name.append('/');
      }
      name.append(segment);
    }
    return name.toString();
  }

  /** A concrete name near a pattern: wildcards replaced by zero to two literal segments. */
  private static String concrete(String pattern, SplittableRandom random) {
    List<String> out = new ArrayList<>();
    for (String segment : pattern.split("/")) {
      if (segment.equals("*")) {
        out.add(SEGMENTS[random.nextInt(6)]);
      } else if (segment.equals("**")) {
        for (int i = random.nextInt(3); i > 0; i--) {
          out.add(SEGMENTS[random.nextInt(6)]);
        }
      } else {
        out.add(segment);
      }
    }
    return out.isEmpty() ? "prod" : String.join("/", out);
  }
}
