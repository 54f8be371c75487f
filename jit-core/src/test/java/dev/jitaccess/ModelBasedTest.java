package dev.jitaccess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.ApprovalRequirement;
import dev.jitaccess.policy.PolicyDecision;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Seeded random programs of operations run against the manager and against a tiny reference model; after every
 * step the two must agree. A failing program is cut down to a short one that still fails, and printed with its
 * seed, so a failure is reproducible from one number ({@code -Djit.model.seed=N}). Operations: requests (at once,
 * scheduled, break-glass), approve, deny, extend, release, revoke, revokeAll, real time passing (also onto the
 * millisecond around a grant's end), wall clock steps both ways (small ones the engine absorbs, large ones it
 * re-anchors to: glitches of days and their corrections) and checks.
 *
 * <p>The model keeps real (monotonic) time apart from the wall clock: a grant runs for the real time it was given,
 * from the wall time the engine follows; a forward step of the clock takes that much off every grant, a step back
 * takes nothing off and adds nothing. Invariants: every check agrees with the model (so no grant's remaining time
 * ever exceeds the duration it was given, none is lengthened by a step back, none is allowed after an end, and a
 * new grant after a glitch and its correction starts at the corrected time); a grant's state only moves forward;
 * every ended grant has exactly one terminal audit event; and the audit trail replayed gives the store's active set.
 */
class ModelBasedTest {

  private static final int PROGRAMS = Integer.getInteger("jit.model.programs", 1500);
  private static final int MAX_LENGTH = 40;
  private static final Subject[] SUBJECTS = {Subject.user("alice"), Subject.user("bob"), Subject.service("ci")};
  private static final Subject APPROVER = Subject.user("approver");
  private static final String[] RESOURCES = {"prod/db/orders", "prod/db/users", "prod/secure/keys", "staging/app"};
  private static final String[] PATTERNS = {"prod/db/orders", "prod/db/**", "prod/secure/keys", "staging/*"};
  private static final String[] ACTIONS = {"read", "write"};
  private static final ApprovalRequirement ONE_APPROVAL =
      new ApprovalRequirement(1, Set.of(APPROVER), Set.of(), false, Duration.ofMinutes(20));

  /** Resources under prod/secure need one approval; everything else is granted; extensions up to 2 h. */
  private static final AccessPolicy POLICY = new AccessPolicy() {
    @Override
    public PolicyDecision evaluate(AccessRequest request) {
      return request.resource().startsWith("prod/secure")
          ? PolicyDecision.requireApprovals("secure", request.duration(), ONE_APPROVAL)
          : PolicyDecision.allow("open", request.duration());
    }

    @Override
    public PolicyDecision evaluateExtension(Grant grant, Duration extension, String justification) {
      Duration total = Duration.between(grant.notBefore(), grant.expiresAt()).plus(extension);
      return total.compareTo(Duration.ofHours(2)) <= 0
          ? PolicyDecision.allow(grant.rule(), extension)
          : PolicyDecision.deny("lifetime");
    }
  };

  enum Kind {
    REQUEST, SCHEDULE, BREAK_GLASS, APPROVE, DENY, EXTEND, RELEASE, REVOKE, REVOKE_ALL, ADVANCE, TO_EDGE, STEP, CHECK
  }

  record Op(Kind kind, int subject, int resource, int action, int ref, long amount) {
    @Override
    public String toString() {
      return kind + "(s" + subject + ", r" + resource + ", a" + action + ", #" + ref + ", " + amount + ")";
    }
  }

  /** The reference: which grants exist and until when. Knows nothing of the engine's internals. */
  static final class Model {
    /** As stored ({@code notBefore}, {@code expiresAt}), and the real time it runs, from {@code start} to {@code end}. */
    record Granted(Subject subject, String pattern, Set<String> actions, Instant notBefore, Instant expiresAt,
        long start, long end, boolean ended) {
      boolean allows(Subject s, String resource, String action, long real) {
        return !ended && subject.equals(s) && actions.contains(action) && ResourcePattern.of(pattern).matches(resource)
            && start <= real && real < end;
      }

      Granted moved(long by, long endBy, Instant newExpiresAt, boolean nowEnded) {
        return new Granted(subject, pattern, actions, notBefore, newExpiresAt, start + by, end + by + endBy, nowEnded);
      }
    }

