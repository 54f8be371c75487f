package dev.jitaccess.credential;

import static dev.jitaccess.credential.TokenFixture.T0;
import static dev.jitaccess.credential.TokenFixture.T0_SECONDS;
import static dev.jitaccess.credential.TokenFixture.decode;
import static dev.jitaccess.credential.TokenFixture.grant;
import static dev.jitaccess.credential.TokenFixture.keys1;
import static dev.jitaccess.credential.TokenFixture.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.Grant;
import dev.jitaccess.GrantState;
import dev.jitaccess.credential.InvalidTokenException.Reason;
import dev.jitaccess.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SignedTokenTimeTest {

  private final ManualClock clock = new ManualClock();
  private final SigningKeys keys = keys1();
  private final SignedTokenIssuer issuer = TokenFixture.issuer(keys, clock).build();
  private final SignedTokenVerifier verifier = SignedTokenVerifier.builder().keys(keys).clock(clock)
      .revocations(issuer).build();

  @Test
  void tokenExpiresAtTheGrantsExpiry() {
    String token = issuer.issue(grant("g1", T0, T0.plusSeconds(60))).secret();

    clock.set(T0.plusSeconds(60).minusMillis(1));
    assertThat(verifier.verify(token).grantId()).isEqualTo("g1");
    clock.set(T0.plusSeconds(60));
    refused(Reason.EXPIRED, token, () -> verifier.verify(token));
    clock.advance(Duration.ofDays(1));
    refused(Reason.EXPIRED, token, () -> verifier.verify(token));
  }

  @Test
  void expiryMidSecondRoundsDownSoTheTokenNeverOutlivesTheGrant() {
    Grant grant = grant("g1", T0, T0.plusMillis(1500));

    Credential credential = issuer.issue(grant);

    assertThat(credential.expiresAt()).isEqualTo(T0.plusSeconds(1));
    assertThat(decode(credential.secret().split("\\.")[1])).contains("\"exp\":" + (T0_SECONDS + 1) + ",");
    clock.set(T0.plusMillis(999));
    assertThat(verifier.verify(credential.secret()).expiresAt()).isEqualTo(T0.plusSeconds(1));
    clock.set(T0.plusMillis(1000)); // the grant still runs for half a second; the token does not
    assertThat(grant.isEffectiveAt(clock.instant())).isTrue();
    refused(Reason.EXPIRED, credential.secret(), () -> verifier.verify(credential.secret()));
  }

  @Test
  void scheduledGrantsTokenIsNotValidBeforeTheGrantStarts() {
    Instant start = T0.plus(Duration.ofMinutes(10)).plusMillis(300);
    String token = issuer.issue(grant("g1", start, start.plusSeconds(600))).secret();

    refused(Reason.NOT_YET_VALID, token, () -> verifier.verify(token));
    clock.set(start); // nbf is rounded up: never valid before the grant
    refused(Reason.NOT_YET_VALID, token, () -> verifier.verify(token));
    clock.set(T0.plus(Duration.ofMinutes(10)).plusSeconds(1));
    assertThat(verifier.verify(token).notBefore()).isEqualTo(T0.plus(Duration.ofMinutes(10)).plusSeconds(1));
  }

  @Test
  void startedGrantsNotBeforeRoundsDownSoAFreshTokenWorksAtOnce() {
    clock.set(T0.plusMillis(800));
    String token = issuer.issue(grant("g1", T0.plusMillis(300), T0.plusSeconds(60))).secret();

    assertThat(verifier.verify(token).notBefore()).isEqualTo(T0);
  }

  @Test
  void leewayWidensNotBeforeAndExpiryButNotBeyondFiveMinutes() {
    String token = issuer.issue(grant("g1", T0, T0.plusSeconds(60))).secret();
    SignedTokenVerifier lenient = SignedTokenVerifier.builder().keys(keys).clock(clock).revocations(issuer)
        .leeway(Duration.ofSeconds(30)).build();

    clock.set(T0.plusSeconds(90).minusMillis(1));
    assertThat(lenient.verify(token).grantId()).isEqualTo("g1");
    clock.set(T0.plusSeconds(90));
    refused(Reason.EXPIRED, token, () -> lenient.verify(token));
    clock.set(T0.minusSeconds(30));
    assertThat(lenient.verify(token).grantId()).isEqualTo("g1");
    clock.set(T0.minusSeconds(30).minusMillis(1));
    refused(Reason.NOT_YET_VALID, token, () -> lenient.verify(token));

    assertThatThrownBy(() -> SignedTokenVerifier.builder().leeway(Duration.ofMinutes(5).plusMillis(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leeway");
    assertThatThrownBy(() -> SignedTokenVerifier.builder().leeway(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leeway");
  }

  @Test
  void issueFailsClosedForGrantsThatDeserveNoToken() {
    Grant running = grant("g1", T0.minusSeconds(60), T0.plusSeconds(60));
    assertThatThrownBy(() -> issuer.issue(running.ended(GrantState.REVOKED, T0, "revoked")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("REVOKED");
    assertThatThrownBy(() -> issuer.issue(running.ended(GrantState.EXPIRED, T0, "expired")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("EXPIRED");
    assertThatThrownBy(() -> issuer.issue(grant("g2", T0.minusSeconds(60), T0.minusMillis(1))))
        .isInstanceOf(IllegalStateException.class);
    clock.set(T0.plusMillis(200)); // ends within the current second: no whole-second token fits
    assertThatThrownBy(() -> issuer.issue(grant("g3", T0, T0.plusMillis(900))))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> issuer.issue(grant("g4", T0.plusSeconds(5).plusMillis(100),
        T0.plusSeconds(5).plusMillis(900)))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> issuer.issue(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("grant");
  }
}
