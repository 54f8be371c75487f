package dev.jitaccess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.audit.InMemoryAuditSink;
import dev.jitaccess.credential.CredentialIssuer;
import dev.jitaccess.store.InMemoryGrantStore;
import dev.jitaccess.testing.ManualClock;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The manager builder's documented ranges, at their edges: the first value inside is taken, the first value
 * outside is refused with an {@link IllegalArgumentException} naming the setting, and a refused value leaves
 * the earlier setting in place.
 */
class BuilderValidationTest {

  private static Arguments edge(String field, Consumer<JitAccessManager.Builder> inside,
      Consumer<JitAccessManager.Builder> outside) {
    return Arguments.of(field, inside, outside);
  }

  static Stream<Arguments> ranges() {
    return Stream.of(
        edge("tick", b -> b.tick(Duration.ofMillis(1)), b -> b.tick(Duration.ofNanos(999_999))),
        edge("tick", b -> b.tick(Duration.ofSeconds(1)), b -> b.tick(Duration.ofMillis(1001))),
        edge("stalenessBound", b -> b.stalenessBound(Duration.ofMillis(100)),
            b -> b.stalenessBound(Duration.ofMillis(99))),
        edge("stalenessBound", b -> b.stalenessBound(Duration.ofHours(1)),
            b -> b.stalenessBound(Duration.ofHours(1).plusMillis(1))),
        edge("expiryWarning", b -> b.expiryWarning(Duration.ZERO), b -> b.expiryWarning(Duration.ofMillis(-1))),
        edge("expiryWarning", b -> b.expiryWarning(Duration.ofDays(366)),
            b -> b.expiryWarning(Duration.ofDays(366).plusMillis(1))),
        edge("maxActiveGrantsPerSubject", b -> b.maxActiveGrantsPerSubject(1), b -> b.maxActiveGrantsPerSubject(0)),
        edge("maxActiveGrantsPerSubject", b -> b.maxActiveGrantsPerSubject(100_000),
            b -> b.maxActiveGrantsPerSubject(100_001)),
        edge("maxPendingRequestsPerSubject", b -> b.maxPendingRequestsPerSubject(1),
            b -> b.maxPendingRequestsPerSubject(0)),
        edge("maxPendingRequestsPerSubject", b -> b.maxPendingRequestsPerSubject(10_000),
            b -> b.maxPendingRequestsPerSubject(10_001)),
        edge("maxJustificationLength", b -> b.maxJustificationLength(1), b -> b.maxJustificationLength(0)),
        edge("maxJustificationLength", b -> b.maxJustificationLength(1024), b -> b.maxJustificationLength(1025)),
        edge("maxActionsPerRequest", b -> b.maxActionsPerRequest(1), b -> b.maxActionsPerRequest(0)),
        edge("maxActionsPerRequest", b -> b.maxActionsPerRequest(AccessRequest.MAX_ACTIONS),
            b -> b.maxActionsPerRequest(AccessRequest.MAX_ACTIONS + 1)),
        edge("deniedEventsPerMinute", b -> b.deniedEventsPerMinute(0), b -> b.deniedEventsPerMinute(-1)),
        edge("deniedEventsPerMinute", b -> b.deniedEventsPerMinute(100_000), b -> b.deniedEventsPerMinute(100_001)));
  }

  @ParameterizedTest(name = "{0} #{index}")
  @MethodSource("ranges")
  void aSettingIsTakenAtTheEdgeOfItsRangeAndRefusedJustPastIt(String field,
      Consumer<JitAccessManager.Builder> inside, Consumer<JitAccessManager.Builder> outside) {
    JitAccessManager.Builder builder = JitAccessManager.builder();

    assertThatCode(() -> inside.accept(builder)).doesNotThrowAnyException();
    assertThatThrownBy(() -> outside.accept(builder))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(field);
  }

  @Test
  void aRefusedValueLeavesTheEarlierSettingInPlace() {
    JitAccessManager.Builder builder = JitAccessManager.builder().maxActiveGrantsPerSubject(7)
        .tick(Duration.ofMillis(20)).deniedEventsPerMinute(3);

    assertThatThrownBy(() -> builder.maxActiveGrantsPerSubject(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder.tick(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder.deniedEventsPerMinute(-5)).isInstanceOf(IllegalArgumentException.class);

    assertThat(builder.maxActiveGrantsPerSubject).isEqualTo(7);
    assertThat(builder.tick).isEqualTo(Duration.ofMillis(20));
    assertThat(builder.deniedEventsPerMinute).isEqualTo(3);
  }

  @Test
  void eachCollaboratorCanBeSetOnceOnly() {
    CredentialIssuer issuer = new CredentialLifecycleTest.RecordingIssuer();
    JitAccessManager.Builder builder = JitAccessManager.builder()
        .store(new InMemoryGrantStore())
        .auditSink(new InMemoryAuditSink())
        .clock(new ManualClock())
        .credentialIssuer(issuer);

    assertThatThrownBy(() -> builder.store(new InMemoryGrantStore()))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("store was already set");
    assertThatThrownBy(() -> builder.auditSink(new InMemoryAuditSink()))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("auditSink was already set");
    assertThatThrownBy(() -> builder.clock(new ManualClock()))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("clock was already set");
    assertThatThrownBy(() -> builder.credentialIssuer(issuer))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("credentialIssuer was already set");
  }

  static Stream<Arguments> nulls() {
    return Stream.of(
        Arguments.of("store", (Consumer<JitAccessManager.Builder>) b -> b.store(null)),
        Arguments.of("auditSink", (Consumer<JitAccessManager.Builder>) b -> b.auditSink(null)),
        Arguments.of("clock", (Consumer<JitAccessManager.Builder>) b -> b.clock(null)),
        Arguments.of("credentialIssuer", (Consumer<JitAccessManager.Builder>) b -> b.credentialIssuer(null)),
        Arguments.of("listener", (Consumer<JitAccessManager.Builder>) b -> b.listener(null)),
        Arguments.of("approverDirectory", (Consumer<JitAccessManager.Builder>) b -> b.approverDirectory(null)),
        Arguments.of("personKey", (Consumer<JitAccessManager.Builder>) b -> b.personKey(null)),
        Arguments.of("usageAudit", (Consumer<JitAccessManager.Builder>) b -> b.usageAudit(null)),
        Arguments.of("expiryWarning", (Consumer<JitAccessManager.Builder>) b -> b.expiryWarning(null)),
        Arguments.of("stalenessBound", (Consumer<JitAccessManager.Builder>) b -> b.stalenessBound(null)),
        Arguments.of("tick", (Consumer<JitAccessManager.Builder>) b -> b.tick(null)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("nulls")
  void aMissingSettingIsRefusedNamingIt(String field, Consumer<JitAccessManager.Builder> setNull) {
    assertThatThrownBy(() -> setNull.accept(JitAccessManager.builder()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(field);
  }
}
