package dev.jitaccess.spring.boot;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The self-service HTTP API and console under {@code jit.access.web}: off unless {@code enabled}; needs a servlet
 * application with Spring Security.
 *
 * <pre>
 * jit:
 *   access:
 *     web:
 *       enabled: true
 *       path: /jit
 *       admin-authority: ROLE_JIT_ADMIN
 * </pre>
 */
@ConfigurationProperties(prefix = "jit.access.web")
public class JitAccessWebProperties {

  /** The base path by default. */
  public static final String DEFAULT_PATH = "/jit";
  /** The administrator authority by default. */
  public static final String DEFAULT_ADMIN_AUTHORITY = "ROLE_JIT_ADMIN";

  /** Whether the HTTP API and the console are served; needs Spring Security (authentication and CSRF protection). */
  private boolean enabled = false;

  /** Base path of the API and the console: starts with '/', no trailing '/', no '*'. */
  private String path = DEFAULT_PATH;

  /**
   * Authority a caller's Spring Security authentication must hold to list every active grant, revoke grants and
   * acknowledge break-glass reviews.
   */
  private String adminAuthority = DEFAULT_ADMIN_AUTHORITY;

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getPath() {
    return path;
  }

  /** @throws IllegalArgumentException for a path that does not start with '/', ends with '/' or has a '*' */
  public void setPath(String path) {
    if (path == null || !path.startsWith("/") || path.length() < 2 || path.endsWith("/") || path.contains("*")
        || path.chars().anyMatch(c -> c <= ' ' || c == '{' || c == '}' || c == '$')) {
      throw new IllegalArgumentException("jit.access.web.path must start with '/', not end with '/' and have no '*',"
          + " space or placeholder, got '" + path + "'");
    }
    this.path = path;
  }

  public String getAdminAuthority() {
    return adminAuthority;
  }

  public void setAdminAuthority(String adminAuthority) {
    if (adminAuthority == null || adminAuthority.isBlank()) {
      throw new IllegalArgumentException("jit.access.web.admin-authority must not be blank");
    }
    this.adminAuthority = adminAuthority;
  }
}
