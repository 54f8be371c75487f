package dev.jitaccess.expiry;

/**
 * A clock that tells listeners when its time changes, so the engine re-reads it at once (each step of the wall
 * clock is then seen as it is made) and wakes the expiry thread ({@link ExpiryScheduler#wakeUp()}) instead of
 * leaving it to its next wake, which may be up to a second away.
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
