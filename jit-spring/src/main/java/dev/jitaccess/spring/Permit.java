package dev.jitaccess.spring;

import dev.jitaccess.AccessDecision;
import dev.jitaccess.Grant;
import dev.jitaccess.GrantHandle;
import dev.jitaccess.ResourcePattern;
import dev.jitaccess.Subject;
import jakarta.annotation.Nullable;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an allowed call runs under: an existing grant, or one held for the call ({@link ElevatedAccess}).
 *
 * <p>A grant held for a call is bound to its handle (see {@link dev.jitaccess.JitAccessManager#acquireBound}): no
 * ordinary check allows it, so other calls of the same subject cannot ride on it. While the call runs on a thread
 * ({@link #enter}), the guarded methods it calls on that thread may use it ({@link #elevated}); a reactive call
 * carries them in its Reactor context ({@link #CONTEXT_KEY}) to the guarded publishers it composes, which are
 * checked when subscribed. The elevations in force are per thread and are restored when each call's scope closes,
 * so nothing is left on a pooled thread.
 */
final class Permit {

  private static final Logger log = LoggerFactory.getLogger(Permit.class);
  /** The elevations of the calls running on this thread, innermost first; none: no entry. */
  private static final ThreadLocal<Elevation> ELEVATIONS = new ThreadLocal<>();
  /** Where a reactive call's elevations travel in the Reactor context; the value is opaque outside this class. */
  static final String CONTEXT_KEY = "jit.elevations";

  private final String grantId;
  private final String requestId;
  private final GrantHandle handle;

  private Permit(@Nullable String grantId, @Nullable String requestId, @Nullable GrantHandle handle) {
    this.grantId = grantId;
    this.requestId = requestId;
    this.handle = handle;
  }

  static Permit checked(AccessDecision decision) {
    return new Permit(decision.grantId(), decision.requestId(), null);
  }

  static Permit held(GrantHandle handle) {
    return new Permit(handle.grant().id(), handle.grant().requestId(), handle);
  }

  @Nullable
  String grantId() {
    return grantId;
  }

  @Nullable
  String requestId() {
    return requestId;
  }

  /** Puts the grant's ids in the MDC and, for a grant held for the call, lets the call's own guarded calls use it. */
  Scope enter() {
    return enter(elevations(null));
  }

  /** As {@link #enter()}, with the elevations {@link #elevations} gave. */
  Scope enter(@Nullable Object elevations) {
    MdcScope mdc = MdcScope.open(grantId, requestId);
    Elevation previous = set((Elevation) elevations);
    return () -> {
      set(previous);
      mdc.close();
    };
  }

  /** The elevations a call under this permit runs within: its own on top of {@code outer}, else of this thread's. */
  @Nullable
  Object elevations(@Nullable Object outer) {
    Elevation base = outer != null ? (Elevation) outer : ELEVATIONS.get();
    return handle == null ? base : new Elevation(handle, base);
  }

  /** Runs {@code call} (the check of a subscription) within the elevations of a Reactor context, if any. */
  static <T> T within(@Nullable Object elevations, Callable<T> call) throws Exception {
    if (elevations == null) {
      return call.call();
    }
    Elevation previous = set((Elevation) elevations);
    try {
      return call.call();
    } finally {
      set(previous);
    }
  }

  @Nullable
  private static Elevation set(@Nullable Elevation elevations) {
    Elevation previous = ELEVATIONS.get();
    if (elevations == null) {
      ELEVATIONS.remove();
    } else {
      ELEVATIONS.set(elevations);
    }
    return previous;
  }

  /**
   * The decision of an elevation of a call running on this thread that allows {@code subject} the action on the
   * resource, or {@code null} when none does (then the ordinary check decides).
   */
  @Nullable
  static AccessDecision elevated(@Nullable Subject subject, @Nullable String resource, String action) {
    Elevation elevation = ELEVATIONS.get();
    if (elevation == null || subject == null || resource == null || !ResourcePattern.isName(resource)) {
      return null;
    }
    for (; elevation != null; elevation = elevation.outer) {
      Grant grant = elevation.handle.grant();
      if (grant.subject().equals(subject) && grant.covers(resource, action)) {
        AccessDecision decision = elevation.handle.check(resource, action);
        if (decision.allowed()) {
          return decision;
        }
      }
    }
    return null;
  }

  /** Ends what {@link #enter} began; never throws. */
  interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  private record Elevation(GrantHandle handle, @Nullable Elevation outer) {}

  /** Releases a grant held for the call; nothing for a checked one. Never throws. */
  void close() {
    if (handle != null) {
      try {
        handle.close();
      } catch (RuntimeException e) {
        // The grant still expires on its own; the engine retries and reports failed ends.
        log.warn("could not release elevated grant {}", grantId, e);
      }
    }
  }
}
