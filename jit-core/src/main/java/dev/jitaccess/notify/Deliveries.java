package dev.jitaccess.notify;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounded queue of webhook deliveries and the one thread that sends them, in order, with retries.
 *
 * <p>Threads: any engine thread calls {@link #submit}, which never blocks (a full queue dead-letters the
 * delivery); the daemon thread {@code jit-webhook} takes deliveries one at a time and sends each until it succeeds
 * or is dead-lettered before it takes the next, so deliveries leave in the order they were submitted (a failing
 * endpoint therefore delays those behind it, by at most its retry budget); {@link #close} runs on the caller's
 * thread. {@code lock} makes "closed" and "queued" one decision, so nothing is queued after the last drain of
 * {@link #close} and silently left there.
 */
final class Deliveries implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WebhookNotifier.class);

  /** One POST: the same event id and body on every attempt, signed afresh each time. */
  record Delivery(String eventId, String type, WebhookNotifier.Audience audience, URI uri, byte[] body) {}

  /** Retry policy: attempts in all, and the exponential backoff between them (capped). */
  record Retry(int maxAttempts, Duration initialDelay, Duration maxDelay) {
    /** Before attempt {@code attempt + 1}: the capped exponential delay, its upper half drawn at random. */
    long delayMillis(int attempt) {
      long base = initialDelay.toMillis() << Math.min(attempt - 1, 30);
      long capped = Math.min(base < 0 ? Long.MAX_VALUE : base, maxDelay.toMillis());
      return capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    }
  }

  /** Marks the end of the queue on close, so a worker waiting in {@code take} wakes up. */
  private static final Delivery STOP = new Delivery("stop", "stop", WebhookNotifier.Audience.GENERAL,
      URI.create("http://127.0.0.1/"), new byte[0]);

  private final HttpClient http;
  private final byte[] secret;
  private final Clock clock;
  private final Retry retry;
  private final Duration requestTimeout;
  private final Duration drainTimeout;
  private final BlockingQueue<Delivery> queue;
  private final Thread worker;
  private final Object lock = new Object();
  private final AtomicLong deadLetters = new AtomicLong();
  private boolean closed; // guarded by lock

  Deliveries(HttpClient http, byte[] secret, Clock clock, Retry retry, Duration requestTimeout,
      Duration drainTimeout, int capacity) {
    this.http = http;
    this.secret = secret;
    this.clock = clock;
    this.retry = retry;
    this.requestTimeout = requestTimeout;
    this.drainTimeout = drainTimeout;
    this.queue = new ArrayBlockingQueue<>(capacity + 1); // + 1: room for STOP
    this.worker = new Thread(this::run, "jit-webhook");
    worker.setDaemon(true);
    worker.start();
  }

  /** Queues a delivery, or dead-letters it when the queue is full or closed; never blocks. */
  void submit(Delivery delivery) {
    String refused;
    synchronized (lock) {
      refused = closed ? "the notifier is closed"
          : queue.remainingCapacity() > 1 && queue.offer(delivery) ? null
          : "the queue is full";
    }
    if (refused != null) {
      deadLetter(delivery, 0, refused);
    }
  }

  long deadLetters() {
    return deadLetters.get();
  }

  /**
   * Stops taking deliveries, lets the worker send what is queued for at most the drain timeout, then interrupts
   * it and dead-letters whatever is left. Idempotent.
   */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      queue.offer(STOP); // the spare slot: always room
    }
    try {
      worker.join(Math.max(1, drainTimeout.toMillis()));
      if (worker.isAlive()) {
        worker.interrupt();
        worker.join(Math.max(1, requestTimeout.toMillis()));
      }
    } catch (InterruptedException e) {
      worker.interrupt();
      Thread.currentThread().interrupt();
    }
    List<Delivery> left = new ArrayList<>();
    queue.drainTo(left);
    left.stream().filter(d -> d != STOP).forEach(d -> deadLetter(d, 0, "not sent before the drain timeout"));
  }

  private void run() {
    Delivery current = null;
    try {
      while (true) {
        current = queue.take();
        if (current == STOP) {
          return;
        }
        send(current);
        current = null;
      }
    } catch (InterruptedException e) {
      if (current != null) {
        deadLetter(current, 0, "not sent before the drain timeout");
      }
    }
  }

  private void send(Delivery delivery) throws InterruptedException {
    String why = null;
    for (int attempt = 1; attempt <= retry.maxAttempts(); attempt++) {
      if (attempt > 1) {
        TimeUnit.MILLISECONDS.sleep(retry.delayMillis(attempt - 1));
      }
      try {
        int status = post(delivery);
        if (status / 100 == 2) {
          return;
        }
        why = "HTTP " + status;
        if (status / 100 != 5) {
          deadLetter(delivery, attempt, why + ", not retried");
          return;
        }
      } catch (IOException e) { // timeouts and connection failures: worth another try
        why = e.getClass().getSimpleName();
      } catch (RuntimeException e) {
        deadLetter(delivery, attempt, e.getClass().getSimpleName() + ", not retried");
        return;
      }
      log.debug("webhook {} ({}) to {}: attempt {} failed with {}", delivery.eventId(), delivery.type(),
          shown(delivery), attempt, why);
    }
    deadLetter(delivery, retry.maxAttempts(), why);
  }

  private int post(Delivery delivery) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(delivery.uri())
        .timeout(requestTimeout)
        .header("Content-Type", "application/json")
        .header("User-Agent", "jit-access-webhook/1")
        .header(WebhookSignature.ID_HEADER, delivery.eventId())
        .header(WebhookSignature.HEADER,
            WebhookSignature.header(secret, clock.instant().getEpochSecond(), delivery.body()))
        .POST(HttpRequest.BodyPublishers.ofByteArray(delivery.body()))
        .build();
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private void deadLetter(Delivery delivery, int attempts, String why) {
    deadLetters.incrementAndGet();
    log.error("webhook {} ({}) to the {} endpoint {} dead-lettered after {} attempt(s): {}", delivery.eventId(),
        delivery.type(), delivery.audience(), shown(delivery), attempts, why);
  }

  /** Scheme, host and port only: a webhook URL's path often is its secret (Slack's are). */
  static String shown(URI uri) {
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
  }

  private static String shown(Delivery delivery) {
    return shown(delivery.uri());
  }
}
