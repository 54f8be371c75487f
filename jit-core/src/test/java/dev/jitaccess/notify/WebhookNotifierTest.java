package dev.jitaccess.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jitaccess.AccessRequest;
import dev.jitaccess.Grant;
import dev.jitaccess.GrantState;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.Subject;
import dev.jitaccess.notify.WebhookNotifier.Audience;
import dev.jitaccess.policy.ApprovalRequirement;
import dev.jitaccess.policy.PolicyDecision;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Webhook deliveries to a real local HTTP server, driven by a real engine. */
class WebhookNotifierTest {

  private static final byte[] SECRET = "0123456789abcdef-webhook-secret".getBytes(StandardCharsets.UTF_8);
  private static final Subject ALICE = Subject.user("alice");
  private static final Subject BOB = Subject.user("bob");
  private static final String ORDERS = "prod/db/orders";

  private final Receiver receiver = newReceiver();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    receiver.release();
    for (AutoCloseable c : open) {
      c.close();
    }
    receiver.close();
  }

  private static Receiver newReceiver() {
    try {
      return new Receiver();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private WebhookNotifier notifier(Consumer<WebhookNotifier.Builder> customizer) {
    WebhookNotifier.Builder b = WebhookNotifier.builder()
        .secret(SECRET)
        .defaultEndpoint(receiver.uri("/default"))
        .backoff(Duration.ofMillis(1), Duration.ofMillis(5))
        .drainTimeout(Duration.ofSeconds(10));
    customizer.accept(b);
    WebhookNotifier notifier = b.build();
    open.add(notifier);
    return notifier;
  }

  /** Auto-approves break-glass requests; every other one needs bob. */
  private JitAccessManager engine(WebhookNotifier notifier) {
    ApprovalRequirement bobApproves = new ApprovalRequirement(1, Set.of(BOB), Set.of(), false, Duration.ofHours(1));
    JitAccessManager jit = JitAccessManager.builder()
        .policy(r -> r.breakGlass() ? PolicyDecision.allow("emergency", r.duration())
            : PolicyDecision.requireApprovals("reviewed", r.duration(), bobApproves))
        .listener(notifier)
        .build();
    open.add(0, jit::close); // closed before the notifier
    return jit;
  }

  private static AccessRequest.Builder ask(String justification) {
    return AccessRequest.builder().subject(ALICE).resource(ORDERS).actions("read").duration(Duration.ofMinutes(30))
        .justification(justification);
  }

  private static String pending(JitAccessManager jit, String justification) {
    return ((RequestOutcome.Pending) jit.request(ask(justification).build())).requestId();
  }

  private static Grant approved(JitAccessManager jit, String requestId) {
    return ((RequestOutcome.Granted) jit.approve(requestId, BOB, "ok")).grant();
  }

  @Test
  void aReceiverVerifiesTheSignatureAndReadsTheVersionedDocument() {
    JitAccessManager jit = engine(notifier(b -> {}));
    String requestId = pending(jit, "INC-7: slow orders");

    await().until(() -> receiver.received.size() == 1);
    Receiver.Received got = receiver.received.get(0);
    assertThat(WebhookSignature.verify(SECRET, got.signature(), got.body(), Duration.ofMinutes(5), Clock.systemUTC()))
        .isTrue();
    assertThat(WebhookSignature.verify("another-secret-of-16+bytes".getBytes(StandardCharsets.UTF_8),
        got.signature(), got.body(), Duration.ofMinutes(5), Clock.systemUTC())).as("another secret").isFalse();
    byte[] tampered = new String(got.body(), StandardCharsets.UTF_8).replace("alice", "mallory")
        .getBytes(StandardCharsets.UTF_8);
    assertThat(WebhookSignature.verify(SECRET, got.signature(), tampered, Duration.ofMinutes(5), Clock.systemUTC()))
        .as("tampered body").isFalse();

    JsonNode doc = got.json();
    assertThat(doc.path("schema").asText()).isEqualTo("jit-access.webhook/v1");
    assertThat(doc.path("id").asText()).isEqualTo(got.id()).isNotBlank();
    assertThat(doc.path("type").asText()).isEqualTo("request.pending_approval");
    assertThat(doc.path("requestId").asText()).isEqualTo(requestId);
    assertThat(doc.path("subject").path("kind").asText()).isEqualTo("user");
    assertThat(doc.path("subject").path("id").asText()).isEqualTo("alice");
    assertThat(doc.path("resource").asText()).isEqualTo(ORDERS);
    assertThat(doc.path("actions").get(0).asText()).isEqualTo("read");
    assertThat(doc.path("justification").asText()).isEqualTo("INC-7: slow orders");
    assertThat(doc.path("approvalsNeeded").asInt()).isEqualTo(1);
    assertThat(Instant.parse(doc.path("reviewDeadline").asText())).isAfter(Instant.parse(doc.path("createdAt").asText()));
  }

  @Test
  void eachAudienceHearsItsEventsAndAnAudienceWithoutAnEndpointUsesTheDefault() {
    JitAccessManager jit = engine(notifier(b -> b
        .endpoint(Audience.APPROVERS, receiver.uri("/approvers"))
        .endpoint(Audience.REQUESTER, receiver.uri("/requester"))
        .endpoint(Audience.SECURITY, receiver.uri("/security"))));

    Grant grant = approved(jit, pending(jit, "INC-1: reviewed"));
    jit.request(ask("INC-2: on fire").breakGlass(true).reference("INC-2").build());
    jit.revoke(grant.id(), BOB, "done");

    await().until(() -> receiver.received.size() == 6);
    assertThat(receiver.received).extracting(r -> r.path() + " " + r.type()).containsExactly(
        "/approvers request.pending_approval",
        "/default grant.granted", "/requester grant.granted", // approved: the requester hears it too
        "/default grant.granted", "/security grant.break_glass",
        "/default grant.revoked");
    assertThat(receiver.received.get(1).id()).as("one event, one id wherever it goes")
        .isEqualTo(receiver.received.get(2).id());
    assertThat(receiver.received.get(5).json().path("actor").path("id").asText()).isEqualTo("bob");
  }

  @Test
  void aDeliveryAnswered503IsRetriedWithTheSameIdUntilItSucceeds() {
    receiver.answer(503, 503);
    WebhookNotifier notifier = notifier(b -> {});
    pending(engine(notifier), "INC-3");

    await().until(() -> receiver.received.size() == 3);
    assertThat(receiver.received).extracting(Receiver.Received::id).containsOnly(receiver.received.get(0).id());
    assertThat(receiver.received).allSatisfy(r -> assertThat(
        WebhookSignature.verify(SECRET, r.signature(), r.body(), Duration.ofMinutes(5), Clock.systemUTC())).isTrue());
    assertThat(notifier.deadLetters()).isZero();
  }

  @Test
  void anAttemptThatTimesOutIsRetriedWithTheSameId() {
    receiver.hold();
    WebhookNotifier notifier = notifier(b -> b.requestTimeout(Duration.ofMillis(200)));
    notifier.onGranted(grant("slow"));

    await().until(() -> receiver.received.size() >= 2);
    assertThat(receiver.received).extracting(Receiver.Received::id).containsOnly(receiver.received.get(0).id());
    receiver.release();
  }

  @Test
  void anEndpointNobodyListensOnIsADeadLetterAfterTheLastAttemptAndTheEngineNeverHearsOfIt() throws Exception {
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    WebhookNotifier notifier = notifier(b -> b.maxAttempts(3)
        .defaultEndpoint(java.net.URI.create("http://127.0.0.1:" + closedPort + "/hook")));
    JitAccessManager jit = engine(notifier);

    assertThat(jit.request(ask("INC-12").build())).isInstanceOf(RequestOutcome.Pending.class);

    await().until(() -> notifier.deadLetters() == 1);
  }

  @Test
  void aDeliveryAnswered400IsNotRetriedAndIsADeadLetter() {
    receiver.answer(400);
    WebhookNotifier notifier = notifier(b -> {});
    JitAccessManager jit = engine(notifier);
    String first = pending(jit, "INC-4");

    await().until(() -> notifier.deadLetters() == 1);
    String second = pending(jit, "INC-5");
    await().until(() -> receiver.received.size() >= 2);
    // One delivery thread in order: had the 400 been retried, the retry would have come before the second event.
    assertThat(receiver.received).extracting(r -> r.json().path("requestId").asText()).containsExactly(first, second);
    assertThat(notifier.deadLetters()).isEqualTo(1);
  }

  @Test
  void theEventsOfOneRequestArriveInTheOrderTheEngineMadeThemEvenWhenOneIsRetried() {
    receiver.answer(503);
    JitAccessManager jit = engine(notifier(b -> {}));
    String requestId = pending(jit, "INC-6");
    Grant grant = approved(jit, requestId);
    jit.release(grant.id());

    await().until(() -> receiver.received.size() == 4);
    assertThat(receiver.types()).containsExactly("request.pending_approval", "request.pending_approval",
        "grant.granted", "grant.released");
    assertThat(receiver.received).allSatisfy(r -> assertThat(r.json().path("requestId").asText()).isEqualTo(requestId));
    assertThat(receiver.received.get(3).json().path("reason").asText()).isEqualTo(Grant.RELEASED_REASON);
  }

  @Test
  void aReceiverThatDoesNotAnswerDoesNotHoldUpRequest() {
    receiver.hold();
    JitAccessManager jit = engine(notifier(b -> {}));
    pending(jit, "INC-8: first");
    await().until(() -> receiver.received.size() == 1);

    String second = pending(jit, "INC-9: while the receiver is stuck");

    assertThat(second).isNotBlank();
    assertThat(receiver.received).as("the receiver is still holding the first delivery").hasSize(1);
    receiver.release();
    await().until(() -> receiver.received.size() == 2);
  }

  @Test
  void closeSendsEverythingQueuedWhenItDrainsWithinTheBound() {
    WebhookNotifier notifier = notifier(b -> {});
    for (int i = 0; i < 5; i++) {
      notifier.onGranted(grant("g" + i));
    }

    notifier.close();

    assertThat(receiver.received).extracting(r -> r.json().path("grantId").asText())
        .containsExactly("g0", "g1", "g2", "g3", "g4");
    assertThat(notifier.deadLetters()).isZero();
    notifier.onGranted(grant("late"));
    assertThat(notifier.deadLetters()).as("an event after close").isEqualTo(1);
  }

  @Test
  void closeReportsWhatTheDrainBoundLeavesAsDeadLetters() {
    receiver.hold();
    WebhookNotifier notifier = notifier(b -> b.drainTimeout(Duration.ofMillis(50)));
    notifier.onGranted(grant("stuck"));
    await().until(() -> receiver.received.size() == 1);
    notifier.onGranted(grant("queued-1"));
    notifier.onGranted(grant("queued-2"));

    notifier.close();

    assertThat(notifier.deadLetters()).as("the one in flight and the two queued").isEqualTo(3);
  }

  @Test
  void aFullQueueDeadLettersTheEventAtOnce() {
    receiver.hold();
    WebhookNotifier notifier = notifier(b -> b.queueCapacity(1));
    notifier.onGranted(grant("in-flight"));
    await().until(() -> receiver.received.size() == 1);
    notifier.onGranted(grant("queued"));

    notifier.onGranted(grant("no-room"));

    assertThat(notifier.deadLetters()).isEqualTo(1);
    receiver.release();
    await().until(() -> receiver.received.size() == 2);
    assertThat(receiver.received.get(1).json().path("grantId").asText()).isEqualTo("queued");
  }

  @Test
  void slackBodiesLinkTheConsoleAndCannotBeFormattedByUserText() {
    JitAccessManager jit = engine(notifier(b -> b.format(WebhookNotifier.Format.SLACK)
        .consoleBaseUrl(java.net.URI.create("https://ops.example/jit/"))));
    String requestId = pending(jit, "INC-10 <https://evil.example|click here> <!channel>");

    await().until(() -> receiver.received.size() == 1);
    JsonNode message = receiver.received.get(0).json();
    assertThat(message.path("text").asText()).contains("waiting for approval").contains("alice");
    String blocks = message.path("blocks").toString();
    assertThat(blocks).contains("<https://ops.example/jit/#request-" + requestId + "|")
        .contains("&lt;https://evil.example|click here&gt; &lt;!channel&gt;")
        .doesNotContain("<https://evil").doesNotContain("<!channel>");
  }

  @Test
  void withTheAuditHmacJustificationsAreHashedAsTheAuditHashesThem() {
    dev.jitaccess.audit.AuditHmac hmac = dev.jitaccess.audit.AuditHmac.of(SECRET);
    JitAccessManager jit = engine(notifier(b -> b.hmac(hmac)));
    pending(jit, "INC-11: private detail");

    await().until(() -> receiver.received.size() == 1);
    assertThat(receiver.received.get(0).json().path("justification").asText())
        .isEqualTo(hmac.hash("INC-11: private detail"));
    assertThat(new String(receiver.received.get(0).body(), StandardCharsets.UTF_8)).doesNotContain("private detail");
  }

  @Test
  void neitherTheSecretNorAnEndpointPathShowsInToString() {
    WebhookNotifier notifier = notifier(b -> b.endpoint(Audience.SECURITY, receiver.uri("/T000/B000/token-xyz")));

    assertThat(notifier.toString()).doesNotContain("token-xyz").doesNotContain("webhook-secret")
        .contains("127.0.0.1");
  }

  @Test
  void theBuilderNamesTheFieldItRefuses() {
    assertThatThrownBy(() -> WebhookNotifier.builder().defaultEndpoint(receiver.uri("/")).build())
        .hasMessageContaining("secret");
    assertThatThrownBy(() -> WebhookNotifier.builder().secret(new byte[4]))
        .hasMessageContaining("secret").hasMessageContaining("16");
    assertThatThrownBy(() -> WebhookNotifier.builder().secret(SECRET).build())
        .hasMessageContaining("defaultEndpoint");
    assertThatThrownBy(() -> WebhookNotifier.builder().defaultEndpoint(java.net.URI.create("ftp://h/secret-path")))
        .hasMessageContaining("defaultEndpoint").hasMessageNotContaining("secret-path");
    assertThatThrownBy(() -> WebhookNotifier.builder().queueCapacity(0)).hasMessageContaining("queueCapacity");
  }

  private static Grant grant(String id) {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    return new Grant(id, "req-" + id, ALICE, ORDERS, Set.of("read"), now, now.plusSeconds(600), GrantState.ACTIVE,
        "INC-1", null, List.of(), false, "rule", 0, null, null);
  }
}
