package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.ORDERS;
import static dev.jitaccess.EngineFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.store.GrantStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A request at the edges of what the engine takes, and when the grant it gives starts and ends. */
class RequestBoundsTest {

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  private static Grant granted(RequestOutcome outcome) {
    assertThat(outcome).isInstanceOf(RequestOutcome.Granted.class);
    return ((RequestOutcome.Granted) outcome).grant();
  }

  @Test
  void aJustificationAndActionListExactlyAtTheConfiguredLimitsAreTaken() {
    EngineFixture f = fixtures.create(b -> b.maxJustificationLength(20).maxActionsPerRequest(2));

    Grant grant = granted(f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5), "read", "write")
        .justification("x".repeat(20)).build()));

    assertThat(grant.actions()).containsExactlyInAnyOrder("read", "write");
  }

  @Test
  void aStartAtMostAYearAheadIsTakenAndOneLaterIsRefused() {
    EngineFixture f = fixtures.create();
    Instant latest = f.clock.instant().plus(Duration.ofDays(366));

    Grant grant = granted(f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5)).startAt(latest).build()));
    assertThat(grant.notBefore()).isEqualTo(latest);

    int events = f.audit.events().size();
    assertThatThrownBy(() -> f.jit.request(request(ALICE, "prod/db/users", Duration.ofMinutes(5))
        .startAt(latest.plusMillis(1)).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("startAt");
    assertThat(f.audit.events()).hasSize(events);
  }

  @Test
  void aStartInThePastOrNowStartsTheGrantNow() {
    EngineFixture f = fixtures.create();
    Instant now = f.clock.instant();

    Grant past = granted(f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5))
        .startAt(now.minusSeconds(60)).build()));
    Grant present = granted(f.jit.request(request(ALICE, "prod/db/users", Duration.ofMinutes(5))
        .startAt(now).build()));

    assertThat(past.notBefore()).isEqualTo(now);
    assertThat(past.expiresAt()).isEqualTo(now.plus(Duration.ofMinutes(5)));
    assertThat(present.notBefore()).isEqualTo(now);
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
    assertThat(f.jit.isAllowed(ALICE, "prod/db/users", "read")).isTrue();
  }

  @Test
  void breakGlassStartingNowIsNotScheduledAccess() {
    EngineFixture f = fixtures.create();

    Grant grant = granted(f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(15)).breakGlass(true)
        .reference("INC-7").startAt(f.clock.instant()).build()));

    assertThat(grant.breakGlass()).isTrue();
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
  }

  @Test
  void aGrantShorterThanAMillisecondStillLastsOneAndThenEnds() {
    EngineFixture f = fixtures.create();

    Grant grant = f.grant(ALICE, ORDERS, Duration.ofNanos(1));

    assertThat(grant.expiresAt()).isEqualTo(grant.notBefore().plusMillis(1));
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
    f.clock.advance(Duration.ofMillis(1));
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
  }

  @Test
  void theRequestedAuditEventCarriesWhatWasAsked() {
    EngineFixture f = fixtures.create();
    Instant start = f.clock.instant().plusSeconds(600);

    f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5)).reference("CHG-9").startAt(start).build());
    f.jit.request(request(ALICE, "prod/db/users", Duration.ofMinutes(5)).breakGlass(true).reference("INC-9").build());

    assertThat(f.events(AuditEventType.REQUESTED)).extracting(e -> e.details()).containsExactly(
        Map.of("duration", "PT5M", "reference", "CHG-9", "startAt", start.toString()),
        Map.of("duration", "PT5M", "reference", "INC-9", "breakGlass", "true"));
    assertThat(f.events(AuditEventType.GRANTED)).first().satisfies(e -> assertThat(e.details())
        .containsEntry("rule", "allow-all").containsEntry("notBefore", start.toString())
        .containsEntry("reference", "CHG-9"));
  }

  @Test
  void activeGrantsLeaveOutAGrantThatRanOutEvenWhenItsExpiryCouldNotBeStored() {
    GrantStore store = EngineFixture.storeUnableToRecordExpiry();
    EngineFixture f = fixtures.create(store, b -> {});
    Grant shortOne = f.grant(ALICE, ORDERS, Duration.ofMinutes(1));
    Grant longOne = f.grant(ALICE, "prod/db/users", Duration.ofMinutes(10));

    f.clock.set(shortOne.expiresAt());

    assertThat(store.findActiveBySubject(ALICE)).hasSize(2);
    assertThat(f.jit.activeGrants(ALICE)).extracting(Grant::id).containsExactly(longOne.id());
  }

  @Test
  void acquireTakesAStartOfNowAndRefusesOneAMillisecondLater() {
    EngineFixture f = fixtures.create();
    Instant now = f.clock.instant();

    try (GrantHandle handle = f.jit.acquire(request(ALICE, ORDERS, Duration.ofMinutes(5)).startAt(now).build())) {
      assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
      assertThat(handle.grant().notBefore()).isEqualTo(now);
    }
    assertThatThrownBy(() -> f.jit.acquire(request(ALICE, ORDERS, Duration.ofMinutes(5))
        .startAt(now.plusMillis(1)).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("startAt");
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
  }
}