    final Map<String, Granted> grants = new LinkedHashMap<>();
    /** Pending requests to the real time their review window closes. */
    final Map<String, Long> reviewEnds = new HashMap<>();
    /** Real time passed, in milliseconds: what the monotonic clock measures. */
    long real;
    /** The wall clock. */
    Instant wall;
    /** The wall time the engine follows: the wall clock, but for a drift within the threshold. */
    Instant now;

    boolean allows(Subject s, String resource, String action) {
      return grants.values().stream().anyMatch(g -> g.allows(s, resource, action, real));
    }

    boolean live(String id) {
      Granted g = grants.get(id);
      return g != null && !g.ended && real < g.end;
    }

    void end(String id) {
      grants.computeIfPresent(id, (k, g) -> g.moved(0, 0, g.expiresAt, true));
    }

    void pass(long millis) {
      real += millis;
      wall = wall.plusMillis(millis);
      now = now.plusMillis(millis);
    }

    /** After a change of the wall clock alone: a drift past the threshold is a step, followed; forward ends early. */
    void followClock() {
      long drift = wall.toEpochMilli() - now.toEpochMilli();
      if (Math.abs(drift) <= JitAccessManager.Builder.DEFAULT_CLOCK_STEP_THRESHOLD.toMillis()) {
        return;
      }
      if (drift > 0) {
        grants.replaceAll((id, g) -> g.moved(-drift, 0, g.expiresAt, g.ended));
        reviewEnds.replaceAll((id, end) -> end - drift);
      }
      now = wall;
    }
  }

  @Test
  void managerAgreesWithTheModelOnThousandsOfRandomPrograms() {
    long base = Long.getLong("jit.model.seed", 20261125L);
    int programs = Long.getLong("jit.model.seed") != null ? 1 : PROGRAMS;
    for (int i = 0; i < programs; i++) {
      long seed = base + i;
      List<Op> program = generate(new Random(seed));
      Optional<String> failure = run(program);
      if (failure.isPresent()) {
        List<Op> shrunk = shrink(program);
        throw new AssertionError("seed " + seed + " fails: " + run(shrunk).orElse(failure.get())
            + "\nshortest failing program (" + shrunk.size() + " of " + program.size() + " steps): " + shrunk);
      }
    }
  }

  @Test
  void theShrinkerCutsAFailingProgramDownToTheStepsThatMatter() {
    List<Op> program = new ArrayList<>();
    Random random = new Random(7);
    for (int i = 0; i < 30; i++) {
      program.add(new Op(Kind.CHECK, random.nextInt(3), random.nextInt(4), random.nextInt(2), 0, 0));
    }
    program.add(12, new Op(Kind.REVOKE_ALL, 1, 0, 0, 0, 0));
    List<Op> shrunk = shrinkWith(program, p -> p.stream().anyMatch(op -> op.kind() == Kind.REVOKE_ALL));

    assertThat(shrunk).containsExactly(new Op(Kind.REVOKE_ALL, 1, 0, 0, 0, 0));
  }

