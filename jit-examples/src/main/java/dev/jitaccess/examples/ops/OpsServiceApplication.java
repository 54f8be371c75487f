package dev.jitaccess.examples.ops;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A small operations service guarded by just-in-time access: its endpoints are annotated with
 * {@code @RequiresAccess}, its rules are declared in {@code application.yml}, people ask for access and approve it
 * over HTTP (the library's API and console at {@code /jit}), the actuator endpoint {@code jitaccess} shows and
 * revokes grants, and a webhook tells a local {@link WebhookReceiver} of every request and grant. Users (HTTP
 * Basic, demo passwords equal to the names): alice and carol (group sre), bob (group dba-leads, approves refunds),
 * admin (actuator, and role JIT_ADMIN, which revoking needs).
 *
 * <p>Runs on port 8080 until stopped; {@link OpsServiceDemo} plays a scripted session against it instead.
 */
@SpringBootApplication
public class OpsServiceApplication {

  /** The command that runs the service until Ctrl-C, as the README gives it. */
  static final String INTERACTIVE_COMMAND = "mvn -B -ntp -q -pl jit-examples -am -DskipTests package exec:java "
      + "-Dexample.main=" + OpsServiceApplication.class.getName();

  public static void main(String[] args) throws IOException {
    Running service = start(8080, line -> System.out.println("  " + line), args);
    String base = "http://localhost:" + service.port();
    System.out.println("""
        ops service on %1$s  (Ctrl-C to stop); webhook deliveries are printed below as they arrive
          console: %1$s/jit  (log in as alice/alice to ask, bob/bob to approve, admin/admin to revoke)
          curl -u alice:alice %1$s/orders                                  -> 403, no grant
          curl -u alice:alice %1$s/jit/requestable                         -> what alice may ask for
          curl -u alice:alice -H 'Content-Type: application/json' %1$s/access/requests \\
               -d '{"resource":"prod/db/orders","actions":["read"],"duration":"15m","justification":"INC-4711 stale list"}'
          curl -u alice:alice %1$s/orders                                  -> 200
          curl -u admin:admin %1$s/actuator/jitaccess                      -> active grants, pending requests
        """.formatted(base));
  }

  /**
   * Starts a {@link WebhookReceiver} (a fresh secret, a free port on 127.0.0.1), then the service with its webhook
   * {@code receiver} pointed at it.
   *
   * @param port the HTTP port, 0 for a free one (the deliveries then link no console page: its URL is not known
   *     before the start)
   * @param deliveries gets one line per verified delivery, on the receiver's thread
   */
  static Running start(int port, Consumer<String> deliveries, String... args) throws IOException {
    WebhookReceiver receiver = WebhookReceiver.start(deliveries);
    try {
      List<String> properties = new ArrayList<>(List.of("server.port=" + port,
          "jit.access.notify.webhooks.receiver.url=" + receiver.url(),
          "jit.access.notify.webhooks.receiver.secret=" + receiver.secret()));
      if (port > 0) {
        properties.add("jit.access.notify.webhooks.receiver.console-base-url=http://localhost:" + port + "/jit");
      }
      return new Running(new SpringApplicationBuilder(OpsServiceApplication.class)
          .properties(properties.toArray(String[]::new)).run(args), receiver);
    } catch (RuntimeException e) {
      receiver.close();
      throw e;
    }
  }

  /** The service and its receiver, closed in that order, so that the webhook's last deliveries still land. */
  record Running(ConfigurableApplicationContext app, WebhookReceiver receiver) implements AutoCloseable {

    int port() {
      return app.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    }

    @Override
    public void close() {
      try {
        app.close();
      } finally {
        receiver.close();
      }
    }
  }
}
