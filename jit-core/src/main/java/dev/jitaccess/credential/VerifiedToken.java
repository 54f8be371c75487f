package dev.jitaccess.credential;

import dev.jitaccess.ResourcePattern;
import dev.jitaccess.Subject;
import dev.jitaccess.internal.Validate;
import java.time.Instant;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a valid token says: the result of {@link SignedTokenVerifier#verify}.
 *
 * @param grantId the grant the token was issued for (its {@code jti})
 * @param subject who holds it ({@code sub} and {@code sub_kind})
 * @param resource the resource name or pattern of the grant
 * @param actions the actions of the grant, sorted
 * @param notBefore the token's {@code nbf}
 * @param expiresAt the token's {@code exp}
 * @param keyId the {@code kid} of the key that signed it
 */
public record VerifiedToken(
    String grantId,
    Subject subject,
    String resource,
    Set<String> actions,
    Instant notBefore,
    Instant expiresAt,
    String keyId) {

  public VerifiedToken {
    Validate.id("grantId", grantId);
    Validate.notNull("subject", subject);
    ResourcePattern.parse("resource", resource);
    Validate.notNull("actions", actions);
    TreeSet<String> sorted = new TreeSet<>();
    for (String action : actions) {
      sorted.add(Validate.action("action", action));
    }
    actions = Collections.unmodifiableSet(sorted);
    Validate.notNull("notBefore", notBefore);
    Validate.notNull("expiresAt", expiresAt);
    Validate.notNull("keyId", keyId);
  }

  /** Whether the token covers this concrete resource name and action (like {@code Grant.covers}). */
  public boolean allows(String resourceName, String action) {
    return actions.contains(action) && ResourcePattern.of(resource).matches(resourceName);
  }
}
