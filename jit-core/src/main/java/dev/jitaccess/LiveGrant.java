package dev.jitaccess;

import dev.jitaccess.credential.Credential;
import dev.jitaccess.expiry.TimerWheel;
import jakarta.annotation.Nullable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engine's working copy of one active grant: its current view, the grant's expiry timer, and which uses of a
 * pattern grant have been audited. The check path reads the flat copy {@link CheckIndex} keeps of it, and this
 * object only on its rare paths.
 *
 * <p>Threads: checks read {@link #view} (one volatile read, then final fields) on any thread; the manager
 * replaces the view on extension under the per-grant lock of its {@code live} map; the expiry scheduler owns
 * the timer links. Usage bits are claimed with CAS, so the first use of each resource and action is audited
 * once even when checks race.
 */
final class LiveGrant extends TimerWheel.Timer {

  private static final VarHandle USED_MASK;
  private static final VarHandle VIEW;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      USED_MASK = lookup.findVarHandle(LiveGrant.class, "usedMask", long.class);
      VIEW = lookup.findVarHandle(LiveGrant.class, "view", View.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final String grantId;
  final Subject subject;
  /** Allowed only through its handle, never by an ordinary check (see {@link Grant#bound()}). */
  final boolean bound;
  /** The resource pattern of a pattern grant; null for an exact one, which {@link #exactName} describes fully. */
  @Nullable final ResourcePattern pattern;
  /** The resource of an exact grant, null for a pattern. */
  @Nullable final String exactName;
  /** The first of {@link #actions}: most grants hold one, and callers often pass the very same constant. */
  final String firstAction;
  /** The grant's actions, sorted: the array of its {@link ActionSet}, shared and never written. */
  final String[] actions;
  volatile View view;
  /**
   * Whether the grant's start was handled (policy asked again for a scheduled start); written only by the
   * thread that fires this timer or, before it is scheduled, by the publishing thread.
   */
  volatile boolean started;
  /**
   * Whether a check, finding the window open before the timer handled the start, asked the policy and was
   * allowed; any checking thread may set it, and asking twice is harmless.
   */
  volatile boolean allowedAtStart;
  /** Whether listeners heard that it expires soon (reset by an extension). */
  volatile boolean warned;
  /** The credential issued when the grant became effective, if an issuer is configured. */
  volatile Credential credential;

  /**
   * Exact grants with more distinct actions per subject than the check index keeps bits for: bit i set once action
   * i was audited (the resource is always the grant's own). The index keeps the others' in its record.
   */
  @SuppressWarnings("unused") // accessed through USED_MASK
  private volatile long usedMask;
  /** Pattern grants: resource name to the bits of the actions audited on it; created on first use. */
  private volatile ConcurrentHashMap<String, Long> usedByResource;

  /** @param offset from the grant's wall instants to engine time (see {@link View#offset}) */
  LiveGrant(Grant grant, long offset) {
    this.grantId = grant.id();
    this.subject = grant.subject();
    this.bound = grant.bound();
    ResourcePattern parsed = ResourcePattern.of(grant.resource());
    this.pattern = parsed.isExact() ? null : parsed;
    this.exactName = parsed.isExact() ? parsed.text() : null;
    this.actions = ((ActionSet) grant.actions()).elements();
    this.firstAction = actions[0];
    this.view = new View(grant, offset);
  }

  /**
   * The view as it stands at {@code now}: an extension still being shown (see {@link View#extendingTo}) is
   * settled as lost if the grant has run out by its old expiry, so that no extension revives a grant that a
   * check or an end has seen run out. Called on the rare paths where the current view does not allow.
   */
  View viewAt(long now) {
    View current = view;
    while (current.extension != null && now >= current.expiresAt) {
      if (VIEW.compareAndSet(this, current, current.before)) {
        return current.before;
      }
      current = view;
    }
    return current;
  }

  /** Puts a pending extension in effect; false if a check or an end settled it as lost first. */
  boolean commitExtension(View pending) {
    return VIEW.compareAndSet(this, pending, pending.extension);
  }

  /** Takes back a pending extension that will not take effect (unless a check or an end already did). */
  void withdrawExtension(View pending) {
    VIEW.compareAndSet(this, pending, pending.before);
  }

  /** The index of {@code action} in this grant's actions, or -1. Allocates nothing. */
  int actionIndex(String action) {
    if (firstAction.equals(action)) {
      return 0;
    }
    for (int i = 1; i < actions.length; i++) {
      if (actions[i].equals(action)) {
        return i;
      }
    }
    return -1;
  }

  boolean isUseRecorded(String resource, int actionIndex) {
    long bit = 1L << actionIndex;
    if (exactName != null) {
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
    if (exactName != null) {
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
    if (exactName != null) {
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

  /**
   * An immutable snapshot for the check path (but for the decision it hands out, made once on first use).
   *
   * <p>While an extension is being shown the view is <em>pending</em>: it answers like the view before it, and
   * carries the {@link #extension} that replaces it by compare-and-set unless a reader finds the grant run out by
   * its old expiry first and puts the view before back (see {@link LiveGrant#viewAt}).
   */
  static final class View {
    final Grant grant;
    /**
     * What turns the grant's wall instants into engine time ({@link EngineTime}): the clock's steps back seen
     * before this instance learnt of the grant. Kept by every later view of the grant, so that steps back after
     * that never lengthen it.
     */
    final long offset;
    /** The start, in engine time. */
    final long notBefore;
    /** The end, in engine time. */
    final long expiresAt;
    /**
     * The decision this view hands out, made by the first check it allows rather than for every grant up front (most
     * grants of a large population are never checked). Any thread may make it; racing ones make equal decisions, and
     * a decision is a record of final fields, so whichever reference a thread reads is complete.
     */
    @Nullable private AccessDecision allow;
    /** The view a pending extension brings; null when no extension is pending. */
    @Nullable final View extension;
    /** The view a pending one answers like, put back when the extension is lost; null when not pending. */
    @Nullable final View before;

    View(Grant grant, long offset) {
      this(grant, offset, grant.expiresAt().toEpochMilli() + offset);
    }

    private View(Grant grant, long offset, long expiresAt) {
      this.grant = grant;
      this.offset = offset;
      this.notBefore = grant.notBefore().toEpochMilli() + offset;
      this.expiresAt = expiresAt;
      this.extension = null;
      this.before = null;
    }

    private View(View before, View extension) {
      this.grant = before.grant;
      this.offset = before.offset;
      this.notBefore = before.notBefore;
      this.expiresAt = before.expiresAt;
      this.extension = extension;
      this.before = before;
    }

    /** This view with an extension to {@code extended} pending. */
    View extendingTo(Grant extended) {
      return new View(this, new View(extended, offset));
    }

    /** The same grant as no check may see it again: published the moment it leaves the engine's maps. */
    View ended() {
      return new View(grant, offset, Long.MIN_VALUE);
    }

    /** The decision allowing access under this view's grant. Allocates only on the first call. */
    AccessDecision allow() {
      AccessDecision decision = allow;
      if (decision == null) {
        decision = AccessDecision.allow(grant);
        allow = decision;
      }
      return decision;
    }
  }
}
