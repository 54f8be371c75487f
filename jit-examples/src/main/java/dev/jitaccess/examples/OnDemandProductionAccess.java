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
import dev.jitaccess.credential.Credential;
import dev.jitaccess.credential.database.DatabaseCredentialIssuer;
import dev.jitaccess.credential.database.PrivilegeMapping;
import dev.jitaccess.policy.AccessRule;
import dev.jitaccess.policy.RulePolicy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 1, on-demand developer access to production: an engineer asks for read access to the orders
 * database with a justification, the policy approves it, she uses it, extends it, gives it back early, and a
 * second grant runs out on its own while the program watches. Each grant comes with a real PostgreSQL login
 * that can read the orders table and nothing else, and that is dropped when the grant ends; the last one, a
 * 30-second login, is revoked while she has a session open, and the session is cut. Every step lands in the
 * audit trail printed at the end.
 *
 * <p>Durations are seconds so that a newcomer sees expiry happen in real time.
 */
public final class OnDemandProductionAccess {

  private static final String ORDERS_DB = "prod/db/orders";

  private OnDemandProductionAccess() {}

  public static void main(String[] args) throws InterruptedException, SQLException {
    RulePolicy policy = RulePolicy.builder()
        .rule(AccessRule.builder("prod-db-oncall")
            .resources("prod/db/**")
            .actions("read", "write")
            .requesterGroups("sre")
            .maxDuration(Duration.ofSeconds(30))
            .maxLifetime(Duration.ofSeconds(60))
            .justificationPattern("^(INC|CHG)-\\d+")
            .autoApprove()
            .build())
        .build();

    InMemoryAuditSink trail = new InMemoryAuditSink();
    CountDownLatch expired = new CountDownLatch(1);
    Subject alice = Subject.user("alice");

    try (ExampleDatabase db = ExampleDatabase.start();
        DatabaseCredentialIssuer logins = db.issuer(PrivilegeMapping.builder()
            .map(ORDERS_DB, "read", "GRANT USAGE ON SCHEMA " + db.schema + " TO {{name}}",
                "GRANT SELECT ON " + db.schema + ".orders TO {{name}}")
            .build());
        JitAccessManager jit = JitAccessManager.builder()
        .policy(policy)
        .credentialIssuer(logins)
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
      Credential login = jit.credential(grant.id()).orElseThrow();
      try (Connection c = db.connect(login); Statement s = c.createStatement()) {
        ResultSet rs = s.executeQuery("SELECT count(*) FROM " + db.schema + ".orders");
        rs.next();
        say("with database login %s she reads the orders table: %d rows", ExampleDatabase.user(login), rs.getInt(1));
        say("and the database itself refuses a write: %s", refusal(s, "DELETE FROM " + db.schema + ".orders"));
      }

      step("4. The investigation takes longer: extend by 5 s (bounded by the rule's 60 s lifetime)");
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

      step("7. A 30-second login, revoked while her session is open: the session is cut");
      Grant thirty = ((RequestOutcome.Granted) jit.request(
          request(alice, "INC-1236: one more query", Duration.ofSeconds(30)))).grant();
      Credential thirtyLogin = jit.credential(thirty.id()).orElseThrow();
      try (Connection c = db.connect(thirtyLogin); Statement s = c.createStatement()) {
        say("session open as %s: %s", ExampleDatabase.user(thirtyLogin), s.executeQuery("SELECT 1").next() ? "works" : "?");
        say("revoked by the incident commander: %s",
            jit.revoke(thirty.id(), Subject.user("carol"), "INC-1236 closed"));
        say("her next statement: %s", refusal(s, "SELECT count(*) FROM " + db.schema + ".orders"));
      }
      try (Connection again = db.connect(thirtyLogin)) {
        throw new IllegalStateException("a revoked login still connects");
      } catch (SQLException e) {
        say("a new connection: %s", e.getMessage());
      }
    }

    step("8. The audit trail");
    for (AuditEvent event : trail.events()) {
      say("%-13s %-24s %s %s%s", event.type(), event.timestamp(), event.subject(),
          event.resource() == null ? "" : event.resource() + " " + event.actions(),
          event.reason() == null ? "" : " (" + event.reason() + ")");
    }
  }

  /** What the database answers to a statement it must refuse. */
  private static String refusal(Statement s, String sql) {
    try {
      s.execute(sql);
      throw new IllegalStateException("the database allowed: " + sql);
    } catch (SQLException e) {
      return e.getMessage().lines().findFirst().orElse("") + " (SQLState " + e.getSQLState() + ")";
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
