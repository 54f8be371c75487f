package dev.jitaccess.examples;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.GrantHandle;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.InMemoryAuditSink;
import dev.jitaccess.credential.Credential;
import dev.jitaccess.credential.InvalidTokenException;
import dev.jitaccess.credential.SignedTokenIssuer;
import dev.jitaccess.credential.SignedTokenVerifier;
import dev.jitaccess.credential.SigningKeys;
import dev.jitaccess.credential.VerifiedToken;
import dev.jitaccess.credential.database.DatabaseCredentialIssuer;
import dev.jitaccess.credential.database.PrivilegeMapping;
import dev.jitaccess.policy.AccessRule;
import dev.jitaccess.policy.RulePolicy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * Scenario 2, CI/CD pipelines: a deploy job obtains a short-lived signed token at runtime, calls a deploy
 * service that verifies it, and the token is discarded the moment the step ends, also when the step fails.
 * Then a migration job gets a real PostgreSQL login for the job, runs its migration over plain JDBC, and the
 * login is dropped right after, also when the migration fails. No standing deploy key or database password
 * exists anywhere.
 */
public final class CiPipelineCredential {

  private CiPipelineCredential() {}

  /** A stand-in for the production deploy API: it accepts a request only with a token that is valid now. */
  static final class DeployService {
    private final SignedTokenVerifier verifier;

    DeployService(SignedTokenVerifier verifier) {
      this.verifier = verifier;
    }

    String deploy(String token, String version) {
      VerifiedToken verified = verifier.verify(token);
      if (!verified.actions().contains("deploy") || !verified.resource().startsWith("prod/deploy")) {
        throw new IllegalStateException("token does not cover deploy");
      }
      return "deployed " + version + " for " + verified.subject();
    }
  }

  public static void main(String[] args) {
    SigningKeys keys = SigningKeys.generate("deploy-2026-11");
    SignedTokenIssuer issuer = SignedTokenIssuer.builder().keys(keys).issuer("jit-access").build();
    RulePolicy policy = RulePolicy.builder()
        .rule(AccessRule.builder("pipeline-deploy")
            .resources("prod/deploy")
            .actions("deploy")
            .requesters(Subject.service("ci-deploy"))
            .maxDuration(Duration.ofMinutes(15))
            .justificationPattern("^pipeline run \\d+")
            .autoApprove()
            .build())
        .build();
    InMemoryAuditSink trail = new InMemoryAuditSink();

    try (JitAccessManager jit = JitAccessManager.builder()
        .policy(policy).auditSink(trail).credentialIssuer(issuer).build()) {
      // The service verifies signature, expiry, and asks the manager whether the grant still stands.
      DeployService service = new DeployService(SignedTokenVerifier.builder()
          .keys(keys).issuer("jit-access").grantLookup(jit::grant).revocations(issuer).build());

      step("1. A successful pipeline run");
      String token = runStep(jit, service, 4711, false);
      say("after the step, the same token is refused: %s", tryDeploy(service, token));

      step("2. A failing pipeline run: the token is discarded all the same");
      String failedToken = runStep(jit, service, 4712, true);
      say("after the failed step, its token is refused: %s", tryDeploy(service, failedToken));

      step("3. A job without a run number is not given anything");
      try {
        jit.acquire(deployRequest("manual poke"));
      } catch (RuntimeException e) {
        say("refused: %s", e.getMessage());
      }
    }

    try (ExampleDatabase db = ExampleDatabase.start()) {
      migrations(db, trail);
    }

    step("6. The audit trail (no token or password appears in it)");
    for (AuditEvent event : trail.events()) {
      say("%-13s %s %s%s", event.type(), event.subject(), event.resource(),
          event.reason() == null ? "" : " (" + event.reason() + ")");
    }
  }

  private static void migrations(ExampleDatabase db, InMemoryAuditSink trail) {
    RulePolicy policy = RulePolicy.builder()
        .rule(AccessRule.builder("pipeline-migrate")
            .resources("db/orders")
            .actions("migrate")
            .requesters(Subject.service("ci-migrate"))
            .maxDuration(Duration.ofMinutes(15))
            .justificationPattern("^pipeline run \\d+")
            .autoApprove()
            .build())
        .build();
    try (DatabaseCredentialIssuer logins = db.issuer(PrivilegeMapping.builder()
            .map("db/orders", "migrate", "GRANT USAGE, CREATE ON SCHEMA " + db.schema + " TO {{name}}",
                "GRANT SELECT ON " + db.schema + ".orders TO {{name}}")
            .build());
        JitAccessManager jit = JitAccessManager.builder().policy(policy).auditSink(trail).credentialIssuer(logins)
            .build()) {
      step("4. A migration job gets a PostgreSQL login of its own, runs the migration, and the login is dropped");
      Credential used = migrate(jit, db, 4713, "CREATE TABLE " + db.schema + ".order_notes (order_id INT, note TEXT)");
      say("after the job, the same user and password are refused: %s", tryLogin(db, used));

      step("5. A failing migration: the login is dropped all the same");
      Credential failed = migrate(jit, db, 4714, "ALTER TABLE " + db.schema + ".orders ADD COLUMN currency TEXT");
      say("after the failed job, its login is refused: %s", tryLogin(db, failed));
    }
  }

  /** One pipeline job: a login for the job, the migration over plain JDBC, the login gone when the block ends. */
  private static Credential migrate(JitAccessManager jit, ExampleDatabase db, int run, String migration) {
    Credential[] login = new Credential[1];
    try (GrantHandle access = jit.acquire(AccessRequest.builder()
        .subject(Subject.service("ci-migrate"))
        .resource("db/orders")
        .actions("migrate")
        .duration(Duration.ofMinutes(10))
        .justification("pipeline run " + run)
        .build())) {
      login[0] = access.credential().orElseThrow();
      say("run %d got login %s until %s (%s)", run, ExampleDatabase.user(login[0]), login[0].expiresAt(), login[0]);
      try (Connection c = db.connect(login[0]); Statement s = c.createStatement()) {
        s.execute(migration);
        say("run %d migrated: %s", run, migration);
      }
    } catch (SQLException e) {
      say("run %d failed: %s", run, e.getMessage());
    }
    return login[0];
  }

  private static String tryLogin(ExampleDatabase db, Credential credential) {
    try (Connection c = db.connect(credential)) {
      throw new IllegalStateException("the dropped login still connects");
    } catch (SQLException e) {
      return e.getMessage();
    }
  }

  private static String runStep(JitAccessManager jit, DeployService service, int run, boolean fail) {
    String[] token = new String[1];
    try (GrantHandle access = jit.acquire(deployRequest("pipeline run " + run))) {
      token[0] = access.credential().orElseThrow().secret();
      say("run %d got a token for grant %s valid until %s", run, access.grant().id().substring(0, 8),
          access.credential().orElseThrow().expiresAt());
      say("run %d: %s", run, service.deploy(token[0], "v1." + run));
      if (fail) {
        throw new IllegalStateException("smoke tests failed");
      }
    } catch (IllegalStateException e) {
      say("run %d failed: %s", run, e.getMessage());
    }
    return token[0];
  }

  private static AccessRequest deployRequest(String justification) {
    return AccessRequest.builder()
        .subject(Subject.service("ci-deploy"))
        .resource("prod/deploy")
        .actions("deploy")
        .duration(Duration.ofMinutes(10))
        .justification(justification)
        .build();
  }

  private static String tryDeploy(DeployService service, String token) {
    try {
      return service.deploy(token, "again");
    } catch (InvalidTokenException e) {
      return e.reason() + " (" + e.getMessage() + ")";
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
