package dev.jitaccess.spring;

import dev.jitaccess.AccessDecision;
import jakarta.annotation.Nullable;
import java.util.Objects;
import java.util.Optional;

/**
 * What every exception that refuses an annotated call carries: the engine's decision, the resource and the
 * action. Implemented by {@link JitAccessDeniedException} and, with Spring Security, by
 * {@code dev.jitaccess.spring.security.JitAccessDeniedSecurityException}; {@link #find} finds either in a cause
 * chain.
 */
public interface JitAccessDenial {

  /** The denied decision; its {@link AccessDecision#reason() reason} says why. */
  AccessDecision decision();

  /** The resource the call needed, or {@code null} when its expression yielded none. */
  @Nullable
  String resource();

  /** The action the call needed. */
  String action();

  /** The first {@link JitAccessDenial} in {@code failure}'s cause chain, itself included. */
  static Optional<JitAccessDenial> find(@Nullable Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof JitAccessDenial denial) {
        return Optional.of(denial);
      }
    }
    return Optional.empty();
  }

  /**
   * The message both exception types use: what was refused and why, without grant internals.
   *
   * @throws NullPointerException when {@code decision} or {@code action} is null
   * @throws IllegalArgumentException when {@code decision} allowed access
   */
  static String describe(AccessDecision decision, @Nullable String resource, String action) {
    Objects.requireNonNull(decision, "decision");
    if (decision.allowed()) {
      throw new IllegalArgumentException("decision must be a denial");
    }
    Objects.requireNonNull(action, "action");
    return "access denied: " + action + " on " + (resource == null ? "(no resource)" : resource) + ": "
        + decision.reason();
  }
}
