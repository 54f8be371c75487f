package dev.jitaccess.spring.security;

import dev.jitaccess.credential.InvalidTokenException;
import dev.jitaccess.credential.SignedTokenVerifier;
import dev.jitaccess.credential.VerifiedToken;
import dev.jitaccess.internal.Validate;
import dev.jitaccess.internal.json.JsonReader;
import dev.jitaccess.internal.json.LoneSurrogates;
import dev.jitaccess.internal.json.MalformedJsonException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;

/**
 * A Spring Security resource server's {@link JwtDecoder} that verifies jit-access tokens with our own
 * {@link SignedTokenVerifier}: HS256, ES256 and EdDSA, the algorithm pinned per key, keys from a JWKS
 * ({@link SignedTokenVerifier#fromJwks(java.net.URI, java.time.Duration)}). Spring Security's own decoder cannot
 * take EdDSA (its {@code SignatureAlgorithm} has none, and Nimbus's key selector does not turn an Ed25519 key of
 * a JWKS into a Java key), so a resource server that accepts EdDSA tokens declares this one:
 *
 * <pre>{@code
 * @Bean
 * JwtDecoder jwtDecoder() {
 *   return new JitAccessJwtDecoder(SignedTokenVerifier
 *       .fromJwks(URI.create("https://jit.example.com/.well-known/jwks.json"), Duration.ofMinutes(5))
 *       .allowUnrevocableTokens()   // or .revocations(...) / .grantLookup(...) where this service has them
 *       .build());
 * }
 * }</pre>
 *
 * <p>A refused token is a {@link BadJwtException}, which the resource server answers with {@code 401
 * invalid_token}. The {@link Jwt} carries the token's own headers and claims, read only after the verifier accepted
 * its signature, expiry and revocation. Thread-safe: it holds only the verifier, which is.
 */
public final class JitAccessJwtDecoder implements JwtDecoder {

  private static final Set<String> TIMESTAMPS = Set.of("iat", "nbf", "exp");

  private final SignedTokenVerifier verifier;

  public JitAccessJwtDecoder(SignedTokenVerifier verifier) {
    this.verifier = Validate.notNull("verifier", verifier);
  }

  @Override
  public Jwt decode(String token) {
    VerifiedToken verified;
    try {
      verified = verifier.verify(token);
    } catch (InvalidTokenException e) {
      throw new BadJwtException("the token was refused: " + e.reason(), e);
    }
    String[] parts = token.split("\\.", -1);
    Jwt.Builder jwt = Jwt.withTokenValue(token);
    part(parts[0]).forEach(jwt::header);
    part(parts[1]).forEach((name, value) -> jwt.claim(name,
        TIMESTAMPS.contains(name) && value instanceof Number seconds ? Instant.ofEpochSecond(seconds.longValue())
            : value)); // Spring's Jwt wants its timestamps as Instants
    return jwt
        .subject(verified.subject().id())
        .jti(verified.grantId())
        .notBefore(verified.notBefore())
        .expiresAt(verified.expiresAt())
        .claim("resource", verified.resource())
        .claim("actions", List.copyOf(verified.actions()))
        .build();
  }

  private static Map<String, Object> part(String encoded) {
    try {
      Object parsed = JsonReader.parse(new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8),
          LoneSurrogates.REJECT);
      if (parsed instanceof Map<?, ?> map) {
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) map;
        return object;
      }
    } catch (MalformedJsonException | IllegalArgumentException e) {
      // cannot happen after the verifier parsed the same bytes; refused all the same
    }
    throw new BadJwtException("the token's JSON could not be read");
  }
}
