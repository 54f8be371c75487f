package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.ORDERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.PolicyDecision;
import dev.jitaccess.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Wall clock steps (bad NTP answers, VM resumes, an operator setting the date) and their corrections: a step back
 * never lengthens a grant, a new grant never lives longer than it was given, measured on the monotonic clock, and
 * each step is audited as {@code CLOCK_STEP}. {@link ManualClock#advance} is real time passing, {@link
 * ManualClock#step} the wall clock alone.
 */
class ClockStepTest {

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  @Test
  void aGrantMadeAfterAForwardGlitchAndItsCorrectionLivesNoLongerThanAsked() {
    EngineFixture f = fixtures.create();
    f.clock.step(Duration.ofDays(2)); // a bad NTP answer
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse(); // the engine reads the clock meanwhile
    f.clock.step(Duration.ofDays(-2)); // and its correction

    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(10));
    f.clock.advance(Duration.ofMinutes(10).minusMillis(1));
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
    f.clock.advance(Duration.ofMillis(1));

    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).as("10 real minutes later").isFalse();
    assertThat(grant.notBefore()).isEqualTo(f.clock.instant().minus(Duration.ofMinutes(10)));
    await().until(() -> f.jit.grant(grant.id()).orElseThrow().state() == GrantState.EXPIRED);
  }

  @Test
  void aClockSteppedBackNeverLengthensAGrantInRealTime() {
    EngineFixture f = fixtures.create();
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(10));
    f.clock.advance(Duration.ofMinutes(4));
    f.clock.step(Duration.ofHours(-1));

    f.clock.advance(Duration.ofMinutes(6).minusMillis(1));
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
    f.clock.advance(Duration.ofMillis(1));

    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).as("10 real minutes after the grant").isFalse();
    await().until(() -> f.jit.grant(grant.id()).orElseThrow().state() == GrantState.EXPIRED);
    Grant ended = f.jit.grant(grant.id()).orElseThrow();
    assertThat(ended.endedAt()).isBetween(ended.notBefore(), ended.expiresAt());
  }

  @Test
  void aClockSteppedBackWhileAGrantIsBeingMadeDoesNotLengthenIt() {
    ManualClock[] clock = new ManualClock[1];
    AccessPolicy stepsBackWhileDeciding = new AccessPolicy() {
      boolean stepped;

      @Override
      public PolicyDecision evaluate(AccessRequest request) {
        if (!stepped) {
          stepped = true;
          clock[0].step(Duration.ofHours(-1));
        }
        return PolicyDecision.allow("allow", request.duration());
      }

      @Override
      public PolicyDecision evaluateExtension(Grant grant, Duration extension, String justification) {
        return PolicyDecision.deny("no");
      }
    };
    EngineFixture f = fixtures.create(b -> b.policy(stepsBackWhileDeciding));
    clock[0] = f.clock;
    f.grant(ALICE, ORDERS, Duration.ofMinutes(10));
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();

    f.clock.advance(Duration.ofMinutes(10).minusMillis(1));
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
    f.clock.advance(Duration.ofMillis(1));

    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
  }

  @Test
  void aClockSteppedForwardEndsGrantsAndItsCorrectionDoesNotReviveThem() {
    EngineFixture f = fixtures.create();
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(10));

    f.clock.step(Duration.ofHours(1));
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    f.clock.step(Duration.ofHours(-1));

    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    await().until(() -> f.jit.grant(grant.id()).orElseThrow().state() == GrantState.EXPIRED);
  }

  @Test
  void aScheduledGrantStartsAndEndsOnTheMonotonicClockAfterAStepBack() {
    EngineFixture f = fixtures.create();
    Grant grant = ((RequestOutcome.Granted) f.jit.request(EngineFixture.request(ALICE, ORDERS, Duration.ofMinutes(10))
        .startAt(f.clock.instant().plus(Duration.ofMinutes(30))).build())).grant();
    f.clock.step(Duration.ofHours(-2));

    f.clock.advance(Duration.ofMinutes(30).minusMillis(1));
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    f.clock.advance(Duration.ofMillis(1));
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
    f.clock.advance(Duration.ofMinutes(10));

    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    await().until(() -> f.jit.grant(grant.id()).orElseThrow().state() == GrantState.EXPIRED);
  }

  @Test
  void aStepIsAuditedAsClockStepWithItsSizeAndDirection() {
    EngineFixture f = fixtures.create();
    f.clock.step(Duration.ofDays(2));
    await().until(() -> f.events(AuditEventType.CLOCK_STEP).size() == 1);
    f.clock.advance(ClockSteps.INTERVAL); // one event a minute at most
    f.clock.step(Duration.ofDays(-2));
    await().until(() -> f.events(AuditEventType.CLOCK_STEP).size() == 2);

    List<AuditEvent> steps = f.events(AuditEventType.CLOCK_STEP);
    assertThat(steps.get(0).details()).containsEntry("step", "PT48H").containsEntry("direction", "forward")
        .containsEntry("steps", "1").containsEntry("wallClock", ManualClock.DEFAULT_START.plus(Duration.ofDays(2))
            .toString());
    assertThat(steps.get(0).timestamp()).isEqualTo(ManualClock.DEFAULT_START.plus(Duration.ofDays(2)));
    assertThat(steps.get(1).details()).containsEntry("step", "PT-48H").containsEntry("direction", "back")
        .containsEntry("backward", "PT48H");
    assertThat(steps.get(1).reason()).contains("stepped back by PT48H");
    assertThat(steps.get(1).timestamp()).isEqualTo(f.clock.instant());
  }

  @Test
  void aFlappingClockWritesOneClockStepEventAMinuteSummingUpTheSteps() {
    EngineFixture f = fixtures.create();
    f.clock.step(Duration.ofDays(2));
    await().until(() -> f.events(AuditEventType.CLOCK_STEP).size() == 1);
    for (int i = 0; i < 500; i++) {
      f.clock.step(Duration.ofDays(-2));
      f.clock.step(Duration.ofDays(2));
    }
    f.clock.step(Duration.ofDays(-2));
    f.clock.advance(ClockSteps.INTERVAL.minusMillis(1));
    assertThat(f.events(AuditEventType.CLOCK_STEP)).hasSize(1);

    f.clock.advance(Duration.ofMillis(1));

    await().until(() -> f.events(AuditEventType.CLOCK_STEP).size() == 2);
    assertThat(f.events(AuditEventType.CLOCK_STEP).get(1).details()).containsEntry("steps", "1001")
        .containsEntry("direction", "back").containsEntry("forward", "PT24000H").containsEntry("backward", "PT24048H");
  }

  @Test
  void aDriftWithinTheThresholdIsAbsorbedUnauditedAndChangesNoDuration() {
    EngineFixture f = fixtures.create();
    f.clock.step(Duration.ofMillis(JitAccessManager.Builder.DEFAULT_CLOCK_STEP_THRESHOLD.toMillis()));
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(10));

    f.clock.advance(Duration.ofMinutes(10).minusMillis(1));
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
    f.clock.advance(Duration.ofMillis(1));

    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    assertThat(grant.notBefore()).isEqualTo(ManualClock.DEFAULT_START);
    f.clock.advance(ClockSteps.INTERVAL);
    assertThat(f.events(AuditEventType.CLOCK_STEP)).isEmpty();
  }

  @Test
  void theStepThresholdIsConfigurable() {
    EngineFixture f = fixtures.create(b -> b.clockStepThreshold(Duration.ofMinutes(5)));
    f.clock.step(Duration.ofMinutes(5));
    Grant absorbed = f.grant(ALICE, ORDERS, Duration.ofMinutes(10));
    f.clock.step(Duration.ofMillis(1));
    Grant followed = f.grant(ALICE, "prod/db/users", Duration.ofMinutes(10));

    assertThat(absorbed.notBefore()).isEqualTo(ManualClock.DEFAULT_START);
    assertThat(followed.notBefore()).isEqualTo(f.clock.instant());
    await().until(() -> f.events(AuditEventType.CLOCK_STEP).size() == 1);
    assertThat(f.events(AuditEventType.CLOCK_STEP).get(0).details()).containsEntry("step", "PT5M0.001S");
  }
}
