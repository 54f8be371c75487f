package dev.jitaccess.audit;

import dev.jitaccess.internal.json.JsonReader;
import dev.jitaccess.internal.json.LoneSurrogates;
import dev.jitaccess.internal.json.MalformedJsonException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Set;

/**
 * The hash-chained line format shared by {@link JsonLinesAuditSink} (which writes it) and
 * {@link AuditLogVerifier} (which checks it). Depends on nothing outside the JDK, so the verifier runs with
 * only jit-core on the class path.
 *
 * <p>A line is one JSON object followed by {@code \n}. Its first member is {@code "seq"}, its last two are
 * {@code "prev"} and {@code "hash"}, each 64 lower-case hex digits:
 *
 * <pre>
 * {"seq":42, ... ,"prev":"&lt;hash of line 41&gt;","hash":"&lt;this line's hash&gt;"}
 * </pre>
 *
 * The canonical bytes of a line are its bytes without the {@code ,"hash":"...."} member, that is the line up to
 * and including the {@code prev} value, followed by {@code }}. Then {@code hash = SHA-256(prev || canonical)},
 * where {@code prev} is the previous line's hash as 32 raw bytes (32 zero bytes before the first line). So any
 * change to a line, even of white space, changes its hash, and any removed, added or moved line breaks the link
 * of the line after it.
 */
final class AuditChain {

  /** The {@code prev} of the very first line. */
  static final String GENESIS = "0".repeat(64);

  /**
   * First line of every file: {@code file} (its index, from 1), {@code cause}, {@code previousFile} and, since
   * the second format, {@code previousEnd} (an {@link End}: how the previous file ended).
   */
  static final String OPENED = "OPENED";
  /** Fence for a torn last line of the previous file: {@code file} (its index), {@code offset}, {@code length}. */
  static final String TRUNCATED = "TRUNCATED";
  /** The sink was closed; the last line of its file. */
  static final String CLOSED = "CLOSED";

  /** The {@code cause} of an OPENED record whose previous file reached its size or age. */
  static final String ROTATION = "rotation";

  /**
   * The longest line the sink writes and the verifier reads by default, without its newline: 16 MiB. The sink
   * refuses a bigger event, and its own start could not read one back.
   */
  static final int MAX_LINE = 16 << 20;

  /** The members the chain needs; the rest of a line is checked for syntax only. */
  private static final Set<String> CHAIN_MEMBERS =
      Set.of("seq", "type", "prev", "hash", "file", "offset", "length", "cause", "previousEnd");

  /**
   * How a file of the log ended, as the {@code previousEnd} of the next file's OPENED record states it: the
   * sink reads it from the file when it starts the next one, and the verifier checks the statement against
   * the file. Only {@link #CLOSED} is a clean stop; the others, except {@link #ROTATED}, mean its writer
   * crashed, failed, or the file's tail was cut before the next start.
   */
  enum End {
    /** Its last line is the sink's CLOSED record. */
    CLOSED,
    /** It ends with an incomplete line (fenced by the next file's TRUNCATED record). */
    TORN,
    /** Its last line is complete but not a CLOSED record: a crash between two writes, or a cut at a line end. */
    UNCLOSED,
    /** It reached its size or age and the sink went on in the next file. */
    ROTATED;

    /** The value in the OPENED record. */
    String value() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** {@code ,"hash":"} + 64 hex digits + {@code "}}. */
  static final int HASH_SUFFIX_LENGTH = 9 + 64 + 2;
  private static final byte[] HASH_PREFIX = ",\"hash\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private AuditChain() {}

  /** One parsed line. {@code fields} holds the members the chain needs ({@code seq}, {@code prev}, {@code hash}...). */
  record Line(long seq, String type, String prev, String hash, Map<String, Object> fields) {

    long longField(String name, long otherwise) {
      return fields.get(name) instanceof Long value ? value : otherwise;
    }
  }

  /** A line does not have the chain's shape; its message says why. */
  static final class BadLineException extends Exception {
    BadLineException(String message) {
      super(message);
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /**
   * The hash of the line whose canonical part (everything before the hash member, without the closing brace)
   * is {@code body[0, length)}.
   */
  static byte[] hashOf(MessageDigest sha, byte[] prev, byte[] body, int from, int length) {
    sha.reset();
    sha.update(prev);
    sha.update(body, from, length);
    sha.update((byte) '}');
    return sha.digest();
  }

  /**
   * Parses {@code in[from, to)}, one line without its {@code \n}: exactly one JSON object, nothing around it.
   * Only the members named in {@code only} are built; the rest is checked as strictly.
   */
  static Map<String, Object> parseLine(byte[] in, int from, int to, Set<String> only) throws MalformedJsonException {
    if (from >= to || in[from] != '{' || in[to - 1] != '}') {
      throw new MalformedJsonException("a line must be one JSON object and nothing else");
    }
    return JsonReader.parseObject(in, from, to, LoneSurrogates.ESCAPE, only);
  }

  /**
   * Parses {@code in[from, to)} (one line, without its {@code \n}) and checks its own hash. It says nothing
   * about the link to the line before.
   */
  static Line parseAndCheck(MessageDigest sha, byte[] in, int from, int to) throws BadLineException {
    Map<String, Object> fields;
    try {
      fields = parseLine(in, from, to, CHAIN_MEMBERS);
    } catch (MalformedJsonException e) {
      throw new BadLineException("not a valid JSON object: " + e.getMessage());
    }
    if (!(fields.get("seq") instanceof Long seq) || seq < 1) {
      throw new BadLineException("no valid \"seq\"");
    }
    if (!(fields.get("type") instanceof String type)) {
      throw new BadLineException("no \"type\"");
    }
    String prev = hexField(fields, "prev");
    String hash = hexField(fields, "hash");
    int canonicalEnd = to - HASH_SUFFIX_LENGTH;
    if (canonicalEnd <= from || !endsWithHash(in, canonicalEnd, to, hash)) {
      throw new BadLineException("\"hash\" is not the last member");
    }
    byte[] computed = hashOf(sha, unhex(prev), in, from, canonicalEnd - from);
    if (!hex(computed).equals(hash)) {
      throw new BadLineException("its hash does not match its content");
    }
    return new Line(seq, type, prev, hash, fields);
  }

  private static boolean endsWithHash(byte[] in, int at, int to, String hash) {
    for (int i = 0; i < HASH_PREFIX.length; i++) {
      if (in[at + i] != HASH_PREFIX[i]) {
        return false;
      }
    }
    int h = at + HASH_PREFIX.length;
    for (int i = 0; i < 64; i++) {
      if (in[h + i] != hash.charAt(i)) {
        return false;
      }
    }
    return in[to - 2] == '"' && in[to - 1] == '}';
  }

  private static String hexField(Map<String, Object> fields, String name) throws BadLineException {
    if (fields.get(name) instanceof String value && isHash(value)) {
      return value;
    }
    throw new BadLineException("no valid \"" + name + "\"");
  }

  static boolean isHash(String value) {
    if (value.length() != 64) {
      return false;
    }
    for (int i = 0; i < 64; i++) {
      char c = value.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  static String hex(byte[] bytes) {
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      out[2 * i] = HEX[(bytes[i] >> 4) & 0xf];
      out[2 * i + 1] = HEX[bytes[i] & 0xf];
    }
    return new String(out);
  }

  static byte[] unhex(String hex) {
    byte[] out = new byte[hex.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) ((Character.digit(hex.charAt(2 * i), 16) << 4) | Character.digit(hex.charAt(2 * i + 1), 16));
    }
    return out;
  }
}
