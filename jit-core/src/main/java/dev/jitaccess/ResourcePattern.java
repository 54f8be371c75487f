package dev.jitaccess;

import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.util.Arrays;

/**
 * A resource name or a pattern over resource names.
 *
 * <p>Names are {@code /}-separated paths such as {@code prod/db/orders}. In a pattern a segment {@code *}
 * matches exactly one segment and a segment {@code **} matches any number of segments, zero included, so
 * {@code prod/**} covers {@code prod} itself and everything below it. Partial wildcards ({@code orders-*})
 * are not supported and rejected, rather than guessed at.
 *
 * <p>Names are compared exactly: case, Unicode form and all. A look-alike name therefore never matches a
 * grant, which is the safe side. Empty segments, {@code .} and {@code ..}, whitespace and invisible
 * characters are rejected, so a path trick cannot climb out of a granted subtree.
 *
 * <p>{@link #matches} allocates nothing and runs in O(pattern segments × name segments) even for
 * pathological patterns: consecutive {@code **} collapse, and the matcher keeps a single backtrack point
 * (the classic glob algorithm), because {@code **} followed by literals never needs more than one.
 */
public final class ResourcePattern {

  private static final byte LITERAL = 0;
  private static final byte ONE = 1;
  private static final byte ANY = 2;

  private final String text;
  private final String[] literals;
  private final byte[] kinds;
  private final boolean exact;

  private ResourcePattern(String text, String[] literals, byte[] kinds, boolean exact) {
    this.text = text;
    this.literals = literals;
    this.kinds = kinds;
    this.exact = exact;
  }

  /**
   * Parses a pattern (or a plain name, which matches only itself).
   *
   * @throws IllegalArgumentException naming {@code resource} when the text is not a valid pattern
   */
  public static ResourcePattern of(String pattern) {
    return parse("resource", pattern);
  }

  /** Parses a pattern; a rejection names {@code field}. */
  public static ResourcePattern parse(String field, @Nullable String pattern) {
    checkShape(field, pattern, true);
    String[] parts = pattern.split("/", -1);
    String[] literals = new String[parts.length];
    byte[] kinds = new byte[parts.length];
    int n = 0;
    boolean exact = true;
    for (String part : parts) {
      byte kind = part.equals("**") ? ANY : part.equals("*") ? ONE : LITERAL;
      if (kind == ANY && n > 0 && kinds[n - 1] == ANY) {
        continue;
      }
      exact &= kind == LITERAL;
      kinds[n] = kind;
      literals[n] = kind == LITERAL ? part : null;
      n++;
    }
    return new ResourcePattern(pattern, Arrays.copyOf(literals, n), Arrays.copyOf(kinds, n), exact);
  }

  /**
   * Checks a concrete resource name, as a request for one or a check names it.
   *
   * @throws IllegalArgumentException naming {@code field} when it is not a valid name
   */
  public static String requireName(String field, @Nullable String name) {
    checkShape(field, name, false);
    return name;
  }

