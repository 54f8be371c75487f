package dev.jitaccess.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.Grant;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.InMemoryAuditSink;
import dev.jitaccess.spring.RequiresAccess;
import dev.jitaccess.spring.TestApps;
import dev.jitaccess.spring.security.JitAccessDeniedHandler;
import dev.jitaccess.testing.ManualClock;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A real Spring Boot application on a random port, called over HTTP: Spring Security with HTTP Basic, rules from
 * properties, a manual clock. 401 anonymous, 403 without a grant, 200 with one, 403 after it expires and after it
 * is revoked; the actuator endpoint, exposed but left at its default access, lists and never revokes.
 */
class HttpEndToEndTest {

  private static final Subject ALICE = Subject.user("alice");

  private static ConfigurableApplicationContext app;
  private static int port;
  private static final HttpClient http = HttpClient.newHttpClient();

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import({OrderService.class, OrdersController.class})
  static class App {

    @Bean
    Clock clock() {
      return new ManualClock();
    }

    @Bean
    InMemoryAuditSink auditSink() {
      return new InMemoryAuditSink();
    }

    @Bean
    InMemoryUserDetailsManager users() {
      return new InMemoryUserDetailsManager(
          User.withUsername("alice").password("{noop}alice-pw").roles("sre").build(),
          User.withUsername("admin").password("{noop}admin-pw").roles("ADMIN").build(),
          User.withUsername("lead").password("{noop}lead-pw").roles("ADMIN", "JIT_ADMIN").build());
    }

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
      http.authorizeHttpRequests(requests -> requests
              .requestMatchers("/actuator/**").hasRole("ADMIN")
              .requestMatchers("/public/**").permitAll()
              .anyRequest().authenticated())
          .httpBasic(Customizer.withDefaults())
          .csrf(csrf -> csrf.disable())
          .exceptionHandling(e -> e.accessDeniedHandler(new JitAccessDeniedHandler()));
      return http.build();
    }
  }

  @Service
  public static class OrderService {
    @RequiresAccess(resource = "'prod/orders/' + #id", action = "read")
    public String show(String id) {
      return "order " + id + " grant=" + MDC.get("jit.grantId");
    }
  }

  @RestController
  public static class OrdersController {
    private final OrderService orders;

    OrdersController(OrderService orders) {
      this.orders = orders;
    }

    @GetMapping("/orders/{id}")
    public String show(@PathVariable("id") String id) {
      return orders.show(id);
    }

    @GetMapping("/public/orders/{id}")
    public String showPublicly(@PathVariable("id") String id) {
      return orders.show(id);
    }

    @PostMapping("/orders/{id}/refund")
    @RequiresAccess(resource = "prod/orders", action = "write")
    public String refund(@PathVariable("id") String id) {
      return "refunded " + id;
    }
  }

  @BeforeAll
  static void start() {
    app = TestApps.start(App.class,
        "management.endpoints.web.exposure.include=health,metrics,jitaccess",
        "jit.access.policy.rules[0].name=orders",
        "jit.access.policy.rules[0].resources=prod/orders/**,prod/orders",
        "jit.access.policy.rules[0].actions=read,write",
        "jit.access.policy.rules[0].requester-groups=sre",
        "jit.access.policy.rules[0].max-duration=30m");
    port = TestApps.port(app);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  private static HttpResponse<String> call(String method, String path, String user) throws Exception {
    return call(port, method, path, user);
  }

  /** Calls the application on {@code port}, as {@code user} (password {@code <user>-pw}) unless null. */
  static HttpResponse<String> call(int port, String method, String path, String user) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (user != null) {
      String credentials = user + ":" + user + "-pw";
      request.header("Authorization",
          "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Grant grant(String resource, String action) {
    RequestOutcome outcome = app.getBean(JitAccessManager.class).request(AccessRequest.builder()
        .subject(ALICE)
        .groups(java.util.Set.of("sre"))
        .resource(resource)
        .actions(action)
        .duration(Duration.ofMinutes(10))
        .justification("INC-7 investigating")
        .build());
    assertThat(outcome).isInstanceOf(RequestOutcome.Granted.class);
    return ((RequestOutcome.Granted) outcome).grant();
  }

  @Test
  void theLifeOfAGrantOverHttp() throws Exception {
    ManualClock clock = (ManualClock) app.getBean(Clock.class);
    InMemoryAuditSink audit = app.getBean(InMemoryAuditSink.class);

    assertThat(call("GET", "/orders/1", null).statusCode()).isEqualTo(401);

    HttpResponse<String> denied = call("GET", "/orders/1", "alice");
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(denied.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(denied.body()).contains("\"resource\":\"prod/orders/1\"", "\"action\":\"read\"", "\"status\":403");

    Grant first = grant("prod/orders/1", "read");
    HttpResponse<String> allowed = call("GET", "/orders/1", "alice");
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.body()).isEqualTo("order 1 grant=" + first.id());
    assertThat(call("GET", "/orders/2", "alice").statusCode()).isEqualTo(403);

    clock.advance(Duration.ofMinutes(11));
    HttpResponse<String> expired = call("GET", "/orders/1", "alice");
    assertThat(expired.statusCode()).isEqualTo(403);
    assertThat(expired.body()).doesNotContain(first.id()).doesNotContain(first.requestId());

    Grant second = grant("prod/orders/1", "read");
    assertThat(call("GET", "/orders/1", "alice").statusCode()).isEqualTo(200);
    assertThat(call("GET", "/actuator/jitaccess", "alice").statusCode()).isEqualTo(403);
    HttpResponse<String> listing = call("GET", "/actuator/jitaccess", "admin");
    assertThat(listing.statusCode()).isEqualTo(200);
    assertThat(listing.body()).contains(second.id()).doesNotContain(first.id());

    // Read-only by default: even a caller with the revoke authority cannot revoke through it.
    HttpResponse<String> notRevoked = call("DELETE", "/actuator/jitaccess/" + second.id() + "?reason=shift%20over",
        "lead");
    assertThat(notRevoked.statusCode()).isIn(404, 405);
    assertThat(call("GET", "/orders/1", "alice").statusCode()).isEqualTo(200);
    assertThat(audit.events(AuditEventType.REVOKED)).isEmpty();

    assertThat(app.getBean(JitAccessManager.class).revoke(second.id(), Subject.user("admin"), "shift over")).isTrue();
    assertThat(call("GET", "/orders/1", "alice").statusCode()).isEqualTo(403);
    assertThat(audit.events(AuditEventType.ACCESS_DENIED)).isNotEmpty();
  }

  @Test
  void springSecurityHandlesTheRefusalOfAnAnonymousCaller() throws Exception {
    // The URL is open to all, the service method is not: Security's entry point asks for credentials.
    HttpResponse<String> anonymous = call("GET", "/public/orders/1", null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        value -> assertThat(value).startsWith("Basic"));
  }

  @Test
  void annotatedControllerMethodsAndMetrics() throws Exception {
    assertThat(call("POST", "/orders/9/refund", "alice").statusCode()).isEqualTo(403);
    grant("prod/orders", "write");
    HttpResponse<String> refunded = call("POST", "/orders/9/refund", "alice");
    assertThat(refunded.statusCode()).isEqualTo(200);
    assertThat(refunded.body()).isEqualTo("refunded 9");

    MeterRegistry registry = app.getBean(MeterRegistry.class);
    assertThat(registry.get("jit.checks").tag("result", "allowed").counter().count()).isPositive();
    assertThat(registry.get("jit.checks").tag("result", "denied").counter().count()).isPositive();
    assertThat(registry.get("jit.requests").tag("outcome", "granted").counter().count()).isPositive();
    HttpResponse<String> metric = call("GET", "/actuator/metrics/jit.grants.active", "admin");
    assertThat(metric.statusCode()).isEqualTo(200);
    assertThat(metric.body()).contains("jit.grants.active");
  }
}
