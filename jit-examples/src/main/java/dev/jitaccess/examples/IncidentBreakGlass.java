package dev.jitaccess.examples;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.BreakGlassReview;
import dev.jitaccess.JitAccessListener;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.RequestRecord;
import dev.jitaccess.Subject;
import dev.jitaccess.Grant;
import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.InMemoryAuditSink;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.AccessRule;
import dev.jitaccess.policy.RulePolicy;
import java.time.Duration;
import java.util.Set;

/**
 * Scenario 3, incident response: an on-call engineer gets emergency access at once, tied to an incident, with
 * no ticket and no approver; it is loudly audited and queued for review. Then a sensitive change that needs two
 * approvers other than the requester.
 */
public final class IncidentBreakGlass {

  private IncidentBreakGlass() {}

  public static void main(String[] args) {
    Subject oncall = Subject.user("olivia");
    Subject lead = Subject.user("liam");
    Subject security = Subject.user("sam");

    AccessPolicy policy = RulePolicy.builder()
        .rule(AccessRule.builder("payments-db")
            .resources("prod/db/payments")
            .actions("read", "write")
            .requesterGroups("oncall")
            .maxDuration(Duration.ofHours(1))
            .justificationRequired(true)
            .requireApprovals(2)
            .approvers(oncall, lead)
            .approverGroups("security")
            .reviewWindow(Duration.ofMinutes(30))
            .breakGlass(Duration.ofMinutes(15))
            .incidentPattern("^INC-\\d+$")
            .build())
        .build();
    InMemoryAuditSink trail = new InMemoryAuditSink();

    try (JitAccessManager jit = JitAccessManager.builder()
        .policy(policy)
        .auditSink(trail)
        .approverDirectory(s -> s.equals(security) ? Set.of("security") : Set.of())
        .listener(new JitAccessListener() {
          @Override
          public void onBreakGlass(Grant grant) {
            say("PAGE #security: break-glass by %s on %s for %s", grant.subject(), grant.resource(),
                grant.reference());
          }

          @Override
          public void onPendingApproval(RequestRecord request) {
            say("notify approvers: %s asks for %s %s (%d approvals needed)", request.requester(),
                request.request().resource(), request.request().actions(), request.approvalsNeeded());
          }
        })
        .build()) {

      step("1. 03:12, payments are failing: Olivia breaks the glass for INC-9001");
      RequestOutcome emergency = jit.request(AccessRequest.builder()
          .subject(oncall).groups(Set.of("oncall"))
          .resource("prod/db/payments").actions("read", "write")
          .duration(Duration.ofMinutes(15))
          .breakGlass(true).reference("INC-9001")
          .justification("payments stuck in PENDING, need to inspect locks")
          .build());
      Grant grant = ((RequestOutcome.Granted) emergency).grant();
      say("granted at once, until %s; write allowed: %s", grant.expiresAt(),
          jit.isAllowed(oncall, "prod/db/payments", "write"));

      step("2. Break-glass needs an incident id of the expected form");
      RequestOutcome sloppy = jit.request(AccessRequest.builder()
          .subject(oncall).groups(Set.of("oncall"))
          .resource("prod/db/payments").actions("write").duration(Duration.ofMinutes(5))
          .breakGlass(true).reference("urgent").justification("just let me in")
          .build());
      say("outcome: %s", sloppy);

      step("3. Incident over: Olivia gives the access back; the review queue remembers it");
      jit.release(grant.id());
      for (BreakGlassReview review : jit.breakGlassReviews()) {
        say("to review: %s by %s for %s", review.grantId().substring(0, 8), review.grant().subject(),
            review.incident());
      }
      try {
        jit.acknowledgeReview(grant.id(), oncall, "it was fine");
      } catch (IllegalArgumentException e) {
        say("Olivia cannot review herself: %s", e.getMessage());
      }
      jit.acknowledgeReview(grant.id(), lead, "locks released, runbook updated");
      say("after Liam's review, open reviews: %d", jit.breakGlassReviews().size());

      step("4. The follow-up data fix is planned, so it goes through two approvals");
      RequestOutcome pending = jit.request(AccessRequest.builder()
          .subject(oncall).groups(Set.of("oncall"))
          .resource("prod/db/payments").actions("write").duration(Duration.ofMinutes(30))
          .justification("INC-9001 follow-up: repair 12 stuck payments")
          .build());
      String requestId = pending.requestId();
      say("outcome: %s", pending);
      try {
        jit.approve(requestId, oncall, "I trust myself");
      } catch (IllegalArgumentException e) {
        say("self-approval refused: %s", e.getMessage());
      }
      say("after Liam: %s", jit.approve(requestId, lead, "matches the postmortem"));
      say("after Sam (security group): %s", jit.approve(requestId, security, "ok, 30 minutes")
          .getClass().getSimpleName());
      say("write allowed now: %s", jit.isAllowed(oncall, "prod/db/payments", "write"));
    }

    step("5. The audit trail");
    for (AuditEvent event : trail.events()) {
      say("%-20s actor=%-10s %s%s", event.type(), event.actor() == null ? "-" : event.actor().id(),
          event.resource() == null ? "" : event.resource(), event.reason() == null ? "" : " (" + event.reason() + ")");
    }
  }

  private static void step(String title) {
    System.out.println();
    System.out.println("== " + title);
  }

  private static void say(String format, Object... args) {
    System.out.println("   " + String.format(format, args));
  }
}
