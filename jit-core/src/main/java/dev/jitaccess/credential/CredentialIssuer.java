package dev.jitaccess.credential;

import dev.jitaccess.Grant;

/**
 * Issues a credential when a grant becomes effective and invalidates it when the grant ends. Thread-safe.
 *
 * <p>The engine calls {@link #issue} once a grant is effective and hands the credential to the grant's
 * holder; it calls {@link #invalidate} exactly when the grant ends (release, revocation, expiry), never on
 * an extension. An implementation must pass the {@code CredentialIssuerContract} suite in jit-core's
 * {@code tests} test-jar.
 *
 * @see SignedTokenIssuer the built-in issuer of short-lived signed tokens
 */
public interface CredentialIssuer {

  /**
   * Issues a credential for an effective grant. The credential should not outlive {@code grant.expiresAt()}.
   *
   * <p>Throwing means the grant is not handed out: the engine fails closed.
   *
   * @param grant the grant that has just become effective
   * @return the credential for the grant's holder, with {@link Credential#grantId()} equal to {@code grant.id()}
   */
  Credential issue(Grant grant);

  /**
   * Invalidates a credential because its grant ended (release, revocation or expiry; never on extension).
   *
   * <p>Must be idempotent: the engine may call it again for the same credential. Throwing makes the engine
   * retry with backoff and report the failure.
   *
   * @param grant the grant as it ended
   * @param credential the credential {@link #issue} returned for it
   */
  void invalidate(Grant grant, Credential credential);
}
