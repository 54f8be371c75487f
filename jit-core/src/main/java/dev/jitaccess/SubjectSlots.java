package dev.jitaccess;

import jakarta.annotation.Nullable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * One per-subject limit (active grants, pending requests) kept under concurrency. A request takes a slot
 * before its I/O (audit, store) and either fills it (the grant or pending request becomes what the engine counts,
 * atomically with the slot being given back) or gives it back; so no two racing requests can both take the last
 * free slot, and a failed one frees its slot.
 *
 * <p>Threads: any application thread. The taken slots of one subject are changed only inside
 * {@code reserved.compute} on that subject, which also reads what the engine holds for it, so "held + reserved
 * is below the limit" is decided atomically with taking the slot. What the engine holds for a subject only grows
 * through {@link Slot#fill} (for this instance's requests; another instance's grants seen through a change feed
 * are counted, but not reserved against) and shrinks whenever a grant or request ends, which can only make a
 * decision err towards refusing at the moment of the end.
 */
final class SubjectSlots {

  private final int limit;
  private final ToIntFunction<Subject> held;
  private final String refusal;
  /** Slots taken and neither filled nor given back yet, per subject; a subject with none has no entry. */
  private final ConcurrentHashMap<Subject, Integer> reserved = new ConcurrentHashMap<>();

  /**
   * @param held how many the engine holds for a subject now; read under the subject's lock, so it must not block
   * @param refusal the denial reason when the limit is reached
   */
  SubjectSlots(int limit, ToIntFunction<Subject> held, String refusal) {
    this.limit = limit;
    this.held = held;
    this.refusal = refusal;
  }

  String refusal() {
    return refusal;
  }

  /** Takes a slot for {@code subject}; {@code null} when the limit is reached. */
  @Nullable
  Slot tryTake(Subject subject) {
    boolean[] taken = {false};
    reserved.compute(subject, (s, n) -> {
      int count = n == null ? 0 : n;
      if (held.applyAsInt(s) + count >= limit) {
        return n;
      }
      taken[0] = true;
      return count + 1;
    });
    return taken[0] ? new Slot(subject) : null;
  }

  private void giveBack(Subject subject) {
    reserved.computeIfPresent(subject, (s, n) -> n == 1 ? null : n - 1);
  }

  /** A taken slot; closing one that was not filled gives it back. Used by the one thread that took it. */
  final class Slot implements AutoCloseable {
    private final Subject subject;
    private boolean done;

    private Slot(Subject subject) {
      this.subject = subject;
    }

    /**
     * Makes the reserved thing count as held: runs {@code effect} (which must add it to what {@code held} counts,
     * in memory only) atomically with giving the slot back, so no other request sees it counted twice or not at all.
     */
    <T> T fill(Supplier<T> effect) {
      Object[] result = new Object[1];
      // Should the effect throw, the mapping is left as it was and close() gives the slot back.
      reserved.compute(subject, (s, n) -> {
        result[0] = effect.get();
        return n == null || n == 1 ? null : n - 1;
      });
      done = true;
      @SuppressWarnings("unchecked")
      T filled = (T) result[0];
      return filled;
    }

    @Override
    public void close() {
      if (!done) {
        done = true;
        giveBack(subject);
      }
    }
  }
}
