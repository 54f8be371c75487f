package dev.jitaccess.credential;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The little JSON a compact JWS needs: a writer of flat objects and a strict parser. Not API.
 *
 * <p>The parser takes RFC 8259 JSON and nothing more: UTF-8 only (no byte order mark), one value with
 * optional whitespace around it and nothing after it, no duplicate member names (RFC 7515 §5.2 lets a
 * verifier reject them, and two parsers disagreeing on which one wins is a classic signature bypass),
 * no lone surrogates in escapes, nesting at most {@value #MAX_DEPTH} deep. Objects come back as
 * unmodifiable insertion-ordered maps, arrays as unmodifiable lists, strings as {@link String}, numbers as
 * {@link Num} (their text, converted only on demand), {@code true}/{@code false} as {@link Boolean} and
 * {@code null} as {@link #NULL}. Error messages give an offset, never the input.
 */
final class Json {

  /** Deepest nesting the parser accepts; a JWT header or claims set needs two levels. */
  static final int MAX_DEPTH = 16;

  /** JSON {@code null}, distinct from a missing member. */
  static final Object NULL = new Object() {
    @Override
    public String toString() {
      return "null";
    }
  };

  private Json() {}

  /** A JSON number, kept as its text. */
  record Num(String text) {
    /** The value when it is a plain integer ({@code -?(0|[1-9][0-9]*)}) within {@code long}; else null. */
    Long asLong() {
      for (int i = text.startsWith("-") ? 1 : 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c < '0' || c > '9') {
          return null;
        }
      }
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }

  /** Rejected input; the message names a position and a rule, never the input. */
  static final class ParseException extends Exception {
    ParseException(String message) {
      super(message, null, false, false);
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Writer

  /** Writes one flat JSON object, members in call order. */
  static final class ObjectWriter {
    private final StringBuilder out = new StringBuilder(256).append('{');
    private boolean first = true;

    ObjectWriter string(String name, String value) {
      name(name);
      quote(value);
      return this;
    }

    ObjectWriter number(String name, long value) {
      name(name);
      out.append(value);
      return this;
    }

    ObjectWriter strings(String name, Collection<String> values) {
      name(name);
      out.append('[');
      boolean firstValue = true;
      for (String value : values) {
        if (!firstValue) {
          out.append(',');
        }
        firstValue = false;
        quote(value);
      }
      out.append(']');
      return this;
    }

    String finish() {
      return out.append('}').toString();
    }

    private void name(String name) {
      if (!first) {
        out.append(',');
      }
      first = false;
      quote(name);
      out.append(':');
    }

    private void quote(String s) {
      out.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"' -> out.append("\\\"");
          case '\\' -> out.append("\\\\");
          case '\n' -> out.append("\\n");
          case '\r' -> out.append("\\r");
          case '\t' -> out.append("\\t");
          case '\b' -> out.append("\\b");
          case '\f' -> out.append("\\f");
          default -> {
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
              out.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
              // A lone surrogate has no UTF-8 form; writing it would silently turn into '?'.
              throw new IllegalArgumentException("text contains a lone surrogate at index " + i);
            } else if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
              // Controls must be escaped (RFC 8259); DEL and the line separators are escaped to be safe
              // when a token is pasted into other text.
              out.append(String.format("\\u%04x", (int) c));
            } else {
              out.append(c);
            }
          }
        }
      }
      out.append('"');
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Parser

  /** Parses UTF-8 bytes holding exactly one JSON object. */
  static Map<String, Object> parseObject(byte[] utf8) throws ParseException {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(utf8))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ParseException("not valid UTF-8");
    }
    Parser parser = new Parser(text);
    parser.skipWhitespace();
    if (parser.peek() != '{') {
      throw new ParseException("expected an object at offset " + parser.pos);
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> result = (Map<String, Object>) parser.value(0);
    parser.skipWhitespace();
    if (parser.pos != text.length()) {
      throw new ParseException("unexpected data after the object at offset " + parser.pos);
    }
    return result;
  }

  private static final class Parser {
    private final String in;
    private int pos;

    Parser(String in) {
      this.in = in;
    }

    int peek() {
      return pos < in.length() ? in.charAt(pos) : -1;
    }

    void skipWhitespace() {
      while (pos < in.length()) {
        char c = in.charAt(pos);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
          pos++;
        } else {
          return;
        }
      }
    }

    Object value(int depth) throws ParseException {
      skipWhitespace();
      int c = peek();
      switch (c) {
        case '{':
          return object(depth + 1);
        case '[':
          return array(depth + 1);
        case '"':
          return string();
        case 't':
          literal("true");
          return Boolean.TRUE;
        case 'f':
          literal("false");
          return Boolean.FALSE;
        case 'n':
          literal("null");
          return NULL;
        default:
          if (c == '-' || (c >= '0' && c <= '9')) {
            return number();
          }
          throw new ParseException(c < 0 ? "unexpected end of input" : "unexpected character at offset " + pos);
      }
    }

    private Map<String, Object> object(int depth) throws ParseException {
      checkDepth(depth);
      pos++; // '{'
      Map<String, Object> members = new LinkedHashMap<>();
      skipWhitespace();
      if (peek() == '}') {
        pos++;
        return Collections.unmodifiableMap(members);
      }
      while (true) {
        skipWhitespace();
        if (peek() != '"') {
          throw new ParseException("expected a member name at offset " + pos);
        }
        int at = pos;
        String name = string();
        skipWhitespace();
        expect(':');
        Object value = value(depth);
        if (members.putIfAbsent(name, value) != null) {
          throw new ParseException("duplicate member name at offset " + at);
        }
        skipWhitespace();
        int c = peek();
        pos++;
        if (c == '}') {
          return Collections.unmodifiableMap(members);
        }
        if (c != ',') {
          throw new ParseException("expected ',' or '}' at offset " + (pos - 1));
        }
      }
    }

    private List<Object> array(int depth) throws ParseException {
      checkDepth(depth);
      pos++; // '['
      List<Object> items = new ArrayList<>();
      skipWhitespace();
      if (peek() == ']') {
        pos++;
        return Collections.unmodifiableList(items);
      }
      while (true) {
        items.add(value(depth));
        skipWhitespace();
        int c = peek();
        pos++;
        if (c == ']') {
          return Collections.unmodifiableList(items);
        }
        if (c != ',') {
          throw new ParseException("expected ',' or ']' at offset " + (pos - 1));
        }
      }
    }

    private String string() throws ParseException {
      pos++; // opening quote
      StringBuilder sb = new StringBuilder();
      while (true) {
        if (pos >= in.length()) {
          throw new ParseException("unterminated string");
        }
        char c = in.charAt(pos++);
        if (c == '"') {
          return sb.toString();
        }
        if (c < 0x20) {
          throw new ParseException("unescaped control character at offset " + (pos - 1));
        }
        if (c != '\\') {
          sb.append(c); // surrogates here come in valid pairs: the UTF-8 decoder checked that
          continue;
        }
        if (pos >= in.length()) {
          throw new ParseException("unterminated string");
        }
        char e = in.charAt(pos++);
        switch (e) {
          case '"' -> sb.append('"');
          case '\\' -> sb.append('\\');
          case '/' -> sb.append('/');
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> {
            char u = hex4();
            if (Character.isHighSurrogate(u)) {
              if (pos + 1 < in.length() && in.charAt(pos) == '\\' && in.charAt(pos + 1) == 'u') {
                pos += 2;
                char low = hex4();
                if (!Character.isLowSurrogate(low)) {
                  throw new ParseException("lone surrogate escape at offset " + (pos - 12));
                }
                sb.append(u).append(low);
              } else {
                throw new ParseException("lone surrogate escape at offset " + (pos - 6));
              }
            } else if (Character.isLowSurrogate(u)) {
              throw new ParseException("lone surrogate escape at offset " + (pos - 6));
            } else {
              sb.append(u);
            }
          }
          default -> throw new ParseException("invalid escape at offset " + (pos - 2));
        }
      }
    }

    private char hex4() throws ParseException {
      if (pos + 4 > in.length()) {
        throw new ParseException("unterminated unicode escape");
      }
      int v = 0;
      for (int i = 0; i < 4; i++) {
        int d = Character.digit(in.charAt(pos), 16);
        // Character.digit also takes non-ASCII digits; JSON wants ASCII hex only.
        if (d < 0 || in.charAt(pos) > 'f') {
          throw new ParseException("invalid unicode escape at offset " + pos);
        }
        v = (v << 4) | d;
        pos++;
      }
      return (char) v;
    }

    private Num number() throws ParseException {
      int start = pos;
      if (peek() == '-') {
        pos++;
      }
      if (peek() == '0') {
        pos++;
      } else if (isDigit(peek())) {
        digits();
      } else {
        throw new ParseException("invalid number at offset " + start);
      }
      if (peek() == '.') {
        pos++;
        if (!isDigit(peek())) {
          throw new ParseException("invalid number at offset " + start);
        }
        digits();
      }
      if (peek() == 'e' || peek() == 'E') {
        pos++;
        if (peek() == '+' || peek() == '-') {
          pos++;
        }
        if (!isDigit(peek())) {
          throw new ParseException("invalid number at offset " + start);
        }
        digits();
      }
      return new Num(in.substring(start, pos));
    }

    private void digits() {
      while (isDigit(peek())) {
        pos++;
      }
    }

    private static boolean isDigit(int c) {
      return c >= '0' && c <= '9';
    }

    private void literal(String word) throws ParseException {
      if (!in.startsWith(word, pos)) {
        throw new ParseException("unexpected character at offset " + pos);
      }
      pos += word.length();
    }

    private void expect(char c) throws ParseException {
      if (peek() != c) {
        throw new ParseException("expected '" + c + "' at offset " + pos);
      }
      pos++;
    }

    private void checkDepth(int depth) throws ParseException {
      if (depth > MAX_DEPTH) {
        throw new ParseException("nesting deeper than " + MAX_DEPTH + " at offset " + pos);
      }
    }
  }
}
