package dev.jitaccess.bench;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.Subject;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.ApprovalRequirement;
import dev.jitaccess.policy.PolicyDecision;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code request} to {@code Pending} with {@code backlog} requests already waiting for approval (of other subjects,
 * one each), and what an approver's listing costs then: the cost of a request must not grow with the backlog (the
 * per-subject limit is a counter, not a scan), and {@code pendingRequestsFor} of an approver named by few requests
 * must cost those few. In-memory store, no-op audit sink. The measured request is cancelled in the same operation,
 * so the backlog stays at its size; {@link #requestThenCancel} therefore times both (a cancel is a read and a
 * compare-and-set of one request).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class RequestBacklogBenchmark {

  static final int REQUESTERS = 1 << 10;
  static final Subject APPROVER = Subject.user("approver");
  /** Named by every 1,000th request of the backlog only. */
  static final Subject RARE_APPROVER = Subject.user("rare-approver");

  @Param({"100", "1000", "10000", "100000"})
  public int backlog;

  JitAccessManager jit;
  AccessRequest[] requests;
  int next;

  @Setup(Level.Trial)
  public void fill() {
    ApprovalRequirement everyone = new ApprovalRequirement(1, Set.of(APPROVER), Set.of(), false, Duration.ofDays(1));
    ApprovalRequirement rare = new ApprovalRequirement(1, Set.of(APPROVER, RARE_APPROVER), Set.of(), false,
        Duration.ofDays(1));
    AccessPolicy policy = r -> PolicyDecision.requireApprovals("bench", r.duration(),
        r.resource().startsWith("rare/") ? rare : everyone);
    jit = JitAccessManager.builder().policy(policy).auditSink(Engines.NO_OP_SINK).build();
    for (int i = 0; i < backlog; i++) {
      String resource = (i % 1_000 == 0 ? "rare/" : "tenant/") + i;
      RequestOutcome outcome = jit.request(Engines.request(Subject.user("waiting-" + i), resource,
          Duration.ofHours(1)));
      if (!(outcome instanceof RequestOutcome.Pending)) {
        throw new IllegalStateException("not pending: " + outcome);
      }
    }
    requests = new AccessRequest[REQUESTERS];
    for (int i = 0; i < REQUESTERS; i++) {
      requests[i] = Engines.request(Subject.user("requester-" + i), "tenant/measured", Duration.ofHours(1));
    }
  }

  @TearDown(Level.Trial)
  public void stop() {
    jit.close();
  }

  @Benchmark
  public boolean requestThenCancel() {
    AccessRequest request = requests[next++ & (REQUESTERS - 1)];
    RequestOutcome outcome = jit.request(request);
    return jit.cancel(outcome.requestId(), request.subject());
  }

  @Benchmark
  public List<?> pendingForRareApprover() {
    return jit.pendingRequestsFor(RARE_APPROVER);
  }
}
