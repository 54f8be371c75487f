package dev.jitaccess;

import jakarta.annotation.Nullable;

/**
 * Hears grant transitions, so an application can tell people (chat, mail) without polling.
 *
 * <p>Every method has a no-op default: implement the ones you need. Methods are called after the transition was
 * stored and audited, on the manager's listener executor ({@link JitAccessManager.Builder#listenerExecutor}; by
 * default one thread of the manager's), never on the thread that made the transition: the call that made it may
 * return first. The transitions of one subject arrive one at a time and in order. A listener that throws is logged
 * and never breaks the engine or the other listeners.
 */
public interface JitAccessListener {

  /** A request waits for approvals: tell the approvers. */
  default void onPendingApproval(RequestRecord request) {}

  /** An approver said no; the request has ended. */
  default void onRequestRejected(RequestRecord request) {}

  /** A pending request was withdrawn (see {@link JitAccessManager#cancel}); it has ended. */
  default void onRequestCancelled(RequestRecord request) {}

  /** A request's review window passed without enough approvals; it has ended. */
  default void onRequestExpired(RequestRecord request) {}

  /** A grant was given (it may start later, see {@link Grant#notBefore()}). */
  default void onGranted(Grant grant) {}

  /** Emergency access was given without approval; it is queued for review. */
  default void onBreakGlass(Grant grant) {}

  /** A grant ends in less than the configured warning lead time (see {@code Builder.expiryWarning}). */
  default void onExpiringSoon(Grant grant) {}

  /** A grant was lengthened; {@code grant} carries the new expiry. */
  default void onExtended(Grant grant) {}

  /** The holder gave a grant back early. */
  default void onReleased(Grant grant) {}

  /** Someone took a grant away. */
  default void onRevoked(Grant grant, @Nullable Subject actor, String reason) {}

  /** A grant ran out. */
  default void onExpired(Grant grant) {}
}
