package dev.jitaccess.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** A receiver's check of {@code X-Jit-Signature}. */
class WebhookSignatureTest {

  private static final byte[] SECRET = "0123456789abcdef-webhook-secret".getBytes(StandardCharsets.UTF_8);
  private static final byte[] BODY = "{\"schema\":\"jit-access.webhook/v1\"}".getBytes(StandardCharsets.UTF_8);
  private static final Instant SIGNED = Instant.parse("2026-03-01T12:00:00Z");
  private static final Duration TOLERANCE = Duration.ofMinutes(5);

  private static Clock at(Instant now) {
    return Clock.fixed(now, ZoneOffset.UTC);
  }

  private static boolean verify(String header, Instant now) {
    return WebhookSignature.verify(SECRET, header, BODY, TOLERANCE, at(now));
  }

  private final String header = WebhookSignature.header(SECRET, SIGNED.getEpochSecond(), BODY);

  @Test
  void aFreshSignatureOfTheBodyPasses() {
    assertThat(header).matches("t=" + SIGNED.getEpochSecond() + ",v1=[0-9a-f]{64}");
    assertThat(verify(header, SIGNED.plusSeconds(299))).isTrue();
    assertThat(verify(header, SIGNED.minusSeconds(299))).as("a sender clock a little ahead").isTrue();
  }

  @Test
  void aDeliveryReplayedAfterTheToleranceIsRefused() {
    assertThat(verify(header, SIGNED.plus(TOLERANCE).plusSeconds(1))).isFalse();
    assertThat(verify(header, SIGNED.minus(TOLERANCE).minusSeconds(1))).isFalse();
  }

  @Test
  void anOldSignatureWithAFreshTimestampIsRefused() {
    String forged = header.replace("t=" + SIGNED.getEpochSecond(), "t=" + (SIGNED.getEpochSecond() + 3600));

    assertThat(verify(forged, SIGNED.plusSeconds(3600))).isFalse();
  }

  @Test
  void malformedHeadersAreRefused() {
    String v1 = header.substring(header.indexOf("v1="));
    assertThat(verify(null, SIGNED)).isFalse();
    assertThat(verify("", SIGNED)).isFalse();
    assertThat(verify(v1, SIGNED)).as("no time").isFalse();
    assertThat(verify("t=" + SIGNED.getEpochSecond(), SIGNED)).as("no signature").isFalse();
    assertThat(verify("t=" + SIGNED.getEpochSecond() + ",t=1," + v1, SIGNED)).as("two times").isFalse();
    assertThat(verify("t=-" + SIGNED.getEpochSecond() + "," + v1, SIGNED)).isFalse();
    assertThat(verify(header.substring(0, header.length() - 2) + "zz", SIGNED)).as("not hex").isFalse();
    assertThat(verify(header.substring(0, header.length() - 2), SIGNED)).as("short").isFalse();
  }

  @Test
  void oneMatchingSignatureAmongSeveralPassesForASecretBeingRotated() {
    String other = WebhookSignature.header("another-secret-16+bytes".getBytes(StandardCharsets.UTF_8),
        SIGNED.getEpochSecond(), BODY);
    String both = other + "," + header.substring(header.indexOf("v1=")) + ",v2=future";

    assertThat(verify(both, SIGNED)).isTrue();
    assertThat(verify(other, SIGNED)).isFalse();
  }

  @Test
  void badArgumentsAreNamed() {
    assertThatThrownBy(() -> WebhookSignature.verify(new byte[0], header, BODY, TOLERANCE, at(SIGNED)))
        .hasMessageContaining("secret");
    assertThatThrownBy(() -> WebhookSignature.verify(SECRET, header, BODY, Duration.ofSeconds(-1), at(SIGNED)))
        .hasMessageContaining("tolerance");
  }
}
