package dev.jitaccess.spring.web;

import static dev.jitaccess.spring.web.WebApiClient.list;
import static dev.jitaccess.spring.web.WebApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestState;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.InMemoryAuditSink;
import dev.jitaccess.spring.TestApps;
import dev.jitaccess.testing.ManualClock;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The self-service HTTP API over a real server: Spring Security with HTTP Basic and CSRF protection on (the
 * application's own configuration), rules from properties, a manual clock. The attackers first: nobody
 * unauthenticated, no change without the CSRF token, no self-approval, nobody else's grant or request, no
 * administration without the authority, no malformed or oversized body. Then the flows the console drives.
 */
class WebApiHttpTest {

  private static ConfigurableApplicationContext app;
  private static int port;

  @SpringBootConfiguration
  @EnableAutoConfiguration
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
          User.withUsername("bob").password("{noop}bob-pw").roles("dba").build(),
          User.withUsername("carol").password("{noop}carol-pw").roles("sre").build(),
          User.withUsername("dave").password("{noop}dave-pw").roles("sre").build(),
          User.withUsername("root").password("{noop}root-pw").roles("JIT_ADMIN").build());
    }

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
      // The error page is open, so that a refusal before authentication (a missing CSRF token) reads as itself.
      http.authorizeHttpRequests(requests -> requests.requestMatchers("/error").permitAll()
              .anyRequest().authenticated())
          .httpBasic(Customizer.withDefaults());
      return http.build();
    }
  }

  @BeforeAll
  static void start() {
    app = TestApps.start(App.class,
        "jit.access.web.enabled=true",
        "jit.access.limits.max-pending-requests-per-subject=2",
        "jit.access.policy.rules[0].name=orders-read",
        "jit.access.policy.rules[0].resources=prod/orders/**",
        "jit.access.policy.rules[0].actions=read",
        "jit.access.policy.rules[0].requester-groups=sre",
        "jit.access.policy.rules[0].max-duration=30m",
        "jit.access.policy.rules[0].max-lifetime=2h",
        "jit.access.policy.rules[0].justification-pattern=^INC-\\d+",
        "jit.access.policy.rules[1].name=orders-write",
        "jit.access.policy.rules[1].resources=prod/orders/**",
        "jit.access.policy.rules[1].actions=write",
        "jit.access.policy.rules[1].requester-groups=sre",
        "jit.access.policy.rules[1].max-duration=30m",
        "jit.access.policy.rules[1].approvals=1",
        "jit.access.policy.rules[1].approvers=user:bob,user:alice",
        "jit.access.policy.rules[1].break-glass.max-duration=15m",
        "jit.access.policy.rules[1].break-glass.incident-pattern=^INC-\\d+$");
    port = TestApps.port(app);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  private static WebApiClient as(String user) {
    return new WebApiClient(port, user);
  }

  private static JitAccessManager jit() {
    return app.getBean(JitAccessManager.class);
  }

  private static String readRequest(String resource) {
    return "{\"resource\":\"" + resource + "\",\"actions\":[\"read\"],\"duration\":\"PT10M\","
        + "\"justification\":\"INC-7 slow queries\"}";
  }

  private static String writeRequest(String resource) {
    return "{\"resource\":\"" + resource + "\",\"actions\":[\"write\"],\"duration\":\"PT10M\","
        + "\"justification\":\"CHG-9 fix a row\"}";
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> member(Map<String, Object> document, String name) {
    return (Map<String, Object>) document.get(name);
  }

  private static void assertProblem(HttpResponse<String> response, int status, String code) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
    Map<String, Object> problem = map(response);
    assertThat(problem).containsEntry("code", code).containsEntry("status", status)
        .containsKeys("type", "title", "detail");
    assertThat(problem.get("type")).isEqualTo(
        "https://jitaccess.dev/problems/" + code.toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
  }

  /** A pending write request of alice's, approved by nobody yet. */
  private static String pendingOfAlice(String resource) {
    HttpResponse<String> pending = as("alice").post("/jit/requests", writeRequest(resource));
    assertThat(pending.statusCode()).as(pending.body()).isEqualTo(202);
    return (String) member(map(pending), "request").get("id");
  }

  private static String grantOfAlice(String resource) {
    HttpResponse<String> granted = as("alice").post("/jit/requests", readRequest(resource));
    assertThat(granted.statusCode()).as(granted.body()).isEqualTo(201);
    return (String) member(map(granted), "grant").get("id");
  }

  // ---- attackers ----------------------------------------------------------------------------------------------

  @Test
  void anUnauthenticatedCallerGets401FromEveryEndpointAndEveryConsoleFile() {
    WebApiClient anonymous = as(null);
    List<String[]> calls = everyEndpoint();
    for (String[] call : calls) {
      boolean read = call[0].equals("GET");
      HttpResponse<String> response = anonymous.send(call[0], call[1], read ? null : "{}", false);
      // A change is refused by the CSRF filter first, which runs before authentication: 403 then.
      assertThat(response.statusCode()).as(call[0] + " " + call[1]).isIn(read ? List.of(401) : List.of(401, 403));
    }
    assertThat(jit().pendingRequests()).noneMatch(r -> r.requester().id().equals("anonymousUser"));
  }

  static List<String[]> everyEndpoint() {
    return List.of(
        new String[] {"GET", "/jit/session"}, new String[] {"GET", "/jit/requestable"},
        new String[] {"POST", "/jit/requests"}, new String[] {"GET", "/jit/requests/mine"},
        new String[] {"GET", "/jit/requests/to-review"}, new String[] {"POST", "/jit/requests/r-1/approve"},
        new String[] {"POST", "/jit/requests/r-1/deny"}, new String[] {"POST", "/jit/requests/r-1/cancel"},
        new String[] {"GET", "/jit/grants/mine"}, new String[] {"POST", "/jit/grants/g-1/extend"},
        new String[] {"POST", "/jit/grants/g-1/release"}, new String[] {"POST", "/jit/break-glass"},
        new String[] {"GET", "/jit/grants"}, new String[] {"DELETE", "/jit/grants/g-1"},
        new String[] {"GET", "/jit/reviews"}, new String[] {"POST", "/jit/reviews/g-1/acknowledge"},
        new String[] {"GET", "/jit"}, new String[] {"GET", "/jit/"},
        new String[] {"GET", "/jit/assets/console.css"}, new String[] {"GET", "/jit/assets/console.js"});
  }

  @Test
  void aChangeWithoutTheCsrfTokenIsRefusedAndChangesNothing() {
    HttpResponse<String> forged = as("alice").postWithoutCsrf("/jit/requests", readRequest("prod/orders/csrf"));
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(jit().activeGrants(Subject.user("alice"))).noneMatch(g -> g.resource().equals("prod/orders/csrf"));

    String grantId = grantOfAlice("prod/orders/csrf-release");
    assertThat(as("alice").postWithoutCsrf("/jit/grants/" + grantId + "/release", null).statusCode()).isEqualTo(403);
    assertThat(jit().grant(grantId).orElseThrow().state().isTerminal()).isFalse();
  }

  @Test
  void aliceCannotApproveHerOwnRequestEvenAsAListedApproverAndItStaysPending() {
    String requestId = pendingOfAlice("prod/orders/self");
    WebApiClient alice = as("alice");

    assertThat(list(alice.get("/jit/requests/to-review"))).noneMatch(r -> requestId.equals(r.get("id")));
    assertThat(list(alice.get("/jit/requests/mine"))).filteredOn(r -> requestId.equals(r.get("id"))).singleElement()
        .satisfies(r -> assertThat(r).containsEntry("canApprove", false).containsEntry("canCancel", true));
    assertProblem(alice.post("/jit/requests/" + requestId + "/approve", "{\"comment\":\"lgtm\"}"), 403, "FORBIDDEN");
    assertProblem(alice.post("/jit/requests/" + requestId + "/deny", "{\"reason\":\"no\"}"), 403, "FORBIDDEN");

    assertThat(jit().requestRecord(requestId).orElseThrow().state()).isEqualTo(RequestState.PENDING);
    assertThat(jit().requestRecord(requestId).orElseThrow().approvals()).isEmpty();
    assertThat(as("alice").post("/jit/requests/" + requestId + "/cancel", null).statusCode()).isEqualTo(200);
  }

  @Test
  void bobCannotSeeExtendOrReleaseAlicesGrantNorCancelHerRequestAndIsNotToldTheyExist() {
    String grantId = grantOfAlice("prod/orders/mine");
    String requestId = pendingOfAlice("prod/orders/mine-too");
    WebApiClient bob = as("bob");

    assertThat(list(bob.get("/jit/grants/mine"))).isEmpty();
    assertThat(list(bob.get("/jit/requests/mine"))).isEmpty();
    HttpResponse<String> extend = bob.post("/jit/grants/" + grantId + "/extend", "{\"duration\":\"PT5M\"}");
    HttpResponse<String> unknown = bob.post("/jit/grants/no-such-grant/extend", "{\"duration\":\"PT5M\"}");
    assertProblem(extend, 404, "NOT_FOUND");
    assertProblem(unknown, 404, "NOT_FOUND");
    assertThat(map(extend).get("detail")).isEqualTo(map(unknown).get("detail").toString()
        .replace("no-such-grant", grantId));
    assertProblem(bob.post("/jit/grants/" + grantId + "/release", null), 404, "NOT_FOUND");
    assertProblem(bob.post("/jit/requests/" + requestId + "/cancel", null), 404, "NOT_FOUND");

    assertThat(jit().isAllowed(Subject.user("alice"), "prod/orders/mine", "read")).isTrue();
    assertThat(jit().requestRecord(requestId).orElseThrow().state()).isEqualTo(RequestState.PENDING);
    as("alice").post("/jit/requests/" + requestId + "/cancel", null);
  }

  @Test
  void aCallerWithoutTheAdministratorAuthorityIsRefusedEveryAdministratorEndpoint() {
    String grantId = grantOfAlice("prod/orders/admin-only");
    WebApiClient bob = as("bob");
    assertProblem(bob.get("/jit/grants"), 403, "FORBIDDEN");
    assertProblem(bob.delete("/jit/grants/" + grantId + "?reason=mine%20now"), 403, "FORBIDDEN");
    assertProblem(bob.get("/jit/reviews"), 403, "FORBIDDEN");
    assertProblem(bob.post("/jit/reviews/" + grantId + "/acknowledge", null), 403, "FORBIDDEN");
    assertThat(map(bob.get("/jit/session"))).containsEntry("admin", false);
    assertThat(jit().isAllowed(Subject.user("alice"), "prod/orders/admin-only", "read")).isTrue();
  }

  @Test
  void malformedOrOversizedBodiesAre400NamingTheFieldAndTheBadValue() {
    WebApiClient alice = as("alice");
    HttpResponse<String> duration = alice.post("/jit/requests",
        "{\"resource\":\"prod/orders/1\",\"actions\":[\"read\"],\"duration\":\"ten minutes\"}");
    assertProblem(duration, 400, "INVALID_INPUT");
    assertThat((String) map(duration).get("detail")).contains("duration", "\"ten minutes\"");

    HttpResponse<String> actions = alice.post("/jit/requests",
        "{\"resource\":\"prod/orders/1\",\"actions\":\"read\",\"duration\":\"PT5M\"}");
    assertProblem(actions, 400, "INVALID_INPUT");
    assertThat((String) map(actions).get("detail")).contains("actions", "array");

    HttpResponse<String> resource = alice.post("/jit/requests",
        "{\"resource\":\"prod//orders\",\"actions\":[\"read\"],\"duration\":\"PT5M\"}");
    assertProblem(resource, 400, "INVALID_INPUT");
    assertThat((String) map(resource).get("detail")).contains("resource", "prod//orders");

    HttpResponse<String> unknown = alice.post("/jit/requests", "{\"resource\":\"prod/orders/1\",\"admin\":true}");
    assertProblem(unknown, 400, "INVALID_INPUT");
    assertThat((String) map(unknown).get("detail")).contains("\"admin\"");

    assertProblem(alice.post("/jit/requests", "{\"resource\":"), 400, "INVALID_INPUT");
    assertProblem(alice.post("/jit/requests", "[1,2]"), 400, "INVALID_INPUT");
    assertProblem(alice.send("POST", "/jit/requests", readRequest("prod/orders/1"), true, "text/plain"), 400,
        "INVALID_INPUT");

    String huge = "{\"resource\":\"prod/orders/1\",\"justification\":\"" + "x".repeat(20_000) + "\"}";
    HttpResponse<String> oversized = alice.post("/jit/requests", huge);
    assertProblem(oversized, 400, "INVALID_INPUT");
    assertThat((String) map(oversized).get("detail")).contains("body", "16384");

    String secret = "INC-1 the password is hunter2 " + "y".repeat(1100);
    HttpResponse<String> longText = alice.post("/jit/requests",
        "{\"resource\":\"prod/orders/1\",\"actions\":[\"read\"],\"duration\":\"PT5M\",\"justification\":\""
            + secret + "\"}");
    assertProblem(longText, 400, "INVALID_INPUT");
    assertThat((String) map(longText).get("detail")).contains("justification").doesNotContain("hunter2");

    HttpResponse<String> noReason = as("bob").post("/jit/requests/" + "r-x" + "/deny", "{}");
    assertProblem(noReason, 400, "INVALID_INPUT");
    assertThat((String) map(noReason).get("detail")).contains("reason");
    assertThat(jit().activeGrants(Subject.user("alice"))).noneMatch(g -> g.resource().equals("prod/orders/1"));
  }

  @Test
  void thePolicysRefusalIs403WithItsReasonAndAPerSubjectLimitIs429() {
    WebApiClient alice = as("alice");
    HttpResponse<String> tooLong = alice.post("/jit/requests",
        "{\"resource\":\"prod/orders/9\",\"actions\":[\"read\"],\"duration\":\"PT2H\",\"justification\":\"INC-1\"}");
    assertProblem(tooLong, 403, "REQUEST_DENIED");
    assertThat((String) map(tooLong).get("detail")).contains("exceeds the max duration", "orders-read");

    WebApiClient dave = as("dave");
    assertThat(dave.post("/jit/requests", writeRequest("prod/orders/d1")).statusCode()).isEqualTo(202);
    assertThat(dave.post("/jit/requests", writeRequest("prod/orders/d2")).statusCode()).isEqualTo(202);
    assertProblem(dave.post("/jit/requests", writeRequest("prod/orders/d3")), 429, "LIMIT_REACHED");
  }

  // ---- flows --------------------------------------------------------------------------------------------------

  @Test
  void whatARuleOffersDependsOnTheCallersGroups() {
    List<Map<String, Object>> alice = list(as("alice").get("/jit/requestable"));
    assertThat(alice).extracting(r -> r.get("rule")).containsExactly("orders-read", "orders-write");
    assertThat(alice.get(0)).containsEntry("autoApprove", true).containsEntry("approvalsRequired", 0)
        .containsEntry("justificationPattern", "^INC-\\d+").containsEntry("maxDuration", "PT30M")
        .containsEntry("maxDurationSeconds", 1800).containsEntry("breakGlass", false)
        .containsEntry("breakGlassMaxDuration", null);
    assertThat(alice.get(1)).containsEntry("autoApprove", false).containsEntry("approvalsRequired", 1)
        .containsEntry("breakGlass", true).containsEntry("breakGlassMaxDurationSeconds", 900)
        .containsEntry("incidentPattern", "^INC-\\d+$");
    assertThat(list(as("bob").get("/jit/requestable"))).isEmpty();
  }

  @Test
  void anAutoApprovedRequestIs201WithItsGrantWhichTheRequesterThenHolds() {
    HttpResponse<String> response = as("alice").post("/jit/requests", readRequest("prod/orders/auto"));
    assertThat(response.statusCode()).isEqualTo(201);
    Map<String, Object> body = map(response);
    assertThat(body).containsEntry("status", "GRANTED");
    assertThat(member(body, "request")).containsEntry("state", "GRANTED").containsEntry("rule", "orders-read");
    Map<String, Object> grant = member(body, "grant");
    assertThat(grant).containsEntry("resource", "prod/orders/auto").containsEntry("state", "ACTIVE")
        .containsEntry("remainingSeconds", 600).containsEntry("breakGlass", false);
    assertThat(list(as("alice").get("/jit/grants/mine"))).extracting(g -> g.get("id")).contains(grant.get("id"));
    assertThat(jit().isAllowed(Subject.user("alice"), "prod/orders/auto", "read")).isTrue();
  }

  @Test
  void aRequestNeedingApprovalIs202ThenBobSeesItApprovesItAndAliceHoldsTheGrant() {
    String requestId = pendingOfAlice("prod/orders/approve");
    WebApiClient bob = as("bob");
    assertThat(list(bob.get("/jit/requests/to-review"))).filteredOn(r -> requestId.equals(r.get("id")))
        .singleElement().satisfies(r -> assertThat(r).containsEntry("canApprove", true)
            .containsEntry("canCancel", false).containsEntry("justification", "CHG-9 fix a row"));

    HttpResponse<String> approved = bob.post("/jit/requests/" + requestId + "/approve", "{\"comment\":\"ok\"}");
    assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);
    assertThat(map(approved)).containsEntry("status", "GRANTED");
    String grantId = (String) member(map(approved), "grant").get("id");

    assertThat(list(as("alice").get("/jit/grants/mine"))).extracting(g -> g.get("id")).contains(grantId);
    assertThat(list(as("alice").get("/jit/requests/mine"))).filteredOn(r -> requestId.equals(r.get("id")))
        .singleElement().satisfies(r -> {
          assertThat(r).containsEntry("state", "GRANTED").containsEntry("canCancel", false);
          assertThat((List<?>) r.get("approvals")).singleElement().satisfies(a ->
              assertThat(((Map<?, ?>) a).get("comment")).isEqualTo("ok"));
        });
    assertProblem(bob.post("/jit/requests/" + requestId + "/approve", "{}"), 409, "CONFLICT");
    assertThat(list(bob.get("/jit/requests/to-review"))).noneMatch(r -> requestId.equals(r.get("id")));
  }

  @Test
  void bobDeniesWithAReasonAndAliceSeesTheRequestRejected() {
    String requestId = pendingOfAlice("prod/orders/deny");
    HttpResponse<String> denied = as("bob").post("/jit/requests/" + requestId + "/deny",
        "{\"reason\":\"use the replica\"}");
    assertThat(denied.statusCode()).isEqualTo(200);
    assertThat(map(denied)).containsEntry("status", "DENIED");
    assertThat(member(map(denied), "request")).containsEntry("state", "REJECTED");
    assertThat(list(as("alice").get("/jit/requests/mine"))).filteredOn(r -> requestId.equals(r.get("id")))
        .singleElement().satisfies(r -> assertThat(r).containsEntry("state", "REJECTED"));
    assertThat(jit().isAllowed(Subject.user("alice"), "prod/orders/deny", "write")).isFalse();
  }

  @Test
  void aliceCancelsHerPendingRequestOnceThenItIsAConflict() {
    String requestId = pendingOfAlice("prod/orders/cancel");
    HttpResponse<String> cancelled = as("alice").post("/jit/requests/" + requestId + "/cancel", null);
    assertThat(cancelled.statusCode()).isEqualTo(200);
    assertThat(map(cancelled)).containsEntry("status", "CANCELLED");
    assertThat(member(map(cancelled), "request")).containsEntry("state", "CANCELLED");
    assertProblem(as("alice").post("/jit/requests/" + requestId + "/cancel", null), 409, "CONFLICT");
    assertThat(list(as("bob").get("/jit/requests/to-review"))).noneMatch(r -> requestId.equals(r.get("id")));
  }

  @Test
  void aliceExtendsWithinTheRulesLifetimeThenReleasesAndTheGrantEnds() {
    String grantId = grantOfAlice("prod/orders/extend");
    WebApiClient alice = as("alice");
    HttpResponse<String> extended = alice.post("/jit/grants/" + grantId + "/extend",
        "{\"duration\":\"PT20M\",\"justification\":\"INC-7 still digging\"}");
    assertThat(extended.statusCode()).as(extended.body()).isEqualTo(200);
    assertThat(map(extended)).containsEntry("id", grantId).containsEntry("remainingSeconds", 1800);

    HttpResponse<String> beyond = alice.post("/jit/grants/" + grantId + "/extend",
        "{\"duration\":\"PT3H\",\"justification\":\"INC-7\"}");
    assertProblem(beyond, 403, "REQUEST_DENIED");

    assertThat(alice.post("/jit/grants/" + grantId + "/release", null).statusCode()).isEqualTo(204);
    assertThat(jit().isAllowed(Subject.user("alice"), "prod/orders/extend", "read")).isFalse();
    assertThat(list(alice.get("/jit/grants/mine"))).noneMatch(g -> grantId.equals(g.get("id")));
  }

  @Test
  void breakGlassGrantsAtOnceAndAnAdministratorReviewsIt() {
    HttpResponse<String> emergency = as("carol").post("/jit/break-glass",
        "{\"resource\":\"prod/orders/bg\",\"actions\":[\"write\"],\"duration\":\"PT10M\",\"incidentId\":\"INC-42\","
            + "\"justification\":\"orders are down\"}");
    assertThat(emergency.statusCode()).as(emergency.body()).isEqualTo(201);
    Map<String, Object> grant = member(map(emergency), "grant");
    assertThat(grant).containsEntry("breakGlass", true).containsEntry("incidentId", "INC-42");
    String grantId = (String) grant.get("id");

    HttpResponse<String> badIncident = as("carol").post("/jit/break-glass",
        "{\"resource\":\"prod/orders/bg\",\"actions\":[\"write\"],\"duration\":\"PT10M\",\"incidentId\":\"oops\"}");
    assertProblem(badIncident, 403, "REQUEST_DENIED");

    WebApiClient root = as("root");
    assertThat(list(root.get("/jit/reviews"))).filteredOn(r -> grantId.equals(r.get("grantId"))).singleElement()
        .satisfies(r -> assertThat(r).containsEntry("incidentId", "INC-42").containsEntry("acknowledged", false)
            .containsEntry("endedAt", null));
    assertThat(root.post("/jit/reviews/" + grantId + "/acknowledge", "{\"comment\":\"fine\"}").statusCode())
        .isEqualTo(204);
    assertThat(list(root.get("/jit/reviews"))).noneMatch(r -> grantId.equals(r.get("grantId")));
    assertProblem(root.post("/jit/reviews/" + grantId + "/acknowledge", null), 409, "CONFLICT");
  }

  @Test
  void anAdministratorListsEveryActiveGrantAndRevokesOneWithAReason() {
    String grantId = grantOfAlice("prod/orders/revoke");
    WebApiClient root = as("root");
    assertThat(map(root.get("/jit/session"))).containsEntry("admin", true);
    assertThat(list(root.get("/jit/grants"))).extracting(g -> g.get("id")).contains(grantId);

    assertProblem(root.delete("/jit/grants/" + grantId), 400, "INVALID_INPUT");
    assertThat(root.delete("/jit/grants/" + grantId + "?reason=shift%20over").statusCode()).isEqualTo(204);
    assertThat(jit().isAllowed(Subject.user("alice"), "prod/orders/revoke", "read")).isFalse();
    assertThat(app.getBean(InMemoryAuditSink.class).events(AuditEventType.REVOKED))
        .filteredOn(e -> grantId.equals(e.grantId())).singleElement().satisfies(e -> {
          assertThat(e.actor()).isEqualTo(Subject.user("root"));
          assertThat(e.reason()).isEqualTo("shift over");
        });
    assertProblem(root.delete("/jit/grants/" + grantId + "?reason=again"), 409, "CONFLICT");
    assertProblem(root.delete("/jit/grants/no-such-grant?reason=x"), 404, "NOT_FOUND");
  }

  @Test
  void theConsoleIsServedWithNoStoreAndASelfOnlyContentSecurityPolicy() {
    WebApiClient alice = as("alice");
    HttpResponse<String> base = alice.get("/jit");
    assertThat(base.statusCode()).isEqualTo(302);
    assertThat(base.headers().firstValue("Location")).hasValue("/jit/");
    for (String path : List.of("/jit/", "/jit/assets/console.css", "/jit/assets/console.js")) {
      HttpResponse<String> file = alice.get(path);
      assertThat(file.statusCode()).as(path).isEqualTo(200);
      assertThat(file.headers().firstValue("Cache-Control")).as(path).hasValue("no-store");
      assertThat(file.headers().firstValue("Content-Security-Policy")).as(path).hasValue("default-src 'self'");
    }
    assertThat(alice.get("/jit/").headers().firstValue("Content-Type")).hasValueSatisfying(
        t -> assertThat(t).startsWith("text/html"));
    assertThat(alice.get("/jit/assets/console.js").headers().firstValue("Content-Type")).hasValueSatisfying(
        t -> assertThat(t).startsWith("text/javascript"));
    assertThat(alice.get("/jit/assets/../../application.properties").statusCode()).isIn(400, 404);
    assertThat(alice.get("/jit/assets/missing.css").statusCode()).isEqualTo(404);
  }

  // ---- the documents ------------------------------------------------------------------------------------------

  @Test
  void theJsonDocumentsHaveTheFieldsOfTheContract() {
    WebApiClient alice = as("alice");
    Map<String, Object> session = map(alice.get("/jit/session"));
    assertThat(session).containsOnlyKeys("subject", "display", "groups", "admin", "serverTime", "csrf");
    assertThat(member(session, "subject")).containsExactly(Map.entry("kind", "user"), Map.entry("id", "alice"));
    assertThat(member(session, "csrf")).containsOnlyKeys("headerName", "token");
    assertThat((List<?>) session.get("groups")).anyMatch("sre"::equals);

    assertThat(list(alice.get("/jit/requestable")).get(0)).containsOnlyKeys("rule", "resources", "actions",
        "maxDuration", "maxDurationSeconds", "approvalsRequired", "autoApprove", "justificationRequired",
        "justificationPattern", "breakGlass", "breakGlassMaxDuration", "breakGlassMaxDurationSeconds",
        "incidentPattern");

    Map<String, Object> granted = map(alice.post("/jit/requests", readRequest("prod/orders/shape")));
    assertThat(granted).containsOnlyKeys("status", "request", "grant");
    assertThat(member(granted, "grant")).containsOnlyKeys("id", "subject", "resource", "actions", "grantedAt",
        "expiresAt", "remainingSeconds", "state", "breakGlass", "incidentId", "requestId", "rule", "justification");
    List<String> requestFields = List.of("id", "requester", "resource", "actions", "duration", "durationSeconds",
        "justification", "state", "createdAt", "rule", "requiredApprovals", "approvals", "canApprove", "canCancel");
    assertThat(member(granted, "request")).containsOnlyKeys(requestFields);

    String requestId = pendingOfAlice("prod/orders/shape-pending");
    Map<String, Object> pending = list(alice.get("/jit/requests/mine")).stream()
        .filter(r -> requestId.equals(r.get("id"))).findFirst().orElseThrow();
    assertThat(pending).containsOnlyKeys(requestFields);
    assertThat(pending).containsEntry("duration", "PT10M").containsEntry("durationSeconds", 600)
        .containsEntry("requiredApprovals", 1);
    Map<String, Object> denied = map(as("bob").post("/jit/requests/" + requestId + "/deny", "{\"reason\":\"no\"}"));
    assertThat(member(denied, "request")).containsKeys("reason", "decidedBy");

    String breakGlass = (String) member(map(as("carol").post("/jit/break-glass",
        "{\"resource\":\"prod/orders/bg-shape\",\"actions\":[\"write\"],\"duration\":\"PT5M\","
            + "\"incidentId\":\"INC-43\"}")), "grant").get("id");
    assertThat(list(as("root").get("/jit/reviews"))).filteredOn(r -> breakGlass.equals(r.get("grantId")))
        .singleElement().satisfies(r -> assertThat(r).containsOnlyKeys("grantId", "subject", "resource", "incidentId",
            "grantedAt", "endedAt", "acknowledged"));
  }

  @Test
  void theGrantsRemainingTimeFollowsTheClock() {
    String grantId = grantOfAlice("prod/orders/clock");
    ((ManualClock) app.getBean(Clock.class)).advance(Duration.ofMinutes(4));
    assertThat(list(as("alice").get("/jit/grants/mine"))).filteredOn(g -> grantId.equals(g.get("id")))
        .singleElement().satisfies(g -> assertThat(g.get("remainingSeconds")).isEqualTo(360));
  }
}
