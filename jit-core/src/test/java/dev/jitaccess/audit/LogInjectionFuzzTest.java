package dev.jitaccess.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.HostileInputFuzzTest;
import dev.jitaccess.Subject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Hostile free text never splits or forges a structured audit line. */
class LogInjectionFuzzTest {

  @Test
  void hostileTextNeverSplitsOrForgesAnAuditLine() {
    Random random = new Random(7);
    Subject alice = Subject.user("alice");
    for (int round = 0; round < 20_000; round++) {
      String text = HostileInputFuzzTest.hostile(random);
      AuditEvent event = new AuditEvent("e-" + round, AuditEventType.REVOKED, Instant.EPOCH, alice, alice,
          "prod/db", Set.of("read"), "g", "r", text, Map.of("note", String.valueOf(text)));

      String line = Slf4jAuditSink.format(event);

      assertThat(line.chars()).noneMatch(c -> c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 || c == 0x2029);
      assertThat(line).startsWith("event=REVOKED id=e-" + round + " ");
      List<String> fields = Slf4jAuditSinkTest.fieldNames(line);
      assertThat(fields).startsWith("event", "id", "ts", "actor", "subject", "resource", "actions", "grant",
          "request");
      assertThat(fields).doesNotHaveDuplicates();
    }
  }
}
