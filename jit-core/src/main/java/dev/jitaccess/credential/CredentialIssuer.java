package dev.jitaccess.credential;

import dev.jitaccess.Grant;
import java.util.Map;

/**
 * Issues a credential when a grant becomes effective and invalidates it when the grant ends. Thread-safe.
 *
 * <p>The engine calls {@link #issue} once a grant is effective and hands the credential to the grant's
 * holder; it calls {@link #extend} on every extension, so the credential lives as long as the grant, and
 * {@link #invalidate} exactly when the grant ends (release, revocation, expiry). An implementation must pass the {@code CredentialIssuerContract} suite in jit-core's
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
   * Makes the credential work until the extended grant's {@code expiresAt}: a database login's own expiry is
   * moved, a token that carries its expiry is re-issued. By default the credential stays as it is, which suits a
   * credential whose validity the issuer looks up from the grant.
   *
   * <p>Throwing makes the engine retry with backoff and report the failure; the grant itself stays extended.
   *
   * @param grant the grant as extended
   * @param credential the credential the holder has now
   * @return the credential for the holder from now on, with the same {@link Credential#grantId()}
   */
  default Credential extend(Grant grant, Credential credential) {
    return credential;
  }

  /**
   * What the audit trail should say about the credential a grant gets, written with its {@code GRANTED} event
   * before the credential exists: for a database login, its name. Never a secret. By default nothing.
   */
  default Map<String, String> auditDetails(Grant grant) {
    return Map.of();
  }

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

  /**
   * {@link #invalidate}, and what the end's audit event should say about it (a database login: the sessions it
   * ended). Never a secret. The engine calls this one; by default it invalidates and says nothing.
   */
  default Map<String, String> invalidateAndDescribe(Grant grant, Credential credential) {
    invalidate(grant, credential);
    return Map.of();
  }
}
