package dev.jitaccess.policy;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.Grant;
import dev.jitaccess.Subject;
import jakarta.annotation.Nullable;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Decides requests: the SPI a team implements to bring its own rules.
 *
 * <p>The engine calls it from the threads that call {@code request} and {@code extend}, possibly
 * concurrently, so an implementation must be thread-safe. A policy that throws denies: the engine treats an
 * exception as "no".
 *
 * <p>{@link RulePolicy} is the built-in implementation. Policies compose with {@link #firstApplicable}.
 */
@FunctionalInterface
public interface AccessPolicy {

  /** Decides a new request. */
  PolicyDecision evaluate(AccessRequest request);

  /**
   * Decides an extension of an active grant by {@code extension}. An {@link PolicyDecision.Allow} names how
   * much time to add (at most {@code extension}); the policy is responsible for any bound on total lifetime.
   * The default is {@link PolicyDecision.NotApplicable}: a policy that never thought about extensions never
   * allows one (the engine refuses when no policy applies), and in a composition it leaves the grants of other
   * policies to them.
   */
  default PolicyDecision evaluateExtension(Grant grant, Duration extension, @Nullable String justification) {
    return PolicyDecision.notApplicable();
  }

  /**
   * What {@code subject}, a member of {@code groups}, may ask for, in the order the policy consults it: for a page
   * that offers a request form. Advisory: a request is still decided by {@link #evaluate}. The default is empty: a
   * policy that cannot enumerate what it allows says nothing.
   */
  default List<RequestableAccess> requestable(Subject subject, Set<String> groups) {
    return List.of();
  }

  /**
   * A policy that asks each of {@code policies} in order and answers with the first decision that is not
   * {@link PolicyDecision.NotApplicable}; when none applies, it is not applicable either (and the engine denies).
   */
  static AccessPolicy firstApplicable(AccessPolicy... policies) {
    return new FirstApplicablePolicy(policies);
  }
}
