package dev.jitaccess;

import jakarta.annotation.Nullable;

/**
 * Hears grant transitions, so an application can tell people (chat, mail) without polling.
 *
 * <p>Every method has a no-op default: implement the ones you need. Methods are called synchronously on the
 * thread that made the transition (the caller's, or the expiry thread for expiry), after the transition was
 * stored: keep them quick or hand off to an executor. A listener that throws is logged and never breaks the
 * engine or the other listeners.
 */
public interface JitAccessListener {

  /** A grant was given (it may start later, see {@link Grant#notBefore()}). */
  default void onGranted(Grant grant) {}

  /** A grant was lengthened; {@code grant} carries the new expiry. */
  default void onExtended(Grant grant) {}

  /** The holder gave a grant back early. */
  default void onReleased(Grant grant) {}

  /** Someone took a grant away. */
  default void onRevoked(Grant grant, @Nullable Subject actor, String reason) {}

  /** A grant ran out. */
  default void onExpired(Grant grant) {}
}
