package dev.jitaccess;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.InMemoryAuditSink;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The engine's audit writer: privilege-reducing events are held in order, and a loss is itself recorded. */
class AuditWriterTest {

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private final InMemoryAuditSink sink = new InMemoryAuditSink();
  private final AuditWriter writer = new AuditWriter(sink, () -> NOW, 3);

  private static AuditEvent revoked(int i) {
    return new AuditEvent("e-" + i, AuditEventType.REVOKED, NOW.plusSeconds(i), null, Subject.user("alice"),
        "prod/db/orders", Set.of("read"), "g-" + i, "r-" + i, "incident over", Map.of());
  }

  @Test
  void heldEventsArriveInOrderWhenTheSinkRecovers() {
    sink.failWith(new IllegalStateException("down"));
    assertThat(writer.writeReducing(revoked(1))).isTrue();
    assertThat(writer.writeReducing(revoked(2))).isTrue();
    sink.recover();
    assertThat(writer.writeReducing(revoked(3))).isTrue(); // behind the older ones, not before them

    assertThat(writer.retryBacklog()).isTrue();
    assertThat(sink.events()).extracting(AuditEvent::id).containsExactly("e-1", "e-2", "e-3");
    assertThat(sink.events(AuditEventType.AUDIT_LOST)).isEmpty();
  }

  @Test
  void anOverflowIsRecordedAsAnAuditLostEventBeforeTheEventsStillHeld() {
    sink.failWith(new IllegalStateException("down"));
    for (int i = 1; i <= 5; i++) {
      writer.writeReducing(revoked(i));
    }
    assertThat(writer.backlogSize()).isEqualTo(3);
    assertThat(writer.lostCount()).isEqualTo(2);
    assertThat(writer.retryBacklog()).isFalse(); // still down: nothing written, nothing forgotten
    assertThat(writer.lostCount()).isEqualTo(2);

    sink.recover();
    assertThat(writer.retryBacklog()).isTrue();

    List<AuditEvent> events = sink.events();
    assertThat(events).extracting(AuditEvent::type).containsExactly(AuditEventType.AUDIT_LOST,
        AuditEventType.REVOKED, AuditEventType.REVOKED, AuditEventType.REVOKED);
    assertThat(events.subList(1, 4)).extracting(AuditEvent::id).containsExactly("e-3", "e-4", "e-5");
    AuditEvent lost = events.get(0);
    assertThat(lost.timestamp()).isEqualTo(NOW);
    assertThat(lost.details()).containsEntry("lost", "2").containsEntry("firstLost", "e-1")
        .containsEntry("lastLost", "e-2").containsEntry("from", NOW.plusSeconds(1).toString())
        .containsEntry("to", NOW.plusSeconds(2).toString());
    assertThat(lost.reason()).contains("2 privilege-reducing audit events were dropped");
    assertThat(writer.lostCount()).isZero();
  }

  @Test
  void aRefusedLossRecordHoldsBackTheRestSoTheOrderStays() {
    InMemoryAuditSink target = new InMemoryAuditSink();
    boolean[] lossRecordRefused = {false};
    AuditWriter small = new AuditWriter(e -> {
      if (e.type() == AuditEventType.AUDIT_LOST && !lossRecordRefused[0]) {
        lossRecordRefused[0] = true;
        throw new IllegalStateException("not yet");
      }
      target.write(e);
    }, () -> NOW, 2);
    target.failWith(new IllegalStateException("down"));
    for (int i = 1; i <= 3; i++) {
      small.writeReducing(revoked(i));
    }
    target.recover();

    assertThat(small.retryBacklog()).isFalse(); // the loss record was refused: nothing after it is written
    assertThat(target.events()).isEmpty();
    assertThat(small.retryBacklog()).isTrue();
    assertThat(target.events()).extracting(AuditEvent::type).containsExactly(AuditEventType.AUDIT_LOST,
        AuditEventType.REVOKED, AuditEventType.REVOKED);
    assertThat(target.events().get(0).details()).containsEntry("lost", "1").containsEntry("firstLost", "e-1");
  }
}
