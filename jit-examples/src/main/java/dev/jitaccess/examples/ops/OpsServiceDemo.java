package dev.jitaccess.examples.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts the {@link OpsServiceApplication} on a free port, plays a session against it over HTTP and stops it:
 * a refused read, a self-service grant, a refund that needs a DBA lead's approval, a self-elevating job, and an
 * administrator revoking a grant through the actuator endpoint. Each step checks the answer it expects.
 */
public final class OpsServiceDemo {

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private final String base;
  private final PrintStream out;

  OpsServiceDemo(int port, PrintStream out) {
    this.base = "http://127.0.0.1:" + port;
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    try (ConfigurableApplicationContext app = start()) {
      new OpsServiceDemo(port(app), System.out).play();
    }
  }

  static ConfigurableApplicationContext start() {
    return new SpringApplicationBuilder(OpsServiceApplication.class).properties("server.port=0").run();
  }

  static int port(ConfigurableApplicationContext app) {
    return app.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
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
    JsonNode orders = expect(200, "GET", "/orders", "alice", null);
    say("   200: %d orders", orders.size());
    JsonNode notSre = expect(403, "POST", "/access/requests", "bob", """
        {"resource":"prod/db/orders","actions":["read"],"duration":"15m",
         "justification":"INC-4711 customer says the order list is stale"}""");
    say("   bob, a DBA lead but not in sre, asks the same: %s", notSre.path("status").asText());

    say("3. a refund needs write access, a change id and a DBA lead's approval");
    expect(403, "POST", "/orders/1001/refund", "alice", null);
    JsonNode pending = expect(202, "POST", "/access/requests", "alice", """
        {"resource":"prod/db/orders/**","actions":["write"],"duration":"10m",
         "justification":"CHG-2001 refund duplicate charges"}""");
    String requestId = pending.path("requestId").asText();
    say("   pending, %d approval needed", pending.path("approvalsNeeded").asInt());
    expect(400, "POST", "/access/requests/" + requestId + "/approve", "alice", "{}");
    say("   alice cannot approve her own request (400)");
    JsonNode waiting = expect(200, "GET", "/access/requests/pending", "bob", null);
    say("   bob sees %d request waiting for him and approves it", waiting.size());
    JsonNode approved = expect(200, "POST", "/access/requests/" + requestId + "/approve", "bob",
        "{\"comment\":\"checked the duplicate charges\"}");
    String refundGrant = approved.path("grantId").asText();
    JsonNode refund = expect(200, "POST", "/orders/1001/refund", "alice", null);
    say("   200: order %s is %s, logged under grant %s", refund.path("order").path("id").asText(),
        refund.path("order").path("status").asText(), shortId(refund.path("grantId").asText()));

    say("4. the reconciliation job holds its own grant only while it runs");
    JsonNode job = expect(200, "POST", "/jobs/reconcile", "alice", null);
    say("   ran under grant %s; alice's grants afterwards: %d (read, refund)", shortId(job.path("grantId").asText()),
        expect(200, "GET", "/access/grants", "alice", null).size());

    say("5. an administrator lists the grants and revokes the refund grant through the actuator");
    JsonNode report = expect(200, "GET", "/actuator/jitaccess", "admin", null);
    say("   %d active grants, %d pending requests", report.path("activeGrants").size(),
        report.path("pendingRequests").size());
    JsonNode revoked = expect(200, "DELETE", "/actuator/jitaccess/" + refundGrant + "?reason=refunds%20done",
        "admin", null);
    say("   revoked=%s by %s", revoked.path("revoked").asText(), revoked.path("actor").asText());
    expect(403, "POST", "/orders/1002/refund", "alice", null);
    say("   alice's next refund: 403 again");

    JsonNode checks = expect(200, "GET", "/actuator/metrics/jit.checks", "admin", null);
    say("6. metrics: jit.checks = %s (tags: %s)", checks.path("measurements").path(0).path("value").asText(),
        checks.path("availableTags").path(0).path("values"));
    say("done");
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
