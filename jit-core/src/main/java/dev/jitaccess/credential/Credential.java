package dev.jitaccess.credential;

import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A secret handed to the holder of a grant: a bearer token, an API key, a password.
 *
 * <p>It never prints its secret: {@link #toString()}, and anything derived from it (audit events, log lines,
 * exception messages), shows {@code secret=***}. Only {@link #secret()} returns it, and callers must not log
 * that value. Immutable and thread-safe.
 *
 * <p>Equality is by grant id, type and secret; {@link #hashCode()} is derived from the grant id and type
 * alone, so hash values reveal nothing about the secret.
 */
public final class Credential {

  private final String grantId;
  private final String type;
  private final String secret;
  private final Instant expiresAt;
  private final Map<String, String> attributes;

  private Credential(String grantId, String type, String secret, Instant expiresAt, Map<String, String> attributes) {
    this.grantId = grantId;
    this.type = type;
    this.secret = secret;
    this.expiresAt = expiresAt;
    this.attributes = attributes;
  }

  /**
   * A credential.
   *
   * @param grantId the grant it belongs to
   * @param type what kind of secret it is, an id such as {@code jws}
   * @param secret the secret itself; never shown in messages, not even when it is rejected
   * @param expiresAt when it stops working at the latest; at or before the grant's {@code expiresAt}
   * @throws IllegalArgumentException naming the field when one is missing or malformed
   */
  public static Credential of(String grantId, String type, String secret, Instant expiresAt) {
    return of(grantId, type, secret, expiresAt, Map.of());
  }

  /**
   * A credential with what the holder needs besides the secret to use it, such as a database login's user name
   * and JDBC URL. Attributes are not secret: they are shown by {@link #toString()}.
   *
   * @throws IllegalArgumentException naming the field when one is missing or malformed
   */
  public static Credential of(String grantId, String type, String secret, Instant expiresAt,
      Map<String, String> attributes) {
    Validate.id("grantId", grantId);
    Validate.id("type", type);
    // Not Validate.requiredText: its messages quote the value, and this one is a secret.
    if (secret == null) {
      throw new IllegalArgumentException("secret must not be null");
    }
    if (secret.isBlank()) {
      throw new IllegalArgumentException("secret must not be blank");
    }
    Validate.notNull("expiresAt", expiresAt);
    Validate.notNull("attributes", attributes);
    attributes.forEach((key, value) -> {
      Validate.id("attributes key", key);
      Validate.text("attributes[" + key + "]", Validate.notNull("attributes[" + key + "]", value));
    });
    return new Credential(grantId, type, secret, expiresAt, Map.copyOf(attributes));
  }

  /** The same credential, working until {@code newExpiresAt}: its grant was extended. */
  public Credential withExpiresAt(Instant newExpiresAt) {
    Validate.notNull("expiresAt", newExpiresAt);
    return new Credential(grantId, type, secret, newExpiresAt, attributes);
  }

  /** What the holder needs besides the secret, such as {@code user} and {@code jdbcUrl}; never secret. */
  public Map<String, String> attributes() {
    return attributes;
  }

  /** The id of the grant this credential belongs to. */
  public String grantId() {
    return grantId;
  }

  /** What kind of secret this is, such as {@code jws}. */
  public String type() {
    return type;
  }

  /** When the credential stops working at the latest. */
  public Instant expiresAt() {
    return expiresAt;
  }

  /**
   * The secret itself, to present to the service that checks it. <strong>Callers must not log, print, audit
   * or persist this value</strong>; pass it only to where it is used.
   */
  public String secret() {
    return secret;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Credential other)) {
      return false;
    }
    return grantId.equals(other.grantId)
        && type.equals(other.type)
        && MessageDigest.isEqual(
            secret.getBytes(StandardCharsets.UTF_8), other.secret.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public int hashCode() {
    return Objects.hash(grantId, type);
  }

  /** {@code Credential[grant=..., type=..., expiresAt=..., secret=***]}: never the secret. */
  @Override
  public String toString() {
    return "Credential[grant=" + grantId + ", type=" + type + ", expiresAt=" + expiresAt
        + (attributes.isEmpty() ? "" : ", " + attributes) + ", secret=***]";
  }
}
