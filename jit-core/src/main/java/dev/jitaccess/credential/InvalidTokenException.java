package dev.jitaccess.credential;

import dev.jitaccess.JitAccessException;

/**
 * A token was refused. {@link #reason()} says why; the message says it in words and never contains the
 * token or any part of it, so it is safe to log.
 */
public class InvalidTokenException extends JitAccessException {

  /** Why a token was refused. */
  public enum Reason {
    /** Not a compact JWS of the expected shape: parts, base64url, JSON, claims, size. */
    MALFORMED,
    /** The header's {@code alg} is missing or is not the one algorithm the verifier accepts. */
    UNSUPPORTED_ALGORITHM,
    /** The header's {@code kid} is missing or names no known key. */
    UNKNOWN_KEY,
    /** The signature does not match the header and claims under the named key. */
    BAD_SIGNATURE,
    /** The token's {@code iss} is not the issuer the verifier expects. */
    WRONG_ISSUER,
    /** The token's {@code aud} does not name the verifier's audience, or names one the verifier does not have. */
    WRONG_AUDIENCE,
    /** Before the token's {@code nbf}. */
    NOT_YET_VALID,
    /** At or after the token's {@code exp}. */
    EXPIRED,
    /** The token was revoked (its grant ended) before its {@code exp}. */
    REVOKED,
    /** The grant the token was issued for is unknown or no longer effective, or cannot be looked up now. */
    GRANT_NOT_EFFECTIVE
  }

  private final Reason reason;

  public InvalidTokenException(Reason reason, String message) {
    super(reason + ": " + message);
    this.reason = reason;
  }

  public InvalidTokenException(Reason reason, String message, Throwable cause) {
    super(reason + ": " + message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
