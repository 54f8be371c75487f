package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Random and crafted hostile input on every entry of the public API: each is accepted, or rejected with an
 * {@link IllegalArgumentException} naming the field, and a rejection changes nothing.
 */
public class HostileInputFuzzTest {

  private static final int ROUNDS = Integer.getInteger("jit.fuzz.rounds", 20_000);
  private static final String[] PIECES = {"a", "Z", "0", "-", "_", ".", "..", "/", "//", "*", "**", " ", "\t", "\n",
      "\r", "\u0000", "\u0007", "\u007f", "\u0085", "\u200b", "\u200e", "\u202e", "\u2028", "\ufeff", "\ud800",
      "\udc00", "\ud83d\ude00", "é", "e\u0301", "ﬁ", "\uff0f", "Ａ", "prod", "db", "orders", "\"", "\\", "=", "'",
      "%2e%2e", "${jndi:x}", "x".repeat(300)};

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  public static String hostile(Random random) {
    StringBuilder sb = new StringBuilder();
    int parts = random.nextInt(6);
    for (int i = 0; i < parts; i++) {
      sb.append(PIECES[random.nextInt(PIECES.length)]);
    }
    return random.nextInt(20) == 0 ? null : sb.toString();
  }

  static Duration hostileDuration(Random random) {
    return switch (random.nextInt(7)) {
      case 0 -> Duration.ZERO;
      case 1 -> Duration.ofSeconds(-1 - random.nextInt(1000));
      case 2 -> Duration.ofSeconds(Long.MAX_VALUE);
      case 3 -> Duration.ofNanos(1 + random.nextInt(1_000_000));
      case 4 -> Duration.ofDays(367);
      case 5 -> null;
      default -> Duration.ofSeconds(1 + random.nextInt(7200));
    };
  }

  static Instant hostileInstant(Random random) {
    return switch (random.nextInt(6)) {
      case 0 -> Instant.MAX;
      case 1 -> Instant.MIN;
      case 2 -> Instant.EPOCH;
      case 3 -> Instant.parse("2026-01-01T00:00:00Z").plus(Duration.ofDays(random.nextInt(800)));
      case 4 -> null;
      default -> Instant.parse("2026-01-01T00:00:00Z").minusSeconds(random.nextInt(100_000));
    };
  }

  @Test
  void everyRequestIsAcceptedOrRejectedNamingTheFieldAndARejectionChangesNothing() {
    EngineFixture f = fixtures.create(b -> b.maxActiveGrantsPerSubject(100_000));
    Random random = new Random(1125);
    int rejected = 0;
    int granted = 0;
    for (int round = 0; round < ROUNDS; round++) {
      int events = f.audit.events().size();
      int active = f.store.findActive().size();
      String field = null;
      try {
        AccessRequest.Builder b = AccessRequest.builder();
        field = "subject";
        b.subject(random.nextBoolean() ? ALICE : Subject.user(hostile(random)));
        field = "resource";
        b.resource(random.nextBoolean() ? "prod/db/" + random.nextInt(100) : hostile(random));
        field = "action";
        b.actions(random.nextBoolean() ? "read" : hostile(random));
        field = "duration";
        b.duration(hostileDuration(random));
        field = "justification";
        b.justification(random.nextBoolean() ? "INC-1" : hostile(random));
        field = "reference";
        b.reference(random.nextBoolean() ? null : hostile(random));
        field = "startAt";
        b.startAt(random.nextInt(4) == 0 ? hostileInstant(random) : null);
        field = "group";
        b.groups(random.nextBoolean() ? Set.of() : Set.of(String.valueOf(hostile(random))));
        field = "request";
        RequestOutcome outcome = f.jit.request(b.build());
        if (outcome instanceof RequestOutcome.Granted) {
          granted++;
        }
      } catch (IllegalArgumentException e) {
        rejected++;
        assertThat(e.getMessage()).as("field %s", field).satisfies(m -> assertThat(m).matches(
            "(?s)^(subject\\.id|subject|resource|actions?|duration|justification|reference|startAt|groups?"
                + "|request)\\b.*"));
        assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\r").doesNotContain("\u202e");
        if (field.equals("request")) {
          assertThat(f.audit.events()).hasSize(events);
          assertThat(f.store.findActive()).hasSize(active);
        }
      }
    }
    assertThat(rejected).isPositive();
    assertThat(granted).isPositive();
  }

