package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ORDERS;
import static dev.jitaccess.EngineFixture.request;
import static dev.jitaccess.PersonKeyTest.subject;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.ApprovalRequirement;
import dev.jitaccess.policy.PolicyDecision;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Separation of duties holds per person, not per spelling: identity providers and directories commonly compare
 * names case-insensitively and ignore the kind, so {@code bob}, {@code BOB} and {@code service:bob} reach the
 * engine as one person with several {@link Subject}s.
 */
class OnePersonOneIdentityTest {

  /** A directory as many are: case-insensitive and blind to the kind. */
  private static final ApproverDirectory LENIENT_DIRECTORY =
      s -> Set.of("alice", "bob", "carol").contains(s.id().toLowerCase(Locale.ROOT)) ? Set.of("dba") : Set.of();

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  private static AccessPolicy approvalsFromDba(int approvals) {
    ApprovalRequirement requirement =
        new ApprovalRequirement(approvals, Set.of(), Set.of("dba"), false, Duration.ofMinutes(30));
    return r -> r.breakGlass() ? PolicyDecision.allow("break-glass", r.duration())
        : PolicyDecision.requireApprovals("dba-approval", r.duration(), requirement);
  }

  private EngineFixture twoPersonRule() {
    return fixtures.create(b -> b.policy(approvalsFromDba(2)).approverDirectory(LENIENT_DIRECTORY));
  }

  private static String pending(EngineFixture f, Subject requester) {
    return f.jit.request(request(requester, ORDERS, Duration.ofMinutes(10)).build()).requestId();
  }

  @ParameterizedTest(name = "{0} then {1}")
  @CsvSource({
      "user:bob, user:BOB",
      "user:bob, service:bob",
      "user:bob, user:Bob",
      "service:carol, user:CAROL",
  })
  void twoSpellingsOfOneApproverDoNotMeetATwoPersonRule(String first, String second) {
    EngineFixture f = twoPersonRule();
    Subject requester = Subject.user("alice");
    String requestId = pending(f, requester);

    f.jit.approve(requestId, subject(first), "ok");
    RequestOutcome again = f.jit.approve(requestId, subject(second), "ok, me again");

    assertThat(again).isEqualTo(new RequestOutcome.Pending(requestId, 1));
    assertThat(f.jit.isAllowed(requester, ORDERS, "read")).isFalse();
    assertThat(f.events(AuditEventType.APPROVED)).hasSize(1);
    assertThat(f.jit.pendingRequestsFor(subject(second))).isEmpty();
  }

