package dev.jitaccess.spring;

import dev.jitaccess.AccessDecision;
import dev.jitaccess.GrantHandle;
import jakarta.annotation.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What an allowed call runs under: an existing grant, or one held for the call ({@link ElevatedAccess}). */
final class Permit {

  private static final Logger log = LoggerFactory.getLogger(Permit.class);

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
