package dev.jitaccess.audit;

import dev.jitaccess.Subject;
import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One entry of the audit trail: who did what to which grant, when and why.
 *
 * <p>It never carries a credential: details are facts about the grant (rule, expiry, reference), not secrets.
 *
 * @param id unique id of this event
 * @param type what happened
 * @param timestamp when, by the engine's clock
 * @param actor who caused it (the requester, an approver, an administrator); {@code null} for the system
 *     (expiry)
 * @param subject whose access it concerns
 * @param resource the resource name or pattern concerned
 * @param actions the actions concerned
 * @param grantId the grant concerned, if any
 * @param requestId the request concerned, if any
 * @param reason the justification, or the reason for a denial or an end
 * @param details further facts in a stable order (for example {@code rule}, {@code expiresAt})
 */
public record AuditEvent(
    String id,
    AuditEventType type,
    Instant timestamp,
    @Nullable Subject actor,
    @Nullable Subject subject,
    @Nullable String resource,
    Set<String> actions,
    @Nullable String grantId,
    @Nullable String requestId,
    @Nullable String reason,
    Map<String, String> details) {

  public AuditEvent {
    Validate.id("id", id);
    Validate.notNull("type", type);
    Validate.notNull("timestamp", timestamp);
    // Sorted, so every sink writes the same event the same way.
    actions = actions == null || actions.isEmpty() ? Set.of() : Collections.unmodifiableSet(new TreeSet<>(actions));
    if (details == null || details.isEmpty()) {
      details = Map.of();
    } else {
      Map<String, String> copy = new LinkedHashMap<>();
      details.forEach((k, v) -> copy.put(Validate.id("details key", k), Validate.notNull("details " + k, v)));
      details = Collections.unmodifiableMap(copy);
    }
  }
}
