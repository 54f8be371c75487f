package dev.jitaccess.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.spring.TestApps;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

/**
 * An application whose Spring Security configuration lets anonymous callers reach the API's paths (and turned CSRF
 * protection off): the API itself still answers nobody it cannot identify, with a 401 problem, on every endpoint and
 * every console file.
 */
class WebApiAnonymousTest {

  private static ConfigurableApplicationContext app;
  private static int port;

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
      http.authorizeHttpRequests(requests -> requests.anyRequest().permitAll()).csrf(csrf -> csrf.disable());
      return http.build();
    }
  }

  @BeforeAll
  static void start() {
    app = TestApps.start(App.class,
        "spring.security.user.name=nobody-uses-this",
        "jit.access.web.enabled=true",
        "jit.access.policy.rules[0].name=orders",
        "jit.access.policy.rules[0].resources=prod/orders/**",
        "jit.access.policy.rules[0].actions=read",
        "jit.access.policy.rules[0].max-duration=30m");
    port = TestApps.port(app);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void everyEndpointAndConsoleFileAnswers401WithAProblem() {
    WebApiClient anonymous = new WebApiClient(port, null);
    for (String[] call : WebApiHttpTest.everyEndpoint()) {
      HttpResponse<String> response = anonymous.send(call[0], call[1],
          call[0].equals("GET") ? null : "{\"resource\":\"prod/orders/1\",\"actions\":[\"read\"]}", false);
      assertThat(response.statusCode()).as(call[0] + " " + call[1]).isEqualTo(401);
      assertThat(WebApiClient.map(response)).as(call[0] + " " + call[1]).containsEntry("code", "UNAUTHENTICATED");
    }
  }
}
