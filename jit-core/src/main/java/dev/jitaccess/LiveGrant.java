package dev.jitaccess;

import dev.jitaccess.credential.Credential;
import dev.jitaccess.expiry.TimerWheel;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engine's working copy of one active grant: what the check path reads, the grant's expiry timer, and
 * which uses have been audited.
 *
 * <p>Threads: checks read {@link #view} (one volatile read, then final fields) on any thread; the manager
 * replaces the view on extension under the per-grant lock of its {@code live} map; the expiry scheduler owns
 * the timer links. Usage bits are claimed with CAS, so the first use of each resource and action is audited
 * once even when checks race.
 */
final class LiveGrant extends TimerWheel.Timer {

  private static final VarHandle USED_MASK;

  static {
    try {
      USED_MASK = MethodHandles.lookup().findVarHandle(LiveGrant.class, "usedMask", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final String grantId;
  final Subject subject;
  final ResourcePattern pattern;
  final String[] actions;
  volatile View view;
  /**
   * Whether the grant's start was handled (policy asked again for a scheduled start); touched only by the
   * thread that fires this timer or, before it is scheduled, by the publishing thread.
   */
  volatile boolean started;
  /** Whether listeners heard that it expires soon (reset by an extension). */
  volatile boolean warned;
  /** The credential issued when the grant became effective, if an issuer is configured. */
  volatile Credential credential;

  /** Exact grants: bit i set once action i was audited (the resource is always the grant's own). */
  @SuppressWarnings("unused") // accessed through USED_MASK
  private volatile long usedMask;
  /** Pattern grants: resource name to the bits of the actions audited on it; created on first use. */
  private volatile ConcurrentHashMap<String, Long> usedByResource;

  LiveGrant(Grant grant) {
    this.grantId = grant.id();
    this.subject = grant.subject();
    this.pattern = ResourcePattern.of(grant.resource());
    this.actions = grant.actions().toArray(new String[0]);
    this.view = new View(grant);
  }

  /** The index of {@code action} in this grant's actions, or -1. Allocates nothing. */
  int actionIndex(String action) {
    for (int i = 0; i < actions.length; i++) {
      if (actions[i].equals(action)) {
        return i;
      }
    }
    return -1;
  }

  boolean isUseRecorded(String resource, int actionIndex) {
    long bit = 1L << actionIndex;
    if (pattern.isExact()) {
      return (usedMask & bit) != 0;
    }
    ConcurrentHashMap<String, Long> used = usedByResource;
    if (used == null) {
      return false;
    }
    Long bits = used.get(resource);
    return bits != null && (bits & bit) != 0;
  }

  /** Marks the use as audited; {@code true} if this call was the first to do so. */
  boolean claimUse(String resource, int actionIndex) {
    long bit = 1L << actionIndex;
    if (pattern.isExact()) {
      long before = (long) USED_MASK.getAndBitwiseOr(this, bit);
      return (before & bit) == 0;
    }
    boolean[] claimed = new boolean[1];
    usedMap().compute(resource, (r, bits) -> {
      long current = bits == null ? 0 : bits;
      claimed[0] = (current & bit) == 0;
      return current | bit;
    });
    return claimed[0];
  }

  /** Undoes {@link #claimUse} when the audit event could not be written, so the next use tries again. */
  void unclaimUse(String resource, int actionIndex) {
    long bit = 1L << actionIndex;
    if (pattern.isExact()) {
      USED_MASK.getAndBitwiseAnd(this, ~bit);
    } else {
      usedMap().computeIfPresent(resource, (r, bits) -> (bits & ~bit) == 0 ? null : bits & ~bit);
    }
  }

  private ConcurrentHashMap<String, Long> usedMap() {
    ConcurrentHashMap<String, Long> used = usedByResource;
    if (used == null) {
      synchronized (this) {
        used = usedByResource;
        if (used == null) {
          used = new ConcurrentHashMap<>(4);
          usedByResource = used;
        }
      }
    }
    return used;
  }

  /** An immutable snapshot for the check path, with the decision it hands out made in advance. */
  static final class View {
    final Grant grant;
    final long notBefore;
    final long expiresAt;
    final AccessDecision allow;

    View(Grant grant) {
      this.grant = grant;
      this.notBefore = grant.notBefore().toEpochMilli();
      this.expiresAt = grant.expiresAt().toEpochMilli();
      this.allow = AccessDecision.allow(grant);
    }
  }
}