  /** The allocation-free form of {@link #requireName} for the check path. */
  public static boolean isName(@Nullable String name) {
    if (name == null || name.isEmpty() || name.length() > Validate.MAX_RESOURCE_LENGTH) {
      return false;
    }
    int segments = 1;
    int segmentStart = 0;
    for (int i = 0; i <= name.length(); i++) {
      if (i == name.length() || name.charAt(i) == '/') {
        if (!isValidSegment(name, segmentStart, i, false)) {
          return false;
        }
        segmentStart = i + 1;
        if (i < name.length() && ++segments > Validate.MAX_SEGMENTS) {
          return false;
        }
      } else if (!isNameChar(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static void checkShape(String field, @Nullable String value, boolean patternAllowed) {
    Validate.notNull(field, value);
    if (value.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank");
    }
    if (value.length() > Validate.MAX_RESOURCE_LENGTH) {
      throw Validate.bad(field, value, "must be at most " + Validate.MAX_RESOURCE_LENGTH + " characters");
    }
    int segments = 1;
    int segmentStart = 0;
    for (int i = 0; i <= value.length(); i++) {
      if (i == value.length() || value.charAt(i) == '/') {
        if (i == segmentStart) {
          throw Validate.bad(field, value, "must not have empty segments (leading, trailing or double '/')");
        }
        if (!isValidSegment(value, segmentStart, i, patternAllowed)) {
          throw Validate.bad(field, value, patternAllowed
              ? "segments must not be '.' or '..', and '*' or '**' must stand alone in a segment"
              : "must be a concrete name: no '.', '..' or wildcard segments");
        }
        segmentStart = i + 1;
        if (i < value.length() && ++segments > Validate.MAX_SEGMENTS) {
          throw Validate.bad(field, value, "must have at most " + Validate.MAX_SEGMENTS + " segments");
        }
      } else if (!isNameChar(value.charAt(i)) && value.charAt(i) != '*') {
        throw Validate.bad(field, value,
            "must not contain whitespace, control, invisible or non-BMP (surrogate) characters, or '\\'");
      }
    }
  }

  private static boolean isValidSegment(String s, int start, int end, boolean patternAllowed) {
    int length = end - start;
    if (length == 0) {
      return false;
    }
    if (s.charAt(start) == '.' && (length == 1 || (length == 2 && s.charAt(start + 1) == '.'))) {
      return false;
    }
    int stars = 0;
    for (int i = start; i < end; i++) {
      if (s.charAt(i) == '*') {
        stars++;
      }
    }
    if (stars == 0) {
      return true;
    }
    return patternAllowed && stars == length && length <= 2;
  }

  private static boolean isNameChar(char c) {
    if (c == '\\' || Character.isWhitespace(c) || Character.isISOControl(c) || Character.isSurrogate(c)) {
      // Surrogates are rejected wholesale: resource names are identifiers, not prose.
      return false;
    }
    int type = Character.getType(c);
    return type != Character.FORMAT && type != Character.UNASSIGNED && type != Character.PRIVATE_USE
        && type != Character.SPACE_SEPARATOR && type != Character.LINE_SEPARATOR
        && type != Character.PARAGRAPH_SEPARATOR;
  }

  /**
   * Whether this pattern matches the concrete resource name. A malformed name (empty, {@code .} or {@code ..}
   * segments, wildcards...) matches nothing. Allocates nothing.
   */
  public boolean matches(@Nullable String name) {
    if (exact) {
      // A plain pattern was validated, so equality alone proves the name well formed.
      return text.equals(name);
    }
    return isName(name) && walk(name) > 0;
  }

  /**
   * Runs the matcher: the number of steps it took, positive when the name matched and negative when not. The
   * steps are bounded by (pattern segments + 1) × (name segments + 1), whatever the pattern, which tests check.
   */
  int walk(String name) {
    int steps = 0;
    int n = name.length();
    int p = 0;
    int s = 0;
    int backtrackPattern = -1;
    int backtrackStart = -1;
    while (s <= n) {
      steps++;
      int e = name.indexOf('/', s);
      if (e < 0) {
        e = n;
      }
      if (p < kinds.length && kinds[p] == ONE) {
        p++;
        s = e + 1;
      } else if (p < kinds.length && kinds[p] == LITERAL && e - s == literals[p].length()
          && name.regionMatches(s, literals[p], 0, e - s)) {
        p++;
        s = e + 1;
      } else if (p < kinds.length && kinds[p] == ANY) {
        backtrackPattern = p++;
        backtrackStart = s;
      } else if (backtrackPattern >= 0) {
        // Let the last '**' swallow one more segment and retry from there.
        p = backtrackPattern + 1;
        int next = name.indexOf('/', backtrackStart);
        backtrackStart = (next < 0 ? n : next) + 1;
        s = backtrackStart;
      } else {
        return -steps;
      }
    }
    while (p < kinds.length && kinds[p] == ANY) {
      p++;
    }
    return p == kinds.length ? steps + 1 : -steps - 1;
  }

  /** The number of segments of the compiled pattern (consecutive {@code **} count once). */
  int segments() {
    return kinds.length;
  }

  /** Whether this is a plain name without wildcards. */
  public boolean isExact() {
    return exact;
  }

  /** The pattern as written. */
  public String text() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ResourcePattern other && text.equals(other.text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  @Override
  public String toString() {
    return text;
  }
}
