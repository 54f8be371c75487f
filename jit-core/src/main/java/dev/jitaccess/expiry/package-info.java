/**
 * Active expiry: a hierarchical {@link dev.jitaccess.expiry.TimerWheel} driven by one daemon thread in
 * {@link dev.jitaccess.expiry.ExpiryScheduler}.
 *
 * <p>The engine schedules one timer per grant at its {@code expiresAt} and reschedules it on extension,
 * both O(1) without allocation. Access checks never depend on these timers (they compare
 * {@code expiresAt} with the clock), so a late timer only delays the expiry <em>event</em>, never lets a
 * stale grant through. Time never goes back here: a clock stepped backwards is ignored; one stepped
 * forwards fires every timer it passed, with work bounded by the wheel's size rather than the jump.
 */
package dev.jitaccess.expiry;
