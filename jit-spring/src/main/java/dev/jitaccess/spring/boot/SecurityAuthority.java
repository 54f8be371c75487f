package dev.jitaccess.spring.boot;

import java.security.Principal;
import java.util.function.Predicate;
import org.springframework.security.core.Authentication;

/** Spring Security's view of a principal's authorities; loaded only when Spring Security is on the classpath. */
final class SecurityAuthority {

  private SecurityAuthority() {}

  /** Accepts an authenticated Spring Security authentication that holds {@code authority}, nothing else. */
  static Predicate<Principal> holding(String authority) {
    return principal -> principal instanceof Authentication authentication && authentication.isAuthenticated()
        && authentication.getAuthorities().stream().anyMatch(granted -> authority.equals(granted.getAuthority()));
  }
}
