package dev.jitaccess.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.spring.boot.JitAccessAutoConfiguration;
import dev.jitaccess.spring.boot.JitAccessWebAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/** When the HTTP API is served: opt-in, and never without Spring Security. */
class WebAutoConfigurationTest {

  private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(JitAccessAutoConfiguration.class, JitAccessWebAutoConfiguration.class))
      .withPropertyValues("jit.access.policy.rules[0].name=r", "jit.access.policy.rules[0].resources=prod/**",
          "jit.access.policy.rules[0].actions=read", "jit.access.policy.rules[0].max-duration=5m");

  @Test
  void offUnlessEnabled() {
    runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(JitAccessApiController.class)
        .doesNotHaveBean(JitAccessConsoleController.class));
  }

  @Test
  void enabledItServesTheApiAndTheConsole() {
    runner.withPropertyValues("jit.access.web.enabled=true").run(context -> assertThat(context).hasNotFailed()
        .hasSingleBean(JitAccessApiController.class).hasSingleBean(JitAccessConsoleController.class));
  }

  @Test
  void enabledWithoutSpringSecurityTheApplicationDoesNotStartAndSaysWhy() {
    runner.withPropertyValues("jit.access.web.enabled=true")
        .withClassLoader(new FilteredClassLoader("org.springframework.security"))
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause()
              .hasMessageContaining("jit.access.web.enabled=true needs Spring Security");
        });
  }

  @Test
  void aBasePathThatIsNotAPlainPathIsAStartupError() {
    for (String path : new String[] {"jit", "/jit/", "/jit/**", "/"}) {
      runner.withPropertyValues("jit.access.web.enabled=true", "jit.access.web.path=" + path).run(context -> {
        assertThat(context).as(path).hasFailed();
        assertThat(context.getStartupFailure()).as(path).rootCause().hasMessageContaining("jit.access.web.path");
      });
    }
  }
}
