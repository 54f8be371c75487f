package dev.jitaccess.examples.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.jitaccess.notify.WebhookSignature;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What a team's webhook endpoint does with jit-access's deliveries, on 127.0.0.1 and a free port: it verifies
 * {@code X-Jit-Signature} against the shared secret (refusing a stale timestamp, so a captured delivery cannot be
 * replayed later), skips a {@code webhook-id} it has handled already (a retry whose answer got lost), and hands one
 * line per delivery (event type, ids, who, what; never the justification) to {@code out}. A refused delivery gets
 * 401, which the notifier does not retry.
 *
 * <p>Threads: the JDK server's one dispatcher thread runs {@link #handle} (no executor is set), so the ids seen
 * are only ever touched by that thread.
 */
public final class WebhookReceiver implements AutoCloseable {

  /** How far a signature's time may be from the receiver's clock. */
  static final Duration TOLERANCE = Duration.ofMinutes(5);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final byte[] secret;
  private final Clock clock;
  private final Consumer<String> out;
  private final HttpServer server;
  private final Set<String> seen = Collections.newSetFromMap(new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > 10_000; // bounded: an old id can come back only with a signature too old to pass
    }
  });

  /** Starts a receiver with a fresh random secret; {@link #secret()} is what the webhook must be configured with. */
  public static WebhookReceiver start(Consumer<String> out) throws IOException {
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    return new WebhookReceiver(Base64.getUrlEncoder().withoutPadding().encodeToString(random), Clock.systemUTC(), out);
  }

  WebhookReceiver(String secret, Clock clock, Consumer<String> out) throws IOException {
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
    this.clock = clock;
    this.out = out;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/jit-webhook", this::handle);
    server.start();
  }

  /** Where to point the webhook. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/jit-webhook";
  }

  /** The shared secret, for the webhook's configuration only; never print it. */
  public String secret() {
    return new String(secret, StandardCharsets.UTF_8);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String signature = exchange.getRequestHeaders().getFirst(WebhookSignature.HEADER);
      if (!"POST".equals(exchange.getRequestMethod())
          || !WebhookSignature.verify(secret, signature, body, TOLERANCE, clock)) {
        out.accept("webhook refused: no valid " + WebhookSignature.HEADER);
        exchange.sendResponseHeaders(401, -1);
        return;
      }
      String id = exchange.getRequestHeaders().getFirst(WebhookSignature.ID_HEADER);
      if (id != null && !seen.add(id)) {
        exchange.sendResponseHeaders(200, -1); // handled before: acknowledge, do nothing again
        return;
      }
      out.accept(describe(JSON.readTree(body)));
      exchange.sendResponseHeaders(204, -1);
    }
  }

  /** One line: what happened, to which request and grant, whose and on what. */
  static String describe(JsonNode event) {
    StringBuilder line = new StringBuilder("webhook ").append(event.path("type").asText())
        .append(": request ").append(shortId(event.path("requestId").asText()));
    if (event.hasNonNull("grantId")) {
      line.append(", grant ").append(shortId(event.path("grantId").asText()));
    }
    line.append(", ").append(event.path("subject").path("id").asText()).append(' ')
        .append(String.join(",", JSON.convertValue(event.path("actions"), String[].class)))
        .append(" on ").append(event.path("resource").asText());
    if (event.path("approvalsNeeded").asInt() > 0) {
      line.append(", ").append(event.path("approvalsNeeded").asInt()).append(" approval needed");
    }
    return line.toString();
  }

  static String shortId(String id) {
    return id.length() > 8 ? id.substring(0, 8) : id;
  }

  /** Stops at once: call it after the application is closed, so the notifier's last deliveries still land. */
  @Override
  public void close() {
    server.stop(0);
  }
}
