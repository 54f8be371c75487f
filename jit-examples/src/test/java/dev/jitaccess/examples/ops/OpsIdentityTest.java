package dev.jitaccess.examples.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jitaccess.Approval;
import dev.jitaccess.ApproverDirectory;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.Subject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ops service keeps one person one identity: logging in as {@code ALICE} or {@code Alice} is still alice,
 * who cannot approve her own request, and the approver directory knows its users under their own names only.
 */
class OpsIdentityTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static OpsServiceApplication.Running service;

  @BeforeAll
  static void start() throws Exception {
    service = OpsServiceApplication.start(0, delivery -> {});
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  @Test
  void anotherSpellingOfTheRequesterCannotApproveAndTheApproverIsRecordedUnderItsName() throws Exception {
    HttpResponse<String> asked = call("POST", "/access/requests", "alice", "alice", """
        {"resource":"prod/db/orders/**","actions":["write"],"duration":"10m",
         "justification":"CHG-3001 refund a duplicate charge"}""");
    assertThat(asked.statusCode()).isEqualTo(202);
    String requestId = JSON.readTree(asked.body()).path("requestId").asText();

    for (String spelling : new String[] {"ALICE", "Alice"}) {
      HttpResponse<String> self = call("POST", "/access/requests/" + requestId + "/approve", spelling, "alice", "{}");
      assertThat(self.statusCode()).as(spelling).isEqualTo(400);
      assertThat(self.body()).as(spelling).contains("may not decide its own request");
    }

    HttpResponse<String> approved = call("POST", "/access/requests/" + requestId + "/approve", "BOB", "bob", "{}");
    assertThat(approved.statusCode()).isEqualTo(200);
    JsonNode outcome = JSON.readTree(approved.body());
    assertThat(outcome.path("status").asText()).isEqualTo("granted");
    assertThat(service.app().getBean(JitAccessManager.class).grant(outcome.path("grantId").asText()).orElseThrow().approvals())
        .extracting(Approval::approver).containsExactly(Subject.user("bob"));
  }

  @Test
  void theApproverDirectoryKnowsUsersUnderTheirOwnNamesOnly() {
    ApproverDirectory directory = service.app().getBean(ApproverDirectory.class);

    assertThat(directory.groupsOf(Subject.user("bob"))).containsExactly("dba-leads");
    assertThat(directory.groupsOf(Subject.user("BOB"))).isEmpty();
    assertThat(directory.groupsOf(Subject.service("bob"))).isEmpty();
  }

  private static HttpResponse<String> call(String method, String path, String user, String password, String body)
      throws Exception {
    HttpRequest request = HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + service.port() + path))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Basic " + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)))
        .header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body))
        .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
