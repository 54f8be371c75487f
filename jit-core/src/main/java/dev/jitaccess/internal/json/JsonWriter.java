package dev.jitaccess.internal.json;

import jakarta.annotation.Nullable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * An RFC 8259 JSON writer straight to UTF-8 bytes, with no whitespace. Not thread-safe; reusable through
 * {@link #reset()}. Objects are written member by member ({@link #beginObject()}, {@code field}s,
 * {@link #endObject()}), or a whole value at once from maps and lists ({@link #value(Object)}).
 *
 * <p>Strings are escaped so that the text can never be split or forged when it is one line of a file, pasted
 * into other text or shown in a console: {@code "} and {@code \} get their two-character escapes, so do
 * backspace, form feed, newline, carriage return and tab; every other C0 control, DEL, every C1 control, U+2028
 * and U+2029 is written as {@code \}{@code u} and four lower-case hex digits. A valid surrogate pair (a character
 * outside the BMP) is written as its 4-byte UTF-8 form, and a lone surrogate as {@link LoneSurrogates} says.
 * Nothing else is escaped, and these rules are fixed: the audit log's hash chain is computed over these exact
 * bytes.
 */
public final class JsonWriter {

  /**
   * A value {@link #value(Object)} writes as {@code null}, also as a map member (which a Java null leaves out): for a
   * document whose members are always present.
   */
  public static final Object NULL = new Object() {
    @Override
    public String toString() {
      return "null";
    }
  };

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private final LoneSurrogates loneSurrogates;
  private byte[] buf = new byte[512];
  private int len;
  /** Whether the next member of the current object needs a comma before it. */
  private boolean comma;

  /** A writer that escapes lone surrogates. */
  public JsonWriter() {
    this(LoneSurrogates.ESCAPE);
  }

  public JsonWriter(LoneSurrogates loneSurrogates) {
    this.loneSurrogates = loneSurrogates;
  }

  /** Forgets everything written, keeping the buffer. */
  public JsonWriter reset() {
    len = 0;
    comma = false;
    return this;
  }

  public JsonWriter beginObject() {
    put('{');
    comma = false;
    return this;
  }

  /** Begins an object as the member {@code name} of the current object. */
  public JsonWriter beginObject(String name) {
    name(name);
    return beginObject();
  }

  public JsonWriter endObject() {
    put('}');
    comma = true;
    return this;
  }

  public JsonWriter field(String name, long value) {
    name(name);
    ascii(Long.toString(value));
    comma = true;
    return this;
  }

  /** A string member; left out when {@code value} is null. */
  public JsonWriter field(String name, @Nullable String value) {
    if (value != null) {
      name(name);
      string(value);
      comma = true;
    }
    return this;
  }

  /** An array of strings, in iteration order. */
  public JsonWriter field(String name, Collection<String> values) {
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

  /**
   * A whole value: a {@link Map} with {@link String} keys (members in iteration order; a member whose value is
   * null is left out, as {@link #field(String, String)} does), a {@link List}, a {@link String}, a {@link Long}
   * or {@link Integer}, a {@link Boolean}, null or {@link #NULL}.
   *
   * @throws IllegalArgumentException for anything else
   */
  public JsonWriter value(@Nullable Object value) {
    if (value == null || value == NULL) {
      ascii("null");
    } else if (value instanceof String s) {
      string(s);
    } else if (value instanceof Boolean || value instanceof Long || value instanceof Integer) {
      ascii(value.toString());
    } else if (value instanceof Map<?, ?> map) {
      beginObject();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (e.getValue() != null) {
          name((String) e.getKey());
          value(e.getValue());
        }
      }
      endObject();
    } else if (value instanceof List<?> list) {
      put('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          put(',');
        }
        value(list.get(i));
      }
      put(']');
    } else {
      throw new IllegalArgumentException("cannot write a " + value.getClass().getName() + " as JSON");
    }
    comma = true;
    return this;
  }

  /** Appends one ASCII character as is (a line end, a closing bracket). */
  public JsonWriter put(char c) {
    ensure(1);
    buf[len++] = (byte) c;
    return this;
  }

  /** How many bytes are written. */
  public int length() {
    return len;
  }

  /** The buffer itself, valid in {@code [0, length())} until the next write; no copy. */
  public byte[] bytes() {
    return buf;
  }

  public byte[] toByteArray() {
    return Arrays.copyOf(buf, len);
  }

  /** What is written, as text. */
  public String text() {
    return new String(buf, 0, len, StandardCharsets.UTF_8);
  }

  private void name(String name) {
    if (comma) {
      put(',');
    }
    string(name);
    put(':');
  }

  private void ascii(String text) {
    ensure(text.length());
    for (int i = 0; i < text.length(); i++) {
      buf[len++] = (byte) text.charAt(i);
    }
  }

  /** A JSON string literal, quotes included. */
  private void string(String s) {
    put('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
          put(c);
        } else {
          escapeAscii(c);
        }
      } else if (c <= 0x9f || c == 0x2028 || c == 0x2029) {
        unicodeEscape(c); // C1 controls and the line separators
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        utf8(Character.toCodePoint(c, s.charAt(++i)));
      } else if (Character.isSurrogate(c)) {
        if (loneSurrogates == LoneSurrogates.REJECT) {
          throw new IllegalArgumentException("text contains a lone surrogate at index " + i);
        }
        unicodeEscape(c);
      } else {
        utf8(c);
      }
    }
    put('"');
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
      put('\\').put(shortForm);
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

  /** The UTF-8 form of a code point; a lone surrogate gets the 3-byte form of its value. */
  private void utf8(int cp) {
    ensure(4);
    if (cp < 0x80) {
      buf[len++] = (byte) cp;
    } else if (cp < 0x800) {
      buf[len++] = (byte) (0xc0 | (cp >> 6));
      buf[len++] = (byte) (0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      buf[len++] = (byte) (0xe0 | (cp >> 12));
      buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
      buf[len++] = (byte) (0x80 | (cp & 0x3f));
    } else {
      buf[len++] = (byte) (0xf0 | (cp >> 18));
      buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
      buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
      buf[len++] = (byte) (0x80 | (cp & 0x3f));
    }
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
  public static byte[] utf8(String s) {
    JsonWriter out = new JsonWriter();
    out.ensure(s.length() * 3);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        out.utf8(Character.toCodePoint(c, s.charAt(++i)));
      } else {
        out.utf8(c);
      }
    }
    return out.toByteArray();
  }
}
