package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.BOB;
import static dev.jitaccess.EngineFixture.ORDERS;
import static dev.jitaccess.EngineFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.audit.AuditEventType;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Break-glass grants wait for their post-incident review: listed oldest first until someone else reviews them. */
class BreakGlassReviewQueueTest {

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  private static Grant breakGlass(EngineFixture f, Subject subject, String reference) {
    AccessRequest.Builder asked = request(subject, ORDERS, Duration.ofMinutes(15)).breakGlass(true);
    if (reference != null) {
      asked.reference(reference);
    }
    return ((RequestOutcome.Granted) f.jit.request(asked.build())).grant();
  }

  @Test
  void reviewsAreListedOldestFirstWithTheirIncident() {
    EngineFixture f = fixtures.create();
    Grant first = breakGlass(f, BOB, "INC-1");
    f.clock.advance(Duration.ofMinutes(1));
    Grant second = breakGlass(f, ALICE, "INC-2");
    f.clock.advance(Duration.ofMinutes(1));
    Grant third = breakGlass(f, ALICE, null);

    assertThat(f.jit.breakGlassReviews()).extracting(BreakGlassReview::grantId)
        .containsExactly(first.id(), second.id(), third.id());
    assertThat(f.jit.breakGlassReviews()).extracting(BreakGlassReview::incident)
        .containsExactly("INC-1", "INC-2", "none");
  }

  @Test
  void aReviewIsRecordedEvenWhileTheSinkRefusesAndItsEventFollowsWhenItRecovers() {
    EngineFixture f = fixtures.create();
    Grant grant = breakGlass(f, ALICE, "INC-9");
    f.audit.failWith(new IllegalStateException("disk full"));

    assertThat(f.jit.acknowledgeReview(grant.id(), BOB, "as described")).isTrue();

    assertThat(f.jit.breakGlassReviews()).isEmpty();
    f.audit.recover();
    f.clock.advance(Duration.ofSeconds(1));
    await().until(() -> f.events(AuditEventType.BREAK_GLASS_REVIEWED).size() == 1);
    assertThat(f.events(AuditEventType.BREAK_GLASS_REVIEWED)).singleElement().satisfies(e -> {
      assertThat(e.grantId()).isEqualTo(grant.id());
      assertThat(e.actor()).isEqualTo(BOB);
      assertThat(e.reason()).isEqualTo("as described");
      assertThat(e.details()).containsEntry("incident", "INC-9");
    });
    assertThat(f.store.findReview(grant.id()).orElseThrow().reviewer()).isEqualTo(BOB);
  }

  @Test
  void onlyBreakGlassGrantsCanBeReviewed() {
    EngineFixture f = fixtures.create();
    Grant ordinary = f.grant(ALICE, ORDERS, Duration.ofMinutes(5));

    assertThatThrownBy(() -> f.jit.acknowledgeReview(ordinary.id(), BOB, "ok"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("grantId");
    assertThatThrownBy(() -> f.jit.acknowledgeReview("no-such-grant", BOB, "ok"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("grantId");
    assertThat(f.events(AuditEventType.BREAK_GLASS_REVIEWED)).isEmpty();
  }
}
