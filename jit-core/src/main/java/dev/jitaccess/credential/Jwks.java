package dev.jitaccess.credential;

import dev.jitaccess.internal.json.JsonReader;
import dev.jitaccess.internal.json.LoneSurrogates;
import dev.jitaccess.internal.json.MalformedJsonException;
import jakarta.annotation.Nullable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Reading a JSON Web Key Set (RFC 7517, 7518 §6.2, 8037) into pinned verification keys. Not API. */
final class Jwks {

  /** Most keys a set may hold. */
  static final int MAX_KEYS = 64;
  /** Largest set fetched, in bytes. */
  static final int MAX_BYTES = 64 * 1024;
  /** Age after which a fetched set is fetched again, so that a dropped key stops verifying. */
  static final Duration MAX_AGE = Duration.ofMinutes(15);

  private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(5);

  private Jwks() {}

  /**
   * The keys of the set by {@code kid}. Keys of a {@code kty} or {@code crv} we do not verify with (RSA, an
   * {@code oct} secret) are skipped, as RFC 7517 §5 asks; a malformed key, a private part, a duplicate {@code kid}
   * or an {@code alg}/{@code use} that contradicts the key is refused.
   *
   * @throws IllegalArgumentException naming {@code jwks}
   */
  static Map<String, JwsKey> parse(String json) {
    Object root;
    try {
      root = JsonReader.parse(json, LoneSurrogates.REJECT);
    } catch (MalformedJsonException e) {
      throw refuse("is not JSON: " + e.getMessage());
    }
    if (!(root instanceof Map<?, ?> set) || !(set.get("keys") instanceof List<?> list)) {
      throw refuse("must be an object with a keys array");
    }
    if (list.size() > MAX_KEYS) {
      throw refuse("must hold at most " + MAX_KEYS + " keys, got " + list.size());
    }
    Map<String, JwsKey> keys = new LinkedHashMap<>();
    for (Object item : list) {
      if (!(item instanceof Map<?, ?> jwk)) {
        throw refuse("keys must be objects");
      }
      Object kid = jwk.get("kid");
      if (!(kid instanceof String keyId) || !SigningKeys.isKeyId(keyId)) {
        throw refuse("every key needs a kid of 1 to " + SigningKeys.MAX_KEY_ID_LENGTH
            + " characters of A-Z, a-z, 0-9, '.', '_' or '-'");
      }
      if (jwk.containsKey("d")) {
        throw refuse("key " + keyId + " holds a private part (d): a published key set must not");
      }
      JwsKey key = key(keyId, jwk);
      if (key == null) {
        continue;
      }
      if (keys.put(keyId, key) != null) {
        throw refuse("kid " + keyId + " is used by two keys");
      }
    }
    return Collections.unmodifiableMap(keys);
  }

  @Nullable
  private static JwsKey key(String kid, Map<?, ?> jwk) {
    SigningKeys.Algorithm algorithm;
    if ("EC".equals(jwk.get("kty")) && "P-256".equals(jwk.get("crv"))) {
      algorithm = SigningKeys.Algorithm.ES256;
    } else if ("OKP".equals(jwk.get("kty")) && "Ed25519".equals(jwk.get("crv"))) {
      algorithm = SigningKeys.Algorithm.EDDSA;
    } else {
      return null;
    }
    if (jwk.containsKey("alg") && !algorithm.jwsName.equals(jwk.get("alg"))) {
      throw refuse("key " + kid + " is a " + algorithm.jwsName + " key, but its alg says otherwise");
    }
    if (jwk.containsKey("use") && !"sig".equals(jwk.get("use"))) {
      throw refuse("key " + kid + " must have use sig when use is present");
    }
    try {
      return new JwsKey.Asymmetric(algorithm, algorithm == SigningKeys.Algorithm.ES256
          ? JwsKey.Asymmetric.p256(bytes(kid, jwk, "x"), bytes(kid, jwk, "y"))
          : JwsKey.Asymmetric.ed25519(bytes(kid, jwk, "x")), null);
    } catch (GeneralSecurityException e) {
      throw refuse("key " + kid + " is not a valid " + algorithm.jwsName + " public key: " + e.getMessage());
    }
  }

  private static byte[] bytes(String kid, Map<?, ?> jwk, String member) {
    byte[] bytes = jwk.get(member) instanceof String text ? Jws.decode(text) : null;
    if (bytes == null) {
      throw refuse("key " + kid + " needs " + member + " in base64url");
    }
    return bytes;
  }

  private static IllegalArgumentException refuse(String rule) {
    return new IllegalArgumentException("jwks " + rule);
  }

  /**
   * A key set fetched from a URI and cached; see {@link SignedTokenVerifier#fromJwks(URI, Duration)}. Any
   * verifying thread may call {@link #apply}: the set is an immutable map behind a volatile field, read without a
   * lock; fetches are serialised on this object, and a thread that waited behind a fetch finds the attempt recent
   * and does not fetch again.
   */
  static final class Remote implements Function<String, JwsKey> {
    private final URI uri;
    private final Duration refreshInterval;
    private final Clock clock;
    private final HttpClient http;
    private volatile Map<String, JwsKey> keys = Map.of();
    @Nullable private volatile Instant fetchedAt;
    @Nullable private Instant attemptedAt; // guarded by this

    Remote(URI uri, Duration refreshInterval, Clock clock) {
      this.uri = uri;
      this.refreshInterval = refreshInterval;
      this.clock = clock;
      this.http = HttpClient.newBuilder().connectTimeout(HTTP_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER)
          .build();
    }

    @Override
    @Nullable
    public JwsKey apply(String kid) {
      JwsKey key = keys.get(kid);
      Instant fetched = fetchedAt;
      if (key != null && fetched != null && clock.instant().isBefore(fetched.plus(MAX_AGE))) {
        return key;
      }
      refresh();
      return keys.get(kid);
    }

    private synchronized void refresh() {
      Instant now = clock.instant();
      if (attemptedAt != null && now.isBefore(attemptedAt.plus(refreshInterval))) {
        return;
      }
      attemptedAt = now;
      try {
        keys = parse(fetch());
        fetchedAt = now;
      } catch (IOException | IllegalArgumentException e) {
        // Keep the keys held: an unreachable or broken key server must not stop live tokens from verifying.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private String fetch() throws IOException, InterruptedException {
      HttpRequest request = HttpRequest.newBuilder(uri).timeout(HTTP_TIMEOUT).header("Accept", "application/json")
          .GET().build();
      HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream body = response.body()) {
        if (response.statusCode() != 200) {
          throw new IOException("JWKS fetch answered " + response.statusCode());
        }
        byte[] bytes = body.readNBytes(MAX_BYTES + 1);
        if (bytes.length > MAX_BYTES) {
          throw new IOException("JWKS is larger than " + MAX_BYTES + " bytes");
        }
        return new String(bytes, StandardCharsets.UTF_8);
      }
    }
  }
}
