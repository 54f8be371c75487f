package dev.jitaccess.examples;

import dev.jitaccess.AccessDecision;
import dev.jitaccess.AccessRequest;
import dev.jitaccess.Grant;
import dev.jitaccess.JitAccessListener;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.CompositeAuditSink;
import dev.jitaccess.audit.InMemoryAuditSink;
import dev.jitaccess.audit.Slf4jAuditSink;
import dev.jitaccess.policy.AccessRule;
import dev.jitaccess.policy.RulePolicy;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 1, on-demand developer access to production: an engineer asks for read access to the orders
 * database with a justification, the policy approves it, she uses it, extends it, gives it back early, and a
 * second grant runs out on its own while the program watches. Every step lands in the audit trail printed
 * at the end.
 *
 * <p>Durations are seconds so that a newcomer sees expiry happen in real time.
 */
public final class OnDemandProductionAccess {

  private static final String ORDERS_DB = "prod/db/orders";

  private OnDemandProductionAccess() {}

  public static void main(String[] args) throws InterruptedException {
    RulePolicy policy = RulePolicy.builder()
        .rule(AccessRule.builder("prod-db-oncall")
            .resources("prod/db/**")
            .actions("read", "write")
            .requesterGroups("sre")
            .maxDuration(Duration.ofSeconds(10))
            .maxLifetime(Duration.ofSeconds(20))
            .justificationPattern("^(INC|CHG)-\\d+")
            .autoApprove()
            .build())
        .build();

    InMemoryAuditSink trail = new InMemoryAuditSink();
    CountDownLatch expired = new CountDownLatch(1);
    Subject alice = Subject.user("alice");

    try (JitAccessManager jit = JitAccessManager.builder()
        .policy(policy)
        .auditSink(CompositeAuditSink.allOf(new Slf4jAuditSink(), trail))
        .listener(new JitAccessListener() {
          @Override
          public void onExpired(Grant grant) {
            say("listener: grant %s expired on its own", shortId(grant));
            expired.countDown();
          }
        })
        .build()) {

      step("1. Before asking, alice has no access");
      show(jit.check(alice, ORDERS_DB, "read"));

      step("2. A request without a ticket reference is denied by policy");
      RequestOutcome refused = jit.request(request(alice, "looking around", Duration.ofSeconds(5)));
      say("outcome: %s", refused);

      step("3. With a justification that names the incident, the policy approves at once");
      RequestOutcome outcome = jit.request(request(alice, "INC-1234: slow query on orders", Duration.ofSeconds(5)));
      Grant grant = ((RequestOutcome.Granted) outcome).grant();
      say("granted %s until %s", shortId(grant), grant.expiresAt());
      show(jit.check(alice, ORDERS_DB, "read"));
      say("write is not part of the grant:");
      show(jit.check(alice, ORDERS_DB, "write"));

      step("4. The investigation takes longer: extend by 5 s (bounded by the rule's 20 s lifetime)");
      Grant extended = jit.extend(grant.id(), Duration.ofSeconds(5), "INC-1234: still digging");
      say("now expires at %s", extended.expiresAt());

      step("5. Done early: release it; access ends at once");
      say("released: %s", jit.release(grant.id()));
      show(jit.check(alice, ORDERS_DB, "read"));
      say("releasing again changes nothing: %s", jit.release(grant.id()));

      step("6. A second, short grant (2 s) is left to run out on its own");
      Grant shortGrant = ((RequestOutcome.Granted) jit.request(
          request(alice, "INC-1235: check replication lag", Duration.ofSeconds(2)))).grant();
      show(jit.check(alice, ORDERS_DB, "read"));
      say("waiting for the expiry thread...");
      if (!expired.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("grant " + shortGrant.id() + " did not expire in time");
      }
      show(jit.check(alice, ORDERS_DB, "read"));
    }

    step("7. The audit trail");
    for (AuditEvent event : trail.events()) {
      say("%-13s %-24s %s %s%s", event.type(), event.timestamp(), event.subject(),
          event.resource() == null ? "" : event.resource() + " " + event.actions(),
          event.reason() == null ? "" : " (" + event.reason() + ")");
    }
  }

  private static AccessRequest request(Subject subject, String justification, Duration duration) {
    return AccessRequest.builder()
        .subject(subject)
        .groups(java.util.Set.of("sre"))
        .resource(ORDERS_DB)
        .actions("read")
        .duration(duration)
        .justification(justification)
        .build();
  }

  private static void show(AccessDecision decision) {
    say(decision.allowed()
        ? "check prod/db/orders: ALLOWED by grant " + decision.grantId().substring(0, 8)
        : "check prod/db/orders: DENIED (" + decision.reason() + ")");
  }

  private static String shortId(Grant grant) {
    return grant.id().substring(0, 8);
  }

  private static void step(String title) {
    System.out.println();
    System.out.println("== " + title);
  }

  private static void say(String format, Object... args) {
    System.out.println("   " + String.format(format, args));
  }
}
