package dev.jitaccess.credential;

import static dev.jitaccess.credential.TokenFixture.KEY1;
import static dev.jitaccess.credential.TokenFixture.KEY2;
import static dev.jitaccess.credential.TokenFixture.T0;
import static dev.jitaccess.credential.TokenFixture.grant;
import static dev.jitaccess.credential.TokenFixture.refused;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.jitaccess.Grant;
import dev.jitaccess.Subject;
import dev.jitaccess.credential.InvalidTokenException.Reason;
import dev.jitaccess.testing.ManualClock;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Interoperability with an independent JWT implementation (nimbus-jose-jwt, test scope only): it accepts our
 * tokens, and our verifier refuses what it forges or tampers with.
 */
class NimbusInteropTest {

  private final ManualClock clock = new ManualClock();
  private final SigningKeys keys = SigningKeys.builder().key("k1", KEY1).key("k2", KEY2).active("k2").build();
  private final SignedTokenIssuer issuer = TokenFixture.issuer(keys, clock)
      .audience("deploy-api").build();
  private final SignedTokenVerifier verifier = SignedTokenVerifier.builder().keys(keys).clock(clock).revocations(issuer)
      .audience("deploy-api").build();
  private final Grant grant = grant("g-42", T0, T0.plus(Duration.ofMinutes(15)).plusMillis(700));

  // ------------------------------------------------------------------------------------------ nimbus reads ours