  @Test
  void checkNeverThrowsAndAllowsOnlyWhatWasGranted() {
    EngineFixture f = fixtures.create();
    f.grant(ALICE, "prod/**", Duration.ofHours(1), "read");
    Random random = new Random(2026);
    for (int round = 0; round < ROUNDS; round++) {
      String resource = hostile(random);
      String action = random.nextBoolean() ? "read" : hostile(random);
      Subject subject = random.nextInt(10) == 0 ? null : ALICE;
      AccessDecision decision = f.jit.check(subject, resource, action);
      boolean expected = subject != null && "read".equals(action) && resource != null
          && ResourcePattern.isName(resource) && ResourcePattern.of("prod/**").matches(resource);
      assertThat(decision.allowed()).as("%s %s", resource, action).isEqualTo(expected);
    }
  }

  @Test
  void patternMatchingWorkStaysWithinSegmentsTimesSegments() {
    Random random = new Random(99);
    String[] segments = {"a", "b", "*", "**"};
    for (int round = 0; round < ROUNDS; round++) {
      StringBuilder pattern = new StringBuilder();
      int patternSegments = 1 + random.nextInt(32);
      for (int i = 0; i < patternSegments; i++) {
        pattern.append(i == 0 ? "" : "/").append(segments[random.nextInt(segments.length)]);
      }
      StringBuilder name = new StringBuilder();
      int nameSegments = 1 + random.nextInt(32);
      for (int i = 0; i < nameSegments; i++) {
        name.append(i == 0 ? "" : "/").append(random.nextBoolean() ? "a" : "b");
      }
      ResourcePattern compiled = ResourcePattern.of(pattern.toString());
      if (compiled.isExact()) {
        continue;
      }
      int steps = Math.abs(compiled.walk(name.toString()));
      assertThat(steps).as("%s vs %s", pattern, name)
          .isLessThanOrEqualTo((compiled.segments() + 1) * (nameSegments + 1) + 1);
    }
    ResourcePattern worst = ResourcePattern.of("**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/c");
    String name = "a/".repeat(31) + "b";
    assertThat(Math.abs(worst.walk(name))).isLessThanOrEqualTo((worst.segments() + 1) * 33 + 1);
  }

  @Test
  void everyOtherEntryRejectsHostileIdsNamingTheField() {
    EngineFixture f = fixtures.create();
    Grant grant = f.grant(ALICE, "prod/db", Duration.ofHours(1));
    Random random = new Random(5);
    List<Consumer<String>> calls = List.of(
        id -> f.jit.release(id), id -> f.jit.revoke(id, ALICE, "x"), id -> f.jit.grant(id),
        id -> f.jit.extend(id, Duration.ofMinutes(1), "x"), id -> f.jit.approve(id, ALICE, "x"),
        id -> f.jit.deny(id, ALICE, "x"), id -> f.jit.credential(id), id -> f.jit.acknowledgeReview(id, ALICE, "x"));
    for (int round = 0; round < ROUNDS / 10; round++) {
      String id = hostile(random);
      for (Consumer<String> call : calls) {
        int events = f.audit.events().size();
        try {
          call.accept(id);
        } catch (IllegalArgumentException e) {
          assertThat(e.getMessage()).matches("(?s)^(grantId|requestId)\\b.*");
          assertThat(f.audit.events()).hasSize(events);
        } catch (IllegalStateException e) {
          // a well-formed id of a grant that is not in a state for this call
        }
      }
    }
    assertThat(f.jit.grant(grant.id()).orElseThrow().state()).isEqualTo(GrantState.ACTIVE);
  }
}
