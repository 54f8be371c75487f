package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.ORDERS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.AuditEventType;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a denied check leaves in the trail: bounded per subject and minute, and bad input shown safely. */
class DeniedAuditBudgetTest {

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  private static void deny(EngineFixture f, Subject subject, int times) {
    for (int i = 0; i < times; i++) {
      assertThat(f.jit.isAllowed(subject, ORDERS, "read")).isFalse();
    }
  }

  @Test
  void checksWithoutASubjectShareOneBudget() {
    EngineFixture f = fixtures.create(b -> b.deniedEventsPerMinute(2));

    deny(f, null, 5);
    f.clock.advance(Duration.ofMinutes(1));
    deny(f, null, 1);

    List<AuditEvent> denied = f.events(AuditEventType.ACCESS_DENIED);
    assertThat(denied).hasSize(3);
    assertThat(denied).allSatisfy(e -> assertThat(e.reason()).isEqualTo("no subject"));
    assertThat(denied.get(2).details()).containsEntry("suppressed", "3");
  }

  @Test
  void aBudgetOfZeroRecordsNoDenialButStillDenies() {
    EngineFixture f = fixtures.create(b -> b.deniedEventsPerMinute(0));

    deny(f, ALICE, 3);
    deny(f, null, 3);

    assertThat(f.events(AuditEventType.ACCESS_DENIED)).isEmpty();
  }

  @Test
  void theBudgetLastsAFullMinuteFromTheFirstDenialItCounts() {
    EngineFixture f = fixtures.create(b -> b.deniedEventsPerMinute(1));
    f.clock.advance(Duration.ofSeconds(30));
    deny(f, ALICE, 1);

    f.clock.advance(Duration.ofSeconds(60).minusMillis(1));
    deny(f, ALICE, 2);
    assertThat(f.events(AuditEventType.ACCESS_DENIED)).hasSize(1);

    f.clock.advance(Duration.ofMillis(1));
    deny(f, ALICE, 1);
    assertThat(f.events(AuditEventType.ACCESS_DENIED)).hasSize(2)
        .last().satisfies(e -> assertThat(e.details()).containsEntry("suppressed", "2"));

    f.clock.advance(Duration.ofSeconds(59));
    deny(f, ALICE, 1);
    assertThat(f.events(AuditEventType.ACCESS_DENIED)).hasSize(2);
  }

  @Test
  void aDenialForMissingOrMalformedInputSaysWhichAndShowsItEscaped() {
    EngineFixture f = fixtures.create();

    assertThat(f.jit.check(ALICE, null, "read").reason()).isEqualTo("invalid resource name");
    assertThat(f.jit.check(ALICE, ORDERS, null).reason()).isEqualTo("invalid action");
    assertThat(f.jit.check(ALICE, ORDERS, "re\nad").reason()).isEqualTo("invalid action");
    assertThat(f.jit.check(ALICE, "prod//orders", "read").reason()).isEqualTo("invalid resource name");

    List<AuditEvent> denied = f.events(AuditEventType.ACCESS_DENIED);
    assertThat(denied).hasSize(4);
    assertThat(denied.get(0).resource()).isNull();
    assertThat(denied.get(0).actions()).containsExactly("read");
    assertThat(denied.get(1).resource()).isEqualTo(ORDERS);
    assertThat(denied.get(1).actions()).isEmpty();
    assertThat(denied.get(2).actions()).containsExactly("\"re\\u000aad\"");
    assertThat(denied.get(3).resource()).isEqualTo("\"prod//orders\"");
    assertThat(denied).allSatisfy(e -> assertThat(e.subject()).isEqualTo(ALICE));
  }
}
