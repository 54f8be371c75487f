package dev.jitaccess.audit;

import dev.jitaccess.Subject;
import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

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
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(timestamp, "timestamp");
    actions = actions == null ? Set.of() : Set.copyOf(actions);
    details = details == null || details.isEmpty()
        ? Map.of()
        : Collections.unmodifiableMap(new LinkedHashMap<>(details));
  }
}
