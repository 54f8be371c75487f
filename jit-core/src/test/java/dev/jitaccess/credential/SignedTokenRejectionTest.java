package dev.jitaccess.credential;

import static dev.jitaccess.credential.TokenFixture.KEY1;
import static dev.jitaccess.credential.TokenFixture.T0;
import static dev.jitaccess.credential.TokenFixture.T0_SECONDS;
import static dev.jitaccess.credential.TokenFixture.b64;
import static dev.jitaccess.credential.TokenFixture.claims;
import static dev.jitaccess.credential.TokenFixture.header;
import static dev.jitaccess.credential.TokenFixture.hs256;
import static dev.jitaccess.credential.TokenFixture.refused;
import static dev.jitaccess.credential.TokenFixture.signed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.credential.InvalidTokenException.Reason;
import dev.jitaccess.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Everything a verifier must refuse, and that it says so without echoing the token. */
class SignedTokenRejectionTest {

  private static final ManualClock CLOCK = new ManualClock();
  private static final SigningKeys KEYS = SigningKeys.builder().key("k1", KEY1).key("k2", TokenFixture.KEY2)
      .active("k1").build();
  private static final SignedTokenVerifier VERIFIER = SignedTokenVerifier.builder().keys(KEYS).clock(CLOCK)
      .allowUnrevocableTokens().build();
  private static final String GOOD = hs256(KEY1, header("k1"), claims());

  @Test
  void theHandMadeBaselineIsAccepted() {
    assertThat(VERIFIER.verify(GOOD).grantId()).isEqualTo("g1");
  }

  // ------------------------------------------------------------------------------------------------ structure

