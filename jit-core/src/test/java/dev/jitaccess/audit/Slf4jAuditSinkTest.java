package dev.jitaccess.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.Subject;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

class Slf4jAuditSinkTest {

  private static final Instant TS = Instant.parse("2030-01-01T10:00:00Z");

  @Test
  void writesEveryFieldInTheStableOrder() {
    Map<String, String> details = new LinkedHashMap<>();
    details.put("rule", "db-oncall");
    details.put("expiresAt", "2030-01-01T10:30:00Z");
    details.put("approvals", "0");
    AuditEvent event = new AuditEvent("e-17", AuditEventType.GRANTED, TS, Subject.user("bob"),
        Subject.user("alice"), "prod/db/orders", Set.of("write", "read", "admin"), "g-9", "r-4",
        "INC-1234: slow query", details);

    assertThat(Slf4jAuditSink.format(event)).isEqualTo(
        "event=GRANTED id=e-17 ts=2030-01-01T10:00:00Z actor=user:bob subject=user:alice resource=prod/db/orders"
            + " actions=admin,read,write grant=g-9 request=r-4 reason=\"INC-1234: slow query\""
            + " rule=db-oncall expiresAt=2030-01-01T10:30:00Z approvals=0");
  }

  @Test
  void leavesOutAbsentFields() {
    AuditEvent expiry = event(AuditEventType.EXPIRED, null, null, Map.of());
    AuditEvent bare = new AuditEvent("e-1", AuditEventType.ACCESS_DENIED, TS, null, null, null, null, null, null,
        null, null);

    assertThat(Slf4jAuditSink.format(expiry)).isEqualTo(
        "event=EXPIRED id=e-1 ts=2030-01-01T10:00:00Z subject=service:ci-deploy resource=prod/deploy actions=deploy"
            + " grant=g-1 request=r-1");
    assertThat(Slf4jAuditSink.format(bare)).isEqualTo("event=ACCESS_DENIED id=e-1 ts=2030-01-01T10:00:00Z");
  }

