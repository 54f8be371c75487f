package dev.jitaccess.examples.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the example's receiver accepts: only deliveries signed with its secret, recently, and each id once. */
class WebhookReceiverTest {

  private static final String SECRET = "the-receivers-shared-secret-0123";
  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final String BODY = """
      {"schema":"jit-access.webhook/v1","id":"e1","type":"request.pending_approval","requestId":"r-123456789",
       "subject":{"kind":"user","id":"alice"},"resource":"prod/db/orders","actions":["write"],
       "approvalsNeeded":1,"justification":"CHG-1 secret plans"}""";

  private final List<String> printed = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private WebhookReceiver receiver;

  @BeforeEach
  void start() throws Exception {
    receiver = new WebhookReceiver(SECRET, Clock.fixed(NOW, ZoneOffset.UTC), printed::add);
  }

  @AfterEach
  void stop() {
    receiver.close();
  }

  private int post(String id, String signature) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(receiver.url()))
        .header("webhook-id", id).header("X-Jit-Signature", signature)
        .POST(HttpRequest.BodyPublishers.ofString(BODY)).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static String sign(String secret, long t) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    mac.update((t + ".").getBytes(StandardCharsets.US_ASCII));
    return "t=" + t + ",v1=" + HexFormat.of().formatHex(mac.doFinal(BODY.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void aSignedDeliveryIsPrintedOnceWithoutItsJustification() throws Exception {
    String signature = sign(SECRET, NOW.getEpochSecond());
    assertThat(post("e1", signature)).isEqualTo(204);
    assertThat(post("e1", signature)).as("a retry of the same event").isEqualTo(200);
    assertThat(printed).containsExactly(
        "webhook request.pending_approval: request r-123456, alice write on prod/db/orders, 1 approval needed");
  }

  @Test
  void aForgedOrReplayedDeliveryIsRefused() throws Exception {
    assertThat(post("e2", sign("an-attackers-guess-of-the-secret", NOW.getEpochSecond()))).isEqualTo(401);
    assertThat(post("e3", sign(SECRET, NOW.minusSeconds(600).getEpochSecond()))).as("replayed later")
        .isEqualTo(401);
    assertThat(post("e4", "t=" + NOW.getEpochSecond())).isEqualTo(401);
    assertThat(printed).allMatch(line -> line.startsWith("webhook refused"));
  }
}
