package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ADMIN;
import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.ORDERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** DESIGN.md "Bad input": an IllegalArgumentException naming the field, and nothing changed. */
class BadInputTest {

  private final EngineFixture f = new EngineFixture();

  @AfterEach
  void close() {
    f.close();
  }

  static Stream<Arguments> badRequests() {
    return Stream.of(
        bad("subject", b -> b.subject(null)),
        bad("subject.id", b -> b.subject(Subject.user(" "))),
        bad("subject.id", b -> b.subject(Subject.user("ali\u0000ce"))),
        bad("subject.id", b -> b.subject(Subject.user("alice\u202e"))),
        bad("subject.id", b -> b.subject(Subject.user("a".repeat(257)))),
        bad("resource", b -> b.resource(null)),
        bad("resource", b -> b.resource("")),
        bad("resource", b -> b.resource("prod/../db")),
        bad("resource", b -> b.resource("/prod/db")),
        bad("resource", b -> b.resource("prod//db")),
        bad("resource", b -> b.resource("prod/db/")),
        bad("resource", b -> b.resource("prod/d b")),
        bad("resource", b -> b.resource("prod/orders-*")),
        bad("resource", b -> b.resource("prod/\ud800")),
        bad("actions", b -> b.actions()),
        bad("action", b -> b.actions("Read")),
        bad("action", b -> b.actions("read write")),
        bad("action", b -> b.actions("read", null)),
        bad("action", b -> b.actions("x".repeat(33))),
        bad("duration", b -> b.duration(Duration.ZERO)),
        bad("duration", b -> b.duration(Duration.ofSeconds(-1))),
        bad("duration", b -> b.duration(Duration.ofSeconds(Long.MAX_VALUE))),
        bad("duration", b -> b.duration(null)),
        bad("justification", b -> b.justification("x".repeat(1025))),
        bad("justification", b -> b.justification("line\nforged=1")),
        bad("reference", b -> b.reference("INC 1\r")),
        bad("group", b -> b.groups(Set.of("sre\u0007"))),
        bad("attribute", b -> b.attributes(Map.of("team", ""))));
  }

  private static Arguments bad(String field, Consumer<AccessRequest.Builder> change) {
    return Arguments.of(field, change);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void requestBuilderRejectsBadInputNamingTheField(String field, Consumer<AccessRequest.Builder> change) {
    assertThatThrownBy(() -> change.accept(EngineFixture.request(ALICE, ORDERS, Duration.ofMinutes(5))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(field);
    assertNothingChanged();
  }

  @Test
  void requestBuilderRejectsMissingRequiredFields() {
    assertThatThrownBy(() -> AccessRequest.builder().resource(ORDERS).actions("read").duration(Duration.ofMinutes(1)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("subject");
    assertThatThrownBy(() -> AccessRequest.builder().subject(ALICE).actions("read").duration(Duration.ofMinutes(1)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("resource");
    assertThatThrownBy(() -> AccessRequest.builder().subject(ALICE).resource(ORDERS).duration(Duration.ofMinutes(1)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("actions");
    assertThatThrownBy(() -> AccessRequest.builder().subject(ALICE).resource(ORDERS).actions("read").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("duration");
  }

  @Test
  void errorMessagesShowTheBadValueEscapedAndCutShort() {
    assertThatThrownBy(() -> Subject.user("evil\nline" + "x".repeat(200)))
        .hasMessageContaining("\\u000a")
        .hasMessageNotContaining("\n")
        .hasMessageContaining("...");
  }

  static Stream<Arguments> badManagerCalls() {
    return Stream.of(
        call("request", f -> f.jit.request(null)),
        call("grantId", f -> f.jit.extend(null, Duration.ofMinutes(1), "x")),
        call("grantId", f -> f.jit.extend(" ", Duration.ofMinutes(1), "x")),
        call("more", f -> f.jit.extend("g", Duration.ofMinutes(-1), "x")),
        call("more", f -> f.jit.extend("g", Duration.ZERO, "x")),
        call("justification", f -> f.jit.extend("g", Duration.ofMinutes(1), "\u0000")),
        call("grantId", f -> f.jit.release(null)),
        call("grantId", f -> f.jit.release("id\u0085")),
        call("grantId", f -> f.jit.revoke(null, ADMIN, "x")),
        call("actor", f -> f.jit.revoke("g", null, "x")),
        call("reason", f -> f.jit.revoke("g", ADMIN, " ")),
        call("subject", f -> f.jit.revokeAll(null, ADMIN, "x")),
        call("actor", f -> f.jit.revokeAll(ALICE, null, "x")),
        call("grantId", f -> f.jit.grant(null)),
        call("subject", f -> f.jit.activeGrants(null)),
        call("request", f -> f.jit.acquire(null)),
        call("requestId", f -> f.jit.approve(null, ADMIN, "ok")),
        call("approver", f -> f.jit.approve("r", null, "ok")),
        call("reason", f -> f.jit.deny("r", ADMIN, null)));
  }

  private static Arguments call(String field, Consumer<EngineFixture> call) {
    return Arguments.of(field, call);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badManagerCalls")
  void managerRejectsBadInputNamingTheFieldAndChangesNothing(String field, Consumer<EngineFixture> call) {
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(5));
    int events = f.audit.events().size();

    ThrowingCallable bad = () -> call.accept(f);
    assertThatThrownBy(bad).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(field);

    assertThat(f.audit.events()).hasSize(events);
    assertThat(f.jit.grant(grant.id()).orElseThrow()).isEqualTo(grant);
  }

  @Test
  void checkNeverThrowsOnHostileInputAndDenies() {
    f.grant(ALICE, "prod/**", Duration.ofMinutes(5));
    String[] resources = {"", "/", "prod/", "prod//db", "prod/../etc", "prod/./db", "prod/*", "prod/**",
        "prod/d\u0000b", "prod/\u202edb", "prod/\ud800", "x".repeat(10_000), "prod/" + "a/".repeat(40) + "b"};
    for (String resource : resources) {
      assertThat(f.jit.check(ALICE, resource, "read").allowed()).as(resource).isFalse();
    }
    for (String action : new String[] {"", "READ", "read\n", "x".repeat(1000)}) {
      assertThat(f.jit.check(ALICE, "prod/db", action).allowed()).as(action).isFalse();
    }
  }

  @Test
  void builderSettingsAreValidatedAtOnce() {
    JitAccessManager.Builder builder = JitAccessManager.builder();
    assertThatThrownBy(() -> builder.tick(Duration.ZERO)).hasMessageStartingWith("tick");
    assertThatThrownBy(() -> builder.tick(Duration.ofSeconds(2))).hasMessageStartingWith("tick");
    assertThatThrownBy(() -> builder.deniedEventsPerMinute(-1)).hasMessageStartingWith("deniedEventsPerMinute");
    assertThatThrownBy(() -> builder.policy(null)).hasMessageStartingWith("policy");
    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("policy");
    builder.policy(EngineFixture.ALLOW_ALL);
    assertThatThrownBy(() -> builder.policy(EngineFixture.ALLOW_ALL))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("already set");
  }

  private void assertNothingChanged() {
    assertThat(f.audit.events()).isEmpty();
    assertThat(f.store.findActive()).isEmpty();
  }
}
