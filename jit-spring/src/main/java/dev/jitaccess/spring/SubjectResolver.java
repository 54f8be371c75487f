package dev.jitaccess.spring;

import dev.jitaccess.Subject;
import jakarta.annotation.Nullable;
import java.util.Objects;
import java.util.Set;

/**
 * Tells who is calling: the subject whose grants an annotated call is checked against.
 *
 * <p>Declare a bean to replace the default, which with Spring Security on the classpath is the current
 * authentication's name as a {@link Subject#user user} (anonymous and unauthenticated callers have no subject)
 * and without it is {@link #NONE}. Called on the calling thread for every annotated call: keep it cheap. A
 * resolver that throws counts as "no subject", so the call is denied.
 */
@FunctionalInterface
public interface SubjectResolver {

  /** A resolver that never knows the caller: every annotated call is denied. */
  SubjectResolver NONE = () -> null;

  /** The current caller, or {@code null} when there is none (then access is denied). */
  @Nullable
  Subject currentSubject();

  /**
   * The current caller's group memberships, put on the requests that {@link ElevatedAccess} makes so that rules
   * with requester groups can admit them. None by default.
   */
  default Set<String> currentGroups() {
    return Set.of();
  }

  /** A resolver that always answers {@code subject}, for a job or a service that acts as itself. */
  static SubjectResolver fixed(Subject subject) {
    Objects.requireNonNull(subject, "subject");
    return () -> subject;
  }
}
