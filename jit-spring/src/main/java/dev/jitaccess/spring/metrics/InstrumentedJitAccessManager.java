package dev.jitaccess.spring.metrics;

import dev.jitaccess.AccessDecision;
import dev.jitaccess.AccessNotGrantedException;
import dev.jitaccess.AccessRequest;
import dev.jitaccess.ForwardingJitAccessManager;
import dev.jitaccess.GrantHandle;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.Subject;
import jakarta.annotation.Nullable;
import java.util.Objects;
import java.util.function.Supplier;

/** Delegates to a manager and counts its requests and checks into {@link JitAccessMetrics}. */
final class InstrumentedJitAccessManager extends ForwardingJitAccessManager {

  private final JitAccessMetrics metrics;

  InstrumentedJitAccessManager(JitAccessManager delegate, JitAccessMetrics metrics) {
    super(Objects.requireNonNull(delegate, "delegate"));
    this.metrics = Objects.requireNonNull(metrics, "metrics");
  }

  @Override
  public RequestOutcome request(AccessRequest request) {
    RequestOutcome outcome = super.request(request);
    metrics.recordRequest(outcome);
    return outcome;
  }

  @Override
  public GrantHandle acquire(AccessRequest request) {
    return recorded(() -> super.acquire(request));
  }

  @Override
  public GrantHandle acquireBound(AccessRequest request) {
    return recorded(() -> super.acquireBound(request));
  }

  private GrantHandle recorded(Supplier<GrantHandle> acquire) {
    GrantHandle handle;
    try {
      handle = acquire.get();
    } catch (AccessNotGrantedException e) {
      metrics.recordRequest(e.outcome());
      throw e;
    }
    metrics.recordRequest(new RequestOutcome.Granted(handle.grant()));
    return handle;
  }

  @Override
  public AccessDecision check(@Nullable Subject subject, @Nullable String resource, @Nullable String action) {
    AccessDecision decision = super.check(subject, resource, action);
    metrics.recordCheck(decision);
    return decision;
  }

  @Override
  public String toString() {
    return "Instrumented[" + delegate() + "]";
  }
}
