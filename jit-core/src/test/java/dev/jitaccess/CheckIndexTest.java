package dev.jitaccess;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The check path's per-subject index (a lone grant, or a group filtered by keys before the full match) answers
 * exactly as matching every active grant in order would: same allowed or not, same (first) grant.
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