  private static List<Op> generate(Random random) {
    List<Op> program = new ArrayList<>();
    int length = 5 + random.nextInt(MAX_LENGTH - 5);
    for (int i = 0; i < length; i++) {
      Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
      long amount = switch (kind) {
        case REQUEST, SCHEDULE, BREAK_GLASS -> 1 + random.nextInt(60); // minutes
        case EXTEND -> 1 + random.nextInt(90);                       // minutes
        case ADVANCE -> random.nextInt(10) == 0 ? -random.nextInt(3600) : random.nextInt(1800); // seconds
        case TO_EDGE -> random.nextInt(3) - 1;                        // milliseconds around a grant's end
        case STEP -> random.nextBoolean()                             // milliseconds, around the threshold or days
            ? random.nextInt(3001) - 1500
            : (random.nextBoolean() ? 1 : -1) * (1 + random.nextInt(3 * 24 * 3600)) * 1000L;
        default -> 0;
      };
      program.add(new Op(kind, random.nextInt(SUBJECTS.length), random.nextInt(PATTERNS.length),
          random.nextInt(ACTIONS.length), random.nextInt(8), amount));
    }
    return program;
  }

  /** Runs one program; the first disagreement, if any. */
  private static Optional<String> run(List<Op> program) {
    EngineFixture f = new EngineFixture(b -> b.policy(POLICY).deniedEventsPerMinute(0).usageAudit(UsageAudit.NONE));
    try {
      Model model = new Model();
      model.wall = f.clock.instant();
      model.now = model.wall;
      List<String> grantIds = new ArrayList<>();
      List<String> pendingIds = new ArrayList<>();
      Map<String, GrantState> lastSeen = new HashMap<>();
      for (int step = 0; step < program.size(); step++) {
        Op op = program.get(step);
        String failure = apply(f, model, op, grantIds, pendingIds);
        if (failure == null) {
          failure = compare(f, model, grantIds, lastSeen);
        }
        if (failure != null) {
          return Optional.of("step " + step + " " + op + ": " + failure);
        }
      }
      return Optional.ofNullable(finish(f, model, grantIds));
    } catch (RuntimeException | AssertionError e) {
      return Optional.of("unexpected " + e);
    } finally {
      f.close();
    }
  }

