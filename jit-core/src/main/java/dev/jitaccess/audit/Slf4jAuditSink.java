package dev.jitaccess.audit;

import dev.jitaccess.Subject;
import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link AuditSink}: one structured log line per event, through SLF4J.
 *
 * <p>Events go to the logger {@value #DEFAULT_LOGGER_NAME} (or the one named in the constructor), at
 * {@code WARN} for {@link AuditEventType#BREAK_GLASS}, {@link AuditEventType#ACCESS_DENIED},
 * {@link AuditEventType#DENIED}, {@link AuditEventType#REJECTED}, {@link AuditEventType#AUDIT_FAILED} and
 * {@link AuditEventType#AUDIT_LOST}, at {@code INFO} for the rest. A line is a
 * list of {@code key=value} fields in a fixed order, absent fields left out:
 *
 * <pre>
 * event=GRANTED id=e-17 ts=2030-01-01T10:00:00Z actor=user:alice subject=user:alice resource=prod/db/orders
 *     actions=read,write grant=g-9 request=r-4 reason="INC-1234: slow query" rule=db-oncall
 * </pre>
 *
 * (one line; wrapped here). The details follow {@code reason} in their own order. Actions are sorted.
 *
 * <p>A value is written bare when it is non-empty and made only of printable characters other than space,
 * {@code "}, {@code =} and {@code \}. Otherwise it is written in double quotes, with {@code \"}, {@code \\},
 * {@code \n}, {@code \r}, {@code \t} and {@code \}{@code uXXXX} escapes for every other control, format
 * (bidirectional, zero-width), separator, unassigned or private-use character and for lone surrogates. A
 * character outside the BMP is kept as it is when printable and escaped as its surrogate pair otherwise. So
 * an event is always exactly one line, and no value can end its field early or forge another field. Detail
 * names are reduced to {@code [A-Za-z0-9_.-]}, and one that would collide with a standard field is prefixed with
 * {@code detail.}.
 *
 * <p>A sink {@linkplain #withHmac with an HMAC} writes the reason (and the details it names) as keyed hashes,
 * exactly as the JSON Lines file with the same key does, so a justification hashed there is not in clear here.
 *
 * <p>The sink accepts an event once the logger call returns; a logging backend that throws makes
 * {@link #write} throw an {@link AuditException}. Whether a line reaches a durable place is the backend's
 * configuration: for a tamper-evident trail use the hash-chained JSON Lines sink as well.
 */
public final class Slf4jAuditSink implements AuditSink {

  /** The logger events go to unless the constructor names another. */
  public static final String DEFAULT_LOGGER_NAME = "dev.jitaccess.audit";

  private static final Set<String> FIELD_NAMES =
      Set.of("event", "id", "ts", "actor", "subject", "resource", "actions", "grant", "request", "reason");

  private final Logger logger;
  @Nullable
  private final AuditHmac hmac;

  /** A sink logging to {@value #DEFAULT_LOGGER_NAME}. */
  public Slf4jAuditSink() {
    this(DEFAULT_LOGGER_NAME);
  }

  /**
   * A sink logging to the logger of this name.
   *
   * @throws IllegalArgumentException if {@code loggerName} is null or blank
   */
  public Slf4jAuditSink(String loggerName) {
    this(LoggerFactory.getLogger(Validate.id("loggerName", loggerName)));
  }

  /** A sink logging to this logger; for tests. */
  Slf4jAuditSink(Logger logger) {
    this(logger, null);
  }

  private Slf4jAuditSink(Logger logger, @Nullable AuditHmac hmac) {
    this.logger = Validate.notNull("logger", logger);
    this.hmac = hmac;
  }

  /**
   * A sink logging to the same logger that writes each event's reason, and the details {@code hmac} names, as
   * keyed hashes ({@link AuditHmac#apply}).
   */
  public Slf4jAuditSink withHmac(AuditHmac hmac) {
    return new Slf4jAuditSink(logger, Validate.notNull("hmac", hmac));
  }

  @Override
  public void write(AuditEvent event) {
    Validate.notNull("event", event);
    boolean warn = isWarning(event.type());
    try {
      if (warn) {
        if (logger.isWarnEnabled()) {
          logger.warn(format(hashed(event)));
        }
      } else if (logger.isInfoEnabled()) {
        logger.info(format(hashed(event)));
      }
    } catch (RuntimeException e) {
      throw new AuditException("audit event " + Validate.show(event.id()) + " (" + event.type()
          + ") could not be logged to " + logger.getName(), e);
    }
  }

  private AuditEvent hashed(AuditEvent event) {
    return hmac == null ? event : hmac.apply(event);
  }

  /** Whether events of this type are logged at {@code WARN}. */
  static boolean isWarning(AuditEventType type) {
    return switch (type) {
      case BREAK_GLASS, ACCESS_DENIED, DENIED, REJECTED, AUDIT_FAILED, AUDIT_LOST, STORE_RECORD_SKIPPED -> true;
      default -> false;
    };
  }

  /** The line for one event, without a line terminator. */
  static String format(AuditEvent event) {
    StringBuilder line = new StringBuilder(256);
    line.append("event=").append(event.type().name());
    field(line, "id", event.id());
    field(line, "ts", DateTimeFormatter.ISO_INSTANT.format(event.timestamp()));
    field(line, "actor", subject(event.actor()));
    field(line, "subject", subject(event.subject()));
    field(line, "resource", event.resource());
    if (!event.actions().isEmpty()) {
      field(line, "actions", String.join(",", new TreeSet<>(event.actions())));
    }
    field(line, "grant", event.grantId());
    field(line, "request", event.requestId());
    field(line, "reason", event.reason());
    for (Map.Entry<String, String> detail : event.details().entrySet()) {
      field(line, detailName(detail.getKey()), detail.getValue());
    }
    return line.toString();
  }

  @Override
  public String toString() {
    return "Slf4jAuditSink[" + logger.getName() + (hmac == null ? "" : ", hmac") + "]";
  }

  @Nullable
  private static String subject(@Nullable Subject subject) {
    return subject == null ? null : subject.toString();
  }

  private static void field(StringBuilder line, String name, @Nullable String value) {
    if (value == null) {
      return;
    }
    line.append(' ').append(name).append('=');
    if (isBare(value)) {
      line.append(value);
    } else {
      quote(line, value);
    }
  }

  private static String detailName(@Nullable String key) {
    if (key == null || key.isEmpty()) {
      return "detail";
    }
    StringBuilder name = new StringBuilder(key.length());
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '.' || c == '-';
      name.append(allowed ? c : '_');
    }
    String safe = name.toString();
    return FIELD_NAMES.contains(safe) ? "detail." + safe : safe;
  }

  private static boolean isBare(String value) {
    if (value.isEmpty()) {
      return false;
    }
    for (int i = 0; i < value.length(); ) {
      int cp = value.codePointAt(i);
      if (cp == ' ' || cp == '"' || cp == '=' || cp == '\\' || !isPrintable(cp)) {
        return false;
      }
      i += Character.charCount(cp);
    }
    return true;
  }

  private static void quote(StringBuilder line, String value) {
    line.append('"');
    for (int i = 0; i < value.length(); ) {
      int cp = value.codePointAt(i);
      i += Character.charCount(cp);
      switch (cp) {
        case '"' -> line.append("\\\"");
        case '\\' -> line.append("\\\\");
        case '\n' -> line.append("\\n");
        case '\r' -> line.append("\\r");
        case '\t' -> line.append("\\t");
        case ' ' -> line.append(' ');
        default -> {
          if (isPrintable(cp)) {
            line.appendCodePoint(cp);
          } else if (Character.isSupplementaryCodePoint(cp)) {
            unicodeEscape(line, Character.highSurrogate(cp));
            unicodeEscape(line, Character.lowSurrogate(cp));
          } else {
            unicodeEscape(line, (char) cp); // includes a lone surrogate, which codePointAt returns as itself
          }
        }
      }
    }
    line.append('"');
  }

  private static void unicodeEscape(StringBuilder line, char c) {
    line.append("\\u");
    String hex = Integer.toHexString(c);
    for (int pad = hex.length(); pad < 4; pad++) {
      line.append('0');
    }
    line.append(hex);
  }

  /** Visible on its own: not a control, format, separator, surrogate, unassigned or private-use character. */
  private static boolean isPrintable(int cp) {
    if (cp < 0x7f) {
      return cp > 0x20;
    }
    return switch (Character.getType(cp)) {
      case Character.CONTROL, Character.FORMAT, Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR,
          Character.PARAGRAPH_SEPARATOR, Character.SURROGATE, Character.UNASSIGNED, Character.PRIVATE_USE -> false;
      default -> true;
    };
  }
}
