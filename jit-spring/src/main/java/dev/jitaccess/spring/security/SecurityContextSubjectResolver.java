package dev.jitaccess.spring.security;

import dev.jitaccess.Subject;
import dev.jitaccess.spring.SubjectResolver;
import jakarta.annotation.Nullable;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * The default {@link SubjectResolver} with Spring Security: the current {@link Authentication}'s name as a
 * {@link Subject#user user}. No authentication, an unauthenticated or anonymous one, or a name that is not a
 * valid subject id (blank, too long, control characters) is no subject, so the call is denied.
 *
 * <p>Groups are the authorities, with the {@code ROLE_} prefix removed ({@code roles("sre")} is group
 * {@code sre}); authorities that are not valid group names are left out.
 */
public final class SecurityContextSubjectResolver implements SubjectResolver {

  private static final String ROLE_PREFIX = "ROLE_";

  /** The last subject made, reused while the same name calls (a subject is immutable). */
  private volatile Subject last;

  @Override
  @Nullable
  public Subject currentSubject() {
    Authentication authentication = authentication();
    if (authentication == null) {
      return null;
    }
    String name = authentication.getName();
    if (name == null) {
      return null;
    }
    Subject cached = last;
    if (cached != null && cached.id().equals(name)) {
      return cached;
    }
    try {
      Subject subject = Subject.user(name);
      last = subject;
      return subject;
    } catch (IllegalArgumentException invalidName) {
      return null;
    }
  }

  @Override
  public Set<String> currentGroups() {
    Authentication authentication = authentication();
    if (authentication == null || authentication.getAuthorities() == null) {
      return Set.of();
    }
    Set<String> groups = new TreeSet<>();
    for (GrantedAuthority authority : authentication.getAuthorities()) {
      String name = authority.getAuthority();
      if (name == null) {
        continue;
      }
      if (name.startsWith(ROLE_PREFIX)) {
        name = name.substring(ROLE_PREFIX.length());
      }
      if (isGroupName(name)) {
        groups.add(name);
      }
    }
    return groups;
  }

  @Nullable
  private static Authentication authentication() {
    Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
    if (authentication == null || !authentication.isAuthenticated()
        || authentication instanceof AnonymousAuthenticationToken) {
      return null;
    }
    return authentication;
  }

  private static boolean isGroupName(String name) {
    if (name.isBlank() || name.length() > 256) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isISOControl(c) || Character.isWhitespace(c)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "SecurityContextSubjectResolver";
  }
}
