package dev.jitaccess;

import static dev.jitaccess.EngineFixture.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.ApprovalRequirement;
import dev.jitaccess.policy.PolicyDecision;
import dev.jitaccess.store.GrantStore;
import dev.jitaccess.store.InMemoryGrantStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code pendingRequestsFor} answers from an index by approver and group: under random requests, approvals, denials,
 * cancellations and review windows closing, it lists exactly what a filter over every stored pending request lists,
 * on one manager and on two managers sharing a store with a change feed.
 */
class PendingIndexTest {

  private static final int PEOPLE = 6;
  private static final List<Subject> PERSONS = IntStream.range(0, PEOPLE)
      .mapToObj(i -> Subject.user("p" + i)).toList();
  private static final List<String> GROUPS = List.of("g0", "g1", "g2");

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  /** p_i is in group g_(i mod 3); p0 also in g1; p5 in none. */
  private static Set<String> groupsOf(Subject subject) {
    int i = PERSONS.indexOf(subject);
    if (i < 0 || i == 5) {
      return Set.of();
    }
    return i == 0 ? Set.of("g0", "g1") : Set.of(GROUPS.get(i % 3));
  }

  /** Rule k of a seeded table: who approves, how many, self-approval, review window; chosen by the resource. */
  private static List<ApprovalRequirement> requirements(SplittableRandom random) {
    List<ApprovalRequirement> rules = new ArrayList<>();
    for (int k = 0; k < 8; k++) {
      Set<Subject> approvers = new HashSet<>();
      Set<String> groups = new HashSet<>();
      while (approvers.isEmpty() && groups.isEmpty()) {
        PERSONS.stream().filter(p -> random.nextInt(3) == 0).forEach(approvers::add);
        GROUPS.stream().filter(g -> random.nextInt(3) == 0).forEach(groups::add);
      }
      rules.add(new ApprovalRequirement(1 + random.nextInt(2), approvers, groups, random.nextBoolean(),
          Duration.ofMinutes(10 + random.nextInt(50))));
    }
    return rules;
  }

  private EngineFixture manager(GrantStore store, List<ApprovalRequirement> rules) {
    AccessPolicy policy = r -> PolicyDecision.requireApprovals("rule", r.duration(),
        rules.get(Integer.parseInt(r.resource().substring(r.resource().lastIndexOf('-') + 1))));
    return fixtures.create(store, b -> b.policy(policy).approverDirectory(PendingIndexTest::groupsOf)
        .maxPendingRequestsPerSubject(1_000).stalenessBound(Duration.ofHours(1)));
  }

  @Test
  void oneManagerListsWhatAFilterOfAllPendingListsUnderRandomDecisions() {
    InMemoryGrantStore store = new InMemoryGrantStore();
    SplittableRandom random = new SplittableRandom(16);
    List<ApprovalRequirement> rules = requirements(random);
    EngineFixture f = manager(store, rules);
    play(random, store, List.of(f), rules, 400, () -> {});
  }

  @Test
  void twoManagersOnAStoreWithAFeedEachListWhatAFilterOfAllPendingLists() {
    FeedingStore store = new FeedingStore();
    SplittableRandom random = new SplittableRandom(1616);
    List<ApprovalRequirement> rules = requirements(random);
    List<EngineFixture> managers = List.of(manager(store, rules), manager(store, rules));
    play(random, store, managers, rules, 400, store::heartbeat);
  }

  @Test
  void aManagerThatMissedChangesListsWhatAFilterOfAllPendingListsAfterTheFeedResyncs() {
    FeedingStore store = new FeedingStore();
    SplittableRandom random = new SplittableRandom(161616);
    List<ApprovalRequirement> rules = requirements(random);
    EngineFixture a = manager(store, rules);
    EngineFixture b = manager(store, rules);
    play(random, store, List.of(a, b), rules, 100, store::heartbeat);

    store.goSilent();
    for (int i = 0; i < 100; i++) {
      step(random, store, List.of(a), rules);
    }
    store.reconnect();

    assertAgrees(store, List.of(a, b));
  }

  private void play(SplittableRandom random, GrantStore store, List<EngineFixture> managers,
      List<ApprovalRequirement> rules, int steps, Runnable heartbeat) {
    for (int i = 0; i < steps; i++) {
      step(random, store, managers, rules);
      heartbeat.run();
      assertAgrees(store, managers);
    }
  }

  /** One random action on one of the managers; refusals (not eligible, already decided) are part of the game. */
  private void step(SplittableRandom random, GrantStore store, List<EngineFixture> managers,
      List<ApprovalRequirement> rules) {
    EngineFixture on = managers.get(random.nextInt(managers.size()));
    Subject someone = PERSONS.get(random.nextInt(PEOPLE));
    List<RequestRecord> pending = store.findPendingRequests();
    String anyPending = pending.isEmpty() ? null : pending.get(random.nextInt(pending.size())).id();
    int what = random.nextInt(10);
    try {
      if (what < 4 || anyPending == null) {
        on.jit.request(request(someone, "prod/db/rule-" + random.nextInt(rules.size()), Duration.ofMinutes(30))
            .build());
      } else if (what < 6) {
        on.jit.approve(anyPending, someone, "ok");
      } else if (what < 7) {
        on.jit.deny(anyPending, someone, "no");
      } else if (what < 8) {
        on.jit.cancel(anyPending, someone);
      } else {
        Duration step = Duration.ofMinutes(1 + random.nextInt(15));
        managers.forEach(m -> m.clock.advance(step));
      }
    } catch (IllegalArgumentException | IllegalStateException refused) {
      // not eligible, its own request, no longer pending: nothing changed
    }
  }

  private static void assertAgrees(GrantStore store, List<EngineFixture> managers) {
    for (EngineFixture m : managers) {
      long now = m.clock.millis();
      for (Subject approver : PERSONS) {
        Set<String> groups = groupsOf(approver);
        Map<String, Long> expected = store.findPendingRequests().stream()
            .filter(r -> r.reviewDeadline().toEpochMilli() > now
                && r.requirement().isEligible(approver, groups, r.requester(), PersonKey.standard())
                && !r.isApprovedBy(approver, PersonKey.standard()))
            .collect(Collectors.toMap(RequestRecord::id, RequestRecord::version));
        List<RequestRecord> listed = m.jit.pendingRequestsFor(approver);
        assertThat(listed.stream().collect(Collectors.toMap(RequestRecord::id, RequestRecord::version)))
            .as("pending requests for %s", approver)
            .isEqualTo(expected);
        assertThat(listed).extracting(RequestRecord::createdAt).isSorted();
      }
    }
  }
}
