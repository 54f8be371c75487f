package dev.jitaccess.credential;

import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.time.Clock;

/**
 * The settings a {@link SignedTokenIssuer.Builder} and a {@link SignedTokenVerifier.Builder} share: an issuer
 * and its verifiers must agree on them.
 *
 * @param <B> the builder itself, returned by every setter
 */
abstract class TokenBuilder<B extends TokenBuilder<B>> {
  @Nullable SigningKeys keys;
  String issuerName = SignedTokenIssuer.DEFAULT_ISSUER;
  @Nullable String audience;
  Clock clock = Clock.systemUTC();

  TokenBuilder() {}

  /**
   * The keys. Required, except by a verifier built from a JWKS ({@link SignedTokenVerifier#fromJwks(String)}).
   * An issuer signs with the active one; a verifier needs every key id whose tokens may still be alive.
   */
  public B keys(SigningKeys keys) {
    this.keys = Validate.notNull("keys", keys);
    return self();
  }

  /** The {@code iss} claim; default {@value SignedTokenIssuer#DEFAULT_ISSUER}. Issuer and verifiers name the same. */
  public B issuer(String issuerName) {
    this.issuerName = Validate.id("issuer", issuerName);
    return self();
  }

  /**
   * The {@code aud} claim, naming the service the tokens are for; default none. A verifier with an audience
   * refuses tokens that do not name it; one without refuses tokens that have an {@code aud}.
   */
  public B audience(@Nullable String audience) {
    this.audience = audience == null ? null : Validate.id("audience", audience);
    return self();
  }

  /**
   * The clock: an issuer's for {@code iat} and its checks, a verifier's for {@code nbf}, {@code exp} and grant
   * effectiveness; default the system clock in UTC.
   */
  public B clock(Clock clock) {
    this.clock = Validate.notNull("clock", clock);
    return self();
  }

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }
}
