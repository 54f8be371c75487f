package dev.jitaccess.examples.ops;

import dev.jitaccess.spring.ElevatedAccess;
import java.time.Instant;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;

/**
 * A privileged job: it holds access only while it runs. Each run requests its own auto-approved grant, and the
 * grant is released when the run ends, also if it fails.
 */
@Component
public class ReconciliationJob {

  @ElevatedAccess(resource = "prod/jobs/reconcile", action = "run",
      justification = "CHG-100 scheduled reconciliation", duration = "2m")
  public Result run() {
    return new Result(MDC.get("jit.grantId"), Instant.now().toString(), 3);
  }

  /** What a run did, and under which grant. */
  public record Result(String grantId, String finishedAt, int ordersChecked) {}
}
