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

  private static final byte[] NO_KINDS = new byte[0];
  private static final int[] NO_BOUNDS = new int[0];

  private final String text;
  /** Per segment: LITERAL, ONE or ANY. Empty for a plain name, which is matched by equality alone. */
  private final byte[] kinds;
  /**
   * Per segment {@code i}: where its text starts and ends in {@link #text} ({@code 2i}, {@code 2i+1}), so
   * literals are compared in place and a pattern holds no substrings. Empty for a plain name.
   */
  private final int[] bounds;
  private final boolean exact;

  private ResourcePattern(String text, byte[] kinds, int[] bounds, boolean exact) {
    this.text = text;
    this.kinds = kinds;
    this.bounds = bounds;
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
    if (pattern.indexOf('*') < 0) {
      return new ResourcePattern(pattern, NO_KINDS, NO_BOUNDS, true);
    }
    int length = pattern.length();
    byte[] kinds = new byte[length / 2 + 1];
    int[] bounds = new int[2 * kinds.length];
    int n = 0;
    int start = 0;
    for (int i = 0; i <= length; i++) {
      if (i < length && pattern.charAt(i) != '/') {
        continue;
      }
      byte kind = pattern.charAt(start) != '*' ? LITERAL : i - start == 1 ? ONE : ANY;
      if (!(kind == ANY && n > 0 && kinds[n - 1] == ANY)) {
        kinds[n] = kind;
        bounds[2 * n] = start;
        bounds[2 * n + 1] = i;
        n++;
      }
      start = i + 1;
    }
    return new ResourcePattern(pattern, Arrays.copyOf(kinds, n), Arrays.copyOf(bounds, 2 * n), false);
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
    if (c < 0x80) {
      // The same answer as below for ASCII, without the Unicode tables: printable, not a space, not '\\'.
      return c > 0x20 && c < 0x7F && c != '\\';
    }
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
    return isName(name) && matchesName(name);
  }

  /**
   * {@link #matches} for a {@code name} already known to pass {@link #isName}, so a check that tries several
   * patterns validates the name once.
   */
  boolean matchesName(String name) {
    return exact ? text.equals(name) : walk(name) > 0;
  }

  /**
   * Runs the matcher: the number of steps it took, positive when the name matched and negative when not. The
   * steps are bounded by (pattern segments + 1) × (name segments + 1), whatever the pattern, which tests check.
   */
  int walk(String name) {
    byte[] kinds = this.kinds;
    int[] bounds = this.bounds;
    int segments = kinds.length;
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
      byte kind = p < segments ? kinds[p] : -1;
      if (kind == ONE) {
        p++;
        s = e + 1;
      } else if (kind == LITERAL && e - s == bounds[2 * p + 1] - bounds[2 * p]
          && name.regionMatches(s, text, bounds[2 * p], e - s)) {
        p++;
        s = e + 1;
      } else if (kind == ANY) {
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
    while (p < segments && kinds[p] == ANY) {
      p++;
    }
    return p == segments ? steps + 1 : -steps - 1;
  }

  /**
   * Whether some concrete name is matched both by this pattern and by {@code other}: exact, and in
   * O(segments × segments) steps. Two plain names intersect when they are equal, a plain name and a pattern
   * when the pattern matches the name. A policy uses it to find every rule a request touches: {@code prod/db/*}
   * intersects {@code prod/db/payments} and {@code **}{@code /payments}, not {@code prod/queue/**}.
   */
  public boolean intersects(ResourcePattern other) {
    Validate.notNull("other", other);
    if (exact) {
      return other.matches(text);
    }
    if (other.exact) {
      return matches(other.text);
    }
    return intersect(this, other);
  }

  /**
   * Whether every concrete name {@code other} matches is matched by this pattern as well. Sound, not complete:
   * {@code true} is always right; for a few equivalent spellings of a wildcard run it answers {@code false}
   * ({@code *}{@code /**} does not cover {@code **}{@code /*}, though both mean "one segment or more"), which
   * a policy reads as "not covered" and denies: the safe side. A plain {@code other} is covered when this
   * pattern matches it; a plain name covers no wildcard pattern. O(segments × segments) steps.
   */
  public boolean covers(ResourcePattern other) {
    Validate.notNull("other", other);
    if (other.exact) {
      return matches(other.text);
    }
    return !exact && cover(this, other);
  }

  /**
   * Whether p and q share a name: the product of the two patterns as automata, which reads one segment at a
   * time, is searched backwards for a path from both starts to both ends.
   */
  private static boolean intersect(ResourcePattern p, ResourcePattern q) {
    return sweep(p, q, (i, j, pk, qk, next, row) -> {
      if (pk < 0 && qk < 0) {
        return true;
      }
      if ((pk == ANY && next[j]) || (qk == ANY && row[j + 1])) {
        return true; // a '**' that matches nothing
      }
      if (pk < 0 || qk < 0 || !sameSegmentPossible(p, i, q, j)) {
        return false;
      }
      if (pk == ANY) {
        return row[j + 1]; // p's '**' takes q's segment, and may take more
      }
      return qk == ANY ? next[j] : next[j + 1];
    });
  }

  /**
   * Whether p matches every name q matches, from the proof rules below, each sound: p's {@code **} matches
   * nothing or takes q's next segment, whatever it is (a literal, {@code *}, or all that q's {@code **} takes);
   * p's {@code *} covers q's literal or {@code *}; p's literal covers the same literal. q's {@code **} against
   * anything but p's {@code **} proves nothing.
   */
  private static boolean cover(ResourcePattern p, ResourcePattern q) {
    return sweep(p, q, (i, j, pk, qk, next, row) -> {
      if (qk < 0) {
        return pk < 0 || (pk == ANY && next[j]); // q has ended: the rest of p must match nothing
      }
      if (pk == ANY) {
        return next[j] || row[j + 1];
      }
      if (pk == ONE) {
        return qk != ANY && next[j + 1];
      }
      return pk == LITERAL && qk == LITERAL && sameSegmentPossible(p, i, q, j) && next[j + 1];
    });
  }

  /** One cell of {@link #sweep}: the answer for p's segments from {@code i} on and q's from {@code j} on. */
  @FunctionalInterface
  private interface Cell {
    /**
     * {@code pk} and {@code qk} are the kinds of segments {@code i} and {@code j}, or -1 past the end;
     * {@code next[j']} holds the answer for ({@code i + 1}, {@code j'}), {@code row[j']} for ({@code i},
     * {@code j'}) with {@code j' > j}.
     */
    boolean at(int i, int j, byte pk, byte qk, boolean[] next, boolean[] row);
  }

  /**
   * Fills the table of answers for every pair of suffixes of p and q, from the ends backwards, two rows at a
   * time, and returns the answer for the whole patterns: (p segments + 1) × (q segments + 1) cells.
   */
  private static boolean sweep(ResourcePattern p, ResourcePattern q, Cell cell) {
    int m = p.kinds.length;
    int n = q.kinds.length;
    boolean[] next = new boolean[n + 1];
    boolean[] row = new boolean[n + 1];
    for (int i = m; i >= 0; i--) {
      byte pk = i < m ? p.kinds[i] : -1;
      for (int j = n; j >= 0; j--) {
        row[j] = cell.at(i, j, pk, j < n ? q.kinds[j] : -1, next, row);
      }
      boolean[] swap = next;
      next = row;
      row = swap;
    }
    return next[0];
  }

  /** Whether segment i of p and segment j of q can match one same segment: unless both are different literals. */
  private static boolean sameSegmentPossible(ResourcePattern p, int i, ResourcePattern q, int j) {
    if (p.kinds[i] != LITERAL || q.kinds[j] != LITERAL) {
      return true;
    }
    int start = p.bounds[2 * i];
    int length = p.bounds[2 * i + 1] - start;
    return length == q.bounds[2 * j + 1] - q.bounds[2 * j]
        && p.text.regionMatches(start, q.text, q.bounds[2 * j], length);
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
