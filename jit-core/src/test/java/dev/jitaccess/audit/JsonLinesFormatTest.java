package dev.jitaccess.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jitaccess.internal.json.JsonReader;
import dev.jitaccess.internal.json.JsonWriter;
import dev.jitaccess.internal.json.LoneSurrogates;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file sink's lines, checked by an independent JSON parser (Jackson) and an independent hash computation. */
class JsonLinesFormatTest {

  private static final ObjectMapper JACKSON = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void everyLineIsValidJsonAndEveryFieldRoundTrips() throws Exception {
    List<AuditEvent> events = new ArrayList<>();
    for (int i = 0; i < TestEvents.NASTY.size(); i++) {
      events.add(TestEvents.withText(i, TestEvents.NASTY.get(i)));
    }
    for (int i = 0; i < 200; i++) {
      events.add(TestEvents.event(i));
    }
    Random random = new Random(20260101);
    for (int i = 0; i < 3000; i++) {
      events.add(TestEvents.random(random, i));
    }

    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).durability(JsonLinesAuditSink.Durability.OS_BUFFERED)
        .build()) {
      events.forEach(sink::write);
    }

    List<byte[]> lines = lines(onlyFile());
    assertThat(lines).hasSize(events.size() + 2); // OPENED first, CLOSED last
    Iterator<AuditEvent> expected = events.iterator();
    for (int i = 0; i < lines.size(); i++) {
      byte[] line = lines.get(i);
      assertStrictUtf8WithoutRawControls(line);
      JsonNode node = JACKSON.readTree(line);
      assertThat(node.get("seq").asLong()).isEqualTo(i + 1);
      if (i == 0) {
        assertThat(node.get("type").asText()).isEqualTo("OPENED");
      } else if (i == lines.size() - 1) {
        assertThat(node.get("type").asText()).isEqualTo("CLOSED");
      } else {
        assertRoundTrips(expected.next(), node);
      }
      // Our own parser reads exactly what Jackson reads.
      assertThat(JACKSON.writeValueAsString(JsonReader.parseObject(line, 0, line.length, LoneSurrogates.ESCAPE))).isEqualTo(node.toString());
    }
  }

  @Test
  void fieldsComeInAStableOrderWithStableNames() throws IOException {
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).build()) {
      sink.write(new AuditEvent("e-1", AuditEventType.GRANTED, Instant.parse("2026-01-01T10:00:00.123Z"),
          dev.jitaccess.Subject.user("alice"), dev.jitaccess.Subject.service("ci"), "prod/db/orders",
          Set.of("write", "read"), "g-1", "r-1", "INC-1", Map.of("rule", "db")));
    }
    String line = new String(lines(onlyFile()).get(1), StandardCharsets.UTF_8);
    assertThat(line).matches("\\{\"seq\":2,\"timestamp\":\"2026-01-01T10:00:00.123Z\",\"type\":\"GRANTED\",\"id\":\"e-1\","
        + "\"actor\":\\{\"kind\":\"USER\",\"id\":\"alice\"},\"subject\":\\{\"kind\":\"SERVICE\",\"id\":\"ci\"},"
        + "\"resource\":\"prod/db/orders\",\"actions\":\\[\"read\",\"write\"],\"grantId\":\"g-1\",\"requestId\":\"r-1\","
        + "\"reason\":\"INC-1\",\"details\":\\{\"rule\":\"db\"},\"prev\":\"[0-9a-f]{64}\",\"hash\":\"[0-9a-f]{64}\"}");
  }

  @Test
  void escapesExactlyWhatItMust() {
    JsonWriter out = new JsonWriter();
    out.value("a\"b\\c\n\u0001\u007f\u0085\u2028\uD800\uD83D\uDE00é");
    String text = new String(out.toByteArray(), StandardCharsets.UTF_8);
    assertThat(text).isEqualTo("\"a\\\"b\\\\c\\n\\u0001\\u007f\\u0085\\u2028\\ud800\uD83D\uDE00é\"");
  }

  @Test
  void theHashIsSha256OfThePreviousHashAndTheLineWithoutItsHashMember() throws Exception {
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).build()) {
      for (int i = 0; i < 20; i++) {
        sink.write(TestEvents.event(i));
      }
    }
    byte[] prev = new byte[32];
    for (byte[] line : lines(onlyFile())) {
      String text = new String(line, StandardCharsets.UTF_8);
      JsonNode node = JACKSON.readTree(line);
      assertThat(node.get("prev").asText()).isEqualTo(HexFormat.of().formatHex(prev));
      String canonical = text.substring(0, text.lastIndexOf(",\"hash\":\"")) + "}";
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(prev);
      byte[] hash = sha.digest(canonical.getBytes(StandardCharsets.UTF_8));
      assertThat(node.get("hash").asText()).isEqualTo(HexFormat.of().formatHex(hash));
      prev = hash;
    }
  }

  static void assertRoundTrips(AuditEvent event, JsonNode node) {
    assertThat(node.get("type").asText()).isEqualTo(event.type().name());
    assertThat(node.get("id").asText()).isEqualTo(event.id());
    assertThat(Instant.parse(node.get("timestamp").asText())).isEqualTo(event.timestamp());
    assertThat(node.get("timestamp").asText()).endsWith("Z");
    assertSubject(event.actor(), node.get("actor"));
    assertSubject(event.subject(), node.get("subject"));
    assertText(event.resource(), node.get("resource"));
    Set<String> actions = new TreeSet<>();
    node.get("actions").forEach(a -> actions.add(a.asText()));
    assertThat(actions).isEqualTo(event.actions());
    assertText(event.grantId(), node.get("grantId"));
    assertText(event.requestId(), node.get("requestId"));
    assertText(event.reason(), node.get("reason"));
    Map<String, String> details = new LinkedHashMap<>();
    node.get("details").fields().forEachRemaining(d -> details.put(d.getKey(), d.getValue().asText()));
    assertThat(details).containsExactlyEntriesOf(event.details());
    assertThat(node.has("hmac")).isFalse();
  }

  private static void assertSubject(dev.jitaccess.Subject subject, JsonNode node) {
    if (subject == null) {
      assertThat(node).isNull();
    } else {
      assertThat(node.get("kind").asText()).isEqualTo(subject.kind().name());
      assertThat(node.get("id").asText()).isEqualTo(subject.id());
    }
  }

  private static void assertText(String expected, JsonNode node) {
    if (expected == null) {
      assertThat(node).isNull();
    } else {
      assertThat(node.isTextual()).isTrue();
      assertThat(node.asText()).isEqualTo(expected);
    }
  }

  private static void assertStrictUtf8WithoutRawControls(byte[] line) throws IOException {
    String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(line)).toString();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      assertThat(c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029)
          .as("raw control U+%04X in %s", (int) c, text).isFalse();
      assertThat(Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1)))).isFalse();
      if (Character.isHighSurrogate(c)) {
        i++;
      }
    }
  }

  private Path onlyFile() throws IOException {
    try (var files = Files.list(dir)) {
      List<Path> logs = files.filter(p -> p.getFileName().toString().endsWith(".jsonl")).toList();
      assertThat(logs).hasSize(1);
      return logs.get(0);
    }
  }

  /** The file's lines without their newlines; the file must end with one. */
  static List<byte[]> lines(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    assertThat(bytes[bytes.length - 1]).isEqualTo((byte) '\n');
    List<byte[]> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        lines.add(java.util.Arrays.copyOfRange(bytes, start, i));
        start = i + 1;
      }
    }
    return lines;
  }
}
