package dev.jitaccess;

import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.AuditEventType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * Lincheck (issue 8) over the manager's concurrent operations: check, revoke, release, extend, and the clock
 * stepping past expiries (which makes the expiry thread race the others). Every concurrent history Lincheck runs
 * must be explained by some order of the operations that respects real time, under an independent sequential
 * {@link Model} of the manager; in particular, once {@code revoke} returned {@code true}, no check that started
 * afterwards allows the grant. {@link LinearizabilityTest} checks the same property with our own Wing–Gong search;
 * this test uses the tool the issue names and its scenario generation, minimisation and reporting.
 *
 * <h2>The state</h2>
 * Three grants of two subjects, so that checks go through both shapes of the check index (a subject with one
 * grant, and one with a group), and through a pattern grant that covers another grant's resource:
 * <ul>
 *   <li>grant 0: alice, {@code prod/db/orders}, runs out at +10 s;</li>
 *   <li>grant 1: alice, {@code prod/db/*}, runs out at +20 s;</li>
 *   <li>grant 2: bob, {@code prod/db/orders}, runs out at +15 s.</li>
 * </ul>
 * Checks name a probe, a (subject, resource) pair: probe 0 is alice on {@code prod/db/orders} (covered by grants 0
 * and 1), probe 1 alice on {@code prod/db/users} (grant 1 only), probe 2 bob on {@code prod/db/orders} (grant 2).
 * The clock only moves by {@link #STEP} in {@code advance()}, so every result is a function of the order of the
 * operations: extension results are the new expiry in seconds from the start, never ids or wall-clock times.
 *
 * <h2>Expiry</h2>
 * The expiry thread is not an operation: it ends grants asynchronously after {@code advance()}. The specification
 * does not need it, because the engine is fail-closed on time: a check compares the expiry itself, and a revoke,
 * release or extend of a grant that ran out reports {@code false} or refuses, whether the timer fired yet or not.
 * Its effect is checked by {@link ManagerUnderTest#auditHasOneTerminalEventPerEndedGrant()}.
 *
 * <h2>Stress mode only</h2>
 * Stress mode runs each scenario many times on real threads, the expiry thread included. Lincheck's model checking
 * ({@code ModelCheckingOptions}) cannot run this object, because every manager owns a daemon expiry thread that
 * runs until {@code close()}, and the model checker takes every thread started by the object under test as one of
 * its own to schedule, and waits for it to finish. Tried with Lincheck 3.7 on Java 17:
 * <ul>
 *   <li>not closing the manager: each invocation hangs waiting for the expiry thread ("The execution has hung"),
 *       which never ends by design;</li>
 *   <li>closing it in the {@code @Validate} function: {@code ExpiryScheduler.close()} joins the thread, and
 *       Lincheck's own {@code ManagedStrategy.onThreadJoin} throws a {@code NullPointerException}; the replay of
 *       that invocation then differs from the first run ("Non-determinism found"), because the expiry thread parks
 *       with a timeout and re-reads the clock, which the model checker cannot replay.</li>
 * </ul>
 * Model checking would need a manager whose expiry is driven by the caller (no thread of its own), which the
 * engine does not offer; {@link LinearizabilityTest} and this stress test cover the same histories meanwhile.
 *
 * <p>Scenario counts are small by default (CI runs on two shared cores, and each run of a scenario builds and
 * closes a manager); {@code -Djit.lincheck.iterations=N} (scenarios) and {@code -Djit.lincheck.invocations=N}
 * (runs of each scenario) make it heavier.
 */
class LincheckManagerTest {

  private static final int ITERATIONS = Integer.getInteger("jit.lincheck.iterations", 20);
  private static final int INVOCATIONS = Integer.getInteger("jit.lincheck.invocations", 50);

  /** How far {@code advance()} moves the clock; expiries and extensions are multiples of it, so boundaries meet. */
  static final Duration STEP = Duration.ofSeconds(5);
  static final Duration EXTENSION = Duration.ofSeconds(5);

  static final Subject[] HOLDERS = {EngineFixture.ALICE, EngineFixture.ALICE, EngineFixture.BOB};
  static final String[] GRANTED = {"prod/db/orders", "prod/db/*", "prod/db/orders"};
  static final long[] LIFETIME_SECONDS = {10, 20, 15};

  static final Subject[] PROBE_SUBJECTS = {EngineFixture.ALICE, EngineFixture.ALICE, EngineFixture.BOB};
  static final String[] PROBE_RESOURCES = {"prod/db/orders", "prod/db/users", "prod/db/orders"};
  /** Which grants cover each probe's resource (same subject, matching pattern). */
  static final int[][] COVERING = {{0, 1}, {1}, {2}};

  /** What a refused extension returns; an accepted one returns {@link #until}. */
  static final String REFUSED = "refused";

  static String until(long secondsFromStart) {
    return "until +" + secondsFromStart + "s";
  }

  @Test
  void stressFindsNoNonLinearizableHistory() {
    new StressOptions()
        .iterations(ITERATIONS)
        .invocationsPerIteration(INVOCATIONS)
        .threads(2)
        .actorsBefore(2)
        .actorsPerThread(3)
        .actorsAfter(1)
        .sequentialSpecification(Model.class)
        .check(ManagerUnderTest.class);
  }

  /**
   * The object under test: a fresh manager on a manual clock (in-memory store and audit trail, allow-all policy)
   * per run of a scenario, holding the three grants.
   */
  @Param(name = "grant", gen = IntGen.class, conf = "0:2")
  @Param(name = "probe", gen = IntGen.class, conf = "0:2")
  public static class ManagerUnderTest {

    private final EngineFixture f = new EngineFixture();
    private final Instant start = f.clock.instant();
    private final String[] ids = new String[GRANTED.length];

    public ManagerUnderTest() {
      for (int g = 0; g < GRANTED.length; g++) {
        ids[g] = f.grant(HOLDERS[g], GRANTED[g], Duration.ofSeconds(LIFETIME_SECONDS[g])).id();
      }
    }

    @Operation
    public boolean check(@Param(name = "probe") int probe) {
      return f.jit.isAllowed(PROBE_SUBJECTS[probe], PROBE_RESOURCES[probe], "read");
    }

    @Operation
    public boolean revoke(@Param(name = "grant") int grant) {
      return f.jit.revoke(ids[grant], EngineFixture.ADMIN, "lincheck");
    }

    @Operation
    public boolean release(@Param(name = "grant") int grant) {
      return f.jit.release(ids[grant]);
    }

    @Operation
    public String extend(@Param(name = "grant") int grant) {
      try {
        Grant extended = f.jit.extend(ids[grant], EXTENSION, "lincheck");
        return until(Duration.between(start, extended.expiresAt()).toSeconds());
      } catch (IllegalStateException ended) {
        return REFUSED;
      }
    }

    @Operation
    public void advance() {
      f.clock.advance(STEP);
    }

    /**
     * After the scenario: stop the expiry thread (close waits for it, so nothing is half done), then every ended
     * grant has exactly one terminal audit event, of its ending, and a grant still active has none.
     */
    @Validate
    public void auditHasOneTerminalEventPerEndedGrant() {
      f.close();
      List<AuditEvent> events = f.audit.events();
      for (int g = 0; g < ids.length; g++) {
        String id = ids[g];
        Grant stored = f.jit.grant(id).orElseThrow();
        List<AuditEventType> terminal = events.stream()
            .filter(e -> id.equals(e.grantId()) && e.type().reducesPrivilege())
            .map(AuditEvent::type)
            .toList();
        Optional<AuditEventType> expected = switch (stored.state()) {
          case ACTIVE -> Optional.empty();
          case EXPIRED -> Optional.of(AuditEventType.EXPIRED);
          case REVOKED -> Optional.of(Grant.RELEASED_REASON.equals(stored.endReason())
              ? AuditEventType.RELEASED : AuditEventType.REVOKED);
        };
        if (!terminal.equals(expected.map(List::of).orElse(List.of()))) {
          throw new IllegalStateException("grant " + g + " is " + stored.state() + " (" + stored.endReason()
              + ") but its terminal audit events are " + terminal);
        }
      }
    }
  }

  /** The sequential specification: each grant's expiry and whether it ended, and the time, all in seconds. */
  public static class Model {

    private final long[] expiresAt = LIFETIME_SECONDS.clone();
    private final boolean[] ended = new boolean[expiresAt.length];
    private long now;

    private boolean live(int grant) {
      return !ended[grant] && now < expiresAt[grant];
    }

    public boolean check(int probe) {
      for (int grant : COVERING[probe]) {
        if (live(grant)) {
          return true;
        }
      }
      return false;
    }

    public boolean revoke(int grant) {
      return end(grant);
    }

    public boolean release(int grant) {
      return end(grant);
    }

    private boolean end(int grant) {
      boolean wasLive = live(grant);
      ended[grant] = true; // a grant that ran out is expired instead; either way it is over
      return wasLive;
    }

    public String extend(int grant) {
      if (!live(grant)) {
        return REFUSED;
      }
      expiresAt[grant] += EXTENSION.toSeconds();
      return until(expiresAt[grant]);
    }

    public void advance() {
      now += STEP.toSeconds();
    }
  }
}
