package dev.jitaccess.examples.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Starts the {@link OpsServiceApplication} on a free port, plays a session against it over HTTP and stops it:
 * a refused read, a self-service grant, a refund that needs a DBA lead's approval (asked and approved through the
 * library's HTTP API at {@code /jit}, with its CSRF token), a self-elevating job, and an administrator revoking a
 * grant through the actuator endpoint. The webhook receiver's line for each delivery is printed after the step
 * that caused it. Each step checks the answer it expects.
 */
public final class OpsServiceDemo {

  private static final Duration DELIVERY_WAIT = Duration.ofSeconds(10);

  private final Map<String, HttpClient> clients = new HashMap<>();
  private final Map<String, JsonNode> csrf = new HashMap<>();
  private final ObjectMapper json = new ObjectMapper();
  private final String base;
  private final BlockingQueue<String> deliveries;
  private final PrintStream out;

  OpsServiceDemo(int port, BlockingQueue<String> deliveries, PrintStream out) {
    this.base = "http://127.0.0.1:" + port;
    this.deliveries = deliveries;
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    BlockingQueue<String> deliveries = new LinkedBlockingQueue<>();
    try (OpsServiceApplication.Running service = OpsServiceApplication.start(0, deliveries::add)) {
      new OpsServiceDemo(service.port(), deliveries, System.out).play();
    }
  }

  /** The session; throws {@link IllegalStateException} when the service answers otherwise than expected. */
  void play() throws IOException, InterruptedException {
    say("1. alice lists the orders without a grant");
    JsonNode problem = expect(403, "GET", "/orders", "alice", null);
    say("   403 %s: %s", problem.path("title").asText(), problem.path("detail").asText());

    say("2. alice asks for read access with an incident id; the rule auto-approves it");
    JsonNode read = expect(201, "POST", "/access/requests", "alice", """
        {"resource":"prod/db/orders","actions":["read"],"duration":"15m",
         "justification":"INC-4711 customer says the order list is stale"}""");
    say("   granted until %s", read.path("expiresAt").asText());
    heard(1);
    JsonNode orders = expect(200, "GET", "/orders", "alice", null);
    say("   200: %d orders", orders.size());
    JsonNode notSre = expect(403, "POST", "/access/requests", "bob", """
        {"resource":"prod/db/orders","actions":["read"],"duration":"15m",
         "justification":"INC-4711 customer says the order list is stale"}""");
    say("   bob, a DBA lead but not in sre, asks the same: %s", notSre.path("status").asText());

    say("3. a refund needs write access, a change id and a DBA lead's approval: asked through the API at /jit");
    expect(403, "POST", "/orders/1001/refund", "alice", null);
    JsonNode pending = expect(202, "POST", "/jit/requests", "alice", """
        {"resource":"prod/db/orders/**","actions":["write"],"duration":"PT10M",
         "justification":"CHG-2001 refund duplicate charges"}""");
    String requestId = pending.path("request").path("id").asText();
    say("   %s, %d approval needed", pending.path("status").asText(),
        pending.path("request").path("requiredApprovals").asInt());
    heard(1);
    JsonNode self = expect(403, "POST", "/jit/requests/" + requestId + "/approve", "alice", "{}");
    say("   alice cannot approve her own request (403 %s)", self.path("code").asText());
    JsonNode waiting = expect(200, "GET", "/jit/requests/to-review", "bob", null);
    say("   bob sees %d request waiting for him and approves it", waiting.size());
    JsonNode approved = expect(200, "POST", "/jit/requests/" + requestId + "/approve", "bob",
        "{\"comment\":\"checked the duplicate charges\"}");
    String refundGrant = approved.path("grant").path("id").asText();
    say("   %s", approved.path("status").asText());
    heard(1);
    JsonNode refund = expect(200, "POST", "/orders/1001/refund", "alice", null);
    say("   200: order %s is %s, logged under grant %s", refund.path("order").path("id").asText(),
        refund.path("order").path("status").asText(), shortId(refund.path("grantId").asText()));

    say("4. the reconciliation job holds its own grant only while it runs");
    JsonNode job = expect(200, "POST", "/jobs/reconcile", "alice", null);
    say("   ran under grant %s; alice's grants afterwards: %d (read, refund)", shortId(job.path("grantId").asText()),
        expect(200, "GET", "/jit/grants/mine", "alice", null).size());
    heard(2);

    say("5. an administrator lists the grants and revokes the refund grant through the actuator");
    JsonNode report = expect(200, "GET", "/actuator/jitaccess", "admin", null);
    say("   %d active grants, %d pending requests", report.path("activeGrants").size(),
        report.path("pendingRequests").size());
    JsonNode revoked = expect(200, "DELETE", "/actuator/jitaccess/" + refundGrant + "?reason=refunds%20done",
        "admin", null);
    say("   revoked=%s by %s", revoked.path("revoked").asText(), revoked.path("actor").asText());
    heard(1);
    expect(403, "POST", "/orders/1002/refund", "alice", null);
    say("   alice's next refund: 403 again");

    JsonNode checks = expect(200, "GET", "/actuator/metrics/jit.checks", "admin", null);
    say("6. metrics: jit.checks = %s (tags: %s)", checks.path("measurements").path(0).path("value").asText(),
        checks.path("availableTags").path(0).path("values"));
    JsonNode deadLetters = expect(200, "GET", "/actuator/metrics/jit.webhook.dead.letters", "admin", null);
    say("   jit.webhook.dead.letters = %s (every delivery verified and acknowledged)",
        deadLetters.path("measurements").path(0).path("value").asText());
    say("console: %s/jit (alice/alice, bob/bob, admin/admin) while the service runs; to keep it running:", base);
    say("   %s", OpsServiceApplication.INTERACTIVE_COMMAND);
    say("done");
  }

  /** Prints the receiver's next {@code count} lines: the deliveries the last step caused, in order. */
  private void heard(int count) throws InterruptedException {
    for (int i = 0; i < count; i++) {
      String line = deliveries.poll(DELIVERY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      if (line == null) {
        throw new IllegalStateException("the webhook receiver heard nothing within " + DELIVERY_WAIT);
      }
      say("   %s", line);
    }
  }

  private JsonNode expect(int status, String method, String path, String user, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Basic " + Base64.getEncoder()
            .encodeToString((user + ":" + user).getBytes(StandardCharsets.UTF_8)))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (path.startsWith("/jit/") && !method.equals("GET")) {
      // The API keeps CSRF protection on: a client sends the token of its session, as the console does.
      JsonNode token = csrf.get(user);
      if (token == null) {
        token = expect(200, "GET", "/jit/session", user, null).path("csrf");
        csrf.put(user, token);
      }
      request.header(token.path("headerName").asText(), token.path("token").asText());
    }
    HttpClient http = clients.computeIfAbsent(user,
        u -> HttpClient.newBuilder().cookieHandler(new CookieManager()).build());
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != status) {
      throw new IllegalStateException(method + " " + path + " as " + user + ": expected " + status + ", got "
          + response.statusCode() + " " + response.body());
    }
    return response.body().isEmpty() ? json.createObjectNode() : json.readTree(response.body());
  }

  private void say(String format, Object... args) {
    out.println(args.length == 0 ? format : String.format(format, args));
  }

  private static String shortId(String id) {
    return id.length() > 8 ? id.substring(0, 8) : id;
  }
}
