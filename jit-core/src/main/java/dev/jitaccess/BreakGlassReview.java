package dev.jitaccess;

import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.time.Instant;

/**
 * A break-glass grant waiting for (or past) its post-incident review, so emergency access cannot go unnoticed.
 * Immutable; an acknowledgement is a new value with the next {@code version}.
 *
 * @param grant the emergency grant, as given
 * @param incident the incident id it was tied to
 * @param reviewer who acknowledged it; {@code null} while open
 * @param reviewedAt when
 * @param comment what the reviewer said
 * @param version incremented by every change
 */
public record BreakGlassReview(
    Grant grant,
    String incident,
    @Nullable Subject reviewer,
    @Nullable Instant reviewedAt,
    @Nullable String comment,
    long version) {

  public BreakGlassReview {
    Validate.notNull("grant", grant);
    Validate.id("incident", incident);
    Validate.requireArgument((reviewer == null) == (reviewedAt == null), "reviewedAt", reviewedAt,
        "must be set exactly when a reviewer is");
    Validate.text("comment", comment);
  }

  public String grantId() {
    return grant.id();
  }

  public boolean isAcknowledged() {
    return reviewer != null;
  }

  BreakGlassReview acknowledged(Subject by, Instant at, @Nullable String withComment) {
    return new BreakGlassReview(grant, incident, by, at, withComment, version + 1);
  }
}
