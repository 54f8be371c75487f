package dev.jitaccess.audit;

import dev.jitaccess.Subject;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/** Audit events for the file sink tests: ordinary ones, and ones full of characters that break naive writers. */
public final class TestEvents {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** Free text a JSON writer must escape or encode correctly. */
  static final List<String> NASTY = List.of(
      "plain",
      "",
      "quote \" backslash \\ slash /",
      "newline\nreturn\rtab\tbackspace\bformfeed\f",
      "nul \u0000 unit-separator \u001f del \u007f",
      "C1 \u0080 \u009f nbsp \u00a0",
      "line sep \u2028 para sep \u2029",
      "bidi \u202e override, zero-width \u200b",
      "emoji \uD83D\uDE00 and math \uD835\uDC00",
      "lone high \uD800 end",
      "lone low \uDC00 end",
      "reversed pair \uDE00\uD83D",
      "trailing high \uD83D",
      "{\"seq\":1,\"hash\":\"forged\"}\n{\"seq\":2}",
      "accents é ü 漢字 ✓");

  private TestEvents() {}

  /** An ordinary event, varied by {@code i}. */
  public static AuditEvent event(int i) {
    AuditEventType type = AuditEventType.values()[i % 9];
    Map<String, String> details = new LinkedHashMap<>();
    details.put("rule", "rule-" + (i % 7));
    details.put("expiresAt", T0.plusSeconds(1800 + i).toString());
    return new AuditEvent("e-" + i, type, T0.plusMillis(i), i % 5 == 0 ? null : Subject.user("admin"),
        i % 2 == 0 ? Subject.user("alice-" + (i % 13)) : Subject.service("ci-" + (i % 3)), "prod/db/t" + (i % 11),
        i % 3 == 0 ? Set.of("read") : Set.of("read", "write"), "g-" + i, "r-" + i,
        "INC-" + i + ": justification number " + i, details);
  }

  /**
   * Makes a log file closed by its sink look as if its writer had died after its last event: its CLOSED
   * record removed. (Bytes after a CLOSED record are tampering, never a crash.)
   */
  static void dropClosedRecord(java.nio.file.Path file) throws java.io.IOException {
    List<String> lines = java.nio.file.Files.readAllLines(file);
    if (!lines.get(lines.size() - 1).contains("\"type\":\"CLOSED\"")) {
      throw new IllegalStateException(file + " does not end with a CLOSED record");
    }
    java.nio.file.Files.write(file, lines.subList(0, lines.size() - 1));
  }

  /** An event whose free text is {@code text}, in every field that takes free text. */
  static AuditEvent withText(int i, String text) {
    Map<String, String> details = new LinkedHashMap<>();
    details.put("comment", text);
    details.put("k" + i, text + text);
    return new AuditEvent("n-" + i, AuditEventType.REQUESTED, T0.plusNanos(i * 1000L + 7), Subject.user("bob"),
        Subject.service("svc-" + i), text, Set.of("read", text.isEmpty() ? "x" : text), null, "r-" + i, text,
        details);
  }

  /** A string of random UTF-16 code units, lone surrogates and controls included. */
  static String randomText(Random random, int maxLength) {
    int length = random.nextInt(maxLength + 1);
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      switch (random.nextInt(6)) {
        case 0 -> sb.append((char) random.nextInt(0x20));
        case 1 -> sb.append((char) (0x20 + random.nextInt(0x60)));
        case 2 -> sb.append((char) (0xd800 + random.nextInt(0x800))); // surrogates, paired or not
        case 3 -> sb.appendCodePoint(0x10000 + random.nextInt(0x100000));
        case 4 -> sb.append((char) random.nextInt(0x10000));
        default -> sb.append("\"\\\u2028\u0085");
      }
    }
    return sb.toString();
  }

  static AuditEvent random(Random random, int i) {
    Map<String, String> details = new LinkedHashMap<>();
    int n = random.nextInt(4);
    for (int d = 0; d < n; d++) {
      details.put("d" + d, randomText(random, 20));
    }
    return new AuditEvent("x-" + i, AuditEventType.values()[random.nextInt(AuditEventType.values().length)],
        Instant.ofEpochSecond(random.nextInt(2_000_000_000), random.nextInt(1_000_000_000)),
        random.nextBoolean() ? null : Subject.user("u" + i), Subject.service("s" + i),
        random.nextBoolean() ? null : randomText(random, 30), Set.of(randomText(random, 5), "read"),
        random.nextBoolean() ? null : "g" + i, "r" + i, random.nextBoolean() ? null : randomText(random, 60),
        details);
  }
}
