package dev.jitaccess;

import java.util.Locale;

/**
 * Tells which person a {@link Subject} is, for separation of duties: the requester never decides its own
 * request (unless the rule allows self-approval), an approver counts once, and the holder of a break-glass grant
 * never acknowledges its own review. Two subjects whose keys are equal are one person in those comparisons.
 *
 * <p>Identity providers and directories often compare names leniently, so one person reaches the engine as
 * {@code bob}, {@code BOB} or {@code service:bob}; compared by kind and id those would be three people. The key
 * is therefore used only to refuse (a second approval, a self-approval, a self-review), never to allow: who may
 * approve, whose grant a check finds and {@link Subject#equals} stay by exact kind and id.
 *
 * <p>The default, {@link #standard()}, ignores the kind and takes the id the way a lenient directory would;
 * an application whose directory knows each person's canonical id (an immutable user number, an LDAP entry's
 * {@code entryUUID}) should return that instead, so that a rename or an alias cannot make one person two.
 * Set it with {@link JitAccessManager.Builder#personKey}.
 *
 * <p>Called on the threads that approve, deny, list pending requests and acknowledge reviews, possibly
 * concurrently: an implementation must be thread-safe and should be fast. A key that throws makes the operation
 * that asked for it fail and change nothing; one that returns {@code null} counts as a failure too.
 */
@FunctionalInterface
public interface PersonKey {

  /** The person behind {@code subject}; equal keys are one person. */
  String of(Subject subject);

  /** Whether {@code a} and {@code b} are one person. */
  default boolean samePerson(Subject a, Subject b) {
    String keyOfA = of(a);
    String keyOfB = of(b);
    if (keyOfA == null || keyOfB == null) {
      throw new JitAccessException("the person key gave no key for " + (keyOfA == null ? a : b));
    }
    return keyOfA.equals(keyOfB);
  }

  /**
   * The default key: the id, whatever the kind, compared the way a lenient directory compares names. Two ids
   * are one person when they differ only in
   * <ul>
   *   <li>Unicode compatibility forms (NFKC/NFKD): full-width letters, ligatures, the Kelvin sign;</li>
   *   <li>letter case, with the full case mappings of {@link Locale#ROOT} applied both ways, so the Turkish
   *       dotted and dotless i, sharp s and {@code ss}, final and medial sigma are one letter each;</li>
   *   <li>accents and other non-spacing or enclosing marks ({@code José} is {@code jose}), as in an
   *       accent-insensitive database collation.</li>
   * </ul>
   * Spacing marks and look-alike letters of different scripts (a Cyrillic {@code а} for a Latin {@code a}) stay
   * distinct: directories do not merge them either. The comparison errs towards "one person", which can only refuse a second
   * approval, never grant one; an application where {@code bob} and {@code Bob} really are two people sets its
   * own key.
   */
  static PersonKey standard() {
    return StandardPersonKey.INSTANCE;
  }
}
