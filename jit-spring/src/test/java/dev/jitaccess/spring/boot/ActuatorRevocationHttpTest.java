package dev.jitaccess.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.Grant;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.InMemoryAuditSink;
import dev.jitaccess.spring.TestApps;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Revocation through the actuator over HTTP, once the application turned it on
 * ({@code management.endpoint.jitaccess.access=unrestricted}): only a caller with the revoke authority may, and
 * the audit names that caller. The application of {@link HttpEndToEndTest}, with revocation allowed.
 */
class ActuatorRevocationHttpTest {

  private static ConfigurableApplicationContext app;
  private static int port;

  @BeforeAll
  static void start() {
    app = TestApps.start(HttpEndToEndTest.App.class,
        "management.endpoints.web.exposure.include=health,jitaccess",
        "management.endpoint.jitaccess.access=unrestricted",
        "jit.access.policy.rules[0].name=orders",
        "jit.access.policy.rules[0].resources=prod/orders/**",
        "jit.access.policy.rules[0].actions=read",
        "jit.access.policy.rules[0].max-duration=30m");
    port = TestApps.port(app);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  private static HttpResponse<String> delete(String path, String user) throws Exception {
    return HttpEndToEndTest.call(port, "DELETE", path, user);
  }

  @Test
  void onlyACallerWithTheRevokeAuthorityRevokesAndTheAuditNamesIt() throws Exception {
    JitAccessManager jit = app.getBean(JitAccessManager.class);
    InMemoryAuditSink audit = app.getBean(InMemoryAuditSink.class);
    RequestOutcome outcome = jit.request(AccessRequest.builder().subject(Subject.user("alice"))
        .groups(Set.of("sre")).resource("prod/orders/1").actions("read").duration(Duration.ofMinutes(10))
        .justification("INC-7 investigating").build());
    Grant grant = ((RequestOutcome.Granted) outcome).grant();

    // An actuator administrator without the revoke authority: refused, and not told whether the grant exists.
    assertThat(delete("/actuator/jitaccess/" + grant.id(), "admin").statusCode()).isEqualTo(403);
    assertThat(delete("/actuator/jitaccess/no-such-grant", "admin").statusCode()).isEqualTo(403);
    assertThat(jit.isAllowed(Subject.user("alice"), "prod/orders/1", "read")).isTrue();

    HttpResponse<String> revoked = delete("/actuator/jitaccess/" + grant.id() + "?reason=shift%20over", "lead");
    assertThat(revoked.statusCode()).isEqualTo(200);
    assertThat(revoked.body()).contains("\"revoked\":true", "\"actor\":\"user:lead\"");
    assertThat(delete("/actuator/jitaccess/no-such-grant", "lead").statusCode()).isEqualTo(404);
    assertThat(jit.isAllowed(Subject.user("alice"), "prod/orders/1", "read")).isFalse();
    assertThat(audit.events(AuditEventType.REVOKED)).singleElement().satisfies(e -> {
      assertThat(e.grantId()).isEqualTo(grant.id());
      assertThat(e.actor()).isEqualTo(Subject.user("lead"));
      assertThat(e.reason()).isEqualTo("shift over");
    });
  }
}
