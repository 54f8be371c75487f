package dev.jitaccess.spring.metrics;

import dev.jitaccess.AccessDecision;
import dev.jitaccess.Grant;
import dev.jitaccess.JitAccessListener;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.store.GrantStore;
import dev.jitaccess.store.MalformedRecordReporter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Micrometer metrics of jit-access. Tags have a few fixed values only: never a subject, resource or id.
 *
 * <ul>
 *   <li>{@code jit.grants.active} (gauge): grants in effect now, as the grant store knows them (so, with a
 *       shared store, across all instances);
 *   <li>{@code jit.requests} (counter, tag {@code outcome} = {@code granted}, {@code pending} or {@code denied}):
 *       requests made through the manager ({@code request} and {@code acquire}), by their immediate outcome;
 *   <li>{@code jit.checks} (counter, tag {@code result} = {@code allowed} or {@code denied}): access checks, from
 *       the annotations and from direct {@code check}/{@code isAllowed} calls;
 *   <li>{@code jit.expiry.lag} (timer): from a grant's {@code expiresAt} to the moment the engine handled its
 *       expiry, by the clock (so a stalled expiry thread or a process that was down shows);
 *   <li>{@code jit.store.malformed.records} (gauge): records the store left out as unreadable, not honoured
 *       (with a {@link MalformedRecordReporter} store such as the JDBC one; else 0). Above 0 needs a repair.
 * </ul>
 *
 * <p>Counting needs the manager wrapped by {@link #instrument} (the auto-configuration does it) and the lag needs
 * this object registered as a listener of the manager (likewise).
 *
 * <p>Thread-safe: checks and requests are counted on the callers' threads and the lag on the expiry thread, into
 * Micrometer meters (thread-safe themselves) listed in a copy-on-write list that {@link #bindTo} appends to.
 */
public final class JitAccessMetrics implements MeterBinder, JitAccessListener {

  private static final Logger log = LoggerFactory.getLogger(JitAccessMetrics.class);

  private final Supplier<GrantStore> store;
  private final Supplier<Clock> clock;
  private final List<Meters> meters = new CopyOnWriteArrayList<>();

  /**
   * @param store where active grants are counted; may supply {@code null} (then the gauge reads 0)
   * @param clock the engine's clock
   */
  public JitAccessMetrics(Supplier<GrantStore> store, Supplier<Clock> clock) {
    this.store = store;
    this.clock = clock;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("jit.grants.active", this, JitAccessMetrics::activeGrants)
        .description("Just-in-time grants in effect now")
        .register(registry);
    Gauge.builder("jit.store.malformed.records", this, JitAccessMetrics::malformedRecords)
        .description("Stored records left out as unreadable, and so not honoured")
        .register(registry);
    meters.add(new Meters(
        requests(registry, "granted"), requests(registry, "pending"), requests(registry, "denied"),
        checks(registry, "allowed"), checks(registry, "denied"),
        Timer.builder("jit.expiry.lag")
            .description("Time from a grant's expiry to the engine handling it")
            .register(registry)));
  }

  /** A manager that counts requests and checks into these metrics, delegating everything to {@code manager}. */
  public JitAccessManager instrument(JitAccessManager manager) {
    return new InstrumentedJitAccessManager(manager, this);
  }

  void recordCheck(AccessDecision decision) {
    boolean allowed = decision.allowed();
    for (Meters m : meters) {
      (allowed ? m.checksAllowed : m.checksDenied).increment();
    }
  }

  void recordRequest(RequestOutcome outcome) {
    for (Meters m : meters) {
      if (outcome instanceof RequestOutcome.Granted) {
        m.requestsGranted.increment();
      } else if (outcome instanceof RequestOutcome.Pending) {
        m.requestsPending.increment();
      } else {
        m.requestsDenied.increment();
      }
    }
  }

  /**
   * Measured against the clock now, while the expiry is handled: the grant's {@code endedAt} is its
   * {@code expiresAt} (when it stopped being effective), so it would always show 0, also after hours of downtime.
   */
  @Override
  public void onExpired(Grant grant) {
    Duration lag = Duration.between(grant.expiresAt(), clock.get().instant());
    Duration recorded = lag.isNegative() ? Duration.ZERO : lag;
    for (Meters m : meters) {
      m.expiryLag.record(recorded);
    }
  }

  private double activeGrants() {
    try {
      GrantStore grants = store.get();
      if (grants == null) {
        return 0;
      }
      Instant now = clock.get().instant();
      return grants.findActive().stream().filter(g -> g.isEffectiveAt(now)).count();
    } catch (RuntimeException e) {
      log.debug("could not count active grants", e);
      return Double.NaN;
    }
  }

  private double malformedRecords() {
    return store.get() instanceof MalformedRecordReporter reporter ? reporter.malformedRecords() : 0;
  }

  private static Counter requests(MeterRegistry registry, String outcome) {
    return Counter.builder("jit.requests")
        .description("Just-in-time access requests, by immediate outcome")
        .tag("outcome", outcome)
        .register(registry);
  }

  private static Counter checks(MeterRegistry registry, String result) {
    return Counter.builder("jit.checks")
        .description("Just-in-time access checks, by result")
        .tag("result", result)
        .register(registry);
  }

  private record Meters(Counter requestsGranted, Counter requestsPending, Counter requestsDenied,
      Counter checksAllowed, Counter checksDenied, Timer expiryLag) {}

  @Override
  public String toString() {
    return "JitAccessMetrics[registries=" + meters.size() + "]";
  }
}