  @Test
  void detailsWithoutValueOrNameNeverReachTheSink() {
    Map<String, String> details = new LinkedHashMap<>();
    details.put("b", null);

    assertThatThrownBy(() -> event(AuditEventType.GRANTED, null, null, details))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("details b");
    assertThatThrownBy(() -> event(AuditEventType.GRANTED, null, null, Map.of("", "x")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("details key");
  }

  @Test
  void timestampIsIso8601UtcWithFractionOnlyWhenPresent() {
    AuditEvent withMillis = new AuditEvent("e", AuditEventType.GRANTED, Instant.parse("2030-01-01T10:00:00.120Z"),
        null, null, null, null, null, null, null, null);

    assertThat(Slf4jAuditSink.format(withMillis)).isEqualTo("event=GRANTED id=e ts=2030-01-01T10:00:00.120Z");
  }

  @Test
  void quotesOnlyValuesThatNeedIt() {
    Map<String, String> details = new LinkedHashMap<>();
    details.put("plain", "INC-1234");
    details.put("unicode", "\u00fcber-\u4e2d\u6587-\uD83D\uDD25");
    details.put("space", "a b");
    details.put("equals", "a=b");
    details.put("quote", "say \"hi\"");
    details.put("backslash", "C:\\temp");
    details.put("empty", "");

    assertThat(Slf4jAuditSink.format(event(AuditEventType.GRANTED, null, null, details))).endsWith(
        " plain=INC-1234 unicode=\u00fcber-\u4e2d\u6587-\uD83D\uDD25 space=\"a b\" equals=\"a=b\""
            + " quote=\"say \\\"hi\\\"\" backslash=\"C:\\\\temp\" empty=\"\"");
  }

  @Test
  void escapesLineBreaksAndControlCharacters() {
    String reason = "line1\nline2\r\tend" + (char) 0 + (char) 0x1b + "[31m" + (char) 0x7f + (char) 0x85
        + "\u2028\u2029";

    String line = Slf4jAuditSink.format(event(AuditEventType.REVOKED, null, reason, Map.of()));

    assertThat(line).endsWith(" reason=\"line1\\nline2\\r\\tend\\u0000\\u001b[31m\\u007f\\u0085\\u2028\\u2029\"");
    assertOneLine(line);
  }

  @Test
  void escapesBidiAndInvisibleCharacters() {
    // U+202E RIGHT-TO-LEFT OVERRIDE, U+200B ZERO WIDTH SPACE, U+00A0 NO-BREAK SPACE, U+E000 private use
    String reason = "ok\u202Egnp.exe\u200B\u00A0\uE000";

    assertThat(Slf4jAuditSink.format(event(AuditEventType.REVOKED, null, reason, Map.of())))
        .endsWith(" reason=\"ok\\u202egnp.exe\\u200b\\u00a0\\ue000\"");
  }

  @Test
  void keepsPrintableCharactersOutsideTheBmpAndEscapesTheRest() {
    String emoji = new String(Character.toChars(0x1F525)); // FIRE, printable
    String tag = new String(Character.toChars(0xE0041)); // TAG LATIN CAPITAL LETTER A, invisible
    String unassigned = new String(Character.toChars(0x10FFFD)); // private use, plane 16
    String loneHigh = String.valueOf((char) 0xD83D);
    String loneLow = String.valueOf((char) 0xDD25);

    assertThat(Slf4jAuditSink.format(event(AuditEventType.GRANTED, null, "x" + emoji, Map.of())))
        .endsWith(" reason=x" + emoji);
    assertThat(Slf4jAuditSink.format(event(AuditEventType.GRANTED, null, "a" + tag + "b" + unassigned, Map.of())))
        .endsWith(" reason=\"a\\udb40\\udc41b\\udbff\\udffd\"");
    assertThat(Slf4jAuditSink.format(event(AuditEventType.GRANTED, null, loneLow + "x" + loneHigh, Map.of())))
        .endsWith(" reason=\"\\udd25x\\ud83d\"");
  }

  @Test
  void aValueCannotForgeAnotherFieldOrLine() {
    String hostile = "ok\" actor=user:root grant=g-evil\nevent=GRANTED id=forged";
    Map<String, String> details = new LinkedHashMap<>();
    details.put("note", hostile);
    details.put("bad key=x actor", "v");
    details.put("actor", "user:root");

    String line = Slf4jAuditSink.format(event(AuditEventType.REVOKED, Subject.user("admin"), hostile, details));

    assertOneLine(line);
    assertThat(line).startsWith("event=REVOKED id=e-1 ");
    assertThat(line).endsWith(
        " reason=\"ok\\\" actor=user:root grant=g-evil\\nevent=GRANTED id=forged\""
            + " note=\"ok\\\" actor=user:root grant=g-evil\\nevent=GRANTED id=forged\""
            + " bad_key_x_actor=v detail.actor=user:root");
    assertThat(fieldNames(line)).containsExactly("event", "id", "ts", "actor", "subject", "resource", "actions",
        "grant", "request", "reason", "note", "bad_key_x_actor", "detail.actor");
  }

  @Test
  void subjectAndIdsWithSpacesAreQuoted() {
    AuditEvent event = new AuditEvent("e 1", AuditEventType.GRANTED, TS, null, Subject.user("Alice Smith"),
        null, null, null, null, null, null);

    assertThat(Slf4jAuditSink.format(event))
        .isEqualTo("event=GRANTED id=\"e 1\" ts=2030-01-01T10:00:00Z subject=\"user:Alice Smith\"");
  }

  @Test
  void warnsForBreakGlassAndDenialsAndInformsForTheRest() {
    for (AuditEventType type : AuditEventType.values()) {
      boolean expectedWarn = Set.of(AuditEventType.BREAK_GLASS, AuditEventType.ACCESS_DENIED,
          AuditEventType.DENIED, AuditEventType.REJECTED, AuditEventType.AUDIT_FAILED, AuditEventType.AUDIT_LOST,
          AuditEventType.STORE_RECORD_SKIPPED)
          .contains(type);
      RecordingLogger logger = new RecordingLogger(null);

      new Slf4jAuditSink(logger.proxy()).write(event(type, null, "why", Map.of()));

      assertThat(logger.calls).as("%s", type)
          .containsExactly((expectedWarn ? "warn: " : "info: ") + Slf4jAuditSink.format(event(type, null, "why", Map.of())));
    }
  }

  @Test
  void withAnHmacTheReasonAndTheNamedDetailsAreLoggedAsTheFileSinkHashesThem() {
    byte[] key = "0123456789abcdef0123".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    AuditHmac hmac = AuditHmac.of(key).andDetails("comment");
    RecordingLogger logger = new RecordingLogger(null);
    Slf4jAuditSink sink = new Slf4jAuditSink(logger.proxy()).withHmac(hmac);
    Map<String, String> details = new LinkedHashMap<>();
    details.put("rule", "db-oncall");
    details.put("comment", "call customer 42");

    sink.write(event(AuditEventType.GRANTED, null, "INC-1234: customer 42 complained", details));

    assertThat(logger.calls).singleElement().satisfies(line -> {
      assertThat(line).doesNotContain("customer 42")
          .contains("reason=" + hmac.hash("INC-1234: customer 42 complained"))
          .contains("rule=db-oncall comment=" + hmac.hash("call customer 42"));
      assertThat(hmac.hash("INC-1234: customer 42 complained")).matches("hmac-sha256:[0-9a-f]{64}");
    });
    assertThat(sink).hasToString("Slf4jAuditSink[" + logger.proxy().getName() + ", hmac]");
    assertThat(hmac.toString()).doesNotContain("0123456789abcdef");
    assertThatThrownBy(() -> AuditHmac.of(new byte[15])).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hmacKey");
  }

  @Test
  void aThrowingBackendBecomesAnAuditException() {
    IllegalStateException boom = new IllegalStateException("disk full");
    Slf4jAuditSink sink = new Slf4jAuditSink(new RecordingLogger(boom).proxy());

    assertThatThrownBy(() -> sink.write(event(AuditEventType.GRANTED, null, null, Map.of())))
        .isInstanceOf(AuditException.class)
        .hasCause(boom)
        .hasMessageContaining("e-1")
        .hasMessageContaining("GRANTED");
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> new Slf4jAuditSink((String) null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loggerName");
    assertThatThrownBy(() -> new Slf4jAuditSink(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loggerName");
    assertThatThrownBy(() -> new Slf4jAuditSink().write(null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("event");
  }

  @Test
  void usesTheNamedLogger() {
    assertThat(new Slf4jAuditSink()).hasToString("Slf4jAuditSink[dev.jitaccess.audit]");
    assertThat(new Slf4jAuditSink("com.example.audit")).hasToString("Slf4jAuditSink[com.example.audit]");
  }

  private static AuditEvent event(AuditEventType type, Subject actor, String reason, Map<String, String> details) {
    return new AuditEvent("e-1", type, TS, actor, Subject.service("ci-deploy"), "prod/deploy", Set.of("deploy"),
        "g-1", "r-1", reason, details);
  }

  private static void assertOneLine(String line) {
    assertThat(line.chars()).noneMatch(c -> c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 || c == 0x2029);
  }

  /** The field names of a line, reading it the way a log parser would: bare or quoted-with-escapes values. */
  static List<String> fieldNames(String line) {
    List<String> names = new ArrayList<>();
    int i = 0;
    while (i < line.length()) {
      int eq = line.indexOf('=', i);
      names.add(line.substring(i, eq));
      i = eq + 1;
      if (line.charAt(i) == '"') {
        i++;
        while (line.charAt(i) != '"') {
          i += line.charAt(i) == '\\' ? 2 : 1;
        }
        i++;
      } else {
        while (i < line.length() && line.charAt(i) != ' ') {
          i++;
        }
      }
      i++; // the space between fields
    }
    return names;
  }

  /** A minimal SLF4J logger: records info and warn messages, or throws. */
  private static final class RecordingLogger {
    final List<String> calls = new ArrayList<>();
    private final RuntimeException failure;

    RecordingLogger(RuntimeException failure) {
      this.failure = failure;
    }

    Logger proxy() {
      return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
          (proxy, method, args) -> {
            switch (method.getName()) {
              case "getName":
                return "test";
              case "isInfoEnabled":
              case "isWarnEnabled":
                return Boolean.TRUE;
              case "info":
              case "warn":
                if (failure != null) {
                  throw failure;
                }
                calls.add(method.getName() + ": " + args[0]);
                return null;
              case "toString":
                return "RecordingLogger";
              default:
                throw new UnsupportedOperationException(method.toString());
            }
          });
    }
  }
}
