package dev.jitaccess.credential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.jitaccess.Grant;
import dev.jitaccess.GrantState;
import dev.jitaccess.Subject;
import dev.jitaccess.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Keys, grants and hand-made tokens shared by the credential tests. */
final class TokenFixture {

  static final Instant T0 = ManualClock.DEFAULT_START;
  static final long T0_SECONDS = T0.getEpochSecond();
  static final byte[] KEY1 = key(1);
  static final byte[] KEY2 = key(101);
  static final Subject CI = Subject.service("ci-deploy");

  private TokenFixture() {}

  /** 32 distinct bytes from {@code first}. */
  static byte[] key(int first) {
    byte[] bytes = new byte[32];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (first + i);
    }
    return bytes;
  }

  /** An issuer builder on a test clock, with its own revocation list on that clock. */
  static SignedTokenIssuer.Builder issuer(SigningKeys keys, java.time.Clock clock) {
    return SignedTokenIssuer.builder().keys(keys).clock(clock).revocationList(new RevocationList(clock));
  }

  static SigningKeys keys1() {
    return SigningKeys.builder().key("k1", KEY1).build();
  }

  /** An active grant of {@link #CI} on {@code prod/deploy} for deploy and write. */
  static Grant grant(String id, Instant notBefore, Instant expiresAt) {
    return grant(id, CI, "prod/deploy", notBefore, expiresAt);
  }

  static Grant grant(String id, Subject subject, String resource, Instant notBefore, Instant expiresAt) {
    return new Grant(id, "req-" + id, subject, resource, Set.of("write", "deploy"), notBefore, expiresAt,
        GrantState.ACTIVE, "pipeline run 42", null, List.of(), false, "ci-rule", 0, null, null);
  }

  static String b64(String text) {
    return b64(text.getBytes(StandardCharsets.UTF_8));
  }

  static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static String decode(String part) {
    return new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8);
  }

  /** An HS256 token over exactly these header and claims texts, signed with {@code key}. */
  static String hs256(byte[] key, String header, String claims) {
    return signed(key, b64(header) + "." + b64(claims));
  }

  /** Appends the HS256 signature under {@code key} to a signing input. */
  static String signed(byte[] key, String signingInput) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return signingInput + "." + b64(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static String header(String kid) {
    return "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}";
  }

  /** Valid claims for grant {@code g1} of {@link #CI}, valid from T0 - 1 s to T0 + 1 h. */
  static String claims() {
    return claims("\"exp\":" + (T0_SECONDS + 3600));
  }

  /** The valid claims with {@code exp} replaced by {@code expMember} (which may also add members). */
  static String claims(String expMember) {
    return "{\"iss\":\"jit-access\",\"sub\":\"ci-deploy\",\"sub_kind\":\"service\",\"jti\":\"g1\",\"iat\":"
        + T0_SECONDS + ",\"nbf\":" + (T0_SECONDS - 1) + "," + expMember
        + ",\"resource\":\"prod/deploy\",\"actions\":[\"deploy\",\"write\"]}";
  }

  /** Runs {@code call}, expects a refusal for {@code reason} whose message and causes echo no part of {@code token}. */
  static InvalidTokenException refused(InvalidTokenException.Reason reason, String token, ThrowingCallable call) {
    InvalidTokenException e = catchThrowableOfType(InvalidTokenException.class, call);
    assertThat(e).as("expected a refusal for %s", reason).isNotNull();
    assertThat(e.reason()).isEqualTo(reason);
    assertNoEcho(e, token);
    return e;
  }

  /** Asserts that no 8-character stretch of {@code token} appears in the throwable's messages or its causes'. */
  static void assertNoEcho(Throwable t, String token) {
    if (token == null || token.length() < 8) {
      return;
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      String text = String.valueOf(c.getMessage()) + " " + c;
      for (int i = 0; i + 8 <= token.length(); i++) {
        String window = token.substring(i, i + 8);
        assertThat(text).as("message echoes the token").doesNotContain(window);
      }
    }
  }

  /** Runs {@code call}, expects any refusal whose message and causes echo no part of {@code token}. */
  static InvalidTokenException refusedAny(String token, ThrowingCallable call) {
    InvalidTokenException e = catchThrowableOfType(InvalidTokenException.class, call);
    assertThat(e).as("expected a refusal").isNotNull();
    assertNoEcho(e, token);
    return e;
  }
}