  private static String apply(EngineFixture f, Model model, Op op, List<String> grantIds, List<String> pendingIds) {
    Subject subject = SUBJECTS[op.subject()];
    switch (op.kind()) {
      case REQUEST, SCHEDULE -> {
        // A scheduled one starts (ref + 1) × 7 minutes from now: its window opens during later ADVANCE steps.
        Instant start = op.kind() == Kind.SCHEDULE ? model.now.plus(Duration.ofMinutes((op.ref() + 1) * 7L)) : null;
        RequestOutcome outcome = f.jit.request(EngineFixture.request(subject, PATTERNS[op.resource()],
            Duration.ofMinutes(op.amount()), ACTIONS[op.action()]).startAt(start).build());
        boolean needsApproval = PATTERNS[op.resource()].startsWith("prod/secure");
        if (outcome instanceof RequestOutcome.Granted granted && !needsApproval) {
          Instant from = start != null ? start : model.now;
          if (!granted.grant().notBefore().equals(from)
              || !granted.grant().expiresAt().equals(from.plus(Duration.ofMinutes(op.amount())))) {
            return "grant runs " + granted.grant().notBefore() + " to " + granted.grant().expiresAt() + ", model "
                + from;
          }
          record(model, granted.grant(), grantIds);
        } else if (outcome instanceof RequestOutcome.Pending && needsApproval) {
          pendingIds.add(outcome.requestId());
          model.reviewEnds.put(outcome.requestId(), model.real + ONE_APPROVAL.reviewWindow().toMillis());
        } else {
          return "request answered " + outcome;
        }
      }
      case BREAK_GLASS -> {
        RequestOutcome outcome = f.jit.request(EngineFixture.request(subject, PATTERNS[op.resource()],
            Duration.ofMinutes(op.amount()), ACTIONS[op.action()]).breakGlass(true).reference("INC-" + op.ref()).build());
        boolean needsApproval = PATTERNS[op.resource()].startsWith("prod/secure");
        if (outcome instanceof RequestOutcome.Granted granted && !needsApproval && granted.grant().breakGlass()) {
          record(model, granted.grant(), grantIds);
        } else if (!(outcome instanceof RequestOutcome.Denied && needsApproval)) {
          return "break-glass request answered " + outcome; // it never waits for approvals
        }
      }
      case APPROVE, DENY -> {
        if (pendingIds.isEmpty()) {
          return null;
        }
        String requestId = pendingIds.remove(op.ref() % pendingIds.size());
        RequestRecord record = f.store.findRequest(requestId).orElseThrow();
        boolean open = record.state() == RequestState.PENDING && model.real < model.reviewEnds.get(requestId);
        try {
          RequestOutcome outcome = op.kind() == Kind.APPROVE
              ? f.jit.approve(requestId, APPROVER, "ok")
              : f.jit.deny(requestId, APPROVER, "no");
          if (!open) {
            return "a closed request was decided: " + outcome;
          }
          if (outcome instanceof RequestOutcome.Granted granted) {
            record(model, granted.grant(), grantIds);
          }
        } catch (IllegalStateException closed) {
          if (open) {
            return "an open request was refused: " + closed.getMessage();
          }
        }
      }
      case EXTEND -> {
        if (grantIds.isEmpty()) {
          return null;
        }
        String id = grantIds.get(op.ref() % grantIds.size());
        Model.Granted g = model.grants.get(id);
        boolean live = model.live(id);
        boolean withinLifetime = Duration.between(g.notBefore(), g.expiresAt()).plusMinutes(op.amount())
            .compareTo(Duration.ofHours(2)) <= 0;
        try {
          Grant extended = f.jit.extend(id, Duration.ofMinutes(op.amount()), "more");
          if (!live || !withinLifetime) {
            return "extension allowed on " + (live ? "a grant past its lifetime" : "an ended grant");
          }
          model.grants.put(id, g.moved(0, Duration.between(g.expiresAt(), extended.expiresAt()).toMillis(),
              extended.expiresAt(), false));
          if (!extended.expiresAt().equals(g.expiresAt().plus(Duration.ofMinutes(op.amount())))) {
            return "extension lost: " + extended.expiresAt();
          }
        } catch (IllegalStateException | ExtensionDeniedException refused) {
          if (live && withinLifetime) {
            return "extension refused: " + refused.getMessage();
          }
        }
      }
      case RELEASE, REVOKE -> {
        if (grantIds.isEmpty()) {
          return null;
        }
        String id = grantIds.get(op.ref() % grantIds.size());
        boolean expected = model.live(id);
        boolean ended = op.kind() == Kind.RELEASE ? f.jit.release(id) : f.jit.revoke(id, APPROVER, "model");
        if (ended != expected) {
          return op.kind() + " returned " + ended + ", model says " + expected;
        }
        model.end(id);
      }
      case REVOKE_ALL -> {
        long expected = model.grants.entrySet().stream()
            .filter(e -> e.getValue().subject().equals(subject) && model.live(e.getKey())).count();
        int ended = f.jit.revokeAll(subject, APPROVER, "model");
        if (ended != expected) {
          return "revokeAll ended " + ended + ", model says " + expected;
        }
        model.grants.entrySet().stream().filter(e -> e.getValue().subject().equals(subject))
            .map(Map.Entry::getKey).toList().forEach(model::end);
      }
      case ADVANCE -> {
        // Forward, real time passes; backward, the wall clock is stepped back (no real time passes).
        f.clock.advance(Duration.ofSeconds(op.amount()));
        if (op.amount() >= 0) {
          model.pass(op.amount() * 1000);
        } else {
          model.wall = model.wall.plusSeconds(op.amount());
          model.followClock();
        }
      }
      case STEP -> {
        f.clock.step(Duration.ofMillis(op.amount()));
        model.wall = model.wall.plusMillis(op.amount());
        model.followClock();
      }
      case TO_EDGE -> {
        // Real time lands exactly on (or a millisecond around) a grant's end: where off-by-one errors live.
        if (grantIds.isEmpty()) {
          return null;
        }
        long edge = model.grants.get(grantIds.get(op.ref() % grantIds.size())).end() + op.amount();
        if (edge > model.real) {
          f.clock.advance(Duration.ofMillis(edge - model.real));
          model.pass(edge - model.real);
        }
      }
      case CHECK -> {
        // Every step is followed by a full comparison; nothing more to do here.
      }
      default -> throw new IllegalStateException();
    }
    return null;
  }

