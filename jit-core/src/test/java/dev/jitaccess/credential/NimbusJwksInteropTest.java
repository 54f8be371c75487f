package dev.jitaccess.credential;

import static dev.jitaccess.credential.TokenFixture.T0;
import static dev.jitaccess.credential.TokenFixture.grant;
import static dev.jitaccess.credential.TokenFixture.refused;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.jitaccess.credential.InvalidTokenException.Reason;
import dev.jitaccess.credential.SigningKeys.Algorithm;
import dev.jitaccess.testing.ManualClock;
import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ES256 and EdDSA interoperability with nimbus-jose-jwt (test scope): it reads our JWKS and verifies our tokens
 * with it, and our verifier accepts what nimbus signs with the same key, for both algorithms (nimbus's Ed25519
 * signer and verifier run on Google Tink, a test dependency here).
 */
class NimbusJwksInteropTest {

  static final KeyPair EC = SigningKeys.generateKeyPair(Algorithm.ES256);
  static final KeyPair ED = SigningKeys.generateKeyPair(Algorithm.EDDSA);
  static final BigInteger HALF_N = AsymmetricTokenTest.N.shiftRight(1);

  private final ManualClock clock = new ManualClock();
  private final SigningKeys keys = SigningKeys.builder().keyPair("ec1", EC).keyPair("ed1", ED).active("ec1").build();
  private final SignedTokenVerifier ours = SignedTokenVerifier.fromJwks(keys.publicJwks()).clock(clock)
      .allowUnrevocableTokens().build();

  String ourToken(SigningKeys signing) {
    return TokenFixture.issuer(signing, clock).build().issue(grant("g1", T0, T0.plus(Duration.ofMinutes(15))))
        .secret();
  }

