package dev.jitaccess.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.Subject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CompositeAuditSinkTest {

  private final AuditEvent event = new AuditEvent("e-1", AuditEventType.GRANTED,
      Instant.parse("2030-01-01T00:00:00Z"), null, Subject.user("alice"), "prod/db/orders", Set.of("read"), "g-1",
      "r-1", null, Map.of());

  @Test
  void writesToEverySinkInOrder() {
    List<String> calls = new ArrayList<>();
    InMemoryAuditSink memory = new InMemoryAuditSink();
    CompositeAuditSink composite = CompositeAuditSink.allOf(
        e -> calls.add("first " + e.id()), memory, e -> calls.add("third " + e.id()));

    composite.write(event);

    assertThat(calls).containsExactly("first e-1", "third e-1");
    assertThat(memory.events()).containsExactly(event);
  }

  @Test
  void triesEverySinkThenNamesTheOnesThatFailed() {
    InMemoryAuditSink first = new InMemoryAuditSink();
    InMemoryAuditSink failing = new InMemoryAuditSink();
    InMemoryAuditSink third = new InMemoryAuditSink();
    FailingSink alsoFailing = new FailingSink(new IllegalStateException("queue full"));
    InMemoryAuditSink fifth = new InMemoryAuditSink();
    AuditException down = new AuditException("sink down");
    failing.failWith(down);

    CompositeAuditSink composite = CompositeAuditSink.allOf(first, failing, third, alsoFailing, fifth);

    assertThatThrownBy(() -> composite.write(event))
        .isInstanceOf(AuditException.class)
        .hasMessageContaining("2 of 5 sinks")
        .hasMessageContaining("[1] InMemoryAuditSink (AuditException)")
        .hasMessageContaining("[3] FailingSink (IllegalStateException)")
        .hasMessageContaining("e-1")
        .hasCause(down)
        .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(alsoFailing.failure));
    assertThat(first.events()).containsExactly(event);
    assertThat(third.events()).containsExactly(event);
    assertThat(fifth.events()).containsExactly(event);
    assertThat(failing.events()).isEmpty();
  }

  @Test
  void oneFailureIsTheCauseWithNothingSuppressed() {
    FailingSink failing = new FailingSink(new IllegalStateException("boom"));
    InMemoryAuditSink other = new InMemoryAuditSink();

    assertThatThrownBy(() -> CompositeAuditSink.allOf(failing, other).write(event))
        .isInstanceOf(AuditException.class)
        .hasMessageContaining("1 of 2 sinks: [0] FailingSink (IllegalStateException)")
        .hasCause(failing.failure)
        .satisfies(e -> assertThat(e.getSuppressed()).isEmpty());
    assertThat(other.events()).containsExactly(event);
  }

  @Test
  void namesAnonymousAndLambdaSinksByTheirClass() {
    AuditSink anonymous = new AuditSink() {
      @Override
      public void write(AuditEvent e) {
        throw new IllegalStateException("x");
      }
    };

    assertThatThrownBy(() -> CompositeAuditSink.allOf(anonymous).write(event))
        .isInstanceOf(AuditException.class)
        .hasMessageContaining("[0] " + anonymous.getClass().getName());
  }

  @Test
  void acceptsACollectionAndCopiesIt() {
    InMemoryAuditSink a = new InMemoryAuditSink();
    InMemoryAuditSink b = new InMemoryAuditSink();
    List<AuditSink> sinks = new ArrayList<>(List.of(a));
    CompositeAuditSink composite = CompositeAuditSink.allOf(sinks);
    sinks.add(b);

    composite.write(event);

    assertThat(a.events()).containsExactly(event);
    assertThat(b.events()).isEmpty();
  }

  @Test
  void arrayIsCopiedToo() {
    InMemoryAuditSink a = new InMemoryAuditSink();
    InMemoryAuditSink b = new InMemoryAuditSink();
    AuditSink[] sinks = {a};
    CompositeAuditSink composite = CompositeAuditSink.allOf(sinks);
    sinks[0] = b;

    composite.write(event);

    assertThat(a.events()).containsExactly(event);
    assertThat(b.events()).isEmpty();
  }

  @Test
  void rejectsMissingSinks() {
    assertThatThrownBy(() -> CompositeAuditSink.allOf((AuditSink[]) null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sinks");
    assertThatThrownBy(() -> CompositeAuditSink.allOf())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sinks");
    assertThatThrownBy(() -> CompositeAuditSink.allOf(new InMemoryAuditSink(), null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sinks[1]");
    assertThatThrownBy(() -> CompositeAuditSink.allOf(Arrays.asList(new InMemoryAuditSink(), null)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sinks[1]");
    assertThatThrownBy(() -> CompositeAuditSink.allOf(new InMemoryAuditSink()).write(null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("event");
  }

  @Test
  void describesItself() {
    assertThat(CompositeAuditSink.allOf(new InMemoryAuditSink(), new Slf4jAuditSink()))
        .hasToString("CompositeAuditSink.allOf[InMemoryAuditSink[0 events], Slf4jAuditSink[dev.jitaccess.audit]]");
  }

  private static final class FailingSink implements AuditSink {
    final RuntimeException failure;

    FailingSink(RuntimeException failure) {
      this.failure = failure;
    }

    @Override
    public void write(AuditEvent e) {
      throw failure;
    }
  }
}