  private static void record(Model model, Grant grant, List<String> grantIds) {
    long now = model.now.toEpochMilli();
    model.grants.put(grant.id(), new Model.Granted(grant.subject(), grant.resource(), grant.actions(),
        grant.notBefore(), grant.expiresAt(), model.real + grant.notBefore().toEpochMilli() - now,
        model.real + grant.expiresAt().toEpochMilli() - now, false));
    grantIds.add(grant.id());
  }

  private static String compare(EngineFixture f, Model model, List<String> grantIds, Map<String, GrantState> lastSeen) {
    for (Subject subject : SUBJECTS) {
      for (String resource : RESOURCES) {
        for (String action : ACTIONS) {
          boolean expected = model.allows(subject, resource, action);
          if (f.jit.isAllowed(subject, resource, action) != expected) {
            return "check(" + subject + ", " + resource + ", " + action + ") should be " + expected;
          }
        }
      }
    }
    for (String id : grantIds) {
      GrantState state = f.store.findById(id).orElseThrow().state();
      GrantState before = lastSeen.put(id, state);
      if (before != null && before.isTerminal() && before != state) {
        return "grant " + id + " went from " + before + " to " + state;
      }
    }
    return null;
  }

  /** Lets every grant end, then checks the trail: one terminal event per grant, and replay = store. */
  private static String finish(EngineFixture f, Model model, List<String> grantIds) {
    // A grant scheduled before the clock was stepped back starts as much later in real time.
    long lastEnd = model.grants.values().stream().mapToLong(Model.Granted::end).max().orElse(0);
    f.clock.advance(Duration.ofMillis(Math.max(lastEnd - model.real, 0)).plus(Duration.ofDays(2)));
    // Polled every millisecond: a thousand programs each wait for their expiry thread.
    await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).atMost(10, TimeUnit.SECONDS)
        .until(() -> f.store.findActive().isEmpty() && grantIds.stream().allMatch(id -> f.terminalEvents(id) >= 1));
    for (String id : grantIds) {
      if (f.terminalEvents(id) != 1) {
        return "grant " + id + " has " + f.terminalEvents(id) + " terminal events";
      }
    }
    Set<String> replayed = new HashSet<>();
    for (AuditEvent event : f.audit.events()) {
      if (event.type() == AuditEventType.GRANTED && grantIds.contains(event.grantId())) {
        replayed.add(event.grantId());
      } else if (event.type().reducesPrivilege()) {
        replayed.remove(event.grantId());
      }
    }
    Set<String> stored = new HashSet<>();
    f.store.findActive().forEach(g -> stored.add(g.id()));
    return replayed.equals(stored) ? null : "audit replay " + replayed + " != store " + stored;
  }

  private static List<Op> shrink(List<Op> program) {
    return shrinkWith(program, p -> run(p).isPresent());
  }

  /** The shortest failing prefix, then single steps removed while it still fails. */
  static List<Op> shrinkWith(List<Op> program, java.util.function.Predicate<List<Op>> fails) {
    List<Op> current = program;
    for (int length = 1; length < current.size(); length++) {
      if (fails.test(current.subList(0, length))) {
        current = new ArrayList<>(current.subList(0, length));
        break;
      }
    }
    boolean removed = true;
    while (removed) {
      removed = false;
      for (int i = 0; i < current.size() && current.size() > 1; i++) {
        List<Op> candidate = new ArrayList<>(current);
        candidate.remove(i);
        if (fails.test(candidate)) {
          current = candidate;
          removed = true;
          break;
        }
      }
    }
    return current;
  }
}
