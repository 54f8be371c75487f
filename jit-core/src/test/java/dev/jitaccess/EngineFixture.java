package dev.jitaccess;

import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.InMemoryAuditSink;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.PolicyDecision;
import dev.jitaccess.store.ForwardingGrantStore;
import dev.jitaccess.store.GrantStore;
import dev.jitaccess.store.InMemoryGrantStore;
import dev.jitaccess.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/** A manager on a manual clock with an in-memory store and audit trail, for the engine tests. */
final class EngineFixture implements AutoCloseable {

  static final Subject ALICE = Subject.user("alice");
  static final Subject BOB = Subject.user("bob");
  static final Subject ADMIN = Subject.user("admin");
  static final String ORDERS = "prod/db/orders";

  /** Allows everything for what was asked, extensions included. */
  static final AccessPolicy ALLOW_ALL = new AccessPolicy() {
    @Override
    public PolicyDecision evaluate(AccessRequest request) {
      return PolicyDecision.allow("allow-all", request.duration());
    }

    @Override
    public PolicyDecision evaluateExtension(Grant grant, Duration extension, String justification) {
      return PolicyDecision.allow("allow-all", extension);
    }
  };

  final ManualClock clock = new ManualClock();
  final InMemoryAuditSink audit = new InMemoryAuditSink();
  final GrantStore store;
  final JitAccessManager jit;

  EngineFixture() {
    this(b -> {});
  }

  EngineFixture(Consumer<JitAccessManager.Builder> customizer) {
    this(new InMemoryGrantStore(), customizer);
  }

  EngineFixture(GrantStore store, Consumer<JitAccessManager.Builder> customizer) {
    this.store = store;
    JitAccessManager.Builder builder = JitAccessManager.builder().clock(clock).store(store);
    customizer.accept(builder);
    if (builder.auditSink == null) {
      builder.auditSink(audit);
    }
    if (builder.policy == null) {
      builder.policy(ALLOW_ALL);
    }
    this.jit = builder.build();
  }

  /** An in-memory store that fails every compare-and-set to {@code EXPIRED}: expiries cannot be recorded. */
  static GrantStore storeUnableToRecordExpiry() {
    return new ForwardingGrantStore(new InMemoryGrantStore()) {
      @Override
      public boolean compareAndSet(long expectedVersion, Grant updated) {
        if (updated.state() == GrantState.EXPIRED) {
          throw new IllegalStateException("store unavailable");
        }
        return super.compareAndSet(expectedVersion, updated);
      }
    };
  }

  static AccessRequest.Builder request(Subject subject, String resource, Duration duration, String... actions) {
    return AccessRequest.builder()
        .subject(subject)
        .resource(resource)
        .actions(actions.length == 0 ? new String[] {"read"} : actions)
        .duration(duration)
        .justification("INC-1: test");
  }

  Grant grant(Subject subject, String resource, Duration duration, String... actions) {
    RequestOutcome outcome = jit.request(request(subject, resource, duration, actions).build());
    return ((RequestOutcome.Granted) outcome).grant();
  }

  List<AuditEvent> events(AuditEventType type) {
    return audit.events(type);
  }

  List<AuditEvent> eventsOf(String grantId, AuditEventType type) {
    return audit.events(type).stream().filter(e -> grantId.equals(e.grantId())).toList();
  }

  long terminalEvents(String grantId) {
    return audit.events().stream()
        .filter(e -> grantId.equals(e.grantId()) && e.type().reducesPrivilege())
        .count();
  }

  @Override
  public void close() {
    jit.close();
  }
}
