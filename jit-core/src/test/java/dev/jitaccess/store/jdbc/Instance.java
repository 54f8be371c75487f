package dev.jitaccess.store.jdbc;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.Grant;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.InMemoryAuditSink;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.ApprovalRequirement;
import dev.jitaccess.policy.PolicyDecision;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** One application instance: a manager on its own JDBC store (own connections, own feed), its own audit trail. */
final class Instance implements AutoCloseable {

  static final Subject ADMIN = Subject.user("admin");
  static final String ORDERS = "prod/db/orders";
  /** The reference that makes {@link #POLICY} ask for one approval by {@link #ADMIN}. */
  static final String NEEDS_APPROVAL = "needs-approval";

  /** Allows what is asked (extensions too), except that a request with {@link #NEEDS_APPROVAL} waits for the admin. */
  static final AccessPolicy POLICY = new AccessPolicy() {
    @Override
    public PolicyDecision evaluate(AccessRequest request) {
      if (NEEDS_APPROVAL.equals(request.reference())) {
        return PolicyDecision.requireApprovals("needs-one", request.duration(),
            new ApprovalRequirement(1, Set.of(ADMIN), Set.of(), false, Duration.ofMinutes(15)));
      }
      return PolicyDecision.allow("allow-all", request.duration());
    }

    @Override
    public PolicyDecision evaluateExtension(Grant grant, Duration extension, String justification) {
      return PolicyDecision.allow("allow-all", extension);
    }
  };

  final String name;
  final JdbcGrantStore store;
  final TestDatabases.BreakableDataSource feed;
  final InMemoryAuditSink audit = new InMemoryAuditSink();
  final JitAccessManager jit;

  Instance(String name, JdbcGrantStore store, TestDatabases.BreakableDataSource feed, Clock clock,
      Duration stalenessBound) {
    this.name = name;
    this.store = store;
    this.feed = feed;
    this.jit = JitAccessManager.builder().policy(POLICY).store(store).auditSink(audit).clock(clock)
        .stalenessBound(stalenessBound).build();
  }

  static AccessRequest.Builder request(Subject subject, Duration duration) {
    return AccessRequest.builder().subject(subject).resource(ORDERS).actions("read").duration(duration)
        .justification("INC-1: two instances");
  }

  Grant grant(Subject subject, Duration duration) {
    return ((RequestOutcome.Granted) jit.request(request(subject, duration).build())).grant();
  }

  boolean allowed(Subject subject) {
    return jit.isAllowed(subject, ORDERS, "read");
  }

  List<AuditEvent> events(String grantId, AuditEventType type) {
    return audit.events(type).stream().filter(e -> grantId.equals(e.grantId())).toList();
  }

  List<AuditEvent> requestEvents(String requestId, AuditEventType type) {
    return audit.events(type).stream().filter(e -> requestId.equals(e.requestId())).toList();
  }

  @Override
  public void close() {
    jit.close();
    store.close();
  }

  @Override
  public String toString() {
    return name;
  }
}
