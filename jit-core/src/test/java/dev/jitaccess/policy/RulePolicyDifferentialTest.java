package dev.jitaccess.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.ResourcePattern;
import dev.jitaccess.Subject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * First-match-wins, tried differentially: for seeded random rule lists and random requests (exact names and
 * patterns), a request the policy grants, at once or after approvals, must not reach a concrete (resource, action)
 * that the same policy, asked for that pair alone, refuses, holds to stricter approvals or gives less time.
 *
 * <p>The concrete pairs are those of a small finite universe: every name of one to four segments over the
 * segments the rules use plus one they never name, which is enough for any two patterns of three segments that
 * share a name to share one in it. {@code -Djit.policy.differential.cases=N} runs more cases (default 3,000),
 * {@code -Djit.policy.differential.seed=S} replays another seed.
 */
class RulePolicyDifferentialTest {

  private static final String[] SEGMENTS = {"a", "b", "c"};
  /** In the universe, never in a rule or a request: what {@code *} reaches beyond the named segments. */
  private static final String UNNAMED = "x";
  private static final String[] ACTIONS = {"read", "write", "admin"};
  private static final String[] GROUPS = {"sre", "dba"};
  private static final Subject[] SUBJECTS = {Subject.user("alice"), Subject.user("bob"), Subject.service("ci")};
  private static final List<String> UNIVERSE = universe(4);

  @Test
  void noGrantedRequestReachesAConcreteAskThatThePolicyAloneWouldRefuseOrHoldToMore() {
    long seed = Long.getLong("jit.policy.differential.seed", 0x5EC12L);
    int cases = Integer.getInteger("jit.policy.differential.cases", 3_000);
    Random random = new Random(seed);
    int grantedPatterns = 0;
    for (int c = 0; c < cases; c++) {
      List<AccessRule> rules = randomRules(random);
      AccessPolicy policy = randomComposition(random, rules);
      AccessRequest request = randomRequest(random);
      PolicyDecision decision = policy.evaluate(request);
      if (!(decision instanceof PolicyDecision.Allow) && !(decision instanceof PolicyDecision.RequireApprovals)) {
        continue;
      }
      ResourcePattern requested = ResourcePattern.of(request.resource());
      if (!requested.isExact()) {
        grantedPatterns++;
      }
      for (String name : UNIVERSE) {
        if (!requested.matches(name)) {
          continue;
        }
        for (String action : request.actions()) {
          PolicyDecision alone = policy.evaluate(request.toBuilder().resource(name).actions(action).build());
          String weaker = weakerThan(decision, alone);
          assertThat(weaker)
              .as("case %d (seed %d): %s granted %s, yet %s:%s asked alone gets %s%nrules: %s",
                  c, seed, request.resource() + request.actions(), decision, name, action, alone, rules)
              .isNull();
        }
      }
    }
    // The property is vacuous unless patterns do get granted: make sure the generator reaches them.
    assertThat(grantedPatterns).isGreaterThan(cases / 100);
  }

  /**
   * Why {@code granted} (of a request) lets through more than {@code alone} (of one of its concrete pairs), or
   * {@code null} when it does not.
   */
  private static String weakerThan(PolicyDecision granted, PolicyDecision alone) {
    if (alone instanceof PolicyDecision.Deny || alone instanceof PolicyDecision.NotApplicable) {
      return "refused alone";
    }
    if (granted instanceof PolicyDecision.Allow allow) {
      if (alone instanceof PolicyDecision.RequireApprovals) {
        return "auto-approved, but needs approvals alone";
      }
      return ((PolicyDecision.Allow) alone).duration().compareTo(allow.duration()) < 0 ? "longer" : null;
    }
    if (alone instanceof PolicyDecision.Allow) {
      return null;
    }
    ApprovalRequirement mine = ((PolicyDecision.RequireApprovals) granted).requirement();
    ApprovalRequirement own = ((PolicyDecision.RequireApprovals) alone).requirement();
    if (mine.approvals() < own.approvals()
        || !own.approvers().containsAll(mine.approvers())
        || !own.approverGroups().containsAll(mine.approverGroups())
        || (mine.selfApprovalAllowed() && !own.selfApprovalAllowed())) {
      return "weaker approvals";
    }
    return ((PolicyDecision.RequireApprovals) alone).duration()
        .compareTo(((PolicyDecision.RequireApprovals) granted).duration()) < 0 ? "longer" : null;
  }

