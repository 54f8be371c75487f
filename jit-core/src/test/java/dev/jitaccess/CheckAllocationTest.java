package dev.jitaccess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jitaccess.audit.InMemoryAuditSink;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The allowed check path allocates nothing once the first use is recorded (issue: "must not allocate").
 * Measured with the per-thread allocation counter, which counts bytes, not time, so it is not a timing test.
 */
class CheckAllocationTest {

  private static final int WARM_UP = 200_000;
  private static final int MEASURED = 1_000_000;

  @Test
  void allowedChecksAllocateNothingForExactAndPatternGrants() {
    com.sun.management.ThreadMXBean threads = threadBean();
    Subject alice = Subject.user("alice");
    try (JitAccessManager jit = JitAccessManager.builder()
        .policy(EngineFixture.ALLOW_ALL)
        .auditSink(new InMemoryAuditSink())
        .clock(Clock.systemUTC())
        .build()) {
      for (int i = 0; i < 6; i++) {
        jit.request(EngineFixture.request(alice, "prod/db/t" + i, Duration.ofHours(1), "read").build());
      }
      jit.request(EngineFixture.request(alice, "prod/cache/**", Duration.ofHours(1), "read", "write").build());
      jit.request(EngineFixture.request(alice, "prod/db/orders", Duration.ofHours(1), "read", "write").build());

      long exact = allocatedPerCheck(threads, jit, alice, "prod/db/orders", "write");
      long pattern = allocatedPerCheck(threads, jit, alice, "prod/cache/eu/sessions", "write");

      assertThat(exact).as("bytes per %d exact checks", MEASURED).isLessThan(16 * 1024);
      assertThat(pattern).as("bytes per %d pattern checks", MEASURED).isLessThan(16 * 1024);
    }
  }

  private static long allocatedPerCheck(com.sun.management.ThreadMXBean threads, JitAccessManager jit,
      Subject subject, String resource, String action) {
    long thread = Thread.currentThread().getId();
    boolean all = true;
    for (int i = 0; i < WARM_UP; i++) {
      all &= jit.check(subject, resource, action).allowed();
    }
    long before = threads.getThreadAllocatedBytes(thread);
    for (int i = 0; i < MEASURED; i++) {
      all &= jit.check(subject, resource, action).allowed();
    }
    long allocated = threads.getThreadAllocatedBytes(thread) - before;
    assertThat(all).isTrue();
    return allocated;
  }

  private static com.sun.management.ThreadMXBean threadBean() {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "this JVM cannot count allocated bytes");
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
    assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
        "this JVM cannot count allocated bytes");
    return threads;
  }
}
