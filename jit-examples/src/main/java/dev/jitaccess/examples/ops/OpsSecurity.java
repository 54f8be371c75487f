package dev.jitaccess.examples.ops;

import dev.jitaccess.ApproverDirectory;
import dev.jitaccess.Subject;
import dev.jitaccess.spring.security.JitAccessDeniedHandler;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/** Demo users, HTTP Basic, CSRF protection for the console and jit-access's 403 problem body for refusals. */
@Configuration(proxyBeanMethods = false)
public class OpsSecurity {

  @Bean
  InMemoryUserDetailsManager users() {
    // Demo only: passwords equal to the user names.
    return new InMemoryUserDetailsManager(
        User.withUsername("alice").password("{noop}alice").roles("sre").build(),
        User.withUsername("carol").password("{noop}carol").roles("sre").build(),
        User.withUsername("bob").password("{noop}bob").roles("dba-leads").build(),
        User.withUsername("admin").password("{noop}admin").roles("ADMIN", "JIT_ADMIN").build());
  }

  @Bean
  SecurityFilterChain filterChain(HttpSecurity http) throws Exception {
    http.authorizeHttpRequests(requests -> requests
            .requestMatchers("/actuator/health", "/error").permitAll() // /error: a refusal's problem body
            .requestMatchers("/actuator/**").hasRole("ADMIN")
            .anyRequest().authenticated())
        .httpBasic(Customizer.withDefaults())
        // The example's own endpoints are for scripts with HTTP Basic; the library's API and console under /jit
        // keep CSRF protection (its clients send the token GET /jit/session hands out).
        .csrf(csrf -> csrf.ignoringRequestMatchers("/access/**", "/orders/**", "/jobs/**", "/actuator/**"))
        .exceptionHandling(e -> e.accessDeniedHandler(new JitAccessDeniedHandler()));
    return http.build();
  }

  /**
   * Who belongs to which approver group: the users' roles. The auto-configuration hands it to the manager.
   *
   * <p>The user store finds {@code BOB} as bob, while logins reach the engine under the stored name only; so the
   * directory answers for a user under that name only, and never for a service: a subject spelled otherwise gets
   * no group, rather than borrowing bob's. (The engine's person key also makes every spelling of bob one
   * approver.)
   */
  @Bean
  ApproverDirectory approverDirectory(InMemoryUserDetailsManager users) {
    return approver -> {
      if (approver.kind() != Subject.Kind.USER) {
        return Set.of();
      }
      try {
        UserDetails user = users.loadUserByUsername(approver.id());
        if (!user.getUsername().equals(approver.id())) {
          return Set.of();
        }
        Set<String> groups = new TreeSet<>();
        for (GrantedAuthority authority : user.getAuthorities()) {
          groups.add(authority.getAuthority().replaceFirst("^ROLE_", ""));
        }
        return groups;
      } catch (UsernameNotFoundException e) {
        return Set.of();
      }
    };
  }
}
