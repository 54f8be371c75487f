package dev.jitaccess.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.Grant;
import dev.jitaccess.GrantState;
import dev.jitaccess.Subject;
import dev.jitaccess.internal.Validate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RulePolicyTest {

  private static final Subject ALICE = Subject.user("alice");
  private static final Subject BOB = Subject.user("bob");
  private static final Subject CI = Subject.service("ci-deploy");
  private static final Subject CAROL = Subject.user("carol");
  private static final Subject DAVE = Subject.user("dave");
  private static final Duration HOUR = Duration.ofHours(1);
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  /** A rule over prod/db/** for read and write, max 1h, auto-approved; callers add what they test. */
  private static AccessRule.Builder dbRule(String name) {
    return AccessRule.builder(name).resources("prod/db/**").actions("read", "write").maxDuration(HOUR).autoApprove();
  }

  /** Like {@link #dbRule} but requiring two approvals from carol, dave or the dba-leads group. */
  private static AccessRule.Builder approvalRule(String name) {
    return AccessRule.builder(name).resources("prod/db/**").actions("read", "write").maxDuration(HOUR)
        .requireApprovals(2).approvers(CAROL, DAVE).approverGroups("dba-leads");
  }

  private static RulePolicy policyOf(AccessRule... rules) {
    RulePolicy.Builder b = RulePolicy.builder();
    for (AccessRule r : rules) {
      b.rule(r);
    }
    return b.build();
  }

  private static AccessRequest.Builder request(Subject subject, String resource, String... actions) {
    return AccessRequest.builder().subject(subject).resource(resource).actions(actions).duration(Duration.ofMinutes(30));
  }

  private static Grant grant(String rule, Subject subject, Instant notBefore, Instant expiresAt) {
    return grant(rule, subject, "prod/db/orders", Set.of("read"), notBefore, expiresAt, false);
  }

  private static Grant grant(String rule, Subject subject, String resource, Set<String> actions, Instant notBefore,
      Instant expiresAt, boolean breakGlass) {
    return new Grant("g-1", "r-1", subject, resource, actions, notBefore, expiresAt, GrantState.ACTIVE, "INC-1",
        null, List.of(), breakGlass, rule, 0, null, null);
  }

  private static String reason(PolicyDecision decision) {
    assertThat(decision).isInstanceOf(PolicyDecision.Deny.class);
    return ((PolicyDecision.Deny) decision).reason();
  }

  @Nested
  class Matching {

    @Test
    void evaluateWhenNoRuleMatchesThenNotApplicable() {
      RulePolicy policy = policyOf(dbRule("db").build());

      assertThat(policy.evaluate(request(ALICE, "prod/queue/orders", "read").build()))
          .isEqualTo(PolicyDecision.notApplicable());
    }

    @Test
    void evaluateWhenNameSharesOnlyATextPrefixThenNotApplicable() {
      RulePolicy policy = policyOf(dbRule("db").build());

      assertThat(policy.evaluate(request(ALICE, "prod/dbx/orders", "read").build()))
          .isInstanceOf(PolicyDecision.NotApplicable.class);
    }

    @Test
    void evaluateWhenRulePatternWithDoubleStarThenCoversItsRoot() {
      RulePolicy policy = policyOf(dbRule("db").build());

      assertThat(policy.evaluate(request(ALICE, "prod/db", "read").build()))
          .isEqualTo(PolicyDecision.allow("db", Duration.ofMinutes(30)));
    }

    @Test
    void evaluateWhenAnyOfTheRulePatternsMatchesThenRuleMatches() {
      RulePolicy policy = policyOf(AccessRule.builder("two").resources("prod/db/orders", "staging/*/orders")
          .actions("read").maxDuration(HOUR).autoApprove().build());

      assertThat(policy.evaluate(request(ALICE, "staging/db/orders", "read").build()))
          .isEqualTo(PolicyDecision.allow("two", Duration.ofMinutes(30)));
    }

    @Test
    void evaluateWhenFirstMatchingRuleDeniesThenLaterAllowingRuleIsNotConsulted() {
      RulePolicy policy = policyOf(
          dbRule("strict").requesters(BOB).build(),
          dbRule("lenient").build());

      assertThat(reason(policy.evaluate(request(ALICE, "prod/db/orders", "read").build())))
          .isEqualTo("not eligible for rule strict");
    }

    @Test
    void evaluateWhenEarlierRuleDoesNotMatchThenNextMatchingRuleDecides() {
      RulePolicy policy = policyOf(
          AccessRule.builder("queues").resources("prod/queue/**").actions("read").maxDuration(HOUR).autoApprove()
              .build(),
          dbRule("db").build(),
          dbRule("db-too").build());

      assertThat(policy.evaluate(request(ALICE, "prod/db/orders", "read").build()))
          .isEqualTo(PolicyDecision.allow("db", Duration.ofMinutes(30)));
    }

    @Test
    void evaluateWhenRequestIsPatternInsideRuleSubtreeThenRuleMatches() {
      RulePolicy policy = policyOf(AccessRule.builder("prod").resources("prod/**").actions("read")
          .maxDuration(HOUR).autoApprove().build());

      assertThat(policy.evaluate(request(ALICE, "prod/db/**", "read").build()))
          .isEqualTo(PolicyDecision.allow("prod", Duration.ofMinutes(30)));
    }

    @Test
    void evaluateWhenRequestIsPatternWiderThanRuleThenDeniedByIt() {
      RulePolicy policy = policyOf(AccessRule.builder("one-level").resources("prod/*").actions("read")
          .maxDuration(HOUR).autoApprove().build());

      // "prod/**" read as a name would be matched by "prod/*"; as a pattern it reaches prod/a/b, which the rule does not.
      assertThat(reason(policy.evaluate(request(ALICE, "prod/**", "read").build())))
          .isEqualTo("rule one-level applies to part of prod/** but does not cover all of it; ask for a narrower"
              + " resource");
    }
  }

  /**
   * A rule decides every request it touches: the first rule whose resources and actions intersect the request
   * decides it, and denies what it does not cover, so no part of a request slips past it to a laxer rule.
   */
  @Nested
  class Intersection {

    /** prod/db/payments, two approvals by dba; listed before the broad rule below. */
    private final AccessRule payments = AccessRule.builder("payments").resources("prod/db/payments")
        .actions("read", "write").maxDuration(HOUR).requireApprovals(2).approverGroups("dba").build();
    /** prod/db/**, auto-approved for sre. */
    private final AccessRule broad = AccessRule.builder("broad").resources("prod/db/**").actions("read", "write")
        .requesterGroups("sre").maxDuration(HOUR).autoApprove().build();

    private AccessRequest sre(String resource, String... actions) {
      return request(ALICE, resource, actions).groups(Set.of("sre")).build();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"prod/db/*", "prod/db/**", "prod/*/payments", "**/payments", "**"})
    void evaluateWhenPatternRequestReachesAStricterEarlierRuleThenDeniedNamingIt(String resource) {
      RulePolicy policy = policyOf(payments, broad);

      assertThat(reason(policy.evaluate(sre(resource, "read")))).contains("rule payments").contains(resource);
    }

    @Test
    void evaluateWhenPatternRequestStaysClearOfTheStricterRuleThenTheBroadRuleGrantsIt() {
      RulePolicy policy = policyOf(payments, broad);

      assertThat(policy.evaluate(sre("prod/db/orders/**", "read")))
          .isEqualTo(PolicyDecision.allow("broad", Duration.ofMinutes(30)));
      assertThat(policy.evaluate(sre("prod/db/payments", "read"))).isInstanceOf(PolicyDecision.RequireApprovals.class);
      assertThat(policy.evaluate(sre("prod/db/orders", "read")))
          .isEqualTo(PolicyDecision.allow("broad", Duration.ofMinutes(30)));
    }

    @Test
    void evaluateWhenPatternRequestIsCoveredByTheStricterRuleThenThatRuleDecides() {
      RulePolicy policy = policyOf(AccessRule.builder("dbs").resources("prod/db/*").actions("read")
          .maxDuration(HOUR).requireApprovals(1).approverGroups("dba").build(), broad);

      assertThat(policy.evaluate(sre("prod/db/*", "read"))).isInstanceOf(PolicyDecision.RequireApprovals.class);
    }

    @Test
    void evaluateWhenAComposedStricterPolicyIntersectsThenTheNextPolicyIsNotAsked() {
      AccessPolicy policy = AccessPolicy.firstApplicable(policyOf(payments), policyOf(broad));

      assertThat(reason(policy.evaluate(sre("prod/db/*", "read")))).contains("rule payments");
      assertThat(policy.evaluate(sre("prod/db/orders", "read"))).isInstanceOf(PolicyDecision.Allow.class);
    }

    @Test
    void evaluateWhenRequesterIsNotEligibleForTheIntersectingRuleThenDeniedNotPassedOn() {
      RulePolicy policy = policyOf(AccessRule.builder("payments-dba").resources("prod/db/payments").actions("read")
          .requesterGroups("dba").maxDuration(HOUR).autoApprove().build(), broad);

      assertThat(reason(policy.evaluate(sre("prod/db/*", "read")))).isEqualTo("not eligible for rule payments-dba");
    }

    @Test
    void evaluateWhenRequestedActionsReachBeyondTheIntersectingRuleThenDeniedNamingIt() {
      RulePolicy policy = policyOf(
          AccessRule.builder("read-only").resources("prod/db/**").actions("read").maxDuration(HOUR).autoApprove()
              .build(),
          AccessRule.builder("all").resources("prod/**").actions("read", "write", "admin").maxDuration(HOUR)
              .autoApprove().build());

      assertThat(reason(policy.evaluate(request(ALICE, "prod/db/orders", "read", "admin").build())))
          .startsWith("rule read-only does not allow [admin]");
      assertThat(reason(policy.evaluate(request(ALICE, "prod/*", "read", "admin").build())))
          .contains("rule read-only");
    }

    @Test
    void evaluateWhenNoRequestedActionIsTheRulesThenTheNextRuleForThoseActionsDecides() {
      RulePolicy policy = policyOf(
          AccessRule.builder("orders-read").resources("prod/db/orders").actions("read").maxDuration(HOUR)
              .autoApprove().build(),
          AccessRule.builder("orders-refund").resources("prod/db/orders/**").actions("write").maxDuration(HOUR)
              .requireApprovals(1).approverGroups("dba-leads").build());

      assertThat(policy.evaluate(request(ALICE, "prod/db/orders/**", "write").build()))
          .isInstanceOf(PolicyDecision.RequireApprovals.class);
      assertThat(policy.evaluate(request(ALICE, "prod/db/orders", "write").build()))
          .isInstanceOf(PolicyDecision.RequireApprovals.class);
      assertThat(reason(policy.evaluate(request(ALICE, "prod/db/orders/**", "read").build())))
          .contains("rule orders-read");
    }
  }

  @Nested
  class Eligibility {

    @Test
    void evaluateWhenNoRequesterRestrictionThenAnyoneIsEligible() {
      RulePolicy policy = policyOf(dbRule("db").build());

      assertThat(policy.evaluate(request(CI, "prod/db/orders", "read").build()))
          .isInstanceOf(PolicyDecision.Allow.class);
    }

    @Test
    void evaluateWhenRequesterListedThenAllowed() {
      RulePolicy policy = policyOf(dbRule("db").requesters(ALICE).build());

      assertThat(policy.evaluate(request(ALICE, "prod/db/orders", "read").build()))
          .isInstanceOf(PolicyDecision.Allow.class);
    }

    @Test
    void evaluateWhenRequesterNotListedThenDenied() {
      RulePolicy policy = policyOf(dbRule("db").requesters(ALICE).build());

      assertThat(reason(policy.evaluate(request(BOB, "prod/db/orders", "read").build())))
          .isEqualTo("not eligible for rule db");
    }

    @Test
    void evaluateWhenSameIdButOtherKindThenNotListed() {
      RulePolicy policy = policyOf(dbRule("db").requesters(Subject.service("alice")).build());

      assertThat(reason(policy.evaluate(request(ALICE, "prod/db/orders", "read").build())))
          .isEqualTo("not eligible for rule db");
    }

    @Test
    void evaluateWhenRequesterInListedGroupThenAllowed() {
      RulePolicy policy = policyOf(dbRule("db").requesters(ALICE).requesterGroups("sre", "dba").build());

      assertThat(policy.evaluate(request(BOB, "prod/db/orders", "read").groups(Set.of("dev", "dba")).build()))
          .isInstanceOf(PolicyDecision.Allow.class);
    }

    @Test
    void evaluateWhenRequesterNeitherListedNorInGroupThenDenied() {
      RulePolicy policy = policyOf(dbRule("db").requesters(ALICE).requesterGroups("sre").build());

      assertThat(reason(policy.evaluate(request(BOB, "prod/db/orders", "read").groups(Set.of("dev")).build())))
          .isEqualTo("not eligible for rule db");
    }

    @Test
    void evaluateWhenKindNotAllowedThenDenied() {
      RulePolicy policy = policyOf(dbRule("db").requesterKinds(Subject.Kind.USER).build());

      assertThat(reason(policy.evaluate(request(CI, "prod/db/orders", "read").build())))
          .isEqualTo("not eligible for rule db");
    }

    @Test
    void evaluateWhenInGroupButKindNotAllowedThenDenied() {
      RulePolicy policy = policyOf(dbRule("db").requesterGroups("deployers").requesterKinds(Subject.Kind.USER).build());

      assertThat(reason(policy.evaluate(request(CI, "prod/db/orders", "read").groups(Set.of("deployers")).build())))
          .isEqualTo("not eligible for rule db");
    }
  }

  @Nested
  class Checks {

    @Test
    void evaluateWhenAllChecksPassThenAllowForRuleAndRequestedDuration() {
      RulePolicy policy = policyOf(dbRule("db").build());

      PolicyDecision decision = policy.evaluate(request(ALICE, "prod/db/orders", "write", "read")
          .duration(Duration.ofMinutes(20)).build());

      assertThat(decision).isEqualTo(PolicyDecision.allow("db", Duration.ofMinutes(20)));
    }

    @Test
    void evaluateWhenBreakGlassThenDenied() {
      RulePolicy policy = policyOf(dbRule("db").build());

      assertThat(reason(policy.evaluate(request(ALICE, "prod/db/orders", "read").breakGlass(true).build())))
          .isEqualTo("rule db does not allow break-glass");
    }

    @Test
    void evaluateWhenActionNotAllowedThenDeniedNamingIt() {
      RulePolicy policy = policyOf(dbRule("db").build());

      String reason = reason(policy.evaluate(request(ALICE, "prod/db/orders", "read", "admin", "drop").build()));

      assertThat(reason).startsWith("rule db does not allow [admin, drop]");
    }

    @Test
    void evaluateWhenActionNotAllowedThenLaterRuleAllowingItIsNotConsulted() {
      RulePolicy policy = policyOf(dbRule("db").build(),
          AccessRule.builder("admin").resources("prod/**").actions("read", "admin").maxDuration(HOUR).autoApprove()
              .build());

      assertThat(policy.evaluate(request(ALICE, "prod/db/orders", "read", "admin").build()))
          .isInstanceOf(PolicyDecision.Deny.class);
    }

    @Test
    void evaluateWhenDurationAboveMaxThenDenied() {
      RulePolicy policy = policyOf(dbRule("db").build());

      String reason = reason(policy.evaluate(request(ALICE, "prod/db/orders", "read")
          .duration(HOUR.plusMillis(1)).build()));

      assertThat(reason).contains("PT1H0.001S").contains("PT1H").contains("rule db");
    }

    @Test
    void evaluateWhenDurationExactlyMaxThenAllowedUncut() {
      RulePolicy policy = policyOf(dbRule("db").build());

      assertThat(policy.evaluate(request(ALICE, "prod/db/orders", "read").duration(HOUR).build()))
          .isEqualTo(PolicyDecision.allow("db", HOUR));
    }

    @Test
    void evaluateWhenJustificationRequiredAndMissingThenDenied() {
      RulePolicy policy = policyOf(dbRule("db").justificationRequired(true).build());

      assertThat(reason(policy.evaluate(request(ALICE, "prod/db/orders", "read").build())))
          .isEqualTo("rule db requires a justification");
    }

    @Test
    void evaluateWhenJustificationRequiredAndBlankThenDenied() {
      RulePolicy policy = policyOf(dbRule("db").justificationRequired(true).build());

      assertThat(reason(policy.evaluate(request(ALICE, "prod/db/orders", "read").justification("   ").build())))
          .isEqualTo("rule db requires a justification");
    }

    @Test
    void evaluateWhenJustificationNotRequiredAndMissingThenAllowed() {
      RulePolicy policy = policyOf(dbRule("db").build());

      assertThat(policy.evaluate(request(ALICE, "prod/db/orders", "read").build()))
          .isInstanceOf(PolicyDecision.Allow.class);
    }

    @Test
    void evaluateWhenJustificationPatternSetAndJustificationMissingThenDeniedSayingWhatIsExpected() {
      RulePolicy policy = policyOf(dbRule("db").justificationPattern("^(INC|CHG)-\\d+").build());

      assertThat(reason(policy.evaluate(request(ALICE, "prod/db/orders", "read").build())))
          .isEqualTo("rule db requires a justification matching ^(INC|CHG)-\\d+");
    }

    @Test
    void evaluateWhenJustificationDoesNotMatchPatternThenDeniedWithoutRepeatingIt() {
      RulePolicy policy = policyOf(dbRule("db").justificationPattern("^(INC|CHG)-\\d+").build());

      String reason = reason(policy.evaluate(request(ALICE, "prod/db/orders", "read")
          .justification("just curious about secrets").build()));

      assertThat(reason).contains("^(INC|CHG)-\\d+").doesNotContain("curious");
    }

    @Test
    void evaluateWhenPatternIsFoundInsideJustificationThenAllowed() {
      RulePolicy policy = policyOf(dbRule("db").justificationPattern("(INC|CHG)-\\d+").build());

      assertThat(policy.evaluate(request(ALICE, "prod/db/orders", "read")
          .justification("slow queries, see INC-1234").build()))
          .isInstanceOf(PolicyDecision.Allow.class);
    }

    @Test
    void evaluateWhenPatternBacktracksCatastrophicallyThenDeniedInsteadOfHanging() {
      RulePolicy policy = policyOf(dbRule("db").justificationPattern("^(.*a){20}$").build());

      String reason = reason(policy.evaluate(request(ALICE, "prod/db/orders", "read")
          .justification("a".repeat(60) + "!").build()));

      assertThat(reason).isEqualTo("justification could not be checked against the pattern of rule db");
    }

    @Test
    void evaluateWhenQuadraticPatternFailsOnLongestJustificationThenDeniedAsNotMatching() {
      RulePolicy policy = policyOf(dbRule("db").justificationPattern(".*(INC|CHG)-\\d+").build());

      String reason = reason(policy.evaluate(request(ALICE, "prod/db/orders", "read")
          .justification("x".repeat(Validate.MAX_TEXT_LENGTH)).build()));

      assertThat(reason).startsWith("justification must match");
    }

    @Test
    void evaluateWhenStartAtIsLaterThenPolicyIgnoresIt() {
      RulePolicy policy = policyOf(dbRule("db").build());

      assertThat(policy.evaluate(request(ALICE, "prod/db/orders", "read").startAt(T0).build()))
          .isEqualTo(PolicyDecision.allow("db", Duration.ofMinutes(30)));
    }

    @Test
    void evaluateWhenRuleRejectsThenReasonNeverContainsJustification() {
      RulePolicy policy = policyOf(dbRule("db").requesters(BOB).justificationPattern("^INC").build());
      String secret = "password=hunter2";

      for (AccessRequest r : List.of(
          request(ALICE, "prod/db/orders", "read").justification(secret).build(),
          request(BOB, "prod/db/orders", "read", "admin").justification(secret).build(),
          request(BOB, "prod/db/orders", "read").duration(Duration.ofHours(2)).justification(secret).build(),
          request(BOB, "prod/db/orders", "read").justification(secret).build(),
          request(BOB, "prod/db/orders", "read").breakGlass(true).justification(secret).build())) {
        assertThat(reason(policy.evaluate(r))).doesNotContain("hunter2");
      }
    }
  }

  @Nested
  class Extension {

    private final RulePolicy policy = policyOf(dbRule("db").maxLifetime(Duration.ofHours(4)).build());

    @Test
    void evaluateExtensionWhenRuleIsNotThisPolicysThenNotApplicable() {
      Grant g = grant("gone", ALICE, T0, T0.plus(HOUR));

      assertThat(policy.evaluateExtension(g, HOUR, null)).isEqualTo(PolicyDecision.notApplicable());
    }

    @Test
    void evaluateExtensionWhenExactlyUpToMaxLifetimeThenAllowed() {
      Grant g = grant("db", ALICE, T0, T0.plus(Duration.ofHours(3)));

      assertThat(policy.evaluateExtension(g, HOUR, null)).isEqualTo(PolicyDecision.allow("db", HOUR));
    }

    @Test
    void evaluateExtensionWhenOneMillisecondBeyondMaxLifetimeThenDeniedNamingWhatIsLeft() {
      Grant g = grant("db", ALICE, T0, T0.plus(Duration.ofHours(3)));

      String reason = reason(policy.evaluateExtension(g, HOUR.plusMillis(1), null));

      assertThat(reason).contains("PT1H0.001S").contains("PT4H").endsWith(": PT1H");
    }

    @Test
    void evaluateExtensionWhenMaxLifetimeReachedThenDenied() {
      Grant g = grant("db", ALICE, T0, T0.plus(Duration.ofHours(4)));

      assertThat(reason(policy.evaluateExtension(g, Duration.ofMillis(1), null))).isEqualTo("max lifetime PT4H reached");
    }

    @Test
    void evaluateExtensionWhenGrantAlreadyBeyondMaxLifetimeThenDenied() {
      Grant g = grant("db", ALICE, T0, T0.plus(Duration.ofHours(5)));

      assertThat(reason(policy.evaluateExtension(g, Duration.ofMinutes(1), null))).isEqualTo("max lifetime PT4H reached");
    }

    @Test
    void evaluateExtensionWhenMaxLifetimeDefaultsToMaxDurationThenNoExtensionBeyondIt() {
      RulePolicy noExtension = policyOf(dbRule("db").build());
      Grant g = grant("db", ALICE, T0, T0.plus(HOUR));

      assertThat(reason(noExtension.evaluateExtension(g, Duration.ofMinutes(1), null))).isEqualTo("max lifetime PT1H reached");
    }

    @Test
    void evaluateExtensionJudgesByTheGrantsRuleNotByMatching() {
      RulePolicy twoRules = policyOf(dbRule("short").build(), dbRule("long").maxLifetime(Duration.ofHours(8)).build());
      Grant g = grant("long", ALICE, T0, T0.plus(Duration.ofHours(5)));

      assertThat(twoRules.evaluateExtension(g, HOUR, null)).isEqualTo(PolicyDecision.allow("long", HOUR));
    }

    @Test
    void evaluateExtensionWhenListedRequesterNoLongerListedThenDenied() {
      RulePolicy listed = policyOf(dbRule("db").requesters(BOB).maxLifetime(Duration.ofHours(4)).build());
      Grant g = grant("db", ALICE, T0, T0.plus(HOUR));

      assertThat(reason(listed.evaluateExtension(g, HOUR, null))).isEqualTo("not eligible for rule db");
    }

    @Test
    void evaluateExtensionWhenKindNoLongerAllowedThenDenied() {
      RulePolicy usersOnly = policyOf(dbRule("db").requesterKinds(Subject.Kind.USER).maxLifetime(Duration.ofHours(4))
          .build());
      Grant g = grant("db", CI, T0, T0.plus(HOUR));

      assertThat(reason(usersOnly.evaluateExtension(g, HOUR, null))).isEqualTo("not eligible for rule db");
    }

    @Test
    void evaluateExtensionWhenGroupOnlyRuleThenGroupsAreNotCheckedBecauseTheGrantDoesNotRecordThem() {
      RulePolicy groups = policyOf(dbRule("db").requesterGroups("sre").maxLifetime(Duration.ofHours(4)).build());
      Grant g = grant("db", ALICE, T0, T0.plus(HOUR));

      assertThat(groups.evaluateExtension(g, HOUR, null)).isEqualTo(PolicyDecision.allow("db", HOUR));
    }

    @Test
    void evaluateExtensionWhenRuleAdmitsGroupsThenUnlistedHolderMayHaveQualifiedThroughOne() {
      RulePolicy mixed = policyOf(dbRule("db").requesters(BOB).requesterGroups("sre")
          .maxLifetime(Duration.ofHours(4)).build());
      Grant g = grant("db", ALICE, T0, T0.plus(HOUR));

      assertThat(mixed.evaluateExtension(g, HOUR, null)).isInstanceOf(PolicyDecision.Allow.class);
    }

    @Test
    void evaluateExtensionWhenJustificationRequiredAndMissingThenDenied() {
      RulePolicy required = policyOf(dbRule("db").justificationRequired(true).maxLifetime(Duration.ofHours(4)).build());
      Grant g = grant("db", ALICE, T0, T0.plus(HOUR));

      assertThat(reason(required.evaluateExtension(g, HOUR, " "))).isEqualTo("rule db requires a justification");
      assertThat(required.evaluateExtension(g, HOUR, "still debugging")).isInstanceOf(PolicyDecision.Allow.class);
    }

    @Test
    void evaluateExtensionWhenJustificationDoesNotMatchPatternThenDenied() {
      RulePolicy pattern = policyOf(dbRule("db").justificationPattern("^INC-\\d+").maxLifetime(Duration.ofHours(4))
          .build());
      Grant g = grant("db", ALICE, T0, T0.plus(HOUR));

      assertThat(reason(pattern.evaluateExtension(g, HOUR, "more time please"))).doesNotContain("please");
      assertThat(pattern.evaluateExtension(g, HOUR, "INC-7 still open")).isInstanceOf(PolicyDecision.Allow.class);
    }

    @Test
    void evaluateExtensionWhenRuleNoLongerCoversResourceOrActionsThenDenied() {
      Grant otherResource = grant("db", ALICE, "prod/queue/x", Set.of("read"), T0, T0.plus(HOUR), false);
      Grant otherAction = grant("db", ALICE, "prod/db/orders", Set.of("admin", "read"), T0, T0.plus(HOUR), false);

      assertThat(reason(policy.evaluateExtension(otherResource, HOUR, null))).isEqualTo("rule db no longer covers prod/queue/x");
      assertThat(reason(policy.evaluateExtension(otherAction, HOUR, null))).isEqualTo("rule db no longer allows [admin]");
    }

    @Test
    void evaluateExtensionWhenGrantIsBreakGlassThenDeniedSayingWhy() {
      Grant g = grant("db", ALICE, "prod/db/orders", Set.of("read"), T0, T0.plus(HOUR), true);

      assertThat(reason(policy.evaluateExtension(g, HOUR, null)))
          .isEqualTo("rule db does not extend break-glass grants: break-glass access is short by design;"
              + " make a new request");
    }

    @Test
    void evaluateExtensionWhenBreakGlassGrantOnRuleAllowingBreakGlassThenStillDenied() {
      RulePolicy breakGlass = policyOf(dbRule("db").maxLifetime(Duration.ofHours(4))
          .breakGlass(Duration.ofMinutes(15)).build());
      Grant g = grant("db", ALICE, "prod/db/orders", Set.of("read"), T0, T0.plus(Duration.ofMinutes(10)), true);

      assertThat(reason(breakGlass.evaluateExtension(g, Duration.ofMinutes(1), "INC-1 still burning")))
          .startsWith("rule db does not extend break-glass grants");
    }

    @Test
    void evaluateExtensionWhenGrantNeededApprovalsThenBoundedByMaxLifetimeOnly() {
      RulePolicy approvals = policyOf(approvalRule("db").maxLifetime(Duration.ofHours(2)).build());
      Grant g = grant("db", ALICE, T0, T0.plus(HOUR));

      assertThat(approvals.evaluateExtension(g, HOUR, null)).isEqualTo(PolicyDecision.allow("db", HOUR));
      assertThat(approvals.evaluateExtension(g, HOUR.plusMillis(1), null)).isInstanceOf(PolicyDecision.Deny.class);
    }

    @Test
    void evaluateExtensionWhenExtensionNotPositiveThenRejectedNamingField() {
      Grant g = grant("db", ALICE, T0, T0.plus(HOUR));

      assertThatThrownBy(() -> policy.evaluateExtension(g, Duration.ZERO, null))
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("extension");
    }
  }

  @Nested
  class Building {

    @Test
    void builderWhenNameInvalidThenRejectedNamingField() {
      assertThatThrownBy(() -> AccessRule.builder(" ")).hasMessageStartingWith("name");
      assertThatThrownBy(() -> AccessRule.builder(null)).hasMessageStartingWith("name");
      assertThatThrownBy(() -> AccessRule.builder("a\u202Eb")).hasMessageStartingWith("name");
    }

    @Test
    void settersRejectBadValuesNamingFieldAndValue() {
      AccessRule.Builder b = AccessRule.builder("r");

      assertThatThrownBy(() -> b.resources()).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("resources");
      assertThatThrownBy(() -> b.resources("prod/../secrets")).hasMessageStartingWith("resources")
          .hasMessageContaining("prod/../secrets");
      assertThatThrownBy(() -> b.resources("prod", null)).hasMessageStartingWith("resources");
      assertThatThrownBy(() -> b.actions()).hasMessageStartingWith("actions");
      assertThatThrownBy(() -> b.actions("Read")).hasMessageStartingWith("actions").hasMessageContaining("Read");
      assertThatThrownBy(() -> b.requesters(ALICE, null)).hasMessageStartingWith("requesters");
      assertThatThrownBy(() -> b.requesterGroups("sre", "")).hasMessageStartingWith("requesterGroups");
      assertThatThrownBy(() -> b.requesterKinds()).hasMessageStartingWith("requesterKinds");
      assertThatThrownBy(() -> b.maxDuration(Duration.ZERO)).hasMessageStartingWith("maxDuration")
          .hasMessageContaining("PT0S");
      assertThatThrownBy(() -> b.maxLifetime(Duration.ofHours(-1))).hasMessageStartingWith("maxLifetime");
      assertThatThrownBy(() -> b.maxLifetime(Duration.ofDays(400))).hasMessageStartingWith("maxLifetime");
      assertThatThrownBy(() -> b.justificationPattern("(INC")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("justificationPattern").hasMessageContaining("(INC");
      assertThatThrownBy(() -> b.justificationPattern(" ")).hasMessageStartingWith("justificationPattern");
    }

    @Test
    void settersWhenFieldSetTwiceThenRejected() {
      AccessRule.Builder b = AccessRule.builder("r").maxDuration(HOUR).autoApprove();

      assertThatThrownBy(() -> b.maxDuration(HOUR)).isInstanceOf(IllegalStateException.class)
          .hasMessage("maxDuration was already set to PT1H");
      assertThatThrownBy(b::autoApprove).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void buildWhenRequiredFieldMissingThenRejectedNamingIt() {
      assertThatThrownBy(() -> AccessRule.builder("r").actions("read").maxDuration(HOUR).autoApprove().build())
          .isInstanceOf(IllegalArgumentException.class).hasMessage("rule r: resources must be set");
      assertThatThrownBy(() -> AccessRule.builder("r").resources("a").maxDuration(HOUR).autoApprove().build())
          .hasMessage("rule r: actions must be set");
      assertThatThrownBy(() -> AccessRule.builder("r").resources("a").actions("read").autoApprove().build())
          .hasMessage("rule r: maxDuration must be set");
      assertThatThrownBy(() -> AccessRule.builder("r").resources("a").actions("read").maxDuration(HOUR).build())
          .hasMessageContaining("approval mode").hasMessageContaining("autoApprove()");
    }

    @Test
    void buildWhenMaxLifetimeShorterThanMaxDurationThenRejectedNamingBoth() {
      assertThatThrownBy(() -> dbRule("r").maxLifetime(Duration.ofMinutes(30)).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("maxLifetime PT30M").hasMessageContaining("maxDuration PT1H");
    }

    @Test
    void buildWhenJustificationExplicitlyNotRequiredButPatternSetThenRejected() {
      assertThatThrownBy(() -> dbRule("r").justificationRequired(false).justificationPattern("^INC").build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("justificationPattern");
    }

    @Test
    void buildWhenListedRequesterCanNeverBeAdmittedByKindThenRejected() {
      assertThatThrownBy(() -> dbRule("r").requesters(ALICE, CI).requesterKinds(Subject.Kind.USER).build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("service:ci-deploy");
    }

    @Test
    void buildAppliesDefaults() {
      AccessRule rule = dbRule("r").justificationPattern("^INC").build();

      assertThat(rule.maxLifetime()).isEqualTo(HOUR);
      assertThat(rule.justificationRequired()).isTrue();
      assertThat(rule.justificationPattern()).contains("^INC");
      assertThat(rule.requesters()).isEmpty();
      assertThat(rule.requesterGroups()).isEmpty();
      assertThat(rule.requesterKinds()).isEmpty();
      assertThat(rule.autoApprove()).isTrue();
      assertThat(dbRule("s").build().justificationRequired()).isFalse();
    }

    @Test
    void ruleIsNotChangedByLaterChangesToTheCollectionsGiven() {
      List<String> resources = new ArrayList<>(List.of("prod/db/**"));
      List<String> actions = new ArrayList<>(List.of("read"));
      AccessRule rule = AccessRule.builder("r").resources(resources).actions(actions).maxDuration(HOUR).autoApprove()
          .build();

      resources.add("**");
      actions.add("admin");

      assertThat(rule.resources()).containsExactly("prod/db/**");
      assertThat(rule.actions()).containsExactly("read");
      assertThatThrownBy(() -> rule.resources().add("**")).isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> rule.actions().add("admin")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void policyBuilderWhenDuplicateRuleNameThenRejectedNamingIt() {
      RulePolicy.Builder b = RulePolicy.builder().rule(dbRule("orders-db-read").build());

      assertThatThrownBy(() -> b.rule(dbRule("orders-db-read").build())).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("\"orders-db-read\"");
    }

    @Test
    void policyBuilderWhenNoRulesThenRejected() {
      assertThatThrownBy(() -> RulePolicy.builder().build()).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("rules");
      assertThatThrownBy(() -> RulePolicy.builder().rule(null)).hasMessageStartingWith("rule");
    }

    @Test
    void policyKeepsRulesInOrderAndUnmodifiable() {
      RulePolicy policy = policyOf(dbRule("b").build(), dbRule("a").build());

      assertThat(policy.rules()).extracting(AccessRule::name).containsExactly("b", "a");
      assertThatThrownBy(() -> policy.rules().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void exampleFromTheDesignBuilds() {
      RulePolicy policy = RulePolicy.builder()
          .rule(AccessRule.builder("orders-db-read")
              .resources("prod/db/orders", "prod/db/**")
              .actions("read", "write")
              .requesters(Subject.user("alice"))
              .requesterGroups("sre", "dba")
              .requesterKinds(Subject.Kind.USER)
              .maxDuration(Duration.ofHours(1))
              .maxLifetime(Duration.ofHours(4))
              .justificationRequired(true)
              .justificationPattern("^(INC|CHG)-\\d+.*")
              .autoApprove()
              .build())
          .build();

      assertThat(policy.evaluate(request(ALICE, "prod/db/orders", "read").justification("CHG-9 migration").build()))
          .isEqualTo(PolicyDecision.allow("orders-db-read", Duration.ofMinutes(30)));
    }
  }

  @Nested
  class Approvals {

    @Test
    void evaluateWhenApprovalRuleAndChecksPassThenRequireApprovalsWithConfiguredRequirement() {
      AccessRule rule = approvalRule("db").selfApproval(true).reviewWindow(Duration.ofMinutes(20)).build();
      RulePolicy policy = policyOf(rule);

      PolicyDecision decision = policy.evaluate(request(ALICE, "prod/db/orders", "write")
          .duration(Duration.ofMinutes(45)).build());

      ApprovalRequirement expected = new ApprovalRequirement(2, Set.of(CAROL, DAVE), Set.of("dba-leads"), true,
          Duration.ofMinutes(20));
      assertThat(decision).isEqualTo(PolicyDecision.requireApprovals("db", Duration.ofMinutes(45), expected));
      assertThat(rule.approvalRequirement()).contains(expected);
      assertThat(rule.autoApprove()).isFalse();
    }

    @Test
    void evaluateWhenApprovalRuleThenTheRequirementBuiltOnceIsReused() {
      AccessRule rule = approvalRule("db").build();
      RulePolicy policy = policyOf(rule);

      PolicyDecision first = policy.evaluate(request(ALICE, "prod/db/orders", "read").build());
      PolicyDecision second = policy.evaluate(request(BOB, "prod/db/x", "write").build());

      assertThat(((PolicyDecision.RequireApprovals) first).requirement())
          .isSameAs(((PolicyDecision.RequireApprovals) second).requirement())
          .isSameAs(rule.approvalRequirement().orElseThrow());
    }

    @Test
    void buildWhenApprovalRuleWithoutOptionalSettingsThenDefaultsApply() {
      ApprovalRequirement requirement = AccessRule.builder("r").resources("a").actions("read").maxDuration(HOUR)
          .requireApprovals(1).approverGroups("leads").build().approvalRequirement().orElseThrow();

      assertThat(requirement.approvals()).isEqualTo(1);
      assertThat(requirement.approvers()).isEmpty();
      assertThat(requirement.approverGroups()).containsExactly("leads");
      assertThat(requirement.selfApprovalAllowed()).isFalse();
      assertThat(requirement.reviewWindow()).isEqualTo(ApprovalRequirement.DEFAULT_REVIEW_WINDOW);
    }

    @Test
    void evaluateWhenApprovalRuleAndRequesterNotEligibleThenDenied() {
      RulePolicy policy = policyOf(approvalRule("db").requesters(BOB).build());

      assertThat(reason(policy.evaluate(request(ALICE, "prod/db/orders", "read").build())))
          .isEqualTo("not eligible for rule db");
    }

    @Test
    void evaluateWhenApprovalRuleAndActionNotAllowedThenDenied() {
      RulePolicy policy = policyOf(approvalRule("db").build());

      assertThat(reason(policy.evaluate(request(ALICE, "prod/db/orders", "read", "admin").build())))
          .startsWith("rule db does not allow [admin]");
    }

    @Test
    void evaluateWhenApprovalRuleAndDurationAboveMaxThenDenied() {
      RulePolicy policy = policyOf(approvalRule("db").build());

      assertThat(reason(policy.evaluate(request(ALICE, "prod/db/orders", "read").duration(Duration.ofHours(2))
          .build()))).contains("PT2H").contains("PT1H");
    }

    @Test
    void evaluateWhenApprovalRuleAndJustificationDoesNotMatchThenDenied() {
      RulePolicy policy = policyOf(approvalRule("db").justificationPattern("^CHG-\\d+").build());

      assertThat(reason(policy.evaluate(request(ALICE, "prod/db/orders", "read").justification("please").build())))
          .startsWith("justification must match ^CHG-\\d+");
      assertThat(policy.evaluate(request(ALICE, "prod/db/orders", "read").justification("CHG-7").build()))
          .isInstanceOf(PolicyDecision.RequireApprovals.class);
    }

    @Test
    void evaluateWhenApprovalRuleAndBreakGlassNotAllowedThenDenied() {
      RulePolicy policy = policyOf(approvalRule("db").build());

      assertThat(reason(policy.evaluate(request(ALICE, "prod/db/orders", "read").breakGlass(true)
          .reference("INC-1").build()))).isEqualTo("rule db does not allow break-glass");
    }

    @Test
    void evaluateWhenRequesterIsListedApproverAndTooFewOthersRemainThenDeniedInsteadOfPendingForever() {
      RulePolicy policy = policyOf(AccessRule.builder("db").resources("prod/db/**").actions("read").maxDuration(HOUR)
          .requireApprovals(2).approvers(CAROL, DAVE).build());

      assertThat(reason(policy.evaluate(request(CAROL, "prod/db/orders", "read").build())))
          .isEqualTo("rule db needs 2 approvals from others than the requester, and lists only 1 other approver");
      assertThat(policy.evaluate(request(ALICE, "prod/db/orders", "read").build()))
          .isInstanceOf(PolicyDecision.RequireApprovals.class);
    }

    @Test
    void evaluateWhenRequesterIsListedApproverButSelfApprovalAllowedOrGroupsListedThenRequireApprovals() {
      RulePolicy self = policyOf(AccessRule.builder("db").resources("prod/db/**").actions("read").maxDuration(HOUR)
          .requireApprovals(2).approvers(CAROL, DAVE).selfApproval(true).build());
      RulePolicy groups = policyOf(AccessRule.builder("db").resources("prod/db/**").actions("read")
          .maxDuration(HOUR).requireApprovals(2).approvers(CAROL, DAVE).approverGroups("leads").build());

      assertThat(self.evaluate(request(CAROL, "prod/db/orders", "read").build()))
          .isInstanceOf(PolicyDecision.RequireApprovals.class);
      assertThat(groups.evaluate(request(CAROL, "prod/db/orders", "read").build()))
          .isInstanceOf(PolicyDecision.RequireApprovals.class);
    }
  }

  @Nested
  class BreakGlass {

    /** prod/db/** read/write, 1h normally (with a ticket), 15 min break-glass for incidents INC-n. */
    private AccessRule.Builder breakGlassRule(String name) {
      return dbRule(name).justificationPattern("^CHG-\\d+").breakGlass(Duration.ofMinutes(15));
    }

    private AccessRequest.Builder emergency(Subject subject) {
      return request(subject, "prod/db/orders", "write").breakGlass(true).reference("INC-42")
          .duration(Duration.ofMinutes(10)).justification("orders are failing");
    }

    @Test
    void evaluateWhenBreakGlassAllowedThenAllowedForRequestedDuration() {
      RulePolicy policy = policyOf(breakGlassRule("db").build());

      assertThat(policy.evaluate(emergency(ALICE).build()))
          .isEqualTo(PolicyDecision.allow("db", Duration.ofMinutes(10)));
    }

    @Test
    void evaluateWhenBreakGlassNotAllowedThenDenied() {
      RulePolicy policy = policyOf(dbRule("db").build());

      assertThat(reason(policy.evaluate(emergency(ALICE).build()))).isEqualTo("rule db does not allow break-glass");
    }

    @Test
    void evaluateWhenBreakGlassWithoutIncidentThenDenied() {
      RulePolicy policy = policyOf(breakGlassRule("db").build());

      assertThat(reason(policy.evaluate(emergency(ALICE).reference(null).build())))
          .isEqualTo("rule db requires an incident id (the request's reference) for break-glass");
    }

    @Test
    void evaluateWhenBreakGlassIncidentDoesNotMatchPatternThenDeniedWithoutRepeatingIt() {
      RulePolicy policy = policyOf(breakGlassRule("db").incidentPattern("^INC-\\d+$").build());

      String reason = reason(policy.evaluate(emergency(ALICE).reference("whatever-99").build()));

      assertThat(reason).isEqualTo("incident id must match ^INC-\\d+$ (rule db)").doesNotContain("whatever");
      assertThat(policy.evaluate(emergency(ALICE).reference("INC-7").build())).isInstanceOf(PolicyDecision.Allow.class);
    }

    @Test
    void evaluateWhenBreakGlassIncidentPatternIsFoundInsideReferenceThenAllowed() {
      RulePolicy policy = policyOf(breakGlassRule("db").incidentPattern("INC-\\d+").build());

      assertThat(policy.evaluate(emergency(ALICE).reference("pagerduty/INC-7").build()))
          .isInstanceOf(PolicyDecision.Allow.class);
    }

    @Test
    void evaluateWhenBreakGlassDurationAboveBreakGlassMaxThenDeniedNamingBoth() {
      RulePolicy policy = policyOf(breakGlassRule("db").build());

      String reason = reason(policy.evaluate(emergency(ALICE).duration(Duration.ofMinutes(15).plusMillis(1)).build()));

      assertThat(reason).isEqualTo("duration PT15M0.001S exceeds the break-glass max duration PT15M of rule db");
    }

    @Test
    void evaluateWhenBreakGlassDurationExactlyBreakGlassMaxThenAllowedUncut() {
      RulePolicy policy = policyOf(breakGlassRule("db").build());

      assertThat(policy.evaluate(emergency(ALICE).duration(Duration.ofMinutes(15)).build()))
          .isEqualTo(PolicyDecision.allow("db", Duration.ofMinutes(15)));
    }

    @Test
    void evaluateWhenBreakGlassMaxLongerThanMaxDurationThenItsOwnMaxApplies() {
      RulePolicy policy = policyOf(dbRule("db").breakGlass(Duration.ofHours(2)).build());

      assertThat(policy.evaluate(emergency(ALICE).duration(Duration.ofMinutes(90)).build()))
          .isEqualTo(PolicyDecision.allow("db", Duration.ofMinutes(90)));
      assertThat(policy.evaluate(request(ALICE, "prod/db/orders", "read").duration(Duration.ofMinutes(90)).build()))
          .isInstanceOf(PolicyDecision.Deny.class);
    }

    @Test
    void evaluateWhenBreakGlassThenJustificationPatternIgnored() {
      RulePolicy policy = policyOf(breakGlassRule("db").build());

      assertThat(policy.evaluate(emergency(ALICE).justification("no ticket, orders are down").build()))
          .isInstanceOf(PolicyDecision.Allow.class);
      assertThat(reason(policy.evaluate(request(ALICE, "prod/db/orders", "write")
          .justification("no ticket, orders are down").build()))).startsWith("justification must match");
    }

    @Test
    void evaluateWhenBreakGlassAndRuleRequiresJustificationThenStillRequired() {
      RulePolicy policy = policyOf(breakGlassRule("db").build());

      assertThat(reason(policy.evaluate(emergency(ALICE).justification(null).build())))
          .isEqualTo("rule db requires a justification");
      assertThat(reason(policy.evaluate(emergency(ALICE).justification("  ").build())))
          .isEqualTo("rule db requires a justification");
    }

    @Test
    void evaluateWhenBreakGlassAndNoJustificationRequiredThenAllowedWithout() {
      RulePolicy policy = policyOf(dbRule("db").breakGlass(Duration.ofMinutes(15)).build());

      assertThat(policy.evaluate(emergency(ALICE).justification(null).build())).isInstanceOf(PolicyDecision.Allow.class);
    }

    @Test
    void evaluateWhenBreakGlassOnApprovalRuleThenAllowWithoutApprover() {
      RulePolicy policy = policyOf(approvalRule("db").breakGlass(Duration.ofMinutes(15)).build());

      assertThat(policy.evaluate(emergency(ALICE).build())).isEqualTo(PolicyDecision.allow("db", Duration.ofMinutes(10)));
      assertThat(policy.evaluate(emergency(ALICE).breakGlass(false).build()))
          .isInstanceOf(PolicyDecision.RequireApprovals.class);
    }

    @Test
    void evaluateWhenBreakGlassAndRequesterNotEligibleThenDenied() {
      RulePolicy policy = policyOf(breakGlassRule("db").requesterGroups("oncall").build());

      assertThat(reason(policy.evaluate(emergency(ALICE).build()))).isEqualTo("not eligible for rule db");
      assertThat(policy.evaluate(emergency(ALICE).groups(Set.of("oncall")).build()))
          .isInstanceOf(PolicyDecision.Allow.class);
    }

    @Test
    void evaluateWhenBreakGlassAndActionNotAllowedThenDenied() {
      RulePolicy policy = policyOf(breakGlassRule("db").build());

      assertThat(reason(policy.evaluate(emergency(ALICE).actions("write", "admin").build())))
          .startsWith("rule db does not allow [admin]");
    }

    @Test
    void evaluateWhenBreakGlassIsDeniedThenLaterRuleIsNotConsulted() {
      RulePolicy policy = policyOf(dbRule("strict").build(), dbRule("lenient").breakGlass(HOUR).build());

      assertThat(reason(policy.evaluate(emergency(ALICE).build()))).isEqualTo("rule strict does not allow break-glass");
    }

    @Test
    void evaluateWhenIncidentPatternBacktracksCatastrophicallyThenDeniedInsteadOfHanging() {
      RulePolicy policy = policyOf(breakGlassRule("db").incidentPattern("^(.*a){20}$").build());

      assertThat(reason(policy.evaluate(emergency(ALICE).reference("a".repeat(60) + "!").build())))
          .isEqualTo("incident id could not be checked against the incident pattern of rule db");
    }

    @Test
    void ruleExposesBreakGlassSettings() {
      AccessRule rule = breakGlassRule("db").incidentPattern("^INC-").build();

      assertThat(rule.allowsBreakGlass()).isTrue();
      assertThat(rule.breakGlassMaxDuration()).contains(Duration.ofMinutes(15));
      assertThat(rule.incidentPattern()).contains("^INC-");
      assertThat(dbRule("plain").build().allowsBreakGlass()).isFalse();
      assertThat(dbRule("plain").build().breakGlassMaxDuration()).isEmpty();
    }
  }

  @Nested
  class BuildingApprovalsAndBreakGlass {

    private AccessRule.Builder base() {
      return AccessRule.builder("r").resources("prod/db/**").actions("read").maxDuration(HOUR);
    }

    @Test
    void buildWhenBothApprovalModesThenRejected() {
      assertThatThrownBy(() -> base().autoApprove().requireApprovals(1).approvers(CAROL).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("rule r: choose one approval mode, autoApprove() or requireApprovals(n), not both");
    }

    @Test
    void buildWhenNoApprovalModeThenRejectedNamingBoth() {
      assertThatThrownBy(() -> base().build()).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("rule r: an approval mode must be chosen: autoApprove() or requireApprovals(n)");
    }

    @Test
    void buildWhenApprovalsWithoutApproversOrGroupsThenRejected() {
      assertThatThrownBy(() -> base().requireApprovals(1).build()).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("rule r: requireApprovals(n) needs approvers or approverGroups to name who can approve");
    }

    @Test
    void buildWhenMoreApprovalsThanListedApproversAndNoGroupsThenRejected() {
      assertThatThrownBy(() -> base().requireApprovals(3).approvers(CAROL, DAVE).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("rule r: requireApprovals 3 can never be met: only 2 approvers are listed and no approverGroups");
      assertThatThrownBy(() -> base().requireApprovals(2).approvers(CAROL).selfApproval(true).build())
          .hasMessage("rule r: requireApprovals 2 can never be met: only 1 approver is listed and no approverGroups");
    }

    @Test
    void buildWhenMoreApprovalsThanListedApproversButGroupsGivenThenBuilds() {
      AccessRule rule = base().requireApprovals(3).approvers(CAROL).approverGroups("leads").build();

      assertThat(rule.approvalRequirement().orElseThrow().approvals()).isEqualTo(3);
    }

    @Test
    void buildWhenListedRequesterCouldNeverBeApprovedWithoutSelfApprovalThenRejectedNamingIt() {
      assertThatThrownBy(() -> base().requesters(ALICE, CAROL).requireApprovals(2).approvers(CAROL, DAVE).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("rule r: requireApprovals 2 can never be met for requester user:carol, who is a listed"
              + " approver: self-approval is excluded and only 1 other approver is listed");
    }

    @Test
    void buildWhenListedRequesterIsApproverButEnoughOthersOrSelfApprovalThenBuilds() {
      assertThat(base().requesters(ALICE, CAROL).requireApprovals(1).approvers(CAROL, DAVE).build()).isNotNull();
      assertThat(base().requesters(ALICE, CAROL).requireApprovals(2).approvers(CAROL, DAVE).selfApproval(true)
          .build()).isNotNull();
    }

    @Test
    void buildWhenApprovalSettingsWithAutoApproveThenRejectedNamingThem() {
      assertThatThrownBy(() -> base().autoApprove().approvers(CAROL).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("rule r: approvers applies only with requireApprovals(n), not with autoApprove()");
      assertThatThrownBy(() -> base().autoApprove().approverGroups("leads").build()).hasMessageContaining("approverGroups");
      assertThatThrownBy(() -> base().autoApprove().selfApproval(false).build()).hasMessageContaining("selfApproval");
      assertThatThrownBy(() -> base().autoApprove().reviewWindow(HOUR).build()).hasMessageContaining("reviewWindow");
    }

    @Test
    void buildWhenIncidentPatternWithoutBreakGlassThenRejected() {
      assertThatThrownBy(() -> base().autoApprove().incidentPattern("^INC-").build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("incidentPattern")
          .hasMessageContaining("breakGlass(maxDuration)");
    }

    @Test
    void settersRejectBadApprovalAndBreakGlassValuesNamingField() {
      AccessRule.Builder b = base();

      assertThatThrownBy(() -> b.requireApprovals(0)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("requireApprovals").hasMessageContaining("between 1 and 10");
      assertThatThrownBy(() -> b.requireApprovals(ApprovalRequirement.MAX_APPROVALS + 1))
          .hasMessageStartingWith("requireApprovals");
      assertThatThrownBy(() -> b.approvers()).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("approvers");
      assertThatThrownBy(() -> b.approvers(CAROL, null)).hasMessageStartingWith("approvers");
      assertThatThrownBy(() -> b.approvers((Subject[]) null)).hasMessageStartingWith("approvers");
      assertThatThrownBy(() -> b.approverGroups()).hasMessageStartingWith("approverGroups");
      assertThatThrownBy(() -> b.approverGroups("leads", " ")).hasMessageStartingWith("approverGroups");
      assertThatThrownBy(() -> b.approverGroups("a\u0000b")).hasMessageStartingWith("approverGroups");
      assertThatThrownBy(() -> b.reviewWindow(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("reviewWindow").hasMessageContaining("PT0S");
      assertThatThrownBy(() -> b.reviewWindow(Duration.ofMinutes(-5))).hasMessageStartingWith("reviewWindow");
      assertThatThrownBy(() -> b.reviewWindow(null)).hasMessageStartingWith("reviewWindow");
      assertThatThrownBy(() -> b.reviewWindow(Duration.ofDays(400))).hasMessageStartingWith("reviewWindow");
      assertThatThrownBy(() -> b.breakGlass(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("breakGlass");
      assertThatThrownBy(() -> b.breakGlass(null)).hasMessageStartingWith("breakGlass");
      assertThatThrownBy(() -> b.incidentPattern("(INC")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("incidentPattern").hasMessageContaining("(INC");
      assertThatThrownBy(() -> b.incidentPattern("")).hasMessageStartingWith("incidentPattern");
    }

    @Test
    void approvalAndBreakGlassSettersWhenSetTwiceThenRejected() {
      AccessRule.Builder b = base().requireApprovals(1).approvers(CAROL).approverGroups("leads").selfApproval(false)
          .reviewWindow(HOUR).breakGlass(HOUR).incidentPattern("^INC-");

      assertThatThrownBy(() -> b.requireApprovals(2)).isInstanceOf(IllegalStateException.class)
          .hasMessage("requireApprovals was already set to 1");
      assertThatThrownBy(() -> b.approvers(DAVE)).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> b.approverGroups("x")).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> b.selfApproval(true)).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> b.reviewWindow(HOUR)).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> b.breakGlass(HOUR)).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> b.incidentPattern("x")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void autoApproveRuleHasNoApprovalRequirement() {
      assertThat(base().autoApprove().build().approvalRequirement()).isEmpty();
    }

    @Test
    void ruleIsNotChangedByLaterChangesToTheApproverCollectionsGiven() {
      List<Subject> approvers = new ArrayList<>(List.of(CAROL));
      List<String> groups = new ArrayList<>(List.of("leads"));
      AccessRule rule = base().requireApprovals(1).approvers(approvers).approverGroups(groups).build();

      approvers.add(ALICE);
      groups.add("everyone");

      ApprovalRequirement requirement = rule.approvalRequirement().orElseThrow();
      assertThat(requirement.approvers()).containsExactly(CAROL);
      assertThat(requirement.approverGroups()).containsExactly("leads");
    }
  }
}
