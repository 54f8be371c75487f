package dev.jitaccess.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.jitaccess.AccessRequest;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.Subject;
import dev.jitaccess.notify.WebhookNotifier;
import dev.jitaccess.notify.WebhookSignature;
import dev.jitaccess.testing.ManualClock;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.json.JsonParserFactory;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The webhooks of {@code jit.access.notify.webhooks}: wired to the auto-configured manager, signed so that a real
 * receiver (the JDK's HTTP server) verifies them, routed by audience, closed with the context, counted when they
 * fail, and refused at startup with the property named when misconfigured, never showing a secret.
 */
class WebhookAutoConfigurationTest {

  private static final String SECRET = "a-webhook-secret-of-32-characters";
  private static final Subject ALICE = Subject.user("alice");
  private static final Subject BOB = Subject.user("bob");

  private final ManualClock clock = new ManualClock();
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(JitAccessWebhookAutoConfiguration.class,
          JitAccessAutoConfiguration.class, JitAccessMetricsAutoConfiguration.class))
      .withBean(Clock.class, () -> clock)
      .withPropertyValues(
          "jit.access.policy.rules[0].name=refunds",
          "jit.access.policy.rules[0].resources=prod/db/**",
          "jit.access.policy.rules[0].actions=write",
          "jit.access.policy.rules[0].max-duration=30m",
          "jit.access.policy.rules[0].approvals=1",
          "jit.access.policy.rules[0].approvers=bob");

  private record Delivery(String path, String id, String signature, byte[] body) {
    Map<String, Object> json() {
      return JsonParserFactory.getJsonParser().parseMap(new String(body, StandardCharsets.UTF_8));
    }
  }

  private final List<Delivery> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger status = new AtomicInteger(200);
  private HttpServer receiver;
  private String base;

  @BeforeEach
  void startReceiver() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    receiver.createContext("/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      received.add(new Delivery(exchange.getRequestURI().getPath(),
          exchange.getRequestHeaders().getFirst(WebhookSignature.ID_HEADER),
          exchange.getRequestHeaders().getFirst(WebhookSignature.HEADER), body));
      exchange.sendResponseHeaders(status.get(), -1);
      exchange.close();
    });
    receiver.start();
    base = "http://127.0.0.1:" + receiver.getAddress().getPort();
  }

  @AfterEach
  void stopReceiver() {
    receiver.stop(0);
  }

  private ApplicationContextRunner webhook(String name, String... properties) {
    ApplicationContextRunner configured = runner.withPropertyValues(
        "jit.access.notify.webhooks." + name + ".secret=" + SECRET);
    for (String property : properties) {
      configured = configured.withPropertyValues("jit.access.notify.webhooks." + name + "." + property);
    }
    return configured;
  }

  private static RequestOutcome.Pending askForRefund(AssertableApplicationContext context) {
    return (RequestOutcome.Pending) context.getBean(JitAccessManager.class).request(AccessRequest.builder()
        .subject(ALICE).resource("prod/db/orders").actions("write").duration(Duration.ofMinutes(10))
        .justification("CHG-42 refund duplicate charges").build());
  }

  private static String rootMessage(AssertableApplicationContext context) {
    Throwable failure = context.getStartupFailure();
    assertThat(failure).as("startup failure").isNotNull();
    while (failure.getCause() != null) {
      failure = failure.getCause();
    }
    return failure.getMessage();
  }

  // ---------------------------------------------------------------- wiring

  @Test
  void withoutWebhooksThereIsNoNotifier() {
    runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(WebhookNotifier.class));
  }

  @Test
  void aBootWiredManagerPostsDeliveriesAReceiverVerifiesWithTheSecret() {
    webhook("ops", "url=" + base + "/hook").run(context -> {
      assertThat(context).hasBean("jitAccessWebhook.ops");
      RequestOutcome.Pending pending = askForRefund(context);
      context.getBean(JitAccessManager.class).approve(pending.requestId(), BOB, "checked");

      await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2);
      assertThat(received).extracting(d -> d.json().get("type"))
          .containsExactly("request.pending_approval", "grant.granted");
      for (Delivery delivery : received) {
        assertThat(WebhookSignature.verify(SECRET.getBytes(StandardCharsets.UTF_8), delivery.signature(),
            delivery.body(), Duration.ofMinutes(5), clock)).isTrue();
        assertThat(delivery.id()).isEqualTo(delivery.json().get("id"));
        assertThat(delivery.json()).containsEntry("schema", "jit-access.webhook/v1")
            .containsEntry("requestId", pending.requestId());
      }
      // Signed with the application's clock, and refused when replayed later than the receiver tolerates.
      clock.advance(Duration.ofMinutes(6));
      Delivery first = received.get(0);
      assertThat(WebhookSignature.verify(SECRET.getBytes(StandardCharsets.UTF_8), first.signature(), first.body(),
          Duration.ofMinutes(5), clock)).isFalse();
      assertThat(WebhookSignature.verify("another-secret-of-enough-bytes".getBytes(StandardCharsets.UTF_8),
          first.signature(), first.body(), Duration.ofMinutes(5), clock)).isFalse();
    });
  }

  @Test
  void severalWebhooksByNameEachWithItsFormatAndAudiences() {
    runner.withPropertyValues(
            "jit.access.notify.webhooks.ops.secret=" + SECRET,
            "jit.access.notify.webhooks.ops.url=" + base + "/ops",
            "jit.access.notify.webhooks.ops.audiences.approvers=" + base + "/ops-approvers",
            "jit.access.notify.webhooks.chat.secret=" + SECRET,
            "jit.access.notify.webhooks.chat.url=" + base + "/chat",
            "jit.access.notify.webhooks.chat.format=slack",
            "jit.access.notify.webhooks.chat.console-base-url=https://ops.example.com/jit/")
        .run(context -> {
          assertThat(context.getBeansOfType(WebhookNotifier.class))
              .containsOnlyKeys("jitAccessWebhook.ops", "jitAccessWebhook.chat");
          String requestId = askForRefund(context).requestId();

          await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2);
          Delivery json = received.stream().filter(d -> d.path().startsWith("/ops")).findFirst().orElseThrow();
          assertThat(json.path()).isEqualTo("/ops-approvers");
          assertThat(json.json()).containsEntry("type", "request.pending_approval").doesNotContainKey("consoleUrl");
          Delivery slack = received.stream().filter(d -> d.path().equals("/chat")).findFirst().orElseThrow();
          assertThat(slack.json()).containsKeys("text", "blocks");
          assertThat(new String(slack.body(), StandardCharsets.UTF_8))
              .contains("https://ops.example.com/jit/#request-" + requestId);
        });
  }

  @Test
  void withTheAuditHmacKeyJustificationsAreHashedInDeliveriesToo() {
    webhook("ops", "url=" + base + "/hook")
        .withPropertyValues("jit.access.audit.file.hmac-key=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
        .run(context -> {
          askForRefund(context);
          await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
          assertThat(new String(received.get(0).body(), StandardCharsets.UTF_8))
              .doesNotContain("refund duplicate charges");
        });
  }

  @Test
  void closingTheContextSendsWhatIsQueuedThenStopsTheNotifier() {
    webhook("ops", "url=" + base + "/hook").run(context -> {
      WebhookNotifier notifier = context.getBean(WebhookNotifier.class);
      RequestOutcome.Granted granted = (RequestOutcome.Granted) context.getBean(JitAccessManager.class)
          .approve(askForRefund(context).requestId(), BOB, "checked");
      context.close();

      assertThat(received).extracting(d -> d.json().get("type"))
          .containsExactly("request.pending_approval", "grant.granted");
      assertThat(notifier.deadLetters()).isZero();
      notifier.onExpired(granted.grant()); // a closed notifier sends nothing more
      assertThat(notifier.deadLetters()).isEqualTo(1);
    });
  }

  @Test
  void deadLettersAreCountedPerWebhook() {
    status.set(400);
    webhook("ops", "url=" + base + "/hook").run(context -> {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      context.getBean("jitAccessWebhookMetrics", MeterBinder.class).bindTo(registry);
      askForRefund(context);

      await().atMost(Duration.ofSeconds(10)).until(() ->
          registry.get("jit.webhook.dead.letters").tag("webhook", "ops").functionCounter().count() == 1);
    });
  }

  @Test
  void theSecretIsInNoBeanAndInNoToString() {
    webhook("ops", "url=https://hooks.example.com/services/T0/B0/path-secret").run(context -> {
      assertThat(context).doesNotHaveBean(JitAccessNotifyProperties.class);
      assertThat(context.getBean(WebhookNotifier.class).toString())
          .contains("hooks.example.com").doesNotContain(SECRET).doesNotContain("path-secret");
    });
  }

  @Test
  void offWithJitAccess() {
    webhook("ops", "url=" + base + "/hook").withPropertyValues("jit.access.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(WebhookNotifier.class));
  }

  // ---------------------------------------------------------------- validation

  @Test
  void aMissingSecretStopsTheStartupNamingTheProperty() {
    runner.withPropertyValues("jit.access.notify.webhooks.ops.url=" + base + "/hook")
        .run(context -> assertThat(rootMessage(context)).contains("jit.access.notify.webhooks.ops.secret is required"));
  }

  @Test
  void aShortSecretIsRefusedWithoutBeingShown() {
    runner.withPropertyValues("jit.access.notify.webhooks.ops.url=" + base + "/hook",
            "jit.access.notify.webhooks.ops.secret=short-secret")
        .run(context -> assertThat(rootMessage(context))
            .contains("jit.access.notify.webhooks.ops.secret", "16 bytes").doesNotContain("short-secret"));
  }

  @Test
  void aMissingUrlStopsTheStartup() {
    webhook("ops", "format=slack")
        .run(context -> assertThat(rootMessage(context)).contains("jit.access.notify.webhooks.ops.url"));
  }

  @Test
  void aMalformedUrlIsRefusedWithoutShowingIt() {
    webhook("ops", "url=https://hooks.example.com/a path/secret-part")
        .run(context -> assertThat(rootMessage(context))
            .contains("jit.access.notify.webhooks.ops.url is not a URL").doesNotContain("secret-part"));
  }

  @Test
  void aUrlThatIsNotHttpIsRefused() {
    webhook("ops", "audiences.security=ftp://hooks.example.com/jit")
        .run(context -> assertThat(rootMessage(context))
            .contains("jit.access.notify.webhooks.ops.audiences.security", "scheme ftp"));
  }

  @Test
  void plainHttpToAnotherHostIsRefusedUnlessAllowed() {
    ApplicationContextRunner insecure = webhook("ops", "url=http://hooks.example.com/services/path-secret");
    insecure.run(context -> assertThat(rootMessage(context))
        .contains("jit.access.notify.webhooks.ops.url is plain http to hooks.example.com",
            "jit.access.notify.webhooks.ops.allow-insecure-http=true")
        .doesNotContain("path-secret"));
    insecure.withPropertyValues("jit.access.notify.webhooks.ops.allow-insecure-http=true")
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(WebhookNotifier.class));
  }

  @Test
  void aBadDurationOrCountNamesItsProperty() {
    webhook("ops", "url=" + base + "/hook", "request-timeout=0s")
        .run(context -> assertThat(rootMessage(context))
            .contains("jit.access.notify.webhooks.ops.request-timeout", "must be positive"));
    webhook("ops", "url=" + base + "/hook", "backoff.initial=10s", "backoff.max=1s")
        .run(context -> assertThat(rootMessage(context)).contains("jit.access.notify.webhooks.ops.backoff"));
    webhook("ops", "url=" + base + "/hook", "queue-capacity=0")
        .run(context -> assertThat(rootMessage(context)).contains("jit.access.notify.webhooks.ops.queue-capacity"));
  }

  @Test
  void aNameThatCannotNameABeanAndAMetricIsRefused() {
    webhook("Ops_Chat", "url=" + base + "/hook")
        .run(context -> assertThat(rootMessage(context)).contains("jit.access.notify.webhooks.", "the name must"));
  }

  @Test
  void loopbackIsKnownByNameAndLiteralOnly() {
    assertThat(List.of("localhost", "127.0.0.1", "127.1.2.3", "[::1]"))
        .allMatch(JitAccessWebhookAutoConfiguration::loopback);
    assertThat(List.of("localhost.example.com", "127.0.0.1.nip.io", "10.0.0.1", "[::2]"))
        .noneMatch(JitAccessWebhookAutoConfiguration::loopback);
  }
}
