package dev.jitaccess.bench;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditSink;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.PolicyDecision;
import java.time.Duration;

/** Builds managers and grants for the benchmarks, through the public API only. */
final class Engines {

  /** Allows everything, for the duration asked. */
  static final AccessPolicy ALLOW_ALL = r -> PolicyDecision.allow("bench", r.duration());
  static final AuditSink NO_OP_SINK = e -> {};

  private Engines() {}

  static JitAccessManager manager(AuditSink sink) {
    return JitAccessManager.builder().policy(ALLOW_ALL).auditSink(sink).build();
  }

  static Subject subject(int i) {
    return Subject.user("user-" + i);
  }

  /** Exact resource k of subject s. */
  static String exactResource(int s, int k) {
    return "tenant-" + s + "/db/table-" + k;
  }

  /** Pattern grant k of subject s, and a concrete resource below it that a check names. */
  static String patternGrant(int s, int k) {
    return "tenant-" + s + "/svc-" + k + "/**";
  }

  static String patternResource(int s, int k) {
    return "tenant-" + s + "/svc-" + k + "/db/orders";
  }

  static AccessRequest request(Subject subject, String resource, Duration duration) {
    return AccessRequest.builder()
        .subject(subject)
        .resource(resource)
        .actions("read", "write")
        .duration(duration)
        .justification("benchmark")
        .build();
  }

  static void grant(JitAccessManager jit, AccessRequest request) {
    RequestOutcome outcome = jit.request(request);
    if (!(outcome instanceof RequestOutcome.Granted)) {
      throw new IllegalStateException("not granted: " + outcome);
    }
  }
}
