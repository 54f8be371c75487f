package dev.jitaccess.credential;

/**
 * Which tokens were revoked before their expiry, as seen by a {@link SignedTokenVerifier}.
 *
 * <p>A {@link SignedTokenIssuer} is one (its {@link RevocationList}, by default
 * {@link RevocationList#shared()}, which outlives the issuer), so a verifier in the same process refuses a token
 * as soon as its grant ends. A verifier in another process does not see that list: give it a grant lookup
 * instead (see {@link SignedTokenVerifier.Builder#grantLookup}), or an implementation of this interface backed
 * by shared storage.
 */
@FunctionalInterface
public interface TokenRevocations {

  /**
   * Whether the token with this id ({@code jti}, which is the grant id) was revoked. Must be thread-safe and
   * fast: it runs on every verification. If it throws, the token is refused.
   */
  boolean isRevoked(String tokenId);
}