  @ParameterizedTest(name = "{1} decides {0}''s request")
  @CsvSource({
      "user:alice, user:Alice",
      "user:alice, user:ALICE",
      "user:alice, service:alice",
      "service:alice, user:alice",
  })
  void theRequesterCannotDecideItsOwnRequestUnderAnotherSpelling(String requester, String approver) {
    EngineFixture f = fixtures.create(b -> b.policy(approvalsFromDba(1)).approverDirectory(LENIENT_DIRECTORY));
    String requestId = pending(f, subject(requester));

    assertThat(f.jit.pendingRequestsFor(subject(approver))).isEmpty();
    assertThatThrownBy(() -> f.jit.approve(requestId, subject(approver), "fine by me"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("its own request");
    assertThatThrownBy(() -> f.jit.deny(requestId, subject(approver), "never mind"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("its own request");

    assertThat(f.jit.isAllowed(subject(requester), ORDERS, "read")).isFalse();
    assertThat(f.jit.pendingRequests()).singleElement().satisfies(r -> {
      assertThat(r.approvals()).isEmpty();
      assertThat(r.state()).isEqualTo(RequestState.PENDING);
    });
    assertThat(f.events(AuditEventType.APPROVED)).isEmpty();
  }

  @ParameterizedTest(name = "{1} reviews {0}''s break-glass access")
  @CsvSource({
      "user:alice, user:ALICE",
      "user:alice, service:alice",
  })
  void theHolderCannotAcknowledgeItsOwnBreakGlassReviewUnderAnotherSpelling(String holder, String reviewer) {
    EngineFixture f = fixtures.create(b -> b.policy(approvalsFromDba(1)));
    Grant grant = ((RequestOutcome.Granted) f.jit.request(
        request(subject(holder), ORDERS, Duration.ofMinutes(5)).breakGlass(true).reference("INC-7").build())).grant();

    assertThatThrownBy(() -> f.jit.acknowledgeReview(grant.id(), subject(reviewer), "all fine"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("its own break-glass access");

    assertThat(f.jit.breakGlassReviews()).extracting(BreakGlassReview::grantId).containsExactly(grant.id());
    assertThat(f.events(AuditEventType.BREAK_GLASS_REVIEWED)).isEmpty();
  }

  /**
   * Full-width letters, the Kelvin sign, the Turkish dotted and dotless i, sharp s, final sigma and accents: what
   * NFKC, case-insensitive and accent-insensitive directories (MySQL's default collation is one) take for one name.
   */
  @ParameterizedTest(name = "{1} decides {0}''s request")
  @CsvSource({
      "kate, \u212Aate",
      "bob, \uff22\uff4f\uff42",
      "strasse, STRA\u00dfE",
      "stra\u00dfe, STRA\u1e9eE",
      "alice, AL\u0130CE",
      "al\u0131ce, Alice",
      "\u03bf\u03b4\u03bf\u03c2, \u039f\u0394\u039f\u03a3",
      "jose, Jos\u00e9",
      "jose\u0301, jos\u00e9",
  })
  void unicodeVariantsOfOneNameAreOnePerson(String requester, String approver) {
    EngineFixture f = fixtures.create(b -> b.policy(approvalsFromDba(1)).approverDirectory(s -> Set.of("dba")));
    String requestId = pending(f, Subject.user(requester));

    assertThatThrownBy(() -> f.jit.approve(requestId, Subject.user(approver), "me"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("its own request");
  }

  @Test
  void differentNamesStayDifferentPeople() {
    EngineFixture f = twoPersonRule();
    String requestId = pending(f, Subject.user("alice"));

    f.jit.approve(requestId, Subject.user("bob"), "ok");
    RequestOutcome outcome = f.jit.approve(requestId, Subject.user("carol"), "ok");

    assertThat(outcome).isInstanceOf(RequestOutcome.Granted.class);
  }

  @Test
  void theApplicationsKeyDecidesWhoIsOnePerson() {
    // A directory that knows its people by employee number, aliases included; and "bob" and "BOB" are two people.
    PersonKey employeeNumber = s -> switch (s.id()) {
      case "bob", "robert" -> "E-1";
      case "BOB" -> "E-2";
      default -> s.toString();
    };
    EngineFixture f = fixtures.create(b -> b.policy(approvalsFromDba(2)).approverDirectory(s -> Set.of("dba"))
        .personKey(employeeNumber));
    String aliases = pending(f, Subject.user("alice"));
    String twoBobs = pending(f, Subject.user("alice"));

    f.jit.approve(aliases, Subject.user("bob"), "ok");
    assertThat(f.jit.approve(aliases, Subject.user("robert"), "ok")).isEqualTo(new RequestOutcome.Pending(aliases, 1));
    f.jit.approve(twoBobs, Subject.user("bob"), "ok");
    assertThat(f.jit.approve(twoBobs, Subject.user("BOB"), "ok")).isInstanceOf(RequestOutcome.Granted.class);
  }

  @Test
  void aKeyThatFailsRefusesTheDecisionAndChangesNothing() {
    PersonKey failing = s -> {
      if (s.id().equals("mallory")) {
        throw new IllegalStateException("directory down");
      }
      return s.id().equals("bob") ? null : s.id();
    };
    EngineFixture f = fixtures.create(b -> b.policy(approvalsFromDba(1)).approverDirectory(s -> Set.of("dba"))
        .personKey(failing));
    String requestId = pending(f, Subject.user("alice"));
    Grant breakGlass = ((RequestOutcome.Granted) f.jit.request(
        request(Subject.user("alice"), ORDERS, Duration.ofMinutes(5)).breakGlass(true).build())).grant();

    assertThatThrownBy(() -> f.jit.approve(requestId, Subject.user("mallory"), "ok")).hasMessage("directory down");
    assertThatThrownBy(() -> f.jit.approve(requestId, Subject.user("bob"), "ok"))
        .isInstanceOf(JitAccessException.class).hasMessageContaining("no key for user:bob");
    assertThatThrownBy(() -> f.jit.acknowledgeReview(breakGlass.id(), Subject.user("bob"), "ok"))
        .isInstanceOf(JitAccessException.class);

    assertThat(f.jit.pendingRequests()).singleElement().satisfies(r -> assertThat(r.approvals()).isEmpty());
    assertThat(f.jit.breakGlassReviews()).hasSize(1);
    assertThat(f.events(AuditEventType.APPROVED)).isEmpty();
  }
}
