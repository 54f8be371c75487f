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
    // The sinks that accepted it are told that it failed, so their trail does not claim more than happened.
    for (InMemoryAuditSink accepted : List.of(first, third, fifth)) {
      assertThat(accepted.events()).hasSize(2).first().isEqualTo(event);
      AuditEvent record = accepted.events().get(1);
      assertThat(record.type()).isEqualTo(AuditEventType.AUDIT_FAILED);
      assertThat(record.details()).containsEntry("failedEvent", "e-1").containsEntry("failedType", "GRANTED")
          .containsEntry("rule", "allOf")
          .containsEntry("refusedBy", "[1] InMemoryAuditSink (AuditException), [3] FailingSink (IllegalStateException)");
    }
    assertThat(first.events().get(1)).isEqualTo(third.events().get(1));
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
    assertThat(other.events()).hasSize(2).first().isEqualTo(event);
  }

  @Test
  void theFailureRecordCarriesTheFailedEventsFacts() {
    InMemoryAuditSink memory = new InMemoryAuditSink();
    AuditEvent granted = new AuditEvent("e-9", AuditEventType.GRANTED, Instant.parse("2030-01-01T00:00:00Z"),
        Subject.user("alice"), Subject.user("alice"), "prod/db/orders", Set.of("read", "write"), "g-9", "r-9",
        "secret justification", Map.of("rule", "db"));

    assertThatThrownBy(() -> CompositeAuditSink.allOf(memory, new FailingSink(new IllegalStateException("x")))
        .write(granted)).isInstanceOf(AuditException.class).hasMessageContaining("allOf is not met");

    AuditEvent record = memory.events(AuditEventType.AUDIT_FAILED).get(0);
    assertThat(record.id()).isNotEqualTo("e-9");
    assertThat(record.timestamp()).isEqualTo(granted.timestamp());
    assertThat(record.actor()).isEqualTo(granted.actor());
    assertThat(record.subject()).isEqualTo(granted.subject());
    assertThat(record.resource()).isEqualTo("prod/db/orders");
    assertThat(record.actions()).containsExactly("read", "write");
    assertThat(record.grantId()).isEqualTo("g-9");
    assertThat(record.requestId()).isEqualTo("r-9");
    assertThat(record.reason()).contains("GRANTED", "e-9", "1 of 2", "allOf").doesNotContain("secret");
  }

  @Test
  void aRefusedFailureRecordIsSuppressedOnTheException() {
    IllegalStateException recordRefused = new IllegalStateException("refuses failure records");
    AuditSink picky = e -> {
      if (e.type() == AuditEventType.AUDIT_FAILED) {
        throw recordRefused;
      }
    };
    FailingSink failing = new FailingSink(new IllegalStateException("down"));

    assertThatThrownBy(() -> CompositeAuditSink.allOf(picky, failing).write(event))
        .isInstanceOf(AuditException.class).hasCause(failing.failure)
        .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(recordRefused));
  }

  @Test
  void anyOfAcceptsWhenOneSinkAccepts() {
    InMemoryAuditSink memory = new InMemoryAuditSink();
    FailingSink failing = new FailingSink(new IllegalStateException("disk full"));

    CompositeAuditSink.anyOf(failing, memory).write(event);

    assertThat(memory.events()).containsExactly(event); // no failure record: the rule was met
  }

  @Test
  void anyOfFailsWhenEverySinkFails() {
    FailingSink first = new FailingSink(new IllegalStateException("disk full"));
    FailingSink second = new FailingSink(new IllegalStateException("network down"));

    assertThatThrownBy(() -> CompositeAuditSink.anyOf(first, second).write(event))
        .isInstanceOf(AuditException.class)
        .hasMessageContaining("2 of 2 sinks")
        .hasMessageContaining("anyOf is not met")
        .hasCause(first.failure)
        .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(second.failure));
  }

  @Test
  void nestedRulesCompose() {
    // A local file must always have it, and at least one of two remote shippers.
    InMemoryAuditSink local = new InMemoryAuditSink();
    InMemoryAuditSink remoteA = new InMemoryAuditSink();
    InMemoryAuditSink remoteB = new InMemoryAuditSink();
    CompositeAuditSink sink = CompositeAuditSink.allOf(local, CompositeAuditSink.anyOf(remoteA, remoteB));

    remoteA.failWith(new IllegalStateException("down"));
    sink.write(event);
    assertThat(local.events()).containsExactly(event);
    assertThat(remoteB.events()).containsExactly(event);

    remoteB.failWith(new IllegalStateException("down too"));
    assertThatThrownBy(() -> sink.write(event)).isInstanceOf(AuditException.class);
    assertThat(local.events()).extracting(AuditEvent::type)
        .containsExactly(AuditEventType.GRANTED, AuditEventType.GRANTED, AuditEventType.AUDIT_FAILED);
  }

  @Test
  void anyOfRejectsMissingSinksAndDescribesItself() {
    assertThatThrownBy(() -> CompositeAuditSink.anyOf()).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CompositeAuditSink.anyOf(List.of())).isInstanceOf(IllegalArgumentException.class);
    assertThat(CompositeAuditSink.anyOf(new InMemoryAuditSink()))
        .hasToString("CompositeAuditSink.anyOf[InMemoryAuditSink[0 events]]");
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
