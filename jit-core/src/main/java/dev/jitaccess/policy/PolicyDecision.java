package dev.jitaccess.policy;

import dev.jitaccess.internal.Validate;
import java.time.Duration;

/** What a policy says about a request or an extension. */
public sealed interface PolicyDecision {

  /**
   * Yes, for {@code duration}, on the authority of {@code rule} (recorded on the grant and in the audit trail,
   * and handed back to the policy when the grant is extended).
   */
  record Allow(String rule, Duration duration) implements PolicyDecision {
    public Allow {
      Validate.id("rule", rule);
      Validate.duration("duration", duration);
    }
  }

  /**
   * Yes once {@code requirement} is met: the request waits for approvals; the grant then lasts
   * {@code duration} from the last approval (or from the requested start, if later).
   */
  record RequireApprovals(String rule, Duration duration, ApprovalRequirement requirement) implements PolicyDecision {
    public RequireApprovals {
      Validate.id("rule", rule);
      Validate.duration("duration", duration);
      Validate.notNull("requirement", requirement);
    }
  }

  /** No, because {@code reason} (shown to the requester and audited). */
  record Deny(String reason) implements PolicyDecision {
    public Deny {
      Validate.requiredText("reason", reason);
    }
  }

  /** This policy has no rule for the request; in a composition the next policy decides, alone it denies. */
  record NotApplicable() implements PolicyDecision {}

  static Allow allow(String rule, Duration duration) {
    return new Allow(rule, duration);
  }

  static RequireApprovals requireApprovals(String rule, Duration duration, ApprovalRequirement requirement) {
    return new RequireApprovals(rule, duration, requirement);
  }

  static Deny deny(String reason) {
    return new Deny(reason);
  }

  static NotApplicable notApplicable() {
    return NOT_APPLICABLE;
  }

  /** The one instance: it carries nothing. */
  NotApplicable NOT_APPLICABLE = new NotApplicable();
}
