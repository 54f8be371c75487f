package dev.jitaccess.audit;

import jakarta.annotation.Nullable;
import java.util.Arrays;
import java.util.Collection;

/**
 * A small RFC 8259 JSON writer straight to UTF-8 bytes, for one object per line. Not thread-safe; reusable
 * through {@link #reset()}.
 *
 * <p>Strings are escaped so that a line can never be split or forged: {@code "} and {@code \} get their
 * two-character escapes, so do backspace, form feed, newline, carriage return and tab; every other C0 control,
 * DEL, every C1 control, U+2028, U+2029 and every lone surrogate is written as {@code \}{@code uXXXX}.
 * A valid surrogate pair (a character outside the BMP) is written as its 4-byte UTF-8 form. Nothing else is
 * escaped, so the output is valid UTF-8 and {@code String -> JSON -> String} is the identity, lone surrogates
 * included.
 */
final class JsonOut {

  private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private byte[] buf = new byte[512];
  private int len;
  /** Whether the next member of the current object needs a comma before it. */
  private boolean comma;

  JsonOut reset() {
    len = 0;
    comma = false;
    return this;
  }

  JsonOut beginObject() {
    put('{');
    comma = false;
    return this;
  }

  JsonOut beginObject(String name) {
    name(name);
    return beginObject();
  }

  JsonOut endObject() {
    put('}');
    comma = true;
    return this;
  }

  JsonOut field(String name, long value) {
    name(name);
    ascii(Long.toString(value));
    comma = true;
    return this;
  }

  /** A string member; left out when {@code value} is null. */
  JsonOut field(String name, @Nullable String value) {
    if (value != null) {
      name(name);
      string(value);
      comma = true;
    }
    return this;
  }

  JsonOut field(String name, Collection<String> values) {
    name(name);
    put('[');
    boolean first = true;
    for (String value : values) {
      if (!first) {
        put(',');
      }
      string(value);
      first = false;
    }
    put(']');
    comma = true;
    return this;
  }

  int length() {
    return len;
  }

  byte[] bytes() {
    return buf;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, len);
  }

  /** Appends raw ASCII (already valid JSON). */
  JsonOut ascii(String text) {
    ensure(text.length());
    for (int i = 0; i < text.length(); i++) {
      buf[len++] = (byte) text.charAt(i);
    }
    return this;
  }

  JsonOut put(char c) {
    ensure(1);
    buf[len++] = (byte) c;
    return this;
  }

  private void name(String name) {
    if (comma) {
      put(',');
    }
    string(name);
    put(':');
  }

  /** A JSON string literal, quotes included. */
  void string(String s) {
    ensure(s.length() + 2);
    buf[len++] = '"';
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
          ensure(1);
          buf[len++] = (byte) c;
        } else {
          escapeAscii(c);
        }
      } else if (c < 0x800) {
        if (c <= 0x9f) {
          unicodeEscape(c); // C1 controls
        } else {
          ensure(2);
          buf[len++] = (byte) (0xc0 | (c >> 6));
          buf[len++] = (byte) (0x80 | (c & 0x3f));
        }
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        ensure(4);
        buf[len++] = (byte) (0xf0 | (cp >> 18));
        buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
        buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
        buf[len++] = (byte) (0x80 | (cp & 0x3f));
      } else if (Character.isSurrogate(c) || c == 0x2028 || c == 0x2029) {
        unicodeEscape(c);
      } else {
        ensure(3);
        buf[len++] = (byte) (0xe0 | (c >> 12));
        buf[len++] = (byte) (0x80 | ((c >> 6) & 0x3f));
        buf[len++] = (byte) (0x80 | (c & 0x3f));
      }
    }
    ensure(1);
    buf[len++] = '"';
  }

  private void escapeAscii(char c) {
    char shortForm = switch (c) {
      case '"' -> '"';
      case '\\' -> '\\';
      case '\b' -> 'b';
      case '\f' -> 'f';
      case '\n' -> 'n';
      case '\r' -> 'r';
      case '\t' -> 't';
      default -> 0;
    };
    if (shortForm != 0) {
      ensure(2);
      buf[len++] = '\\';
      buf[len++] = (byte) shortForm;
    } else {
      unicodeEscape(c);
    }
  }

  private void unicodeEscape(char c) {
    ensure(6);
    buf[len++] = '\\';
    buf[len++] = 'u';
    buf[len++] = HEX[(c >> 12) & 0xf];
    buf[len++] = HEX[(c >> 8) & 0xf];
    buf[len++] = HEX[(c >> 4) & 0xf];
    buf[len++] = HEX[c & 0xf];
  }

  private void ensure(int more) {
    if (len + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
    }
  }

  /**
   * The UTF-8 bytes of {@code s}, a lone surrogate encoded as its 3-byte form (so no two strings share an
   * encoding, unlike {@code getBytes(UTF_8)}, which turns every lone surrogate into {@code ?}).
   */
  static byte[] utf8(String s) {
    byte[] out = new byte[s.length() * 3];
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        out[n++] = (byte) c;
      } else if (c < 0x800) {
        out[n++] = (byte) (0xc0 | (c >> 6));
        out[n++] = (byte) (0x80 | (c & 0x3f));
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        out[n++] = (byte) (0xf0 | (cp >> 18));
        out[n++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
        out[n++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
        out[n++] = (byte) (0x80 | (cp & 0x3f));
      } else {
        out[n++] = (byte) (0xe0 | (c >> 12));
        out[n++] = (byte) (0x80 | ((c >> 6) & 0x3f));
        out[n++] = (byte) (0x80 | (c & 0x3f));
      }
    }
    return Arrays.copyOf(out, n);
  }
}
