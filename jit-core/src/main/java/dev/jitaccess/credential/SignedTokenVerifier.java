package dev.jitaccess.credential;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.Grant;
import dev.jitaccess.ResourcePattern;
import dev.jitaccess.Subject;
import dev.jitaccess.credential.InvalidTokenException.Reason;
import dev.jitaccess.internal.Validate;
import dev.jitaccess.internal.json.JsonReader;
import dev.jitaccess.internal.json.LoneSurrogates;
import dev.jitaccess.internal.json.MalformedJsonException;
import jakarta.annotation.Nullable;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Verifies the tokens of a {@link SignedTokenIssuer} (or any compact JWS made the same way). Thread-safe.
 *
 * <pre>{@code
 * SignedTokenVerifier verifier = SignedTokenVerifier.builder()
 *     .keys(keys)                 // the same keys as the issuer; rotation: old and new
 *     .issuer("jit-access")
 *     .grantLookup(jit::grant)    // refuse a token whose grant has ended, even in another process
 *     .revocations(issuer)        // same process: refuse at once after invalidation
 *     .build();
 * VerifiedToken token = verifier.verify(bearer);   // throws InvalidTokenException
 * if (!token.allows("prod/deploy", "write")) { ... }
 * }</pre>
 *
 * <p>In order, a token is refused ({@link InvalidTokenException} with the {@link Reason}) when:
 * <ol>
 *   <li>it is null, empty, longer than {@value #MAX_TOKEN_LENGTH} characters, not three parts of strict
 *       base64url (no padding, canonical), or a header or claims set that is not one strict JSON object
 *       (UTF-8, no duplicate member, nothing trailing), or the header has {@code crit} or a {@code typ} other
 *       than {@code JWT}: {@code MALFORMED};
 *   <li>the header's {@code alg} is not exactly {@code HS256}, {@code ES256} or {@code EdDSA} ({@code none},
 *       {@code HS512}, {@code RS256}, {@code hs256}, missing): {@code UNSUPPORTED_ALGORITHM};
 *   <li>its {@code kid} is missing or unknown: {@code UNKNOWN_KEY};
 *   <li>its {@code alg} is not the algorithm of the key its {@code kid} names: {@code UNSUPPORTED_ALGORITHM}.
 *       The algorithm is fixed by the key, never chosen by the token;
 *   <li>the signature does not verify (an HMAC compared in constant time; an ECDSA signature that is not 64
 *       bytes, or whose S is above half the group order, the malleated twin of a valid one; an Ed25519 signature
 *       that is not 64 bytes): {@code BAD_SIGNATURE}. Claims are read only after
 *       this;
 *   <li>a claim is missing or of the wrong type ({@code iss}, {@code sub}, {@code sub_kind}, {@code jti},
 *       {@code iat}, {@code nbf}, {@code exp} as integer seconds, {@code resource}, {@code actions}):
 *       {@code MALFORMED}; {@code iss} is not the configured issuer: {@code WRONG_ISSUER}; {@code aud} does
 *       not name the configured audience, or is present when none is configured: {@code WRONG_AUDIENCE};
 *   <li>now (the injected clock) is before {@code nbf} minus the leeway: {@code NOT_YET_VALID}; or at or after
 *       {@code exp} plus the leeway: {@code EXPIRED};
 *   <li>the revocations list its id: {@code REVOKED};
 *   <li>with a grant lookup: the grant is unknown, not effective now (no leeway), or does not match the
 *       token's subject, resource and actions, or the lookup fails: {@code GRANT_NOT_EFFECTIVE}.
 * </ol>
 *
 * <p>Keys come from configuration only ({@link Builder#keys}, or a JWKS given by {@link #fromJwks}): header
 * parameters that point at keys ({@code jku}, {@code jwk}, {@code x5u}, {@code x5c}) are ignored. Without revocations and without a grant
 * lookup, a token would stay valid until its {@code exp} even if its grant ended earlier, so {@link Builder#build}
 * refuses that unless {@link Builder#allowUnrevocableTokens()} says it is meant.
 *
 * <p>Messages name the rule that failed and never contain the token or any value taken from it, so they are
 * safe to log and to return to a caller.
 */
public final class SignedTokenVerifier {

  /** Longest token accepted, in characters. */
  public static final int MAX_TOKEN_LENGTH = 8 * 1024;
  /** Largest clock-skew leeway a verifier may allow. */
  public static final Duration MAX_LEEWAY = Duration.ofMinutes(5);
  /** Latest {@code nbf}/{@code exp}/{@code iat} accepted: 9999-12-31T23:59:59Z. */
  private static final long MAX_SECONDS = 253_402_300_799L;

  /** Key id to key: {@link SigningKeys#key}, or a JWKS (fixed, or fetched and cached). */
  private final Function<String, JwsKey> keys;
  private final String keysDescription;
  private final Clock clock;
  private final String issuerName;
  @Nullable private final String audience;
  private final Duration leeway;
  @Nullable private final Function<String, Optional<Grant>> grantLookup;
  @Nullable private final TokenRevocations revocations;

  private SignedTokenVerifier(Builder b) {
    if (b.keys != null) {
      SigningKeys signingKeys = b.keys;
      this.keys = signingKeys::key;
      this.keysDescription = signingKeys.toString();
    } else if (b.jwks != null) {
      Map<String, JwsKey> fixed = b.jwks;
      this.keys = fixed::get;
      this.keysDescription = "jwks=" + fixed.keySet();
    } else {
      Jwks.Remote remote = new Jwks.Remote(b.jwksUri, b.refreshInterval, b.clock);
      this.keys = remote;
      this.keysDescription = "jwks=" + b.jwksUri;
    }
    this.clock = b.clock;
    this.issuerName = b.issuerName;
    this.audience = b.audience;
    this.leeway = b.leeway;
    this.grantLookup = b.grantLookup;
    this.revocations = b.revocations;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder whose keys are the public keys of a JSON Web Key Set (RFC 7517), as {@link
   * SigningKeys#publicJwks()} writes it: {@code EC} keys on {@code P-256} (ES256) and {@code OKP} keys on
   * {@code Ed25519} (EdDSA), each with a {@code kid}. Each key's algorithm is pinned by its {@code kty} and
   * {@code crv}; a key whose {@code alg} says otherwise, or whose {@code use} is not {@code sig}, is refused.
   *
   * @throws IllegalArgumentException naming {@code jwks} when the text is not such a set, holds a key of
   *     another kind, a private part, a duplicate {@code kid}, or more than 64 keys
   */
  public static Builder fromJwks(String jwks) {
    Builder builder = new Builder();
    builder.jwks = Jwks.parse(Validate.notNull("jwks", jwks));
    return builder;
  }

  /**
   * A builder whose keys come from a JWKS fetched over HTTP(S) with the JDK {@code HttpClient} (at most 64 KiB
   * and 64 keys, parsed as {@link #fromJwks(String)}). The set
   * is fetched at the first verification and cached; it is fetched again when a token names an unknown
   * {@code kid} (so a newly published key is found) or the set is older than 15 minutes (so a dropped
   * key stops verifying), but never more often than once per {@code refreshInterval}, so tokens with made-up
   * {@code kid}s cannot flood the server. A failed fetch keeps the keys already held, and a token whose
   * {@code kid} is not among them is refused ({@code UNKNOWN_KEY}).
   *
   * @param jwksUri an {@code http} or {@code https} URI
   * @param refreshInterval the least time between two fetches, between one second and 15 minutes
   */
  public static Builder fromJwks(URI jwksUri, Duration refreshInterval) {
    Validate.notNull("jwksUri", jwksUri);
    Validate.requireArgument("http".equals(jwksUri.getScheme()) || "https".equals(jwksUri.getScheme()), "jwksUri",
        jwksUri, "must be an http or https URI");
    Validate.durationBetween("refreshInterval", refreshInterval, Duration.ofSeconds(1), Jwks.MAX_AGE,
        "must be between 1 second and " + Jwks.MAX_AGE);
    Builder builder = new Builder();
    builder.jwksUri = jwksUri;
    builder.refreshInterval = refreshInterval;
    return builder;
  }

  /**
   * Verifies a token.
   *
   * @param token the compact JWS, as presented (without a {@code Bearer } prefix)
   * @return what the token says, when every check passed
   * @throws InvalidTokenException when any check fails; its message is safe to log
   */
  public VerifiedToken verify(@Nullable String token) {
    // 1. Shape.
    if (token == null || token.isEmpty()) {
      throw refuse(Reason.MALFORMED, "token is empty");
    }
    if (token.length() > MAX_TOKEN_LENGTH) {
      throw refuse(Reason.MALFORMED, "token is longer than " + MAX_TOKEN_LENGTH + " characters");
    }
    int dot1 = token.indexOf('.');
    int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) {
      throw refuse(Reason.MALFORMED, "token must be three base64url parts separated by '.'");
    }
    Map<String, Object> header = json("header", base64("header", token.substring(0, dot1)));
    byte[] claimsBytes = base64("claims", token.substring(dot1 + 1, dot2));
    byte[] signature = base64("signature", token.substring(dot2 + 1));

    // 2. Algorithm: one we know; which one is fixed by the key (step 3), never by the token.
    SigningKeys.Algorithm alg = SigningKeys.Algorithm.ofJwsName(header.get("alg"));
    if (alg == null) {
      throw refuse(Reason.UNSUPPORTED_ALGORITHM, "header alg must be HS256, ES256 or EdDSA");
    }
    if (header.containsKey("crit")) {
      throw refuse(Reason.MALFORMED, "header crit is not supported");
    }
    Object typ = header.get("typ");
    if (header.containsKey("typ") && !(typ instanceof String s && s.equalsIgnoreCase("JWT"))) {
      throw refuse(Reason.MALFORMED, "header typ must be JWT when present");
    }

    // 3. Key.
    Object kid = header.get("kid");
    if (!(kid instanceof String keyId)) {
      throw refuse(Reason.UNKNOWN_KEY, "header kid is missing");
    }
    JwsKey key = keys.apply(keyId);
    if (key == null) {
      throw refuse(Reason.UNKNOWN_KEY, "header kid names no known key");
    }
    if (key.algorithm != alg) {
      // The classic confusion: an HS256 "signature" keyed with a published public key.
      throw refuse(Reason.UNSUPPORTED_ALGORITHM, "header alg is not the algorithm of the key its kid names");
    }

    // 4. Signature (an HMAC compared in constant time; ES256 low-S only), before any claim is believed.
    if (!key.verify(token.substring(0, dot2), signature)) {
      throw refuse(Reason.BAD_SIGNATURE, "signature does not match");
    }

    // 5. Claims.
    Map<String, Object> claims = json("claims", claimsBytes);
    if (!issuerName.equals(claims.get("iss"))) {
      throw refuse(claims.get("iss") instanceof String ? Reason.WRONG_ISSUER : Reason.MALFORMED,
          "claim iss must be the expected issuer");
    }
    checkAudience(claims.containsKey("aud"), claims.get("aud"));
    String grantId = idClaim(claims, "jti");
    Subject subject = subject(claims);
    String resource = stringClaim(claims, "resource");
    if (!isPattern(resource)) {
      throw refuse(Reason.MALFORMED, "claim resource is not a resource name or pattern");
    }
    Set<String> actions = actions(claims.get("actions"));
    secondsClaim(claims, "iat");
    Instant notBefore = Instant.ofEpochSecond(secondsClaim(claims, "nbf"));
    Instant expiresAt = Instant.ofEpochSecond(secondsClaim(claims, "exp"));

    // 6. Time.
    Instant now = clock.instant();
    if (now.isBefore(notBefore.minus(leeway))) {
      throw refuse(Reason.NOT_YET_VALID, "token is not valid before its nbf");
    }
    if (!now.isBefore(expiresAt.plus(leeway))) {
      throw refuse(Reason.EXPIRED, "token expired");
    }

    // 7. Revocation.
    if (revocations != null) {
      boolean revoked;
      try {
        revoked = revocations.isRevoked(grantId);
      } catch (RuntimeException e) {
        throw new InvalidTokenException(Reason.REVOKED, "revocation check failed, so the token is refused", e);
      }
      if (revoked) {
        throw refuse(Reason.REVOKED, "token was revoked");
      }
    }

    // 8. The grant itself, which may have ended where this process could not see it.
    if (grantLookup != null) {
      Optional<Grant> found;
      try {
        found = grantLookup.apply(grantId);
      } catch (RuntimeException e) {
        throw new InvalidTokenException(Reason.GRANT_NOT_EFFECTIVE,
            "grant lookup failed, so the token is refused", e);
      }
      Grant grant = found == null ? null : found.orElse(null);
      if (grant == null) {
        throw refuse(Reason.GRANT_NOT_EFFECTIVE, "grant is unknown");
      }
      if (!grant.isEffectiveAt(now)) {
        throw refuse(Reason.GRANT_NOT_EFFECTIVE, "grant is not effective now");
      }
      if (!grant.subject().equals(subject) || !grant.resource().equals(resource)
          || !grant.actions().containsAll(actions)) {
        throw refuse(Reason.GRANT_NOT_EFFECTIVE, "token does not match its grant");
      }
    }
    return new VerifiedToken(grantId, subject, resource, actions, notBefore, expiresAt, keyId);
  }

  @Override
  public String toString() {
    return "SignedTokenVerifier[iss=" + issuerName + (audience != null ? ", aud=" + audience : "") + ", "
        + keysDescription
        + ", leeway=" + leeway + (grantLookup != null ? ", grantLookup" : "")
        + (revocations != null ? ", revocations" : "") + "]";
  }

  // -----------------------------------------------------------------------------------------------------------

  private static InvalidTokenException refuse(Reason reason, String message) {
    return new InvalidTokenException(reason, message);
  }

  private static byte[] base64(String part, String encoded) {
    byte[] bytes = Jws.decode(encoded);
    if (bytes == null) {
      throw refuse(Reason.MALFORMED, part + " is not base64url");
    }
    return bytes;
  }

  private static Map<String, Object> json(String part, byte[] bytes) {
    try {
      return JsonReader.parseObject(bytes, 0, bytes.length, LoneSurrogates.REJECT);
    } catch (MalformedJsonException e) {
      throw refuse(Reason.MALFORMED, part + " is not a JSON object: " + e.getMessage());
    }
  }

  private void checkAudience(boolean present, @Nullable Object aud) {
    if (!present) {
      if (audience != null) {
        throw refuse(Reason.WRONG_AUDIENCE, "claim aud is missing");
      }
      return;
    }
    List<?> values = aud instanceof List<?> list ? list : Collections.singletonList(aud);
    for (Object value : values) {
      if (!(value instanceof String)) {
        throw refuse(Reason.MALFORMED, "claim aud must be a string or an array of strings");
      }
    }
    if (audience == null || !values.contains(audience)) {
      throw refuse(Reason.WRONG_AUDIENCE, "claim aud does not name this verifier's audience");
    }
  }

  private static String stringClaim(Map<String, Object> claims, String name) {
    if (!(claims.get(name) instanceof String value)) {
      throw refuse(Reason.MALFORMED, "claim " + name + " must be a string");
    }
    return value;
  }

  private static String idClaim(Map<String, Object> claims, String name) {
    String value = stringClaim(claims, name);
    try {
      return Validate.id(name, value);
    } catch (IllegalArgumentException e) {
      // Not e's message: it would quote the value.
      throw refuse(Reason.MALFORMED, "claim " + name + " is not a valid id");
    }
  }

  private static Subject subject(Map<String, Object> claims) {
    String id = idClaim(claims, "sub");
    Object kind = claims.get("sub_kind");
    if ("user".equals(kind)) {
      return Subject.user(id);
    }
    if ("service".equals(kind)) {
      return Subject.service(id);
    }
    throw refuse(Reason.MALFORMED, "claim sub_kind must be user or service");
  }

  private static boolean isPattern(String resource) {
    try {
      ResourcePattern.parse("resource", resource);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static Set<String> actions(@Nullable Object value) {
    if (!(value instanceof List<?> list) || list.isEmpty() || list.size() > AccessRequest.MAX_ACTIONS) {
      throw refuse(Reason.MALFORMED, "claim actions must be an array of 1 to " + AccessRequest.MAX_ACTIONS
          + " actions");
    }
    Set<String> actions = new LinkedHashSet<>();
    for (Object item : list) {
      if (!(item instanceof String action) || !Validate.isAction(action) || !actions.add(action)) {
        throw refuse(Reason.MALFORMED, "claim actions must hold distinct lower-case action words");
      }
    }
    return actions;
  }

  private static long secondsClaim(Map<String, Object> claims, String name) {
    Long seconds = claims.get(name) instanceof Long value ? value : null;
    if (seconds == null || seconds < 0 || seconds > MAX_SECONDS) {
      throw refuse(Reason.MALFORMED, "claim " + name + " must be whole seconds since the epoch");
    }
    return seconds;
  }

  /** Configures a verifier; not thread-safe. */
  public static final class Builder extends TokenBuilder<Builder> {
    private Duration leeway = Duration.ZERO;
    @Nullable private Function<String, Optional<Grant>> grantLookup;
    @Nullable private TokenRevocations revocations;
    private boolean unrevocable;
    @Nullable private Map<String, JwsKey> jwks;
    @Nullable private URI jwksUri;
    private Duration refreshInterval = Duration.ZERO;

    private Builder() {}

    /**
     * Accepts that, with neither {@link #revocations} nor {@link #grantLookup}, a token stays valid until its
     * {@code exp} even after its grant was revoked or released; without this, such a verifier is not built.
     */
    public Builder allowUnrevocableTokens() {
      this.unrevocable = true;
      return this;
    }

    /**
     * Clock-skew allowance on {@code nbf} and {@code exp}, at most {@link #MAX_LEEWAY}; default zero. It never
     * applies to the grant lookup, which is exact.
     */
    public Builder leeway(Duration leeway) {
      Validate.notNull("leeway", leeway);
      Validate.requireArgument(!leeway.isNegative() && leeway.compareTo(MAX_LEEWAY) <= 0, "leeway", leeway,
          "must be between zero and " + MAX_LEEWAY);
      this.leeway = leeway;
      return this;
    }

    /**
     * Looks a grant up by id; the token is refused unless its grant is effective now. The manager's
     * {@code jit::grant} fits. Default none.
     */
    public Builder grantLookup(@Nullable Function<String, Optional<Grant>> grantLookup) {
      this.grantLookup = grantLookup;
      return this;
    }

    /** Revoked token ids, such as the {@link SignedTokenIssuer} in this process. Default none. */
    public Builder revocations(@Nullable TokenRevocations revocations) {
      this.revocations = revocations;
      return this;
    }

    /**
     * @throws IllegalArgumentException naming {@code keys} when they were not set (by {@link #keys} or a
     *     {@code fromJwks} builder), or were set both ways
     * @throws IllegalStateException with neither revocations nor a grant lookup, unless
     *     {@link #allowUnrevocableTokens()}
     */
    public SignedTokenVerifier build() {
      boolean fromJwks = jwks != null || jwksUri != null;
      if (fromJwks && keys != null) {
        throw new IllegalArgumentException("keys must come from the JWKS or from keys(...), not both");
      }
      if (!fromJwks) {
        Validate.notNull("keys", keys);
      }
      if (revocations == null && grantLookup == null && !unrevocable) {
        throw new IllegalStateException("this verifier could not refuse the token of a grant that ended before "
            + "the token's exp: configure revocations(...) (the SignedTokenIssuer of this process, or "
            + "RevocationList.shared()) or grantLookup(...) (such as jit::grant), or both; or call "
            + "allowUnrevocableTokens() if tokens are meant to live until their exp");
      }
      return new SignedTokenVerifier(this);
    }
  }
}
