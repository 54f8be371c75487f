package dev.jitaccess.examples.ops;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A small operations service guarded by just-in-time access: its endpoints are annotated with
 * {@code @RequiresAccess}, its rules are declared in {@code application.yml}, people ask for access and approve it
 * over HTTP, and the actuator endpoint {@code jitaccess} shows and revokes grants. Users (HTTP Basic, demo
 * passwords equal to the names): alice and carol (group sre), bob (group dba-leads, approves refunds), admin
 * (actuator, and role JIT_ADMIN, which revoking through it needs).
 *
 * <p>Runs on port 8080 until stopped; {@link OpsServiceDemo} plays a scripted session against it instead.
 */
@SpringBootApplication
public class OpsServiceApplication {

  public static void main(String[] args) {
    ConfigurableApplicationContext context = SpringApplication.run(OpsServiceApplication.class, args);
    String base = "http://localhost:" + context.getEnvironment().getProperty("local.server.port");
    System.out.println("""
        ops service on %1$s  (Ctrl-C to stop)
          curl -u alice:alice %1$s/orders                                  -> 403, no grant
          curl -u alice:alice -H 'Content-Type: application/json' %1$s/access/requests \\
               -d '{"resource":"prod/db/orders","actions":["read"],"duration":"15m","justification":"INC-4711 stale list"}'
          curl -u alice:alice %1$s/orders                                  -> 200
          curl -u admin:admin %1$s/actuator/jitaccess                      -> active grants, pending requests
        """.formatted(base));
  }
}
