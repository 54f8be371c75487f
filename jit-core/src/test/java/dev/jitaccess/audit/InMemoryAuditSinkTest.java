package dev.jitaccess.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.Subject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InMemoryAuditSinkTest {

  private final InMemoryAuditSink sink = new InMemoryAuditSink();

  @Test
  void keepsEventsInOrder() {
    AuditEvent a = event("a", AuditEventType.REQUESTED);
    AuditEvent b = event("b", AuditEventType.GRANTED);
    AuditEvent c = event("c", AuditEventType.REVOKED);
    sink.write(a);
    sink.write(b);
    sink.write(c);

    assertThat(sink.events()).containsExactly(a, b, c);
  }

  @Test
  void aBatchIsKeptInOrderAfterEarlierEventsAndAFailingSinkKeepsNoneOfIt() {
    InMemoryAuditSink sink = new InMemoryAuditSink();
    AuditEvent a = event("a", AuditEventType.GRANTED);
    AuditEvent b = event("b", AuditEventType.EXPIRED);
    AuditEvent c = event("c", AuditEventType.EXPIRED);
    sink.write(a);
    sink.writeAll(List.of(b, c));
    sink.failWith(new IllegalStateException("disk full"));

    assertThatThrownBy(() -> sink.writeAll(List.of(event("d", AuditEventType.EXPIRED))))
        .hasMessage("disk full");
    assertThat(sink.events()).containsExactly(a, b, c);
  }

  @Test
  void filtersByType() {
    AuditEvent a = event("a", AuditEventType.GRANTED);
    AuditEvent b = event("b", AuditEventType.REVOKED);
    AuditEvent c = event("c", AuditEventType.GRANTED);
    sink.write(a);
    sink.write(b);
    sink.write(c);

    assertThat(sink.events(AuditEventType.GRANTED)).containsExactly(a, c);
    assertThat(sink.events(AuditEventType.REVOKED)).containsExactly(b);
    assertThat(sink.events(AuditEventType.EXPIRED)).isEmpty();
  }

  @Test
  void returnsImmutableSnapshots() {
    AuditEvent a = event("a", AuditEventType.GRANTED);
    sink.write(a);
    List<AuditEvent> all = sink.events();
    List<AuditEvent> granted = sink.events(AuditEventType.GRANTED);

    sink.write(event("b", AuditEventType.GRANTED));
    sink.clear();

    assertThat(all).containsExactly(a);
    assertThat(granted).containsExactly(a);
    assertThatThrownBy(() -> all.add(a)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> granted.clear()).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void clearForgetsEverything() {
    sink.write(event("a", AuditEventType.GRANTED));
    sink.clear();

    assertThat(sink.events()).isEmpty();
    AuditEvent b = event("b", AuditEventType.REVOKED);
    sink.write(b);
    assertThat(sink.events()).containsExactly(b);
  }

  @Test
  void failsUntilRecoveredAndRecordsNothingMeanwhile() {
    AuditEvent before = event("before", AuditEventType.REQUESTED);
    sink.write(before);
    RuntimeException boom = new AuditException("sink down");

    sink.failWith(boom);
    assertThatThrownBy(() -> sink.write(event("lost", AuditEventType.GRANTED))).isSameAs(boom);
    assertThatThrownBy(() -> sink.write(event("lost2", AuditEventType.REVOKED))).isSameAs(boom);
    assertThat(sink.events()).containsExactly(before);

    sink.recover();
    AuditEvent after = event("after", AuditEventType.GRANTED);
    sink.write(after);
    assertThat(sink.events()).containsExactly(before, after);
  }

  @Test
  void rejectsNulls() {
    assertThatThrownBy(() -> sink.write(null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("event");
    assertThatThrownBy(() -> sink.events(null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("type");
    assertThatThrownBy(() -> sink.failWith(null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("failure");
  }

  @Test
  void keepsEveryEventWrittenConcurrently() throws Exception {
    int threads = 4;
    int perThread = 1000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        writers.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            sink.write(event(thread + "-" + i, AuditEventType.ACCESS_USED));
          }
        }));
      }
      for (Future<?> writer : writers) {
        writer.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    List<AuditEvent> events = sink.events();
    assertThat(events).hasSize(threads * perThread);
    for (int t = 0; t < threads; t++) {
      String prefix = t + "-";
      List<String> ofThread = events.stream().map(AuditEvent::id).filter(id -> id.startsWith(prefix)).toList();
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < perThread; i++) {
        expected.add(prefix + i);
      }
      assertThat(ofThread).as("events of thread %d, in the order written", t).isEqualTo(expected);
    }
  }

  private static AuditEvent event(String id, AuditEventType type) {
    return new AuditEvent(id, type, Instant.parse("2030-01-01T00:00:00Z"), null, Subject.user("alice"),
        "prod/db/orders", Set.of("read"), "g-1", "r-1", null, Map.of());
  }
}
