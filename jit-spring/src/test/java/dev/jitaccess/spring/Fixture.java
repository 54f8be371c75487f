package dev.jitaccess.spring;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.Grant;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.InMemoryAuditSink;
import dev.jitaccess.policy.AccessRule;
import dev.jitaccess.policy.RulePolicy;
import dev.jitaccess.testing.ManualClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.aop.framework.ProxyFactory;

/** A manager on a manual clock with an in-memory audit trail, a settable caller and a rule policy. */
final class Fixture implements AutoCloseable {

  static final Subject ALICE = Subject.user("alice");
  static final Subject BOB = Subject.user("bob");

  /**
   * orders/** and prod/db/** (read, write): anyone, auto-approved; jobs/** (run): justification JOB-n,
   * auto-approved, 10 minutes at most; guarded/** (write): one approval by bob.
   */
  static RulePolicy policy() {
    return RulePolicy.builder()
        .rule(AccessRule.builder("orders")
            .resources("orders/**", "prod/db/**")
            .actions("read", "write")
            .maxDuration(Duration.ofHours(1))
            .autoApprove()
            .build())
        .rule(AccessRule.builder("jobs")
            .resources("jobs/**")
            .actions("run")
            .maxDuration(Duration.ofMinutes(10))
            .justificationPattern("^JOB-\\d+")
            .autoApprove()
            .build())
        .rule(AccessRule.builder("guarded")
            .resources("guarded/**")
            .actions("write")
            .maxDuration(Duration.ofHours(1))
            .requireApprovals(1)
            .approvers(BOB)
            .build())
        .build();
  }

  final ManualClock clock = new ManualClock();
  final InMemoryAuditSink audit = new InMemoryAuditSink();
  final JitAccessManager jit = JitAccessManager.builder().policy(policy()).clock(clock).auditSink(audit).build();
  final AtomicReference<Subject> caller = new AtomicReference<>(ALICE);
  final SubjectResolver subjects = caller::get;
  final JitAccessInterceptor interceptor = JitAccessInterceptor.of(jit, subjects);

  /** Grants {@code subject} the actions on the resource for 30 minutes. */
  Grant grant(Subject subject, String resource, String... actions) {
    RequestOutcome outcome = jit.request(AccessRequest.builder()
        .subject(subject)
        .resource(resource)
        .actions(actions)
        .duration(Duration.ofMinutes(30))
        .justification("test")
        .build());
    return ((RequestOutcome.Granted) outcome).grant();
  }

  /** A proxy of {@code target} advised by the interceptor (a subclass proxy, or one for its interfaces). */
  @SuppressWarnings("unchecked")
  <T> T proxy(T target, boolean proxyTargetClass) {
    ProxyFactory factory = new ProxyFactory(target);
    factory.setProxyTargetClass(proxyTargetClass);
    factory.addAdvisor(interceptor);
    return (T) factory.getProxy();
  }

  <T> T proxy(T target) {
    return proxy(target, true);
  }

  long events(AuditEventType type) {
    return audit.events(type).size();
  }

  @Override
  public void close() {
    jit.close();
  }
}
