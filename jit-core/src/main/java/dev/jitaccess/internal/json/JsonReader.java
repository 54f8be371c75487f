package dev.jitaccess.internal.json;

import jakarta.annotation.Nullable;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A strict RFC 8259 parser, and nothing more: one value with optional whitespace around it and nothing after it;
 * from bytes, strict UTF-8 only (no byte order mark, no overlong forms, no encoded surrogates); no duplicate
 * member names (two parsers disagreeing on which one wins is a classic signature bypass); no raw control
 * characters in strings, no escapes but the eight short ones and {@code \}{@code u} with four ASCII hex digits;
 * lone surrogates as {@link LoneSurrogates} says; nesting at most {@value #MAX_DEPTH} deep, counting the
 * outermost object or array.
 *
 * <p>Objects come back as unmodifiable insertion-ordered maps, arrays as unmodifiable lists, strings as
 * {@link String}, integers within {@code long} as {@link Long} and other numbers as {@link BigDecimal} (a number
 * beyond that is an error), {@code true}/{@code false} as {@link Boolean} and {@code null} as null (a member
 * whose value is null is in the map: {@link Map#containsKey} tells it from a missing one). Error messages name a
 * rule and an offset (in characters; in bytes for invalid UTF-8), never the input.
 */
public final class JsonReader {

  /** The deepest nesting accepted; the outermost object or array is 1. */
  public static final int MAX_DEPTH = 16;

  private final String in;
  private final LoneSurrogates loneSurrogates;
  /** When set, only these members of the outermost object are built; the rest is checked and skipped. */
  @Nullable
  private final Set<String> only;
  private int pos;

  private JsonReader(String in, LoneSurrogates loneSurrogates, @Nullable Set<String> only) {
    this.in = in;
    this.loneSurrogates = loneSurrogates;
    this.only = only;
  }

  /** Parses a text holding exactly one JSON value. */
  @Nullable
  public static Object parse(String text, LoneSurrogates loneSurrogates) throws MalformedJsonException {
    return new JsonReader(text, loneSurrogates, null).whole(false);
  }

  /** Parses the UTF-8 bytes {@code in[from, to)}, which must hold exactly one JSON object. */
  public static Map<String, Object> parseObject(byte[] in, int from, int to, LoneSurrogates loneSurrogates)
      throws MalformedJsonException {
    return object(new JsonReader(decode(in, from, to), loneSurrogates, null).whole(true));
  }

  /**
   * As {@link #parseObject(byte[], int, int, LoneSurrogates)}, checking the whole object as strictly but
   * building only the members named in {@code only} (for a reader that needs a few members of many objects).
   */
  public static Map<String, Object> parseObject(byte[] in, int from, int to, LoneSurrogates loneSurrogates,
      Set<String> only) throws MalformedJsonException {
    return object(new JsonReader(decode(in, from, to), loneSurrogates, only).whole(true));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(@Nullable Object value) {
    return (Map<String, Object>) value;
  }

  private static String decode(byte[] in, int from, int to) throws MalformedJsonException {
    // The JDK's own conversions are the fastest, but replace what is not UTF-8; the bytes come back the same
    // exactly when nothing was replaced.
    String text = new String(in, from, to - from, StandardCharsets.UTF_8);
    byte[] back = text.getBytes(StandardCharsets.UTF_8);
    if (Arrays.equals(back, 0, back.length, in, from, to)) {
      return text;
    }
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder(); // reports malformed input: never replaces it
    ByteBuffer bytes = ByteBuffer.wrap(in, from, to - from);
    decoder.decode(bytes, CharBuffer.allocate(to - from), true); // stops at the first malformed input
    throw new MalformedJsonException("invalid UTF-8 at byte " + (bytes.position() - from));
  }

  @Nullable
  private Object whole(boolean objectOnly) throws MalformedJsonException {
    skipWhitespace();
    if (objectOnly && peek() != '{') {
      throw error("expected an object");
    }
    Object value = value(0, true);
    skipWhitespace();
    if (pos != in.length()) {
      throw error("unexpected data after the value");
    }
    return value;
  }

  /** One value at {@code depth} (the number of objects and arrays around it); null when {@code keep} is not set. */
  @Nullable
  private Object value(int depth, boolean keep) throws MalformedJsonException {
    skipWhitespace();
    int c = peek();
    switch (c) {
      case '{':
        return object(depth + 1, keep);
      case '[':
        return array(depth + 1, keep);
      case '"':
        return string(keep);
      case 't':
        literal("true");
        return Boolean.TRUE;
      case 'f':
        literal("false");
        return Boolean.FALSE;
      case 'n':
        literal("null");
        return null;
      default:
        if (c == '-' || isDigit(c)) {
          return number();
        }
        throw error(c < 0 ? "unexpected end of input" : "unexpected character");
    }
  }

  @Nullable
  private Map<String, Object> object(int depth, boolean keep) throws MalformedJsonException {
    checkDepth(depth);
    pos++; // '{'
    Map<String, Object> members = new LinkedHashMap<>(); // the names are kept even when skipping, for duplicates
    skipWhitespace();
    if (peek() == '}') {
      pos++;
      return keep ? Collections.unmodifiableMap(members) : null;
    }
    while (true) {
      skipWhitespace();
      if (peek() != '"') {
        throw error("expected a member name");
      }
      int at = pos;
      String name = string(true);
      skipWhitespace();
      expect(':');
      boolean keepMember = keep && (depth > 1 || only == null || only.contains(name));
      Object value = value(depth, keepMember);
      if (members.containsKey(name)) {
        pos = at;
        throw error("duplicate member name");
      }
      members.put(name, value);
      skipWhitespace();
      int c = next();
      if (c == '}') {
        break;
      }
      if (c != ',') {
        pos--;
        throw error("expected ',' or '}'");
      }
    }
    if (!keep) {
      return null;
    }
    if (depth == 1 && only != null) {
      members.keySet().retainAll(only);
    }
    return Collections.unmodifiableMap(members);
  }

  @Nullable
  private List<Object> array(int depth, boolean keep) throws MalformedJsonException {
    checkDepth(depth);
    pos++; // '['
    List<Object> items = keep ? new ArrayList<>() : null;
    skipWhitespace();
    if (peek() == ']') {
      pos++;
      return keep ? Collections.unmodifiableList(items) : null;
    }
    while (true) {
      Object item = value(depth, keep);
      if (keep) {
        items.add(item);
      }
      skipWhitespace();
      int c = next();
      if (c == ']') {
        return keep ? Collections.unmodifiableList(items) : null;
      }
      if (c != ',') {
        pos--;
        throw error("expected ',' or ']'");
      }
    }
  }

  @Nullable
  private String string(boolean keep) throws MalformedJsonException {
    int start = pos;
    pos++; // opening quote
    StringBuilder sb = keep || loneSurrogates == LoneSurrogates.REJECT ? new StringBuilder() : null;
    while (true) {
      if (pos >= in.length()) {
        throw error("unterminated string");
      }
      char c = in.charAt(pos++);
      if (c == '"') {
        break;
      }
      if (c < 0x20) {
        pos--;
        throw error("unescaped control character");
      }
      if (c == '\\') {
        c = escape();
      }
      if (sb != null) {
        sb.append(c);
      }
    }
    if (sb == null) {
      return null;
    }
    String s = sb.toString();
    if (loneSurrogates == LoneSurrogates.REJECT && hasLoneSurrogate(s)) {
      pos = start;
      throw error("lone surrogate in the string");
    }
    return s;
  }

  /** The character of the escape after a backslash. */
  private char escape() throws MalformedJsonException {
    int c = next();
    switch (c) {
      case '"', '\\', '/':
        return (char) c;
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u':
        return hex4();
      default:
        pos -= 2;
        throw error("invalid escape");
    }
  }

  private char hex4() throws MalformedJsonException {
    if (pos + 4 > in.length()) {
      throw error("unterminated unicode escape");
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
      char c = in.charAt(pos);
      // Character.digit also takes non-ASCII digits; JSON wants ASCII hex only.
      int d = c <= 'f' ? Character.digit(c, 16) : -1;
      if (d < 0) {
        throw error("invalid unicode escape");
      }
      v = (v << 4) | d;
      pos++;
    }
    return (char) v;
  }

  private static boolean hasLoneSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  private Object number() throws MalformedJsonException {
    int start = pos;
    if (peek() == '-') {
      pos++;
    }
    if (peek() == '0') {
      pos++;
    } else {
      digits(start);
    }
    boolean integer = true;
    if (peek() == '.') {
      integer = false;
      pos++;
      digits(start);
    }
    if (peek() == 'e' || peek() == 'E') {
      integer = false;
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      digits(start);
    }
    String text = in.substring(start, pos);
    try {
      return integer ? Long.valueOf(Long.parseLong(text)) : new BigDecimal(text);
    } catch (NumberFormatException beyondLong) {
      try {
        return new BigDecimal(text);
      } catch (NumberFormatException beyondBigDecimal) { // an exponent beyond an int
        pos = start;
        throw error("number out of range");
      }
    }
  }

  /** One or more digits, else the number at {@code start} is invalid. */
  private void digits(int start) throws MalformedJsonException {
    if (!isDigit(peek())) {
      pos = start;
      throw error("invalid number");
    }
    while (isDigit(peek())) {
      pos++;
    }
  }

  private static boolean isDigit(int c) {
    return c >= '0' && c <= '9';
  }

  private void literal(String word) throws MalformedJsonException {
    if (!in.startsWith(word, pos)) {
      throw error("unexpected character");
    }
    pos += word.length();
  }

  private void skipWhitespace() {
    while (pos < in.length()) {
      char c = in.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  private int peek() {
    return pos < in.length() ? in.charAt(pos) : -1;
  }

  private int next() throws MalformedJsonException {
    if (pos >= in.length()) {
      throw error("unexpected end of input");
    }
    return in.charAt(pos++);
  }

  private void expect(char c) throws MalformedJsonException {
    if (peek() != c) {
      throw error("expected '" + c + "'");
    }
    pos++;
  }

  private void checkDepth(int depth) throws MalformedJsonException {
    if (depth > MAX_DEPTH) {
      throw error("nesting deeper than " + MAX_DEPTH);
    }
  }

  private MalformedJsonException error(String rule) {
    return new MalformedJsonException(rule + " at offset " + pos);
  }
}
