package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.BOB;
import static dev.jitaccess.EngineFixture.ORDERS;
import static dev.jitaccess.EngineFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.ApprovalRequirement;
import dev.jitaccess.policy.PolicyDecision;
import dev.jitaccess.store.ForwardingGrantStore;
import dev.jitaccess.store.InMemoryGrantStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a grant's timer does at its start and before its end: the start check and the expiry warning. */
class GrantTimerTest {

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  /** Allows every request until told otherwise; then answers with {@code atStart}. */
  private static final class ChangingPolicy implements AccessPolicy {
    final List<AccessRequest> seen = new CopyOnWriteArrayList<>();
    final AtomicReference<Function<AccessRequest, PolicyDecision>> rule =
        new AtomicReference<>(r -> PolicyDecision.allow("window", r.duration()));

    @Override
    public PolicyDecision evaluate(AccessRequest request) {
      seen.add(request);
      return rule.get().apply(request);
    }
  }

  /** A listener that adds what {@code of} tells of each grant it is warned about to {@code heard}. */
  private static <T> JitAccessListener warnings(List<T> heard, Function<Grant, T> of) {
    return new JitAccessListener() {
      @Override
      public void onExpiringSoon(Grant grant) {
        heard.add(of.apply(grant));
      }
    };
  }

  private static Grant scheduled(EngineFixture f, Instant start) {
    return ((RequestOutcome.Granted) f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(30))
        .reference("CHG-1").startAt(start).build())).grant();
  }

  @Test
  void aScheduledGrantThatNoRuleCoversAtItsStartIsRevokedSayingSo() {
    ChangingPolicy policy = new ChangingPolicy();
    EngineFixture f = fixtures.create(b -> b.policy(policy));
    Instant start = f.clock.instant().plus(Duration.ofHours(1));
    Grant grant = scheduled(f, start);
    policy.rule.set(r -> PolicyDecision.notApplicable());

    f.clock.set(start);

    await().until(() -> f.jit.grant(grant.id()).orElseThrow().state() == GrantState.REVOKED);
    assertThat(f.jit.grant(grant.id()).orElseThrow().endReason()).contains("no policy rule matches the request");
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    assertThat(f.terminalEvents(grant.id())).isEqualTo(1);
  }

  @Test
  void aScheduledGrantWhoseRuleNowWantsApprovalsStillStarts() {
    ChangingPolicy policy = new ChangingPolicy();
    EngineFixture f = fixtures.create(b -> b.policy(policy));
    Instant start = f.clock.instant().plus(Duration.ofHours(1));
    Grant grant = scheduled(f, start);
    ApprovalRequirement requirement = new ApprovalRequirement(1, Set.of(BOB), Set.of(), false, Duration.ofHours(1));
    policy.rule.set(r -> PolicyDecision.requireApprovals("window", r.duration(), requirement));

    f.clock.set(start);

    await().until(() -> policy.seen.size() == 2);
    await().until(() -> f.jit.isAllowed(ALICE, ORDERS, "read"));
    assertThat(f.jit.grant(grant.id()).orElseThrow().state()).isEqualTo(GrantState.ACTIVE);
  }

  @Test
  void theStartCheckAsksAboutTheRequestAsAnImmediateOne() {
    ChangingPolicy policy = new ChangingPolicy();
    EngineFixture f = fixtures.create(b -> b.policy(policy));
    Instant start = f.clock.instant().plus(Duration.ofHours(1));
    scheduled(f, start);

    f.clock.set(start);

    await().until(() -> policy.seen.size() == 2);
    assertThat(policy.seen.get(1).startAt()).isNull();
    assertThat(policy.seen.get(1).toBuilder().startAt(start).build()).isEqualTo(policy.seen.get(0));
  }

  @Test
  void withoutItsStoredRequestTheStartCheckJudgesTheGrantAsRecorded() {
    ChangingPolicy policy = new ChangingPolicy();
    ForwardingGrantStore store = new ForwardingGrantStore(new InMemoryGrantStore()) {
      @Override
      public void saveRequest(RequestRecord request) {
        throw new IllegalStateException("requests table unavailable");
      }
    };
    EngineFixture f = fixtures.create(store, b -> b.policy(policy));
    Instant start = f.clock.instant().plus(Duration.ofHours(1));
    Grant grant = scheduled(f, start);

    f.clock.set(start);

    await().until(() -> policy.seen.size() == 2);
    AccessRequest asked = policy.seen.get(1);
    assertThat(asked.subject()).isEqualTo(ALICE);
    assertThat(asked.resource()).isEqualTo(ORDERS);
    assertThat(asked.actions()).isEqualTo(grant.actions());
    assertThat(asked.duration()).isEqualTo(Duration.ofMinutes(30));
    assertThat(asked.justification()).isEqualTo(grant.justification());
    assertThat(asked.reference()).isEqualTo("CHG-1");
    assertThat(asked.startAt()).isNull();
    await().until(() -> f.jit.isAllowed(ALICE, ORDERS, "read"));
  }

  @Test
  void aGrantExactlyAsLongAsTheWarningLeadIsNotWarnedAboutButOneAMillisecondLongerIs() {
    List<String> warned = new CopyOnWriteArrayList<>();
    EngineFixture f = fixtures.create(b -> b.expiryWarning(Duration.ofMinutes(5))
        .listener(warnings(warned, Grant::resource)));
    f.grant(ALICE, "prod/exact", Duration.ofMinutes(5));
    f.grant(ALICE, "prod/longer", Duration.ofMinutes(5).plusMillis(1));

    f.clock.advance(Duration.ofMillis(1));

    await().until(() -> warned.contains("prod/longer"));
    f.clock.advance(Duration.ofMinutes(5));
    await().until(() -> f.jit.activeGrants(ALICE).isEmpty());
    assertThat(warned).containsExactly("prod/longer");
  }

  @Test
  void aScheduledGrantIsWarnedAboutBeforeItsEndNotBeforeItsStart() {
    List<Instant> warned = new CopyOnWriteArrayList<>();
    EngineFixture f = fixtures.create(b -> b.expiryWarning(Duration.ofMinutes(5))
        .listener(warnings(warned, Grant::expiresAt)));
    Instant start = f.clock.instant().plus(Duration.ofHours(1));
    Grant grant = scheduled(f, start);

    f.clock.set(start);
    await().until(() -> f.jit.isAllowed(ALICE, ORDERS, "read"));
    f.clock.set(grant.expiresAt().minus(Duration.ofMinutes(5)).minusMillis(1));
    assertThat(warned).isEmpty();
    f.clock.set(grant.expiresAt().minus(Duration.ofMinutes(5)));

    await().until(() -> warned.size() == 1);
    assertThat(warned).containsExactly(grant.expiresAt());
  }
}
