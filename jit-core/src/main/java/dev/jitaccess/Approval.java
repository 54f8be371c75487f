package dev.jitaccess;

import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.time.Instant;

/**
 * One approver's yes on a request.
 *
 * @param approver who approved
 * @param at when
 * @param comment what they said, if anything
 */
public record Approval(Subject approver, Instant at, @Nullable String comment) {
  public Approval {
    Validate.notNull("approver", approver);
    Validate.notNull("at", at);
    Validate.text("comment", comment);
  }
}
