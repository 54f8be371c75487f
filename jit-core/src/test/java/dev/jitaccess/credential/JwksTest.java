package dev.jitaccess.credential;

import static dev.jitaccess.credential.TokenFixture.T0;
import static dev.jitaccess.credential.TokenFixture.claims;
import static dev.jitaccess.credential.TokenFixture.grant;
import static dev.jitaccess.credential.TokenFixture.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.jitaccess.credential.InvalidTokenException.Reason;
import dev.jitaccess.credential.SigningKeys.Algorithm;
import dev.jitaccess.internal.json.JsonReader;
import dev.jitaccess.internal.json.LoneSurrogates;
import dev.jitaccess.testing.ManualClock;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Publishing the public keys as a JWKS, and verifiers that take their keys from one, given or fetched. */
class JwksTest {

  static final KeyPair EC = SigningKeys.generateKeyPair(Algorithm.ES256);
  static final KeyPair ED = SigningKeys.generateKeyPair(Algorithm.EDDSA);

  private final ManualClock clock = new ManualClock();
  private final SigningKeys keys = SigningKeys.builder().keyPair("ec1", EC).keyPair("ed1", ED)
      .key("hs1", TokenFixture.KEY1).active("ec1").build();
  private final AtomicReference<String> served = new AtomicReference<>(keys.publicJwks());
  private final AtomicInteger status = new AtomicInteger(200);
  private final AtomicInteger fetches = new AtomicInteger();
  private HttpServer server;

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.stop(0);
    }
  }

  /** A JWKS endpoint on 127.0.0.1 serving {@link #served} with {@link #status}, counting requests. */
  URI serve() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/jwks.json", exchange -> {
      fetches.incrementAndGet();
      byte[] body = served.get().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status.get(), body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json");
  }

  String token(SigningKeys signing, String grantId) {
    return TokenFixture.issuer(signing, clock).build().issue(grant(grantId, T0, T0.plus(Duration.ofHours(1))))
        .secret();
  }

  SigningKeys only(String kid, KeyPair pair) {
    return SigningKeys.builder().keyPair(kid, pair).build();
  }

  // -------------------------------------------------------------------------------------------------- writing

  @Test
  @SuppressWarnings("unchecked")
  void publicJwksHoldsThePublicMembersOfEachKeyPairAndNeverAnHmacKey() throws Exception {
    Map<String, Object> set = (Map<String, Object>) JsonReader.parse(keys.publicJwks(), LoneSurrogates.REJECT);
    List<Map<String, Object>> list = (List<Map<String, Object>>) set.get("keys");

    assertThat(list).hasSize(2);
    assertThat(list.get(0)).containsOnlyKeys("kty", "crv", "x", "y", "kid", "alg", "use")
        .containsEntry("kty", "EC").containsEntry("crv", "P-256").containsEntry("kid", "ec1")
        .containsEntry("alg", "ES256").containsEntry("use", "sig");
    assertThat(list.get(1)).containsOnlyKeys("kty", "crv", "x", "kid", "alg", "use")
        .containsEntry("kty", "OKP").containsEntry("crv", "Ed25519").containsEntry("kid", "ed1")
        .containsEntry("alg", "EdDSA");
    assertThat(((String) list.get(0).get("x")).length()).isEqualTo(43); // 32 bytes, unpadded base64url
    assertThat(keys.publicJwks()).doesNotContain("hs1").doesNotContain("\"d\"").doesNotContain("\"k\"");
    assertThat(SigningKeys.generate("h")).extracting(SigningKeys::publicJwks).isEqualTo("{\"keys\":[]}");
  }

  // -------------------------------------------------------------------------------------------------- reading

  @Test
  void aVerifierFromTheJwksAcceptsTokensOfEachKeyAndRefusesTheHmacKid() {
    SignedTokenVerifier verifier = SignedTokenVerifier.fromJwks(keys.publicJwks()).clock(clock)
        .allowUnrevocableTokens().build();

    assertThat(verifier.verify(token(keys, "g-ec")).keyId()).isEqualTo("ec1");
    SigningKeys edActive = SigningKeys.builder().keyPair("ed1", ED).build();
    assertThat(verifier.verify(token(edActive, "g-ed")).keyId()).isEqualTo("ed1");
    String hmac = token(SigningKeys.builder().key("hs1", TokenFixture.KEY1).build(), "g-hs");
    refused(Reason.UNKNOWN_KEY, hmac, () -> verifier.verify(hmac));
  }

  @Test
  void anOctKeyInAJwksNeverMakesHs256Acceptable() {
    String k = TokenFixture.b64(TokenFixture.KEY1);
    SignedTokenVerifier verifier = SignedTokenVerifier.fromJwks("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"hs1\",\"k\":\""
        + k + "\",\"alg\":\"HS256\"}]}").clock(clock).allowUnrevocableTokens().build();
    String forged = TokenFixture.hs256(TokenFixture.KEY1, TokenFixture.header("hs1"), claims());
    refused(Reason.UNKNOWN_KEY, forged, () -> verifier.verify(forged));
  }

  @Test
  void malformedOrDangerousKeySetsAreRefusedNamingJwks() {
    String ec = keys.publicJwks().replace("{\"keys\":[", "").replaceFirst("},\\{.*", "}");
    String[] bad = {
        "not json",
        "{\"keys\":{}}",
        "{\"keys\":[" + ec.replace("\"use\"", "\"d\":\"AAAA\",\"use\"") + "]}", // a private part
        "{\"keys\":[" + ec + "," + ec + "]}", // duplicate kid
        "{\"keys\":[" + ec.replace("\"ES256\"", "\"HS256\"") + "]}", // alg contradicting the key
        "{\"keys\":[" + ec.replace("\"sig\"", "\"enc\"") + "]}",
        "{\"keys\":[" + ec.replace("\"kid\":\"ec1\"", "\"kid\":\"bad kid\"") + "]}",
        "{\"keys\":[" + ec.replaceFirst("\"y\":\"[^\"]+\"", "\"y\":\"" + TokenFixture.b64(new byte[32]) + "\"")
            + "]}", // not on the curve
        "{\"keys\":[" + (ec + ",").repeat(Jwks.MAX_KEYS) + ec + "]}",
    };
    for (String jwks : bad) {
      assertThatThrownBy(() -> SignedTokenVerifier.fromJwks(jwks)).as(jwks)
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("jwks ");
    }
    assertThatThrownBy(() -> SignedTokenVerifier.fromJwks(keys.publicJwks()).keys(keys).allowUnrevocableTokens()
        .build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not both");
  }

  @Test
  void keysOfKindsWeDoNotVerifyWithAreSkipped() {
    String withRsa = keys.publicJwks().replace("{\"keys\":[",
        "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r1\",\"n\":\"AQAB\",\"e\":\"AQAB\"},");
    SignedTokenVerifier verifier = SignedTokenVerifier.fromJwks(withRsa).clock(clock).allowUnrevocableTokens()
        .build();
    assertThat(verifier.verify(token(keys, "g1")).keyId()).isEqualTo("ec1");
  }

  // -------------------------------------------------------------------------------------------------- fetching

  @Test
  void aFetchedSetIsCachedAndRefetchedOnAnUnknownKidAtMostOncePerInterval() throws Exception {
    SignedTokenVerifier verifier = SignedTokenVerifier.fromJwks(serve(), Duration.ofSeconds(30)).clock(clock)
        .allowUnrevocableTokens().build();
    String ec = token(keys, "g1");

    verifier.verify(ec);
    verifier.verify(ec);
    assertThat(fetches).hasValue(1);

    // Made-up kids cost the key server one fetch per interval, not one per token.
    clock.advance(Duration.ofSeconds(30));
    KeyPair stranger = SigningKeys.generateKeyPair(Algorithm.ES256);
    for (int i = 0; i < 5; i++) {
      String unknown = token(only("made-up-" + i, stranger), "g1");
      refused(Reason.UNKNOWN_KEY, unknown, () -> verifier.verify(unknown));
    }
    assertThat(fetches).hasValue(2);

    // A key published meanwhile is found by the first token after the interval that names it.
    KeyPair next = SigningKeys.generateKeyPair(Algorithm.EDDSA);
    served.set(SigningKeys.builder().keyPair("ec1", EC).keyPair("ed2", next).active("ec1").build().publicJwks());
    String fresh = token(only("ed2", next), "g2");
    refused(Reason.UNKNOWN_KEY, fresh, () -> verifier.verify(fresh));
    clock.advance(Duration.ofSeconds(30));
    assertThat(verifier.verify(fresh).keyId()).isEqualTo("ed2");
    assertThat(fetches).hasValue(3);
  }

  @Test
  void aFailedFetchKeepsTheKeysHeldAndAnUnreachableServerRefusesEveryToken() throws Exception {
    URI uri = serve();
    SignedTokenVerifier verifier = SignedTokenVerifier.fromJwks(uri, Duration.ofSeconds(1)).clock(clock)
        .allowUnrevocableTokens().build();
    String ec = token(keys, "g1");
    verifier.verify(ec);

    status.set(500);
    clock.advance(Jwks.MAX_AGE);
    assertThat(verifier.verify(ec).keyId()).isEqualTo("ec1");
    served.set("{\"keys\":[" + "x".repeat(Jwks.MAX_BYTES) + "]}");
    status.set(200);
    clock.advance(Jwks.MAX_AGE);
    assertThat(verifier.verify(ec).keyId()).isEqualTo("ec1");
    assertThat(fetches).hasValue(3);

    server.stop(0);
    server = null;
    SignedTokenVerifier cold = SignedTokenVerifier.fromJwks(uri, Duration.ofSeconds(1)).clock(clock)
        .allowUnrevocableTokens().build();
    refused(Reason.UNKNOWN_KEY, ec, () -> cold.verify(ec));
  }

  // -------------------------------------------------------------------------------------------------- rotation

  @Test
  void rotationPublishesTheNewKeyFirstThenActivatesItThenDropsTheOldAfterTheLongestToken() throws Exception {
    KeyPair oldPair = SigningKeys.generateKeyPair(Algorithm.ES256);
    KeyPair newPair = SigningKeys.generateKeyPair(Algorithm.EDDSA);
    SigningKeys before = only("2026-01", oldPair);
    served.set(before.publicJwks());
    SignedTokenVerifier verifier = SignedTokenVerifier.fromJwks(serve(), Duration.ofSeconds(30)).clock(clock)
        .allowUnrevocableTokens().build();
    Duration longest = Duration.ofHours(1); // the longest grant, so the longest token
    String oldToken = TokenFixture.issuer(before, clock).build().issue(grant("g-old", T0, T0.plus(longest)))
        .secret();
    assertThat(verifier.verify(oldToken).keyId()).isEqualTo("2026-01");

    // 1. Publish: the set holds both keys, the old one still signs. Verifiers pick the new key up within
    //    Jwks.MAX_AGE; wait that long before step 2.
    SigningKeys published = SigningKeys.builder().keyPair("2026-01", oldPair).keyPair("2026-02", newPair)
        .active("2026-01").build();
    served.set(published.publicJwks());
    clock.advance(Jwks.MAX_AGE);
    assertThat(verifier.verify(oldToken).keyId()).isEqualTo("2026-01"); // the stale set is fetched again
    int fetchesAfterPublication = fetches.get();

    // 2. Activate: new tokens are signed with the new key, which every verifier already holds; old tokens live on.
    SigningKeys rotated = SigningKeys.builder().keyPair("2026-01", oldPair).keyPair("2026-02", newPair)
        .active("2026-02").build();
    String newToken = TokenFixture.issuer(rotated, clock).build()
        .issue(grant("g-new", clock.instant(), clock.instant().plus(longest))).secret();
    assertThat(verifier.verify(newToken).keyId()).isEqualTo("2026-02");
    assertThat(verifier.verify(oldToken).keyId()).isEqualTo("2026-01");
    assertThat(fetches).as("no fetch was needed for the new key").hasValue(fetchesAfterPublication);

    // 3. Drop the old key once the longest token it signed has expired; verifiers forget it within MAX_AGE.
    clock.advance(longest.minus(Jwks.MAX_AGE));
    refused(Reason.EXPIRED, oldToken, () -> verifier.verify(oldToken));
    served.set(only("2026-02", newPair).publicJwks());
    clock.advance(Jwks.MAX_AGE);
    String later = TokenFixture.issuer(rotated, clock).build()
        .issue(grant("g-later", clock.instant(), clock.instant().plus(longest))).secret();
    assertThat(verifier.verify(later).keyId()).isEqualTo("2026-02");
    String leakedOldKey = TokenFixture.issuer(before, clock).build()
        .issue(grant("g-late", clock.instant(), clock.instant().plus(longest))).secret();
    refused(Reason.UNKNOWN_KEY, leakedOldKey, () -> verifier.verify(leakedOldKey));
  }

  @Test
  void onlyHttpUrisAndSaneIntervalsAreAccepted() {
    assertThatThrownBy(() -> SignedTokenVerifier.fromJwks(URI.create("file:///etc/jwks.json"), Duration.ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jwksUri");
    assertThatThrownBy(() -> SignedTokenVerifier.fromJwks(URI.create("https://h/jwks"), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("refreshInterval");
  }
}
