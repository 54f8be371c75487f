package dev.jitaccess.notify;

import dev.jitaccess.Grant;
import dev.jitaccess.JitAccessListener;
import dev.jitaccess.RequestRecord;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditHmac;
import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link JitAccessListener} that POSTs one signed JSON document per event to the webhook of the people who
 * should hear of it: a request waiting for approval (and one withdrawn) to the {@linkplain Audience#APPROVERS
 * approvers}; a rejected or lapsed request, an approved one and a grant expiring soon to the
 * {@linkplain Audience#REQUESTER requester}; break-glass access to {@linkplain Audience#SECURITY security}; grants
 * given, extended, released, revoked and expired to a {@linkplain Audience#GENERAL general} channel. An audience
 * without an endpoint of its own uses the default one; one without either is not told.
 *
 * <pre>{@code
 * WebhookNotifier notifier = WebhookNotifier.builder()
 *     .secret(secretBytes)
 *     .defaultEndpoint(URI.create("https://hooks.example.com/jit"))
 *     .endpoint(WebhookNotifier.Audience.SECURITY, URI.create("https://hooks.example.com/jit-security"))
 *     .build();
 * JitAccessManager jit = JitAccessManager.builder().policy(policy).listener(notifier).build();
 * ...
 * jit.close();
 * notifier.close(); // after the manager, so its last events are sent
 * }</pre>
 *
 * <p>Each delivery carries {@value WebhookSignature#HEADER} (see {@link WebhookSignature}) and
 * {@value WebhookSignature#ID_HEADER}. The body is the {@code jit-access.webhook/v1} document the README
 * describes, or a Slack message ({@link Format#SLACK}). No credential is ever in it; justifications, comments and
 * reasons are hashed as the audit hashes them when an {@link AuditHmac} is given.
 *
 * <p>Threads: the callbacks run on the engine's threads and only build the body and queue it, never waiting;
 * one daemon thread, {@code jit-webhook}, sends the deliveries one after the other, so events reach an endpoint
 * in the order the engine reported them (per request, too), and a delivery being retried holds back those behind
 * it. A 2xx is success; a 5xx, a timeout or a connection failure is retried with exponential backoff and jitter
 * up to {@link Builder#maxAttempts}; anything else (a 4xx) is not. A delivery that fails for good, that finds the
 * queue full or that is still queued when {@link #close} gives up is a <em>dead letter</em>: logged at ERROR
 * (event id, type, audience and the endpoint's host, never its path, which may be a secret) and counted in
 * {@link #deadLetters()}.
 */
public final class WebhookNotifier implements JitAccessListener, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WebhookNotifier.class);

  /** Who a webhook endpoint reaches. */
  public enum Audience {
    /** Those who review requests. */
    APPROVERS,
    /** The subject who asked. */
    REQUESTER,
    /** Those who review break-glass access. */
    SECURITY,
    /** Everyone who follows grants. */
    GENERAL
  }

  /** The body posted. */
  public enum Format {
    /** The {@code jit-access.webhook/v1} document. */
    JSON,
    /** A Slack incoming-webhook message: {@code text} and {@code blocks}, linking the console when it is set. */
    SLACK
  }

  private final Map<Audience, URI> endpoints;
  private final Documents documents;
  private final Clock clock;
  private final Deliveries deliveries;

  private WebhookNotifier(Builder b) {
    this.endpoints = new EnumMap<>(Audience.class);
    for (Audience audience : Audience.values()) {
      URI uri = b.endpoints.getOrDefault(audience, b.defaultEndpoint);
      if (uri != null) {
        endpoints.put(audience, uri);
      }
    }
    this.documents = new Documents(b.format, b.consoleBaseUrl, b.hmac);
    this.clock = b.clock;
    HttpClient http = b.httpClient != null ? b.httpClient
        : HttpClient.newBuilder().connectTimeout(b.requestTimeout).build();
    this.deliveries = new Deliveries(http, b.secret, b.clock,
        new Deliveries.Retry(b.maxAttempts, b.initialDelay, b.maxDelay), b.requestTimeout, b.drainTimeout,
        b.queueCapacity);
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void onPendingApproval(RequestRecord request) {
    publish(EventType.PENDING_APPROVAL, request, null, null);
  }

  @Override
  public void onRequestRejected(RequestRecord request) {
    publish(EventType.REQUEST_REJECTED, request, null, null);
  }

  @Override
  public void onRequestCancelled(RequestRecord request) {
    publish(EventType.REQUEST_CANCELLED, request, null, null);
  }

  @Override
  public void onRequestExpired(RequestRecord request) {
    publish(EventType.REQUEST_EXPIRED, request, null, null);
  }

  /** Also tells the requester when approvers let it through: an auto-approved requester has its answer already. */
  @Override
  public void onGranted(Grant grant) {
    publish(EventType.GRANTED, null, grant, null);
  }

  @Override
  public void onBreakGlass(Grant grant) {
    publish(EventType.BREAK_GLASS, null, grant, null);
  }

  @Override
  public void onExpiringSoon(Grant grant) {
    publish(EventType.EXPIRING_SOON, null, grant, null);
  }

  @Override
  public void onExtended(Grant grant) {
    publish(EventType.EXTENDED, null, grant, null);
  }

  @Override
  public void onReleased(Grant grant) {
    publish(EventType.RELEASED, null, grant, null);
  }

  @Override
  public void onRevoked(Grant grant, @Nullable Subject actor, String reason) {
    publish(EventType.REVOKED, null, grant, actor);
  }

  @Override
  public void onExpired(Grant grant) {
    publish(EventType.EXPIRED, null, grant, null);
  }

  /** Deliveries dead-lettered so far: failed for good, refused by a full queue, or left over by {@link #close}. */
  public long deadLetters() {
    return deliveries.deadLetters();
  }

  /**
   * Stops taking events (later ones are dead letters), sends what is queued for at most
   * {@link Builder#drainTimeout}, and dead-letters whatever is still unsent then. Idempotent.
   */
  @Override
  public void close() {
    deliveries.close();
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("WebhookNotifier[");
    endpoints.forEach((audience, uri) -> out.append(audience).append('=').append(Deliveries.shown(uri)).append(' '));
    return out.append("dead letters ").append(deadLetters()).append(']').toString();
  }

  private void publish(EventType type, @Nullable RequestRecord request, @Nullable Grant grant,
      @Nullable Subject actor) {
    Set<Audience> audiences = new LinkedHashSet<>(type.audiences());
    if (type == EventType.GRANTED && !grant.approvals().isEmpty()) {
      audiences.add(Audience.REQUESTER);
    }
    // Two audiences sharing an endpoint get one delivery there.
    Map<URI, Audience> targets = new LinkedHashMap<>();
    for (Audience audience : audiences) {
      URI uri = endpoints.get(audience);
      if (uri != null) {
        targets.putIfAbsent(uri, audience);
      }
    }
    if (targets.isEmpty()) {
      return;
    }
    Documents.Event event = new Documents.Event(UUID.randomUUID().toString(), type, clock.instant(), request, grant,
        actor);
    byte[] body;
    try {
      body = documents.body(event);
    } catch (RuntimeException e) {
      log.error("webhook {} ({}) for request {} could not be written; not sent", event.id(), type.wire(),
          event.requestId(), e);
      return;
    }
    targets.forEach((uri, audience) ->
        deliveries.submit(new Deliveries.Delivery(event.id(), type.wire(), audience, uri, body)));
  }

  /** Configures a {@link WebhookNotifier}; every setter checks its argument at once. */
  public static final class Builder {

    /** How many deliveries may wait, by default. */
    public static final int DEFAULT_QUEUE_CAPACITY = 1_000;
    /** How many times a delivery is tried in all, by default. */
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    /** The wait before the first retry, by default. */
    public static final Duration DEFAULT_BACKOFF_INITIAL = Duration.ofSeconds(1);
    /** The longest wait between two tries, by default. */
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(30);
    /** How long one attempt may take, by default. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** How long {@link WebhookNotifier#close} goes on sending, by default. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(5);

    private byte[] secret;
    private URI defaultEndpoint;
    private final Map<Audience, URI> endpoints = new EnumMap<>(Audience.class);
    private Format format = Format.JSON;
    private URI consoleBaseUrl;
    private AuditHmac hmac;
    private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration initialDelay = DEFAULT_BACKOFF_INITIAL;
    private Duration maxDelay = DEFAULT_BACKOFF_MAX;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
    private Clock clock = Clock.systemUTC();
    private HttpClient httpClient;

    private Builder() {}

    /** Required: the key every delivery is signed with (copied), at least {@value AuditHmac#MIN_KEY_BYTES} bytes. */
    public Builder secret(byte[] secret) {
      Validate.notNull("secret", secret);
      Validate.requireArgument(secret.length >= AuditHmac.MIN_KEY_BYTES, "secret", secret.length + " bytes",
          "must be at least " + AuditHmac.MIN_KEY_BYTES + " bytes");
      this.secret = secret.clone();
      return this;
    }

    /** Where an audience without an endpoint of its own is told. */
    public Builder defaultEndpoint(URI uri) {
      this.defaultEndpoint = checkedEndpoint("defaultEndpoint", uri);
      return this;
    }

    /** Where {@code audience} is told, instead of the default endpoint. */
    public Builder endpoint(Audience audience, URI uri) {
      Validate.notNull("audience", audience);
      endpoints.put(audience, checkedEndpoint("endpoint." + audience, uri));
      return this;
    }

    /** The body posted; {@link Format#JSON} by default. */
    public Builder format(Format format) {
      this.format = Validate.notNull("format", format);
      return this;
    }

    /** Where the console is served: bodies then link {@code <consoleBaseUrl>/#request-<request id>}, the console page with that request marked. */
    public Builder consoleBaseUrl(URI consoleBaseUrl) {
      this.consoleBaseUrl = checkedEndpoint("consoleBaseUrl", consoleBaseUrl);
      return this;
    }

    /** Hashes justifications, comments and reasons as the audit does, so a channel shows what the log shows. */
    public Builder hmac(AuditHmac hmac) {
      this.hmac = Validate.notNull("hmac", hmac);
      return this;
    }

    /** How many deliveries may wait; beyond that an event is a dead letter. 1000 by default. */
    public Builder queueCapacity(int capacity) {
      Validate.requireArgument(capacity >= 1, "queueCapacity", capacity, "must be at least 1");
      this.queueCapacity = capacity;
      return this;
    }

    /** How many times a delivery is tried in all, the first included; 5 by default. */
    public Builder maxAttempts(int attempts) {
      Validate.requireArgument(attempts >= 1, "maxAttempts", attempts, "must be at least 1");
      this.maxAttempts = attempts;
      return this;
    }

    /**
     * The wait before the first retry, doubled before each next one up to {@code max}, and a random part of its
     * upper half taken off (jitter, so that notifiers on many nodes do not retry in step). 1 s and 30 s by default.
     */
    public Builder backoff(Duration initial, Duration max) {
      Validate.requireArgument(initial != null && !initial.isNegative(), "backoff.initial", initial,
          "must not be negative");
      Validate.requireArgument(max != null && max.compareTo(initial) >= 0, "backoff.max", max,
          "must be at least backoff.initial " + initial);
      this.initialDelay = initial;
      this.maxDelay = max;
      return this;
    }

    /** How long one attempt (connecting included) may take before it counts as a timeout; 10 s by default. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = Validate.duration("requestTimeout", timeout);
      return this;
    }

    /** How long {@link WebhookNotifier#close} goes on sending what is queued; 5 s by default. */
    public Builder drainTimeout(Duration timeout) {
      Validate.notNull("drainTimeout", timeout);
      Validate.requireArgument(!timeout.isNegative(), "drainTimeout", timeout, "must not be negative");
      this.drainTimeout = timeout;
      return this;
    }

    /** The clock of {@code occurredAt} and of the signatures' timestamps; system UTC by default. */
    public Builder clock(Clock clock) {
      this.clock = Validate.notNull("clock", clock);
      return this;
    }

    /** The client to post with (a proxy, TLS settings); by default one of the notifier's own. */
    public Builder httpClient(HttpClient client) {
      this.httpClient = Validate.notNull("httpClient", client);
      return this;
    }

    /**
     * A notifier, its delivery thread started.
     *
     * @throws IllegalArgumentException if no secret or no endpoint at all is set
     */
    public WebhookNotifier build() {
      Validate.requireArgument(secret != null, "secret", null, "is required");
      Validate.requireArgument(defaultEndpoint != null || !endpoints.isEmpty(), "defaultEndpoint", null,
          "or an endpoint for some audience is required");
      return new WebhookNotifier(this);
    }

    @Override
    public String toString() {
      return "WebhookNotifier.Builder[secret " + (secret == null ? "unset" : "set") + "]";
    }

    /** Absolute http(s) with a host; the message names the scheme only, as the rest may be a secret. */
    private static URI checkedEndpoint(String field, URI uri) {
      Validate.notNull(field, uri);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
      Validate.requireArgument(scheme.equals("http") || scheme.equals("https"), field, "scheme " + scheme,
          "must be an http or https URL");
      Validate.requireArgument(uri.getHost() != null, field, "no host", "must name a host");
      return uri;
    }
  }
}