  @Test
  void nimbusReadsOurJwksAsPublicSigningKeys() throws Exception {
    JWKSet set = JWKSet.parse(keys.publicJwks());

    ECKey ec = set.getKeyByKeyId("ec1").toECKey();
    assertThat(ec.isPrivate()).isFalse();
    assertThat(ec.getCurve()).isEqualTo(Curve.P_256);
    assertThat(ec.getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
    assertThat(ec.getKeyUse()).isEqualTo(KeyUse.SIGNATURE);
    assertThat(ec.toECPublicKey()).isEqualTo(EC.getPublic());
    OctetKeyPair ed = set.getKeyByKeyId("ed1").toOctetKeyPair();
    assertThat(ed.isPrivate()).isFalse();
    assertThat(ed.getCurve()).isEqualTo(Curve.Ed25519);
    assertThat(ed.getAlgorithm()).isEqualTo(JWSAlgorithm.EdDSA);
  }

  @Test
  void nimbusVerifiesOurEs256TokenWithTheKeyFromOurJwksAndRefusesATamperedOne() throws Exception {
    String token = ourToken(keys);
    ECDSAVerifier verifier = new ECDSAVerifier(JWKSet.parse(keys.publicJwks()).getKeyByKeyId("ec1").toECKey());

    SignedJWT jwt = SignedJWT.parse(token);
    assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
    assertThat(jwt.verify(verifier)).isTrue();
    assertThat(jwt.getJWTClaimsSet().getJWTID()).isEqualTo("g1");
    String tampered = token.substring(0, token.indexOf('.') + 1)
        + TokenFixture.b64(TokenFixture.decode(token.split("\\.")[1]).replace("ci-deploy", "ci-deplox"))
        + token.substring(token.lastIndexOf('.'));
    assertThat(SignedJWT.parse(tampered).verify(verifier)).isFalse();
  }

  @Test
  void nimbusParsesOurEdDsaTokenAndTheKeyItReadFromOurJwksVerifiesIt() throws Exception {
    String token = ourToken(SigningKeys.builder().keyPair("ed1", ED).build());
    OctetKeyPair jwk = JWKSet.parse(keys.publicJwks()).getKeyByKeyId("ed1").toOctetKeyPair();
    // The X.509 form of an Ed25519 key: a fixed 12-byte prefix, then the 32 bytes nimbus decoded from x.
    PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(
        concat(HexFormat.of().parseHex("302a300506032b6570032100"), jwk.getDecodedX())));

    SignedJWT jwt = SignedJWT.parse(token);
    assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.EdDSA);
    assertThat(jwt.getHeader().getKeyID()).isEqualTo("ed1");
    Signature jdk = Signature.getInstance("Ed25519");
    jdk.initVerify(key);
    jdk.update(jwt.getSigningInput());
    assertThat(jdk.verify(jwt.getSignature().decode())).isTrue();
    assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo("ci-deploy");
  }

  @Test
  void nimbusEd25519VerifierChecksOurEdDsaTokenWithTheKeyFromOurJwksAndRefusesATamperedOne() throws Exception {
    String token = ourToken(SigningKeys.builder().keyPair("ed1", ED).build());
    Ed25519Verifier verifier = new Ed25519Verifier(JWKSet.parse(keys.publicJwks()).getKeyByKeyId("ed1")
        .toOctetKeyPair());

    assertThat(SignedJWT.parse(token).verify(verifier)).isTrue();
    String tampered = token.substring(0, token.indexOf('.') + 1)
        + TokenFixture.b64(TokenFixture.decode(token.split("\\.")[1]).replace("ci-deploy", "ci-deplox"))
        + token.substring(token.lastIndexOf('.'));
    assertThat(SignedJWT.parse(tampered).verify(verifier)).isFalse();
  }

  @Test
  void ourVerifierAcceptsAnEdDsaTokenNimbusSignedWithTheSameKey() throws Exception {
    OctetKeyPair published = JWKSet.parse(keys.publicJwks()).getKeyByKeyId("ed1").toOctetKeyPair();
    byte[] pkcs8 = ED.getPrivate().getEncoded(); // PKCS#8 of Ed25519: the raw 32-byte key is its last 32 bytes
    OctetKeyPair signingJwk = new OctetKeyPair.Builder(published)
        .d(Base64URL.encode(Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length))).build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID("ed1").type(JOSEObjectType.JWT)
        .build(), claims("g-ed"));
    jwt.sign(new Ed25519Signer(signingJwk));

    VerifiedToken verified = ours.verify(jwt.serialize());

    assertThat(verified.subject().id()).isEqualTo("ci-deploy");
  }

  @Test
  void ourVerifierAcceptsNimbusEs256TokensInTheLowSFormAndOnlyThat() throws Exception {
    // nimbus, like the JDK, leaves S as the signer drew it; we accept the low-S half and its low-S twin of the rest.
    ECDSASigner signer = new ECDSASigner((ECPrivateKey) EC.getPrivate());
    int low = 0;
    for (int i = 0; i < 24; i++) {
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT).keyID("ec1")
          .build(), claims("g" + i));
      jwt.sign(signer);
      String token = jwt.serialize();
      byte[] sig = jwt.getSignature().decode();
      BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
      if (s.compareTo(HALF_N) <= 0) {
        low++;
        assertThat(ours.verify(token).grantId()).isEqualTo("g" + i);
      } else {
        refused(Reason.BAD_SIGNATURE, token, () -> ours.verify(token));
        String canonical = AsymmetricTokenTest.withSignature(token, AsymmetricTokenTest.twin(sig));
        assertThat(ours.verify(canonical).grantId()).isEqualTo("g" + i);
      }
    }
    assertThat(low).as("24 signatures drew no low S: vanishingly unlikely").isPositive();
  }

  private static JWTClaimsSet claims(String jti) {
    return new JWTClaimsSet.Builder().issuer("jit-access").subject("ci-deploy").claim("sub_kind", "service")
        .jwtID(jti).issueTime(Date.from(T0)).notBeforeTime(Date.from(T0))
        .expirationTime(Date.from(T0.plusSeconds(900))).claim("resource", "prod/deploy")
        .claim("actions", List.of("deploy")).build();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
