package dev.jitaccess.audit;

import jakarta.annotation.Nullable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A strict RFC 8259 parser for one JSON Lines line, as read by the verifier and by the sink when it continues
 * a chain. Objects become {@link LinkedHashMap}s (a duplicate name is an error), arrays {@link List}s,
 * integers {@link Long}s (other numbers {@link BigDecimal}s), and strings {@link String}s; {@code \}{@code u}
 * escapes of lone surrogates are kept as such. Invalid UTF-8, a raw control character, trailing data or a
 * nesting deeper than {@value #MAX_DEPTH} is an error. Depends on nothing outside the JDK.
 */
final class JsonIn {

  static final int MAX_DEPTH = 16;

  /** The input is not one valid JSON value. */
  static final class MalformedException extends Exception {
    MalformedException(String message, int at) {
      super(message + " at byte " + at);
    }
  }

  private final byte[] in;
  private final int end;
  private int pos;
  /** When set, only these top-level members are built; the rest is checked and skipped. */
  @Nullable
  private Set<String> wanted;

  private JsonIn(byte[] in, int from, int to) {
    this.in = in;
    this.pos = from;
    this.end = to;
  }

  /** Parses {@code in[from, to)}, which must hold exactly one JSON object (and no whitespace around it). */
  static Map<String, Object> object(byte[] in, int from, int to) throws MalformedException {
    JsonIn parser = new JsonIn(in, from, to);
    if (parser.pos >= to || in[parser.pos] != '{') {
      throw new MalformedException("not a JSON object", from);
    }
    Map<String, Object> value = parser.object(0);
    if (parser.pos != to) {
      throw new MalformedException("data after the object", parser.pos);
    }
    return value;
  }

  /**
   * As {@link #object(byte[], int, int)}, checking the whole object as strictly but building only the
   * top-level members named in {@code wanted} (the verifier needs a few members of every line, not all).
   */
  static Map<String, Object> members(byte[] in, int from, int to, Set<String> wanted) throws MalformedException {
    JsonIn parser = new JsonIn(in, from, to);
    parser.wanted = wanted;
    if (parser.pos >= to || in[parser.pos] != '{') {
      throw new MalformedException("not a JSON object", from);
    }
    Map<String, Object> value = parser.object(0);
    if (parser.pos != to) {
      throw new MalformedException("data after the object", parser.pos);
    }
    return value;
  }

  /** Checks one value without building it. */
  private void skip(int depth) throws MalformedException {
    if (depth > MAX_DEPTH) {
      throw new MalformedException("nested too deep", pos);
    }
    switch (peek()) {
      case '{' -> {
        pos++;
        skipSpace();
        if (peek() == '}') {
          pos++;
          return;
        }
        while (true) {
          skipSpace();
          if (peek() != '"') {
            throw new MalformedException("member name expected", pos);
          }
          skipString();
          skipSpace();
          expect(':');
          skipSpace();
          skip(depth + 1);
          skipSpace();
          byte b = next();
          if (b == '}') {
            return;
          }
          if (b != ',') {
            throw new MalformedException("',' or '}' expected", pos - 1);
          }
        }
      }
      case '[' -> {
        pos++;
        skipSpace();
        if (peek() == ']') {
          pos++;
          return;
        }
        while (true) {
          skipSpace();
          skip(depth + 1);
          skipSpace();
          byte b = next();
          if (b == ']') {
            return;
          }
          if (b != ',') {
            throw new MalformedException("',' or ']' expected", pos - 1);
          }
        }
      }
      case '"' -> skipString();
      default -> value(depth);
    }
  }

  private void skipString() throws MalformedException {
    pos++; // "
    while (true) {
      if (pos >= end) {
        throw new MalformedException("unterminated string", pos);
      }
      int b = in[pos] & 0xff;
      if (b == '"') {
        pos++;
        return;
      }
      if (b == '\\') {
        pos++;
        byte e = next();
        switch (e) {
          case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> { }
          case 'u' -> hex4();
          default -> throw new MalformedException("bad escape", pos - 1);
        }
      } else if (b < 0x20) {
        throw new MalformedException("raw control character in a string", pos);
      } else if (b < 0x80) {
        pos++;
      } else {
        utf8(null, b);
      }
    }
  }

  private Object value(int depth) throws MalformedException {
    if (depth > MAX_DEPTH) {
      throw new MalformedException("nested too deep", pos);
    }
    if (pos >= end) {
      throw new MalformedException("value expected", pos);
    }
    byte b = in[pos];
    return switch (b) {
      case '{' -> object(depth + 1);
      case '[' -> array(depth + 1);
      case '"' -> string();
      case 't' -> literal("true", Boolean.TRUE);
      case 'f' -> literal("false", Boolean.FALSE);
      case 'n' -> literal("null", null);
      default -> number();
    };
  }

  private Map<String, Object> object(int depth) throws MalformedException {
    pos++; // {
    Map<String, Object> map = new LinkedHashMap<>();
    skipSpace();
    if (peek() == '}') {
      pos++;
      return map;
    }
    while (true) {
      skipSpace();
      if (peek() != '"') {
        throw new MalformedException("member name expected", pos);
      }
      int at = pos;
      String name = string();
      skipSpace();
      expect(':');
      skipSpace();
      Object value;
      if (wanted != null && depth == 0 && !wanted.contains(name)) {
        skip(depth);
        value = Boolean.TRUE; // a placeholder, so a duplicate is still caught
      } else {
        value = value(depth);
      }
      if (map.containsKey(name)) {
        throw new MalformedException("duplicate member " + name, at);
      }
      map.put(name, value);
      skipSpace();
      byte b = next();
      if (b == '}') {
        return map;
      }
      if (b != ',') {
        throw new MalformedException("',' or '}' expected", pos - 1);
      }
    }
  }

  private List<Object> array(int depth) throws MalformedException {
    pos++; // [
    List<Object> list = new ArrayList<>();
    skipSpace();
    if (peek() == ']') {
      pos++;
      return list;
    }
    while (true) {
      skipSpace();
      list.add(value(depth));
      skipSpace();
      byte b = next();
      if (b == ']') {
        return list;
      }
      if (b != ',') {
        throw new MalformedException("',' or ']' expected", pos - 1);
      }
    }
  }

  private String string() throws MalformedException {
    pos++; // "
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (pos >= end) {
        throw new MalformedException("unterminated string", pos);
      }
      int b = in[pos] & 0xff;
      if (b == '"') {
        pos++;
        return sb.toString();
      }
      if (b == '\\') {
        pos++;
        byte e = next();
        switch (e) {
          case '"' -> sb.append('"');
          case '\\' -> sb.append('\\');
          case '/' -> sb.append('/');
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> sb.append(hex4());
          default -> throw new MalformedException("bad escape", pos - 1);
        }
      } else if (b < 0x20) {
        throw new MalformedException("raw control character in a string", pos);
      } else if (b < 0x80) {
        sb.append((char) b);
        pos++;
      } else {
        utf8(sb, b);
      }
    }
  }

  private void utf8(@Nullable StringBuilder sb, int b) throws MalformedException {
    int at = pos;
    int cp;
    int extra;
    int min;
    if (b >= 0xc2 && b <= 0xdf) {
      cp = b & 0x1f;
      extra = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      cp = b & 0x0f;
      extra = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      cp = b & 0x07;
      extra = 3;
      min = 0x10000;
    } else {
      throw new MalformedException("invalid UTF-8", at);
    }
    pos++;
    for (int i = 0; i < extra; i++) {
      if (pos >= end || (in[pos] & 0xc0) != 0x80) {
        throw new MalformedException("invalid UTF-8", at);
      }
      cp = (cp << 6) | (in[pos++] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      throw new MalformedException("invalid UTF-8", at);
    }
    if (sb != null) {
      sb.appendCodePoint(cp);
    }
  }

  private char hex4() throws MalformedException {
    if (pos + 4 > end) {
      throw new MalformedException("bad \\u escape", pos);
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
      int d = Character.digit(in[pos++], 16);
      if (d < 0) {
        throw new MalformedException("bad \\u escape", pos - 1);
      }
      v = (v << 4) | d;
    }
    return (char) v;
  }

  private Object number() throws MalformedException {
    int start = pos;
    if (peek() == '-') {
      pos++;
    }
    if (peek() == '0') {
      pos++;
    } else if (isDigit(peek()) ) {
      while (isDigit(peek())) {
        pos++;
      }
    } else {
      throw new MalformedException("value expected", start);
    }
    boolean integral = true;
    if (peek() == '.') {
      integral = false;
      pos++;
      digits();
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      digits();
    }
    String text = new String(in, start, pos - start, java.nio.charset.StandardCharsets.US_ASCII);
    if (integral && pos - start <= 18) {
      return Long.parseLong(text);
    }
    return new BigDecimal(text);
  }

  private void digits() throws MalformedException {
    if (!isDigit(peek())) {
      throw new MalformedException("digit expected", pos);
    }
    while (isDigit(peek())) {
      pos++;
    }
  }

  private Object literal(String word, Object value) throws MalformedException {
    for (int i = 0; i < word.length(); i++) {
      if (pos >= end || in[pos] != word.charAt(i)) {
        throw new MalformedException("value expected", pos);
      }
      pos++;
    }
    return value;
  }

  private static boolean isDigit(int b) {
    return b >= '0' && b <= '9';
  }

  private int peek() {
    return pos < end ? in[pos] : -1;
  }

  private byte next() throws MalformedException {
    if (pos >= end) {
      throw new MalformedException("unexpected end", pos);
    }
    return in[pos++];
  }

  private void expect(char c) throws MalformedException {
    if (next() != c) {
      throw new MalformedException("'" + c + "' expected", pos - 1);
    }
  }

  private void skipSpace() {
    while (pos < end) {
      byte b = in[pos];
      if (b == ' ' || b == '\t' || b == '\n' || b == '\r') {
        pos++;
      } else {
        return;
      }
    }
  }
}
