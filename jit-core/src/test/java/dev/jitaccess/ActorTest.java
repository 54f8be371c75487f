package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ADMIN;
import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.BOB;
import static dev.jitaccess.EngineFixture.ORDERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.AuditEventType;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code extend} and {@code release} record who did it; only the holder or an administrator may. */
class ActorTest {

  private static final Subject OPS_MEMBER = Subject.user("carol");

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  private EngineFixture withAdministrators() {
    return fixtures.create(b -> b.administrators(Set.of(ADMIN), Set.of("ops"))
        .approverDirectory(s -> s.equals(OPS_MEMBER) ? Set.of("ops") : Set.of()));
  }

  private static AuditEvent only(EngineFixture f, String grantId, AuditEventType type) {
    assertThat(f.eventsOf(grantId, type)).hasSize(1);
    return f.eventsOf(grantId, type).get(0);
  }

  @Test
  void anExtensionByAnAdministratorNamesTheAdministratorInTheAudit() {
    EngineFixture f = withAdministrators();
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(10));

    Grant extended = f.jit.extend(grant.id(), Duration.ofMinutes(5), "still on it", ADMIN);

    assertThat(extended.expiresAt()).isEqualTo(grant.expiresAt().plus(Duration.ofMinutes(5)));
    AuditEvent event = only(f, grant.id(), AuditEventType.EXTENDED);
    assertThat(event.actor()).isEqualTo(ADMIN);
    assertThat(event.subject()).isEqualTo(ALICE);
  }

  @Test
  void aReleaseByAMemberOfAnAdministratorGroupNamesThatMemberInTheAudit() {
    EngineFixture f = withAdministrators();
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(10));

    assertThat(f.jit.release(grant.id(), OPS_MEMBER)).isTrue();

    assertThat(only(f, grant.id(), AuditEventType.RELEASED).actor()).isEqualTo(OPS_MEMBER);
    assertThat(f.jit.release(grant.id(), OPS_MEMBER)).as("an ended grant").isFalse();
    assertThat(f.eventsOf(grant.id(), AuditEventType.RELEASED)).hasSize(1);
  }

  @Test
  void theOverloadsWithoutAnActorStillMeanTheHolder() {
    EngineFixture f = withAdministrators();
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(10));

    f.jit.extend(grant.id(), Duration.ofMinutes(5), "still on it");
    f.jit.release(grant.id());

    assertThat(only(f, grant.id(), AuditEventType.EXTENDED).actor()).isEqualTo(ALICE);
    assertThat(only(f, grant.id(), AuditEventType.RELEASED).actor()).isEqualTo(ALICE);
  }

  @Test
  void someoneWhoIsNeitherTheHolderNorAnAdministratorCannotExtendOrReleaseAGrant() {
    EngineFixture f = withAdministrators();
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(10));

    assertThatThrownBy(() -> f.jit.extend(grant.id(), Duration.ofMinutes(5), "for alice", BOB))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("actor");
    assertThatThrownBy(() -> f.jit.release(grant.id(), BOB))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("actor");

    assertThat(f.jit.grant(grant.id()).orElseThrow()).isEqualTo(grant);
    assertThat(f.eventsOf(grant.id(), AuditEventType.EXTENDED)).isEmpty();
    assertThat(f.eventsOf(grant.id(), AuditEventType.RELEASED)).isEmpty();
    assertThat(f.jit.release(grant.id(), ALICE)).as("the holder may").isTrue();
  }

  @Test
  void administratorsAreValidatedWhenNamed() {
    JitAccessManager.Builder builder = JitAccessManager.builder();
    java.util.Set<Subject> withNull = new java.util.HashSet<>();
    withNull.add(null);
    assertThatThrownBy(() -> builder.administrators(withNull, Set.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("administrators.subjects");
    assertThatThrownBy(() -> builder.administrators(Set.of(ADMIN), Set.of(" ")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("administrators.groups");
  }

  @Test
  void withoutAdministratorsOnlyTheHolderMayExtendOrRelease() {
    EngineFixture f = fixtures.create();
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(10));

    assertThatThrownBy(() -> f.jit.release(grant.id(), ADMIN)).isInstanceOf(IllegalArgumentException.class);
    assertThat(f.jit.extend(grant.id(), Duration.ofMinutes(1), null, ALICE).version()).isEqualTo(1);
  }
}
