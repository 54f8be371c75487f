package dev.jitaccess.credential;

import static dev.jitaccess.credential.TokenFixture.CI;
import static dev.jitaccess.credential.TokenFixture.T0;
import static dev.jitaccess.credential.TokenFixture.T0_SECONDS;
import static dev.jitaccess.credential.TokenFixture.decode;
import static dev.jitaccess.credential.TokenFixture.grant;
import static dev.jitaccess.credential.TokenFixture.keys1;
import static dev.jitaccess.credential.TokenFixture.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.Grant;
import dev.jitaccess.Subject;
import dev.jitaccess.credential.InvalidTokenException.Reason;
import dev.jitaccess.testing.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SignedTokenRoundTripTest {

  private final ManualClock clock = new ManualClock();
  private final SigningKeys keys = keys1();
  private final SignedTokenIssuer issuer = TokenFixture.issuer(keys, clock).build();
  private final SignedTokenVerifier verifier = SignedTokenVerifier.builder().keys(keys).clock(clock)
      .revocations(issuer).build();

  @Test
  void issuedTokenVerifiesAndSaysWhatTheGrantSays() {
    Grant grant = grant("g1", T0, T0.plus(Duration.ofMinutes(30)));

    Credential credential = issuer.issue(grant);
    VerifiedToken token = verifier.verify(credential.secret());

    assertThat(credential.grantId()).isEqualTo("g1");
    assertThat(credential.type()).isEqualTo(SignedTokenIssuer.TYPE).isEqualTo("jws");
    assertThat(credential.expiresAt()).isEqualTo(grant.expiresAt());
    assertThat(token).isEqualTo(new VerifiedToken("g1", CI, "prod/deploy", grant.actions(), T0,
        grant.expiresAt(), "k1"));
    assertThat(token.actions()).containsExactly("deploy", "write");
    assertThat(token.allows("prod/deploy", "deploy")).isTrue();
    assertThat(token.allows("prod/deploy", "admin")).isFalse();
    assertThat(token.allows("prod/deploy/other", "deploy")).isFalse();
  }

  @Test
  void tokenIsAStandardCompactJwsWithTheDocumentedHeaderAndClaims() {
    clock.advance(Duration.ofMillis(1500)); // iat is whole seconds, rounded down
    Grant grant = grant("g-7", T0, T0.plusSeconds(600));

    String token = issuer.issue(grant).secret();

    String[] parts = token.split("\\.", -1);
    assertThat(parts).hasSize(3);
    assertThat(token).matches("[A-Za-z0-9_.-]+");
    assertThat(decode(parts[0])).isEqualTo("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}");
    assertThat(decode(parts[1])).isEqualTo("{\"iss\":\"jit-access\",\"sub\":\"ci-deploy\",\"sub_kind\":\"service\","
        + "\"jti\":\"g-7\",\"iat\":" + (T0_SECONDS + 1) + ",\"nbf\":" + T0_SECONDS + ",\"exp\":" + (T0_SECONDS + 600)
        + ",\"resource\":\"prod/deploy\",\"actions\":[\"deploy\",\"write\"]}");
    assertThat(TokenFixture.signed(TokenFixture.KEY1, parts[0] + "." + parts[1])).isEqualTo(token);
  }

  @Test
  void userSubjectsPatternsAndOddCharactersSurviveTheRoundTrip() {
    Subject odd = Subject.user("o'brien \"the\" \\admin\\ \u00fcber \uD83D\uDD25 </script>");
    Grant grant = grant("g-odd", odd, "prod/**", T0, T0.plusSeconds(60));

    VerifiedToken token = verifier.verify(issuer.issue(grant).secret());

    assertThat(token.subject()).isEqualTo(odd);
    assertThat(token.resource()).isEqualTo("prod/**");
    assertThat(token.allows("prod/db/orders", "write")).isTrue();
  }

  @Test
  void issuerAndAudienceMustMatchTheVerifier() {
    Grant grant = grant("g1", T0, T0.plusSeconds(60));
    SignedTokenIssuer forDeployApi = TokenFixture.issuer(keys, clock).issuer("jit-prod")
        .audience("deploy-api").build();
    String token = forDeployApi.issue(grant).secret();
    String plain = issuer.issue(grant).secret();

    SignedTokenVerifier.Builder base = SignedTokenVerifier.builder().keys(keys).clock(clock).revocations(issuer);
    assertThat(base.issuer("jit-prod").audience("deploy-api").build().verify(token).grantId()).isEqualTo("g1");
    refused(Reason.WRONG_AUDIENCE, token, () -> base.issuer("jit-prod").audience(null).build().verify(token));
    refused(Reason.WRONG_AUDIENCE, token, () -> base.issuer("jit-prod").audience("billing").build().verify(token));
    refused(Reason.WRONG_ISSUER, token, () -> base.issuer("jit-access").audience("deploy-api").build().verify(token));
    refused(Reason.WRONG_AUDIENCE, plain, () -> base.issuer("jit-access").audience("deploy-api").build().verify(plain));
    assertThat(decode(token.split("\\.")[1])).contains("\"iss\":\"jit-prod\",\"aud\":\"deploy-api\"");
  }

  @Test
  void audienceMayBeAnArray() {
    String token = TokenFixture.hs256(TokenFixture.KEY1, TokenFixture.header("k1"),
        TokenFixture.claims("\"exp\":" + (T0_SECONDS + 60) + ",\"aud\":[\"billing\",\"deploy-api\"]"));

    assertThat(SignedTokenVerifier.builder().keys(keys).clock(clock).revocations(issuer).audience("deploy-api").build()
        .verify(token)
        .grantId()).isEqualTo("g1");
    refused(Reason.WRONG_AUDIENCE, token,
        () -> SignedTokenVerifier.builder().keys(keys).clock(clock).revocations(issuer).audience("orders").build()
            .verify(token));
  }

  @Test
  void toStringsShowConfigurationButNoKeyOrToken() {
    String token = issuer.issue(grant("g1", T0, T0.plusSeconds(60))).secret();

    for (String text : new String[] {issuer.toString(), verifier.toString(), keys.toString()}) {
      assertThat(text).contains("k1").doesNotContain(token).doesNotContain(TokenFixture.b64(TokenFixture.KEY1))
          .doesNotContain(java.util.HexFormat.of().formatHex(TokenFixture.KEY1));
    }
  }
}
