package dev.jitaccess.spring;

import java.util.stream.Stream;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Starts the Spring Boot applications of the HTTP tests: a free port, no banner, the test's own properties. */
public final class TestApps {

  private TestApps() {}

  /** Runs {@code application} with {@code properties} ({@code key=value}) on a free port. */
  public static ConfigurableApplicationContext start(Class<?> application, String... properties) {
    return new SpringApplicationBuilder(application)
        .properties(Stream.concat(Stream.of("server.port=0", "spring.main.banner-mode=off"), Stream.of(properties))
            .toArray(String[]::new))
        .run();
  }

  /** The port {@code app} listens on. */
  public static int port(ConfigurableApplicationContext app) {
    return app.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
  }
}
