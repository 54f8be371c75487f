package dev.jitaccess.spring.boot;

import dev.jitaccess.notify.WebhookNotifier;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Who is told of access requests and grants, under {@code jit.access.notify}: webhooks, each one
 * {@link WebhookNotifier} listening to the auto-configured manager.
 *
 * <pre>
 * jit:
 *   access:
 *     notify:
 *       webhooks:
 *         ops:                                   # a name of your choice
 *           url: https://hooks.example.com/jit
 *           secret: ${OPS_WEBHOOK_SECRET}
 *           audiences:
 *             security: https://hooks.example.com/jit-security
 *         chat:
 *           url: ${SLACK_WEBHOOK_URL}
 *           secret: ${SLACK_WEBHOOK_SECRET}
 *           format: slack
 *           console-base-url: https://ops.example.com/jit
 * </pre>
 *
 * <p>Bound by {@link JitAccessWebhookAutoConfiguration} itself and never a bean, so the secrets are not in the
 * actuator's {@code configprops}.
 */
@ConfigurationProperties(prefix = "jit.access.notify")
public class JitAccessNotifyProperties {

  /**
   * Webhooks by name (lower-case letters, digits and '-'; the name is in the notifier's bean name
   * jitAccessWebhook.NAME and in the tag webhook of the metric jit.webhook.dead.letters). Keys of each:
   * webhooks.NAME.url (where every audience without one of its own is told), webhooks.NAME.audiences.AUDIENCE (the
   * URL of one audience: approvers, requester, security or general; url or one of these is required),
   * webhooks.NAME.secret (required: the signing key, whose UTF-8 bytes, at least 16, the receiver verifies
   * X-Jit-Signature with), webhooks.NAME.format (json or slack, default json), webhooks.NAME.console-base-url
   * (where the console is served, for the bodies' links; default none), webhooks.NAME.queue-capacity (default
   * 1000), webhooks.NAME.max-attempts (the first included, default 5), webhooks.NAME.backoff.initial (default 1s)
   * and webhooks.NAME.backoff.max (default 30s), webhooks.NAME.request-timeout (default 10s),
   * webhooks.NAME.drain-timeout (how long closing goes on sending, default 5s) and
   * webhooks.NAME.allow-insecure-http (whether a URL may be plain http to a host other than the loopback
   * interface, default false).
   */
  private Map<String, Webhook> webhooks = new LinkedHashMap<>();

  public Map<String, Webhook> getWebhooks() {
    return webhooks;
  }

  public void setWebhooks(Map<String, Webhook> webhooks) {
    this.webhooks = webhooks;
  }

  /** One webhook; see {@link WebhookNotifier.Builder} for the meaning of each field. */
  public static class Webhook {

    /** Where every audience without a URL of its own is told. */
    private String url;

    /** The URL of single audiences, instead of url. */
    private Map<WebhookNotifier.Audience, String> audiences = new EnumMap<>(WebhookNotifier.Audience.class);

    /** The signing key: its UTF-8 bytes, at least 16. A secret: from the environment or a vault. */
    private String secret;

    /** The body posted: JSON (the jit-access.webhook/v1 document) or SLACK (an incoming-webhook message). */
    private WebhookNotifier.Format format = WebhookNotifier.Format.JSON;

    /** Where the console is served, so that bodies link to the request's page; none by default. */
    private String consoleBaseUrl;

    /** How many deliveries may wait; beyond that an event is a dead letter. */
    private int queueCapacity = WebhookNotifier.Builder.DEFAULT_QUEUE_CAPACITY;

    /** How many times a delivery is tried in all, the first included. */
    private int maxAttempts = WebhookNotifier.Builder.DEFAULT_MAX_ATTEMPTS;

    private final Backoff backoff = new Backoff();

    /** How long one attempt, connecting included, may take. */
    private Duration requestTimeout = WebhookNotifier.Builder.DEFAULT_REQUEST_TIMEOUT;

    /** How long closing the application goes on sending what is queued. */
    private Duration drainTimeout = WebhookNotifier.Builder.DEFAULT_DRAIN_TIMEOUT;

    /** Whether a URL may be plain http to a host other than the loopback interface (bodies then travel readable). */
    private boolean allowInsecureHttp = false;

    public String getUrl() {
      return url;
    }

    public void setUrl(String url) {
      this.url = url;
    }

    public Map<WebhookNotifier.Audience, String> getAudiences() {
      return audiences;
    }

    public void setAudiences(Map<WebhookNotifier.Audience, String> audiences) {
      this.audiences = audiences;
    }

    public String getSecret() {
      return secret;
    }

    public void setSecret(String secret) {
      this.secret = secret;
    }

    public WebhookNotifier.Format getFormat() {
      return format;
    }

    public void setFormat(WebhookNotifier.Format format) {
      this.format = format;
    }

    public String getConsoleBaseUrl() {
      return consoleBaseUrl;
    }

    public void setConsoleBaseUrl(String consoleBaseUrl) {
      this.consoleBaseUrl = consoleBaseUrl;
    }

    public int getQueueCapacity() {
      return queueCapacity;
    }

    public void setQueueCapacity(int queueCapacity) {
      this.queueCapacity = queueCapacity;
    }

    public int getMaxAttempts() {
      return maxAttempts;
    }

    public void setMaxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
    }

    public Backoff getBackoff() {
      return backoff;
    }

    public Duration getRequestTimeout() {
      return requestTimeout;
    }

    public void setRequestTimeout(Duration requestTimeout) {
      this.requestTimeout = requestTimeout;
    }

    public Duration getDrainTimeout() {
      return drainTimeout;
    }

    public void setDrainTimeout(Duration drainTimeout) {
      this.drainTimeout = drainTimeout;
    }

    public boolean isAllowInsecureHttp() {
      return allowInsecureHttp;
    }

    public void setAllowInsecureHttp(boolean allowInsecureHttp) {
      this.allowInsecureHttp = allowInsecureHttp;
    }
  }

  /** Retries after a 5xx or a timeout: the first wait, doubled each time up to max, with jitter. */
  public static class Backoff {

    /** The wait before the first retry. */
    private Duration initial = WebhookNotifier.Builder.DEFAULT_BACKOFF_INITIAL;

    /** The longest wait between two tries. */
    private Duration max = WebhookNotifier.Builder.DEFAULT_BACKOFF_MAX;

    public Duration getInitial() {
      return initial;
    }

    public void setInitial(Duration initial) {
      this.initial = initial;
    }

    public Duration getMax() {
      return max;
    }

    public void setMax(Duration max) {
      this.max = max;
    }
  }
}
