package dev.jitaccess.credential;

import static dev.jitaccess.credential.TokenFixture.T0;
import static dev.jitaccess.credential.TokenFixture.b64;
import static dev.jitaccess.credential.TokenFixture.claims;
import static dev.jitaccess.credential.TokenFixture.grant;
import static dev.jitaccess.credential.TokenFixture.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.credential.InvalidTokenException.Reason;
import dev.jitaccess.credential.SigningKeys.Algorithm;
import dev.jitaccess.testing.ManualClock;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ES256 and EdDSA tokens: they round-trip, and a verifier refuses every way of making it check a token with an
 * algorithm other than the one pinned to the key (the attacks of RFC 8725 §2.1 and §3.1), and any signature
 * that is not the one canonical form.
 */
class AsymmetricTokenTest {

  /** P-256's group order. */
  static final BigInteger N = new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);
  static final KeyPair EC = SigningKeys.generateKeyPair(Algorithm.ES256);
  static final KeyPair ED = SigningKeys.generateKeyPair(Algorithm.EDDSA);

  private final ManualClock clock = new ManualClock();
  private final SigningKeys keys = SigningKeys.builder().keyPair("ec1", EC).keyPair("ed1", ED).key("hs1", TokenFixture.KEY1)
      .active("ec1").build();
  private final SignedTokenVerifier verifier = SignedTokenVerifier.builder().keys(keys).clock(clock)
      .allowUnrevocableTokens().build();

  static String header(String alg, String kid) {
    return "{\"alg\":\"" + alg + "\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}";
  }

  /** A token over these texts, signed by the JDK with {@code jcaAlgorithm} and no normalisation. */
  static String jdkSigned(PrivateKey key, String jcaAlgorithm, String header, String claims) {
    String input = b64(header) + "." + b64(claims);
    try {
      Signature signer = Signature.getInstance(jcaAlgorithm);
      signer.initSign(key);
      signer.update(input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + b64(signer.sign());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static String es256(String header, String claims) {
    return jdkSigned(EC.getPrivate(), "SHA256withECDSAinP1363Format", header, claims);
  }

  static String withSignature(String token, byte[] signature) {
    return token.substring(0, token.lastIndexOf('.') + 1) + b64(signature);
  }

  /** The other valid ECDSA signature of the same input: (r, n - s). */
  static byte[] twin(byte[] signature) {
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
    byte[] twinS = N.subtract(s).toByteArray();
    byte[] out = signature.clone();
    Arrays.fill(out, 32, 64, (byte) 0);
    int n = Math.min(32, twinS.length);
    System.arraycopy(twinS, twinS.length - n, out, 64 - n, n);
    return out;
  }

  static byte[] signature(String token) {
    return java.util.Base64.getUrlDecoder().decode(token.substring(token.lastIndexOf('.') + 1));
  }

  // ------------------------------------------------------------------------------------------------ round trip

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void eachAlgorithmSignsWithItsOwnAlgAndVerifies(Algorithm algorithm) {
    SigningKeys one = SigningKeys.generate("k-" + algorithm, algorithm);
    SignedTokenIssuer issuer = TokenFixture.issuer(one, clock).build();
    String token = issuer.issue(grant("g1", T0, T0.plusSeconds(600))).secret();

    assertThat(TokenFixture.decode(token.split("\\.")[0])).contains("\"alg\":\"" + algorithm.jwsName() + "\"");
    VerifiedToken verified = SignedTokenVerifier.builder().keys(one).clock(clock).revocations(issuer).build()
        .verify(token);
    assertThat(verified.grantId()).isEqualTo("g1");
    assertThat(verified.keyId()).isEqualTo("k-" + algorithm);
  }

  @Test
  void ourEs256SignaturesAreAlwaysLowS() {
    SignedTokenIssuer issuer = TokenFixture.issuer(keys, clock).build();
    for (int i = 0; i < 40; i++) {
      String token = issuer.issue(grant("g" + i, T0, T0.plusSeconds(600))).secret();
      BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature(token), 32, 64));
      assertThat(s).isLessThanOrEqualTo(N.shiftRight(1));
      assertThat(verifier.verify(token).grantId()).isEqualTo("g" + i);
    }
  }

  // ---------------------------------------------------------------------------------------------------- attacks

  @Test
  void anHs256TokenMacedWithThePublicKeyIsRefused() {
    String jwks = keys.publicJwks();
    byte[][] publicForms = {EC.getPublic().getEncoded(), ED.getPublic().getEncoded(),
        jwks.getBytes(StandardCharsets.UTF_8)};
    for (String kid : new String[] {"ec1", "ed1"}) {
      for (byte[] secret : publicForms) {
        String forged = TokenFixture.hs256(secret, header("HS256", kid), claims());
        refused(Reason.UNSUPPORTED_ALGORITHM, forged, () -> verifier.verify(forged));
      }
    }
  }

  @Test
  void algNoneIsRefusedForEveryKey() {
    for (String kid : new String[] {"ec1", "ed1", "hs1"}) {
      String forged = b64(header("none", kid)) + "." + b64(claims()) + ".";
      refused(Reason.UNSUPPORTED_ALGORITHM, forged, () -> verifier.verify(forged));
    }
  }

  @Test
  void aKidOfOneAlgorithmWithTheAlgOfAnotherIsRefused() {
    // Signed correctly by the EC key, but naming the Ed25519 key's kid, and the other way round.
    String ecUnderEdKid = es256(header("ES256", "ed1"), claims());
    refused(Reason.UNSUPPORTED_ALGORITHM, ecUnderEdKid, () -> verifier.verify(ecUnderEdKid));
    String edUnderEcKid = jdkSigned(ED.getPrivate(), "Ed25519", header("EdDSA", "ec1"), claims());
    refused(Reason.UNSUPPORTED_ALGORITHM, edUnderEcKid, () -> verifier.verify(edUnderEcKid));
    String esUnderHsKid = es256(header("ES256", "hs1"), claims());
    refused(Reason.UNSUPPORTED_ALGORITHM, esUnderHsKid, () -> verifier.verify(esUnderHsKid));
  }

  @Test
  void aHighSTwinOfAValidEs256SignatureIsRefusedThoughTheJdkAcceptsIt() throws Exception {
    String valid = TokenFixture.issuer(keys, clock).build().issue(grant("g1", T0, T0.plusSeconds(600))).secret();
    byte[] high = twin(signature(valid));
    String malleated = withSignature(valid, high);

    Signature jdk = Signature.getInstance("SHA256withECDSAinP1363Format");
    jdk.initVerify(EC.getPublic());
    jdk.update(valid.substring(0, valid.lastIndexOf('.')).getBytes(StandardCharsets.US_ASCII));
    assertThat(jdk.verify(high)).as("the JDK verifier accepts the high-S twin").isTrue();
    refused(Reason.BAD_SIGNATURE, malleated, () -> verifier.verify(malleated));
  }

  @Test
  void es256SignaturesWithRZeroOrSZeroAreRefused() {
    String valid = es256(header("ES256", "ec1"), claims());
    byte[] rZero = signature(valid);
    Arrays.fill(rZero, 0, 32, (byte) 0);
    byte[] sZero = signature(valid);
    Arrays.fill(sZero, 32, 64, (byte) 0);
    for (byte[] bad : new byte[][] {rZero, sZero}) {
      String token = withSignature(valid, bad);
      refused(Reason.BAD_SIGNATURE, token, () -> verifier.verify(token));
    }
  }

  @Test
  void signaturesOfTheWrongLengthAreRefused() {
    String es = es256(header("ES256", "ec1"), claims());
    String der = jdkSigned(EC.getPrivate(), "SHA256withECDSA", header("ES256", "ec1"), claims());
    String ed = jdkSigned(ED.getPrivate(), "Ed25519", header("EdDSA", "ed1"), claims());
    String[] bad = {
        der, // the JDK's default DER form, not the JWS R||S form
        withSignature(es, Arrays.copyOf(signature(es), 63)),
        withSignature(es, Arrays.copyOf(signature(es), 65)),
        withSignature(es, new byte[0]),
        withSignature(ed, Arrays.copyOf(signature(ed), 63)),
        withSignature(ed, Arrays.copyOf(signature(ed), 65)),
    };
    for (String token : bad) {
      refused(Reason.BAD_SIGNATURE, token, () -> verifier.verify(token));
    }
  }

  @Test
  void anEd25519SignatureWithSPlusTheGroupOrderIsRefused() {
    // RFC 8032 §5.1.7: S must be below L; S + L is the non-canonical twin that lax verifiers accept.
    BigInteger l = BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));
    String ed = jdkSigned(ED.getPrivate(), "Ed25519", header("EdDSA", "ed1"), claims());
    byte[] sig = signature(ed);
    byte[] sLittleEndian = Arrays.copyOfRange(sig, 32, 64);
    byte[] sBigEndian = new byte[32];
    for (int i = 0; i < 32; i++) {
      sBigEndian[i] = sLittleEndian[31 - i];
    }
    byte[] raised = new BigInteger(1, sBigEndian).add(l).toByteArray();
    byte[] twin = sig.clone();
    Arrays.fill(twin, 32, 64, (byte) 0);
    for (int i = 0; i < Math.min(32, raised.length); i++) {
      twin[32 + i] = raised[raised.length - 1 - i];
    }
    String malleated = withSignature(ed, twin);
    refused(Reason.BAD_SIGNATURE, malleated, () -> verifier.verify(malleated));
  }

  @Test
  void aTamperedEdDsaTokenIsRefused() {
    String ed = jdkSigned(ED.getPrivate(), "Ed25519", header("EdDSA", "ed1"), claims());
    assertThat(verifier.verify(ed).grantId()).isEqualTo("g1");
    String tampered = ed.substring(0, ed.indexOf('.') + 1) + b64(claims().replace("ci-deploy", "ci-deplox"))
        + ed.substring(ed.lastIndexOf('.'));
    refused(Reason.BAD_SIGNATURE, tampered, () -> verifier.verify(tampered));
  }

  // ------------------------------------------------------------------------------------------------------ keys

  @Test
  void keyPairsOfAnotherKindOrCurveOrMismatchedHalvesAreRefusedNamingTheKid() throws Exception {
    java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    java.security.KeyPairGenerator p384 = java.security.KeyPairGenerator.getInstance("EC");
    p384.initialize(new java.security.spec.ECGenParameterSpec("secp384r1"));
    KeyPair other = SigningKeys.generateKeyPair(Algorithm.ES256);

    assertThatThrownBy(() -> SigningKeys.builder().keyPair("r1", rsa.generateKeyPair()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("r1").hasMessageContaining("P-256");
    assertThatThrownBy(() -> SigningKeys.builder().keyPair("p3", p384.generateKeyPair()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("p3");
    assertThatThrownBy(() -> SigningKeys.builder().keyPair("mix", new KeyPair(other.getPublic(), EC.getPrivate())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mix");
    assertThatThrownBy(() -> SigningKeys.builder().keyPair("half", new KeyPair(EC.getPublic(), null)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("half");
  }

  @Test
  void toStringShowsKeyIdsOnly() {
    assertThat(keys.toString()).isEqualTo("SigningKeys[active=ec1, keys=[ec1, ed1, hs1]]");
    assertThat(keys.algorithm("ed1")).isEqualTo(Algorithm.EDDSA);
    assertThat(verifier.toString()).doesNotContain(b64(EC.getPublic().getEncoded()).substring(0, 16));
  }
}
