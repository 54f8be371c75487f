package dev.jitaccess.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.Subject;
import dev.jitaccess.policy.AccessRule;
import dev.jitaccess.policy.RulePolicy;
import dev.jitaccess.store.InMemoryGrantStore;
import dev.jitaccess.testing.ManualClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class JitAccessMetricsTest {

  @Test
  void anExpiryHandledTwoHoursLateRecordsALagOfTwoHours() {
    ManualClock clock = new ManualClock();
    InMemoryGrantStore store = new InMemoryGrantStore();
    JitAccessMetrics metrics = new JitAccessMetrics(() -> store, () -> clock);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    metrics.bindTo(registry);
    try (JitAccessManager jit = JitAccessManager.builder()
        .policy(RulePolicy.builder().rule(AccessRule.builder("orders").resources("prod/db/**").actions("read")
            .maxDuration(Duration.ofHours(1)).autoApprove().build()).build())
        .store(store)
        .clock(clock)
        .listener(metrics)
        .build()) {
      RequestOutcome outcome = jit.request(AccessRequest.builder().subject(Subject.user("alice"))
          .resource("prod/db/orders").actions("read").duration(Duration.ofMinutes(10))
          .justification("CHG-1 test").build());
      assertThat(outcome).isInstanceOf(RequestOutcome.Granted.class);

      // The process was down (or the expiry thread stalled) for two hours past the grant's end.
      clock.advance(Duration.ofMinutes(10).plusHours(2));

      Timer lag = registry.get("jit.expiry.lag").timer();
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> lag.count() == 1);
      assertThat(lag.totalTime(TimeUnit.SECONDS)).isEqualTo(Duration.ofHours(2).toSeconds());
    }
  }
}
