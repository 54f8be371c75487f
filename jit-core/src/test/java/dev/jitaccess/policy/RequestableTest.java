package dev.jitaccess.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.Subject;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link AccessPolicy#requestable}: what a request form may offer a subject. */
class RequestableTest {

  private static final Subject ALICE = Subject.user("alice");
  private static final Subject BOB = Subject.user("bob");
  private static final Subject DEPLOYER = Subject.service("ci-deploy");

  private static final AccessRule READ = AccessRule.builder("orders-read").resources("prod/db/orders/**")
      .actions("read").requesterGroups("sre").maxDuration(Duration.ofHours(1))
      .justificationPattern("^INC-\\d+").autoApprove().build();
  private static final AccessRule WRITE = AccessRule.builder("orders-write").resources("prod/db/orders")
      .actions("write", "read").requesters(ALICE).maxDuration(Duration.ofMinutes(30)).requireApprovals(2)
      .approverGroups("dba-leads").breakGlass(Duration.ofMinutes(15)).incidentPattern("^INC-\\d+$").build();
  private static final AccessRule DEPLOY = AccessRule.builder("deploy").resources("prod/apps/*").actions("deploy")
      .requesterKinds(Subject.Kind.SERVICE).maxDuration(Duration.ofMinutes(10)).autoApprove().build();
  private static final RulePolicy POLICY = RulePolicy.builder().rule(READ).rule(WRITE).rule(DEPLOY).build();

  @Test
  void aSubjectSeesOnlyTheRulesThatAdmitItInOrder() {
    assertThat(POLICY.requestable(ALICE, Set.of("sre"))).extracting(RequestableAccess::rule)
        .containsExactly("orders-read", "orders-write");
    assertThat(POLICY.requestable(ALICE, Set.of())).extracting(RequestableAccess::rule)
        .containsExactly("orders-write");
    assertThat(POLICY.requestable(BOB, Set.of())).isEmpty();
  }

  @Test
  void groupsAdmitAsEvaluateDoes() {
    assertThat(POLICY.requestable(BOB, Set.of("sre"))).extracting(RequestableAccess::rule)
        .containsExactly("orders-read");
    assertThat(POLICY.requestable(BOB, Set.of("SRE"))).as("groups match exactly").isEmpty();
  }

  @Test
  void kindsFilter() {
    assertThat(POLICY.requestable(DEPLOYER, Set.of())).extracting(RequestableAccess::rule).containsExactly("deploy");
    assertThat(POLICY.requestable(Subject.user("ci-deploy"), Set.of())).isEmpty();
  }

  @Test
  void theOfferDescribesTheRuleApprovalsJustificationAndBreakGlass() {
    RequestableAccess read = POLICY.requestable(BOB, Set.of("sre")).get(0);
    assertThat(read.resources()).containsExactly("prod/db/orders/**");
    assertThat(read.actions()).containsExactly("read");
    assertThat(read.maxDuration()).isEqualTo(Duration.ofHours(1));
    assertThat(read.autoApprove()).isTrue();
    assertThat(read.approvalsRequired()).isZero();
    assertThat(read.justificationRequired()).isTrue();
    assertThat(read.justificationPattern()).isEqualTo("^INC-\\d+");
    assertThat(read.breakGlass()).isFalse();
    assertThat(read.breakGlassMaxDuration()).isNull();
    assertThat(read.incidentPattern()).isNull();

    RequestableAccess write = POLICY.requestable(ALICE, Set.of()).get(0);
    assertThat(write.actions()).containsExactlyInAnyOrder("read", "write");
    assertThat(write.autoApprove()).isFalse();
    assertThat(write.approvalsRequired()).isEqualTo(2);
    assertThat(write.justificationRequired()).isFalse();
    assertThat(write.breakGlass()).isTrue();
    assertThat(write.breakGlassMaxDuration()).isEqualTo(Duration.ofMinutes(15));
    assertThat(write.incidentPattern()).isEqualTo("^INC-\\d+$");
  }

  @Test
  void aRuleThatCouldNeverBeApprovedForTheRequesterIsNotOffered() {
    RulePolicy policy = RulePolicy.builder().rule(AccessRule.builder("pair").resources("prod/x").actions("read")
        .maxDuration(Duration.ofHours(1)).requireApprovals(2).approvers(ALICE, BOB).build()).build();
    assertThat(policy.requestable(ALICE, Set.of())).isEmpty();
    assertThat(policy.requestable(Subject.user("carol"), Set.of())).extracting(RequestableAccess::rule)
        .containsExactly("pair");
  }

  @Test
  void aCompositionOffersEveryPartsRulesInOrderAndAPolicyThatCannotEnumerateOffersNothing() {
    RulePolicy deploy = RulePolicy.builder().rule(DEPLOY).build();
    AccessPolicy custom = request -> PolicyDecision.deny("no");
    AccessPolicy composed = AccessPolicy.firstApplicable(custom, RulePolicy.builder().rule(READ).build(), deploy);
    assertThat(custom.requestable(BOB, Set.of("sre"))).isEmpty();
    assertThat(composed.requestable(DEPLOYER, Set.of("sre"))).extracting(RequestableAccess::rule)
        .containsExactly("orders-read", "deploy");
  }
}