  private static List<AccessRule> randomRules(Random random) {
    int n = 1 + random.nextInt(4);
    List<AccessRule> rules = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      AccessRule.Builder b = AccessRule.builder("r" + i)
          .actions(someOf(random, ACTIONS))
          .maxDuration(Duration.ofMinutes(random.nextBoolean() ? 30 : 60));
      List<String> resources = new ArrayList<>();
      int patterns = 1 + (random.nextInt(4) == 0 ? 1 : 0);
      for (int p = 0; p < patterns; p++) {
        resources.add(randomPattern(random, true));
      }
      b.resources(resources);
      switch (random.nextInt(4)) {
        case 0 -> b.requesterGroups(someOf(random, GROUPS));
        case 1 -> b.requesters(SUBJECTS[random.nextInt(SUBJECTS.length)]);
        default -> { }
      }
      if (random.nextInt(4) == 0) {
        b.justificationPattern("^INC-");
      }
      if (random.nextBoolean()) {
        b.autoApprove();
      } else {
        b.requireApprovals(1 + random.nextInt(2)).approverGroups(someOf(random, GROUPS));
      }
      if (random.nextInt(3) == 0) {
        b.breakGlass(Duration.ofMinutes(15));
      }
      rules.add(b.build());
    }
    return rules;
  }

  /** The rules as one policy, or split in two composed policies, which must decide alike. */
  private static AccessPolicy randomComposition(Random random, List<AccessRule> rules) {
    int split = random.nextInt(rules.size() + 1);
    if (split == 0 || split == rules.size()) {
      return policyOf(rules);
    }
    return AccessPolicy.firstApplicable(policyOf(rules.subList(0, split)), policyOf(rules.subList(split, rules.size())));
  }

  private static RulePolicy policyOf(List<AccessRule> rules) {
    RulePolicy.Builder b = RulePolicy.builder();
    rules.forEach(b::rule);
    return b.build();
  }

  private static AccessRequest randomRequest(Random random) {
    AccessRequest.Builder b = AccessRequest.builder()
        .subject(SUBJECTS[random.nextInt(SUBJECTS.length)])
        .resource(randomPattern(random, random.nextBoolean()))
        .actions(someOf(random, ACTIONS))
        .duration(Duration.ofMinutes(random.nextBoolean() ? 10 : 45))
        .groups(Set.of(someOf(random, GROUPS)));
    if (random.nextBoolean()) {
      b.justification(random.nextBoolean() ? "INC-7 orders are slow" : "looking around");
    }
    if (random.nextInt(4) == 0) {
      b.breakGlass(true).reference("INC-7");
    }
    return b.build();
  }

  /** One to three segments, each a named segment or, when {@code wildcards}, possibly {@code *} or {@code **}. */
  private static String randomPattern(Random random, boolean wildcards) {
    int segments = 1 + random.nextInt(3);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < segments; i++) {
      if (i > 0) {
        out.append('/');
      }
      int pick = random.nextInt(wildcards ? SEGMENTS.length + 2 : SEGMENTS.length);
      out.append(pick < SEGMENTS.length ? SEGMENTS[pick] : pick == SEGMENTS.length ? "*" : "**");
    }
    return out.toString();
  }

  /** A non-empty random subset. */
  private static String[] someOf(Random random, String[] values) {
    Set<String> chosen = new TreeSet<>();
    while (chosen.isEmpty()) {
      for (String v : values) {
        if (random.nextBoolean()) {
          chosen.add(v);
        }
      }
    }
    return chosen.toArray(String[]::new);
  }

  private static List<String> universe(int depth) {
    List<String> names = new ArrayList<>();
    List<String> level = List.of("");
    String[] alphabet = {SEGMENTS[0], SEGMENTS[1], SEGMENTS[2], UNNAMED};
    for (int d = 1; d <= depth; d++) {
      List<String> next = new ArrayList<>();
      for (String prefix : level) {
        for (String s : alphabet) {
          next.add(prefix.isEmpty() ? s : prefix + "/" + s);
        }
      }
      names.addAll(next);
      level = next;
    }
    return names;
  }
}