  static Stream<Arguments> malformedTokens() {
    String[] p = GOOD.split("\\.");
    String validJsonHeader = b64(header("k1"));
    return Stream.of(
        Arguments.of("null", null),
        Arguments.of("empty", ""),
        Arguments.of("one part", p[0]),
        Arguments.of("two parts", p[0] + "." + p[1]),
        Arguments.of("four parts", GOOD + "." + p[2]),
        Arguments.of("trailing dot", GOOD + "."),
        Arguments.of("only dots", ".."),
        Arguments.of("empty header", "." + p[1] + "." + p[2]),
        Arguments.of("too long", p[0] + "." + "A".repeat(SignedTokenVerifier.MAX_TOKEN_LENGTH) + "." + p[2]),
        Arguments.of("non-base64 header", "ey!J." + p[1] + "." + p[2]),
        Arguments.of("standard base64 alphabet", p[0] + "+/." + p[1] + "." + p[2]),
        Arguments.of("padded header", p[0] + "=." + p[1] + "." + p[2]),
        Arguments.of("whitespace", p[0] + " ." + p[1] + "." + p[2]),
        Arguments.of("bearer prefix", "Bearer " + GOOD),
        Arguments.of("non-canonical base64 header", nonCanonical(p[0]) + "." + p[1] + "." + p[2]),
        Arguments.of("non-canonical base64 signature", p[0] + "." + p[1] + "." + nonCanonical(p[2])),
        Arguments.of("non-base64 signature", p[0] + "." + p[1] + ".sig$nature"),
        Arguments.of("header not JSON", b64("not json at all") + "." + p[1] + "." + p[2]),
        Arguments.of("header a JSON array", b64("[\"HS256\"]") + "." + p[1] + "." + p[2]),
        Arguments.of("header a JSON string", b64("\"HS256\"") + "." + p[1] + "." + p[2]),
        Arguments.of("header trailing garbage", b64(header("k1") + "x") + "." + p[1] + "." + p[2]),
        Arguments.of("header two objects", b64(header("k1") + "{}") + "." + p[1] + "." + p[2]),
        Arguments.of("header duplicate alg", b64("{\"alg\":\"HS256\",\"alg\":\"none\",\"kid\":\"k1\"}") + "." + p[1]
            + "." + p[2]),
        Arguments.of("header duplicate kid via escape",
            b64("{\"alg\":\"HS256\",\"kid\":\"k1\",\"\\u006bid\":\"k2\"}") + "." + p[1] + "." + p[2]),
        Arguments.of("header byte order mark", b64(bytes("\uFEFF" + header("k1"))) + "." + p[1] + "." + p[2]),
        Arguments.of("header invalid UTF-8", b64(new byte[] {'{', '"', (byte) 0xC0, (byte) 0xAF, '"', ':', '1', '}'})
            + "." + p[1] + "." + p[2]),
        Arguments.of("header truncated", b64("{\"alg\":\"HS256\"") + "." + p[1] + "." + p[2]),
        Arguments.of("header with crit", signedWith("{\"alg\":\"HS256\",\"kid\":\"k1\",\"crit\":[\"exp\"]}", claims())),
        Arguments.of("header typ other than JWT", signedWith("{\"alg\":\"HS256\",\"typ\":\"JOSE+JSON\",\"kid\":\"k1\"}",
            claims())),
        Arguments.of("header typ null", signedWith("{\"alg\":\"HS256\",\"typ\":null,\"kid\":\"k1\"}", claims())),
        Arguments.of("header number beyond any range", signedWith("{\"alg\":\"HS256\",\"kid\":\"k1\",\"x\":1e9999999999}",
            claims())),
        Arguments.of("header lone surrogate escape", signedWith("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\","
            + "\"x\":\"\\ud800\"}", claims())),
        Arguments.of("claims duplicate exp", signedWith(header("k1"),
            claims("\"exp\":" + (T0_SECONDS + 60) + ",\"exp\":" + (T0_SECONDS + 999_999)))),
        Arguments.of("claims trailing garbage", signedWith(header("k1"), claims() + " ,")),
        Arguments.of("claims not JSON", signedWith(header("k1"), "exp=tomorrow")),
        Arguments.of("claims deeply nested", signedWith(header("k1"),
            claims("\"exp\":" + (T0_SECONDS + 60) + ",\"x\":" + "[".repeat(40) + "]".repeat(40)))),
        Arguments.of("claims invalid base64", validJsonHeader + ".!!!." + p[2]));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedTokens")
  void malformedTokenIsRefusedWithoutEcho(String name, String token) {
    refused(Reason.MALFORMED, token, () -> VERIFIER.verify(token));
  }

  static Stream<Arguments> badClaims() {
    long exp = T0_SECONDS + 3600;
    return Stream.of(
        Arguments.of("exp missing", claims("\"x\":1")),
        Arguments.of("exp a string", claims("\"exp\":\"" + exp + "\"")),
        Arguments.of("exp fractional", claims("\"exp\":" + exp + ".5")),
        Arguments.of("exp exponent", claims("\"exp\":1.8e9")),
        Arguments.of("exp negative", claims("\"exp\":-1")),
        Arguments.of("exp beyond year 9999", claims("\"exp\":253402300800")),
        Arguments.of("exp beyond long", claims("\"exp\":99999999999999999999999")),
        Arguments.of("exp null", claims("\"exp\":null")),
        Arguments.of("nbf missing", claims("\"exp\":" + exp).replace("\"nbf\":", "\"nbx\":")),
        Arguments.of("iat missing", claims("\"exp\":" + exp).replace("\"iat\":", "\"iax\":")),
        Arguments.of("jti missing", claims("\"exp\":" + exp).replace("\"jti\":", "\"jtx\":")),
        Arguments.of("jti a number", claims("\"exp\":" + exp).replace("\"jti\":\"g1\"", "\"jti\":1")),
        Arguments.of("jti with a control character", claims("\"exp\":" + exp).replace("\"jti\":\"g1\"",
            "\"jti\":\"g1\\u0000\"")),
        Arguments.of("jti blank", claims("\"exp\":" + exp).replace("\"jti\":\"g1\"", "\"jti\":\" \"")),
        Arguments.of("sub missing", claims("\"exp\":" + exp).replace("\"sub\":", "\"sux\":")),
        Arguments.of("sub_kind unknown", claims("\"exp\":" + exp).replace("\"service\"", "\"admin\"")),
        Arguments.of("sub_kind upper case", claims("\"exp\":" + exp).replace("\"service\"", "\"SERVICE\"")),
        Arguments.of("iss missing", claims("\"exp\":" + exp).replace("\"iss\":", "\"isx\":")),
        Arguments.of("iss a number", claims("\"exp\":" + exp).replace("\"iss\":\"jit-access\"", "\"iss\":7")),
        Arguments.of("resource climbing out", claims("\"exp\":" + exp).replace("prod/deploy", "prod/../admin")),
        Arguments.of("resource missing", claims("\"exp\":" + exp).replace("\"resource\":", "\"resourcx\":")),
        Arguments.of("actions empty", claims("\"exp\":" + exp).replace("[\"deploy\",\"write\"]", "[]")),
        Arguments.of("actions a string", claims("\"exp\":" + exp).replace("[\"deploy\",\"write\"]", "\"deploy\"")),
        Arguments.of("actions upper case", claims("\"exp\":" + exp).replace("\"deploy\",", "\"DEPLOY\",")),
        Arguments.of("actions duplicated", claims("\"exp\":" + exp).replace("\"write\"", "\"deploy\"")),
        Arguments.of("aud null", claims("\"exp\":" + exp + ",\"aud\":null")),
        Arguments.of("aud a number", claims("\"exp\":" + exp + ",\"aud\":5")),
        Arguments.of("aud array of numbers", claims("\"exp\":" + exp + ",\"aud\":[5]")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badClaims")
  void wellSignedTokenWithBadClaimsIsMalformed(String name, String claims) {
    String token = signedWith(header("k1"), claims);
    refused(Reason.MALFORMED, token, () -> VERIFIER.verify(token));
  }

  // ------------------------------------------------------------------------------------------------ algorithm

  @ParameterizedTest(name = "alg {0}")
  @ValueSource(strings = {"\"none\"", "\"None\"", "\"NONE\"", "\"HS512\"", "\"HS384\"", "\"RS256\"", "\"ES256\"",
      "\"PS256\"", "\"hs256\"", "\"Hs256\"", "\"HS256 \"", "\" HS256\"", "\"HS256\\u0000\"", "\"\"", "null", "256",
      "[\"HS256\"]", "{\"alg\":\"HS256\"}", "true"})
  void anyAlgorithmButHs256IsRefusedEvenWhenCorrectlySigned(String alg) {
    String token = signedWith("{\"alg\":" + alg + ",\"typ\":\"JWT\",\"kid\":\"k1\"}", claims());
    refused(Reason.UNSUPPORTED_ALGORITHM, token, () -> VERIFIER.verify(token));
  }

  @Test
  void missingAlgorithmIsRefused() {
    String token = signedWith("{\"typ\":\"JWT\",\"kid\":\"k1\"}", claims());
    refused(Reason.UNSUPPORTED_ALGORITHM, token, () -> VERIFIER.verify(token));
  }

  @Test
  void unsignedTokenIsRefused() {
    String token = b64("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"k1\"}") + "." + b64(claims()) + ".";
    refused(Reason.UNSUPPORTED_ALGORITHM, token, () -> VERIFIER.verify(token));
  }

  @Test
  void hs256HeaderWithEmptySignatureIsRefused() {
    String token = b64(header("k1")) + "." + b64(claims()) + ".";
    refused(Reason.BAD_SIGNATURE, token, () -> VERIFIER.verify(token));
  }

  // ------------------------------------------------------------------------------------------------ keys

  @Test
  void missingOrUnknownKeyIdIsRefused() {
    String missing = signedWith("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims());
    String unknown = signedWith(header("k9"), claims());
    String number = signedWith("{\"alg\":\"HS256\",\"kid\":1}", claims());
    String caseVariant = signedWith(header("K1"), claims());

    refused(Reason.UNKNOWN_KEY, missing, () -> VERIFIER.verify(missing));
    refused(Reason.UNKNOWN_KEY, unknown, () -> VERIFIER.verify(unknown));
    refused(Reason.UNKNOWN_KEY, number, () -> VERIFIER.verify(number));
    refused(Reason.UNKNOWN_KEY, caseVariant, () -> VERIFIER.verify(caseVariant));
  }

  @Test
  void tokenSignedWithAnotherKnownKeyThanItsKidSaysIsRefused() {
    String token = hs256(TokenFixture.KEY2, header("k1"), claims());
    refused(Reason.BAD_SIGNATURE, token, () -> VERIFIER.verify(token));
  }

  // ------------------------------------------------------------------------------------------------ tampering

  @Test
  void tamperedClaimsAreRefused() {
    String[] p = GOOD.split("\\.");
    String widened = b64(claims().replace("prod/deploy", "prod/**")) + ".";
    String token = p[0] + "." + widened.substring(0, widened.length() - 1) + "." + p[2];
    refused(Reason.BAD_SIGNATURE, token, () -> VERIFIER.verify(token));

    String longer = p[0] + "." + b64(claims("\"exp\":" + (T0_SECONDS + 999_999))) + "." + p[2];
    refused(Reason.BAD_SIGNATURE, longer, () -> VERIFIER.verify(longer));
  }

  @Test
  void tamperedHeaderIsRefused() {
    String[] p = GOOD.split("\\.");
    String otherKid = b64(header("k2")) + "." + p[1] + "." + p[2];
    String reordered = b64("{\"kid\":\"k1\",\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." + p[1] + "." + p[2];
    refused(Reason.BAD_SIGNATURE, otherKid, () -> VERIFIER.verify(otherKid));
    refused(Reason.BAD_SIGNATURE, reordered, () -> VERIFIER.verify(reordered));
  }

  @Test
  void everySingleCharacterChangeOfTheSignatureIsRefused() {
    String[] p = GOOD.split("\\.");
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < p[2].length(); i++) {
      char replacement = alphabet.charAt((alphabet.indexOf(p[2].charAt(i)) + 1) % alphabet.length());
      String sig = p[2].substring(0, i) + replacement + p[2].substring(i + 1);
      String token = p[0] + "." + p[1] + "." + sig;
      InvalidTokenException e = TokenFixture.refusedAny(token, () -> VERIFIER.verify(token));
      // The last character carries 4 unused bits: most changes there are non-canonical base64, not a signature.
      assertThat(e.reason()).isIn(Reason.BAD_SIGNATURE, Reason.MALFORMED);
      if (i < p[2].length() - 1) {
        assertThat(e.reason()).isEqualTo(Reason.BAD_SIGNATURE);
      }
    }
    String truncated = GOOD.substring(0, GOOD.length() - 2);
    TokenFixture.refusedAny(truncated, () -> VERIFIER.verify(truncated));
  }

  @Test
  void signatureOfOneTokenDoesNotVouchForAnother() {
    String other = hs256(KEY1, header("k1"), claims().replace("\"g1\"", "\"g2\""));
    String[] a = GOOD.split("\\.");
    String[] b = other.split("\\.");
    String spliced = a[0] + "." + b[1] + "." + a[2];
    refused(Reason.BAD_SIGNATURE, spliced, () -> VERIFIER.verify(spliced));
  }

  @Test
  void badSignatureIsReportedBeforeBadClaims() {
    // A forger learns nothing about the claims checks without the key.
    String token = hs256(TokenFixture.key(77), header("k1"), claims("\"exp\":\"never\""));
    refused(Reason.BAD_SIGNATURE, token, () -> VERIFIER.verify(token));
  }

  // ------------------------------------------------------------------------------------------------ helpers

  private static String signedWith(String header, String claims) {
    return hs256(KEY1, header, claims);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** The same bytes with non-zero unused bits in the last character (only for lengths that have such bits). */
  private static String nonCanonical(String part) {
    if (part.length() % 4 == 0) {
      throw new IllegalArgumentException("no unused bits");
    }
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char last = part.charAt(part.length() - 1);
    char flipped = alphabet.charAt(alphabet.indexOf(last) ^ 1);
    return part.substring(0, part.length() - 1) + flipped;
  }

  static {
    CLOCK.set(T0);
  }
}
