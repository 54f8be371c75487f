package dev.jitaccess.internal;

import jakarta.annotation.Nullable;
import java.time.Duration;

/**
 * Input checks shared by the value types, the policy and the engine. Not API: it lives under
 * {@code internal} and may change in any release.
 *
 * <p>Every rejection is an {@link IllegalArgumentException} whose message names the field and shows the bad
 * value escaped and cut short, so a hostile value can neither forge log lines nor flood them.
 */
public final class Validate {

  /** Longest subject, grant or request id. */
  public static final int MAX_ID_LENGTH = 256;
  /** Longest resource name or pattern. */
  public static final int MAX_RESOURCE_LENGTH = 512;
  /** Most segments in a resource name or pattern. */
  public static final int MAX_SEGMENTS = 32;
  /** Longest action word. */
  public static final int MAX_ACTION_LENGTH = 32;
  /** Longest justification, reason or comment. */
  public static final int MAX_TEXT_LENGTH = 1024;
  /** Longest duration anyone may ask for: JIT access is short by definition, and this keeps instants far from overflow. */
  public static final Duration MAX_DURATION = Duration.ofDays(366);

  private static final int SHOWN_CHARS = 40;

  private Validate() {}

  public static <T> T notNull(String field, @Nullable T value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " must not be null");
    }
    return value;
  }

  /** Whether {@link #id} would take {@code value}, without the cost of an exception (for untrusted input in bulk). */
  public static boolean isId(@Nullable String value) {
    return value != null && !value.isBlank() && value.length() <= MAX_ID_LENGTH
        && !Character.isWhitespace(value.charAt(0)) && !Character.isWhitespace(value.charAt(value.length() - 1))
        && unprintable(value) == null;
  }

  /** An identifier: non-blank, bounded, no control/format characters, no lone surrogates, no outer whitespace. */
  public static String id(String field, @Nullable String value) {
    notNull(field, value);
    if (value.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank");
    }
    if (value.length() > MAX_ID_LENGTH) {
      throw tooLong(field, value, MAX_ID_LENGTH);
    }
    if (Character.isWhitespace(value.charAt(0)) || Character.isWhitespace(value.charAt(value.length() - 1))) {
      throw bad(field, value, "must not start or end with whitespace");
    }
    requirePrintable(field, value);
    return value;
  }

  /** Free text (justification, reason, comment): bounded, printable; null stays null. */
  @Nullable
  public static String text(String field, @Nullable String value) {
    if (value == null) {
      return null;
    }
    if (value.length() > MAX_TEXT_LENGTH) {
      throw tooLong(field, value, MAX_TEXT_LENGTH);
    }
    requirePrintable(field, value);
    return value;
  }

  /** Free text that must be present. */
  public static String requiredText(String field, @Nullable String value) {
    notNull(field, value);
    if (value.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank");
    }
    return text(field, value);
  }

  /** An action: a short lower-case word, {@code [a-z][a-z0-9_-]*}. */
  public static String action(String field, @Nullable String value) {
    notNull(field, value);
    if (!isAction(value)) {
      throw bad(field, value, "must be a lower-case word of 1 to " + MAX_ACTION_LENGTH
          + " characters: a-z first, then a-z, 0-9, '_' or '-'");
    }
    return value;
  }

  /** The allocation-free form of {@link #action} for the check path. */
  public static boolean isAction(@Nullable String value) {
    if (value == null || value.isEmpty() || value.length() > MAX_ACTION_LENGTH) {
      return false;
    }
    char first = value.charAt(0);
    if (first < 'a' || first > 'z') {
      return false;
    }
    for (int i = 1; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
        return false;
      }
    }
    return true;
  }

  /** A positive duration no longer than {@link #MAX_DURATION}. */
  public static Duration duration(String field, @Nullable Duration value) {
    notNull(field, value);
    if (value.isNegative() || value.isZero()) {
      throw bad(field, value.toString(), "must be positive");
    }
    if (value.compareTo(MAX_DURATION) > 0) {
      throw bad(field, value.toString(), "must not exceed " + MAX_DURATION);
    }
    return value;
  }

  /** A duration from {@code min} to {@code max}, both included; {@code rule} is the message when it is not. */
  public static Duration durationBetween(String field, @Nullable Duration value, Duration min, Duration max,
      String rule) {
    notNull(field, value);
    requireArgument(value.compareTo(min) >= 0 && value.compareTo(max) <= 0, field, value, rule);
    return value;
  }

  public static void requireArgument(boolean condition, String field, Object value, String rule) {
    if (!condition) {
      throw bad(field, String.valueOf(value), rule);
    }
  }

  public static IllegalArgumentException bad(String field, String value, String rule) {
    return new IllegalArgumentException(field + " " + rule + ", got " + show(value));
  }

  private static IllegalArgumentException tooLong(String field, String value, int max) {
    return new IllegalArgumentException(
        field + " must be at most " + max + " characters, got " + value.length() + ": " + show(value));
  }

  private static void requirePrintable(String field, String value) {
    String broken = unprintable(value);
    if (broken != null) {
      throw bad(field, value, broken);
    }
  }

  /** The rule {@code value} breaks by an unprintable character, or {@code null} when it has none. */
  @Nullable
  private static String unprintable(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
          int type = Character.getType(value.codePointAt(i));
          if (type == Character.FORMAT || type == Character.UNASSIGNED || type == Character.PRIVATE_USE) {
            return "must not contain invisible or unassigned characters";
          }
          i++;
          continue;
        }
        return "must not contain a lone surrogate";
      }
      if (Character.isLowSurrogate(c)) {
        return "must not contain a lone surrogate";
      }
      if (Character.isISOControl(c)) {
        return "must not contain control characters";
      }
      int type = Character.getType(c);
      if (type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
        // Bidi overrides and zero-width characters make two different ids look the same.
        return "must not contain invisible or bidirectional formatting characters";
      }
    }
    return null;
  }

  /** Quotes a value for an error message: escaped, and cut short. */
  public static String show(@Nullable String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder(Math.min(value.length(), SHOWN_CHARS) + 8).append('"');
    int limit = Math.min(value.length(), SHOWN_CHARS);
    for (int i = 0; i < limit; i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '"' || c == '\\' || Character.isSurrogate(c)
          || Character.getType(c) == Character.FORMAT) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    sb.append('"');
    if (value.length() > limit) {
      sb.append("...");
    }
    return sb.toString();
  }
}