  @Test
  void nimbusVerifiesOurTokensAndReadsEveryClaim() throws Exception {
    clock.advance(Duration.ofSeconds(3));
    String token = issuer.issue(grant).secret();

    SignedJWT jwt = SignedJWT.parse(token);

    assertThat(jwt.verify(new MACVerifier(KEY2))).isTrue();
    assertThat(jwt.verify(new MACVerifier(KEY1))).isFalse();
    assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);
    assertThat(jwt.getHeader().getKeyID()).isEqualTo("k2");
    assertThat(jwt.getHeader().getType()).isEqualTo(JOSEObjectType.JWT);
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    assertThat(claims.getIssuer()).isEqualTo("jit-access");
    assertThat(claims.getAudience()).containsExactly("deploy-api");
    assertThat(claims.getSubject()).isEqualTo("ci-deploy");
    assertThat(claims.getStringClaim("sub_kind")).isEqualTo("service");
    assertThat(claims.getJWTID()).isEqualTo("g-42");
    assertThat(claims.getIssueTime().toInstant()).isEqualTo(T0.plusSeconds(3));
    assertThat(claims.getNotBeforeTime().toInstant()).isEqualTo(T0);
    assertThat(claims.getExpirationTime().toInstant()).isEqualTo(T0.plus(Duration.ofMinutes(15)));
    assertThat(claims.getStringClaim("resource")).isEqualTo("prod/deploy");
    assertThat(claims.getStringListClaim("actions")).containsExactly("deploy", "write");
  }

  @Test
  void nimbusReadsOddCharactersExactlyAsWeWroteThem() throws Exception {
    Subject odd = Subject.user("o'brien \"q\" \\ \u00fcber \uD83D\uDD25 <b>&amp; end");
    String token = issuer.issue(grant("g-odd", odd, "prod/**", T0, T0.plusSeconds(60))).secret();

    SignedJWT jwt = SignedJWT.parse(token);

    assertThat(jwt.verify(new MACVerifier(KEY2))).isTrue();
    assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo(odd.id());
    assertThat(jwt.getJWTClaimsSet().getStringClaim("sub_kind")).isEqualTo("user");
  }

  // ------------------------------------------------------------------------------------------ we read nimbus's

  @Test
  void weAcceptAProperTokenNimbusSignsWithOurKey() throws Exception {
    String token = nimbusHs256(KEY1, "k1", claims().build());

    VerifiedToken verified = verifier.verify(token);

    assertThat(verified.grantId()).isEqualTo("g-42");
    assertThat(verified.subject()).isEqualTo(Subject.service("ci-deploy"));
    assertThat(verified.keyId()).isEqualTo("k1");
    assertThat(verified.actions()).containsExactly("deploy");
  }

  @Test
  void weRefuseATokenNimbusSignsWithAnotherKey() throws Exception {
    String token = nimbusHs256(TokenFixture.key(200), "k1", claims().build());
    refused(Reason.BAD_SIGNATURE, token, () -> verifier.verify(token));
  }

  @Test
  void weRefuseTamperedPayloadHeaderAndSignature() throws Exception {
    String token = nimbusHs256(KEY1, "k1", claims().build());
    String[] p = token.split("\\.");

    String payload = new JWTClaimsSet.Builder(claims().build()).claim("resource", "prod/**").build().toPayload()
        .toBase64URL().toString();
    String tamperedPayload = p[0] + "." + payload + "." + p[2];
    refused(Reason.BAD_SIGNATURE, tamperedPayload, () -> verifier.verify(tamperedPayload));

    String header = new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k2").type(JOSEObjectType.JWT).build()
        .toBase64URL().toString();
    String tamperedHeader = header + "." + p[1] + "." + p[2];
    refused(Reason.BAD_SIGNATURE, tamperedHeader, () -> verifier.verify(tamperedHeader));

    char first = p[2].charAt(0);
    String tamperedSignature = p[0] + "." + p[1] + "." + (first == 'A' ? 'B' : 'A') + p[2].substring(1);
    refused(Reason.BAD_SIGNATURE, tamperedSignature, () -> verifier.verify(tamperedSignature));
  }

  @Test
  void weRefuseAnUnsignedToken() {
    String token = new PlainJWT(claims().build()).serialize();
    assertThat(token).endsWith(".");
    refused(Reason.UNSUPPORTED_ALGORITHM, token, () -> verifier.verify(token));
  }

  @Test
  void weRefuseOtherMacAlgorithmsEvenWithOurKeyMaterial() throws Exception {
    byte[] long64 = new byte[64];
    System.arraycopy(KEY1, 0, long64, 0, 32);
    System.arraycopy(KEY2, 0, long64, 32, 32);
    SignedJWT hs512 = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS512).keyID("k1").build(), claims().build());
    hs512.sign(new MACSigner(long64));
    String token = hs512.serialize();

    refused(Reason.UNSUPPORTED_ALGORITHM, token, () -> verifier.verify(token));
  }

  @Test
  void weRefuseAnRs256TokenAlgorithmConfusion() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    SignedJWT rs256 = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(), claims().build());
    rs256.sign(new RSASSASigner((RSAPrivateKey) generator.generateKeyPair().getPrivate()));
    String token = rs256.serialize();

    refused(Reason.UNSUPPORTED_ALGORITHM, token, () -> verifier.verify(token));
  }

  @Test
  void weRefuseAnRs256HeaderOverAnHmacMadeWithOurKey() throws Exception {
    // The classic confusion: the attacker claims RS256 and MACs with a key it hopes the verifier will use.
    JWSObject forged = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(),
        new Payload(claims().build().toJSONObject()));
    String signingInput = forged.getHeader().toBase64URL() + "." + forged.getPayload().toBase64URL();
    String token = TokenFixture.signed(KEY1, signingInput);

    refused(Reason.UNSUPPORTED_ALGORITHM, token, () -> verifier.verify(token));
  }

  @Test
  void weRefuseMissingAndUnknownKeyIds() throws Exception {
    String missing = nimbusHs256(KEY1, null, claims().build());
    String unknown = nimbusHs256(KEY1, "k3", claims().build());

    refused(Reason.UNKNOWN_KEY, missing, () -> verifier.verify(missing));
    refused(Reason.UNKNOWN_KEY, unknown, () -> verifier.verify(unknown));
  }

  @Test
  void weRefuseNimbusTokensOutsideTheirTimeWindow() throws Exception {
    String expired = nimbusHs256(KEY1, "k1", claims().expirationTime(Date.from(T0)).build());
    String early = nimbusHs256(KEY1, "k1", claims().notBeforeTime(Date.from(T0.plusSeconds(1))).build());

    refused(Reason.EXPIRED, expired, () -> verifier.verify(expired));
    refused(Reason.NOT_YET_VALID, early, () -> verifier.verify(early));
  }

  // ------------------------------------------------------------------------------------------------ helpers

  private static JWTClaimsSet.Builder claims() {
    Instant now = T0;
    return new JWTClaimsSet.Builder()
        .issuer("jit-access")
        .audience("deploy-api")
        .subject("ci-deploy")
        .claim("sub_kind", "service")
        .jwtID("g-42")
        .issueTime(Date.from(now))
        .notBeforeTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(900)))
        .claim("resource", "prod/deploy")
        .claim("actions", List.of("deploy"));
  }

  private static String nimbusHs256(byte[] key, String kid, JWTClaimsSet claims) throws Exception {
    JWSHeader.Builder header = new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT);
    if (kid != null) {
      header.keyID(kid);
    }
    SignedJWT jwt = new SignedJWT(header.build(), claims);
    jwt.sign(new MACSigner(key));
    return jwt.serialize();
  }
}
