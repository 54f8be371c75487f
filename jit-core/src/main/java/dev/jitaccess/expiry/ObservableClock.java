package dev.jitaccess.expiry;

/**
 * A clock that tells listeners when its time changes, so the expiry thread re-reads it at once
 * ({@link ExpiryScheduler#wakeUp()}) instead of at its next wake, which may be up to a second away.
 * Implemented by test clocks ({@code dev.jitaccess.testing.ManualClock}) and by any clock an application
 * steps itself; the system clock does not need it.
 */
public interface ObservableClock {

  /**
   * Registers {@code listener} to be called after every change of this clock's time. Listeners should be
   * quick and must not throw; the clock documents on which thread it calls them.
   */
  void addChangeListener(Runnable listener);
}
