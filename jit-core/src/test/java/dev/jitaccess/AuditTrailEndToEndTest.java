package dev.jitaccess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.AuditException;
import dev.jitaccess.audit.AuditLogVerifier;
import dev.jitaccess.audit.AuditSink;
import dev.jitaccess.audit.CompositeAuditSink;
import dev.jitaccess.audit.FaultyOutputs;
import dev.jitaccess.audit.InMemoryAuditSink;
import dev.jitaccess.audit.JsonLinesAuditSink;
import dev.jitaccess.policy.PolicyDecision;
import dev.jitaccess.testing.ManualClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit rules of DESIGN.md end to end: a manager, the hash-chained file sink, and composite rules. */
class AuditTrailEndToEndTest {

  private static final Subject ALICE = Subject.user("alice");
  private static final Subject ADMIN = Subject.user("admin");
  private static final String ORDERS = "prod/db/orders";
  private static final ObjectMapper JACKSON = new ObjectMapper();

  @TempDir
  Path dir;

  private final ManualClock clock = new ManualClock();
  private final FaultyOutputs disk = new FaultyOutputs();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private JsonLinesAuditSink fileSink() {
    JsonLinesAuditSink sink = disk.attach(JsonLinesAuditSink.builder(dir).clock(clock)).build();
    open.add(sink);
    return sink;
  }

  private JitAccessManager manager(AuditSink sink) {
    JitAccessManager jit = JitAccessManager.builder()
        .policy(r -> PolicyDecision.allow("r", r.duration()))
        .auditSink(sink)
        .clock(clock)
        .build();
    open.add(jit);
    return jit;
  }

  private static AccessRequest request() {
    return AccessRequest.builder().subject(ALICE).resource(ORDERS).actions("read").duration(Duration.ofMinutes(30))
        .justification("INC-7: orders are slow").build();
  }

  private void diskDown() {
    disk.failWrites.set(true);
    disk.failOpens.set(true);
  }

  @Test
  void everyTransitionLandsInTheFileInOrderAndTheLogVerifies() throws Exception {
    JsonLinesAuditSink file = fileSink();
    InMemoryAuditSink memory = new InMemoryAuditSink();
    JitAccessManager jit = manager(CompositeAuditSink.allOf(file, memory));

    Grant revoked = ((RequestOutcome.Granted) jit.request(request())).grant();
    assertThat(jit.revoke(revoked.id(), ADMIN, "done")).isTrue();
    Grant expiring = ((RequestOutcome.Granted) jit.request(request())).grant();
    clock.advance(Duration.ofMinutes(30));
    await().until(() -> !memory.events(AuditEventType.EXPIRED).isEmpty());
    jit.close();
    file.close();

    List<JsonNode> lines = fileLines();
    List<String> fileIds = lines.stream().filter(n -> n.has("id")).map(n -> n.get("id").asText()).toList();
    assertThat(fileIds).isEqualTo(memory.events().stream().map(AuditEvent::id).toList());
    assertThat(lines.stream().filter(n -> n.has("grantId") && n.get("grantId").asText().equals(expiring.id()))
        .map(n -> n.get("type").asText())).containsExactly("GRANTED", "EXPIRED");
    AuditLogVerifier.Result result = AuditLogVerifier.verify(dir);
    assertThat(result.ok()).as("%s", result).isTrue();
    assertThat(result.closed()).isTrue();
  }

  @Test
  void allOfWithAFailedFileGrantsNothingAndTheWorkingSinkRecordsTheFailure() {
    InMemoryAuditSink memory = new InMemoryAuditSink();
    JitAccessManager jit = manager(CompositeAuditSink.allOf(fileSink(), memory));
    diskDown();

    assertThatThrownBy(() -> jit.request(request())).isInstanceOf(AuditException.class)
        .hasMessageContaining("nothing was changed");

    assertThat(memory.events()).extracting(AuditEvent::type)
        .containsExactly(AuditEventType.REQUESTED, AuditEventType.AUDIT_FAILED);
    AuditEvent failure = memory.events(AuditEventType.AUDIT_FAILED).get(0);
    assertThat(failure.details()).containsEntry("failedType", "REQUESTED").containsEntry("rule", "allOf")
        .containsEntry("failedEvent", memory.events().get(0).id());
    assertThat(failure.details().get("refusedBy")).contains("JsonLinesAuditSink");
    assertThat(jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    assertThat(jit.activeGrants(ALICE)).isEmpty();
  }

  @Test
  void aRefusedGrantedEventLeavesAFileTrailThatSaysItFailed() throws IOException {
    JsonLinesAuditSink file = fileSink();
    AuditSink refusesGrants = e -> {
      if (e.type() == AuditEventType.GRANTED) {
        throw new IllegalStateException("SIEM rejects grants");
      }
    };
    JitAccessManager jit = manager(CompositeAuditSink.allOf(file, refusesGrants));

    assertThatThrownBy(() -> jit.request(request())).isInstanceOf(AuditException.class);
    assertThat(jit.activeGrants(ALICE)).isEmpty();
    file.close();

    List<JsonNode> events = fileLines().stream().filter(n -> n.has("id")).toList();
    assertThat(events).extracting(n -> n.get("type").asText())
        .containsExactly("REQUESTED", "GRANTED", "AUDIT_FAILED");
    assertThat(events.get(2).get("details").get("failedEvent").asText()).isEqualTo(events.get(1).get("id").asText());
    assertThat(events.get(2).get("grantId").asText()).isEqualTo(events.get(1).get("grantId").asText());
    assertThat(AuditLogVerifier.verify(dir).ok()).isTrue();
  }

  @Test
  void anyOfKeepsGrantingWhileOneSinkWorksAndFailsClosedWhenNoneDoes() {
    InMemoryAuditSink memory = new InMemoryAuditSink();
    JitAccessManager jit = manager(CompositeAuditSink.anyOf(fileSink(), memory));
    diskDown();

    assertThat(jit.request(request())).isInstanceOf(RequestOutcome.Granted.class);
    assertThat(memory.events()).extracting(AuditEvent::type)
        .containsExactly(AuditEventType.REQUESTED, AuditEventType.GRANTED);
    assertThat(jit.isAllowed(ALICE, ORDERS, "read")).isTrue();

    memory.failWith(new IllegalStateException("down too"));
    assertThatThrownBy(() -> jit.request(AccessRequest.builder().subject(ALICE).resource("prod/db/customers")
        .actions("read").duration(Duration.ofMinutes(5)).justification("INC-8").build()))
        .isInstanceOf(AuditException.class);
    assertThat(jit.isAllowed(ALICE, "prod/db/customers", "read")).isFalse();
  }

  @Test
  void revocationAndExpiryAreNotBlockedByAFailedFileAndLandInItWhenItRecovers() throws IOException {
    JsonLinesAuditSink file = fileSink();
    JitAccessManager jit = manager(file);
    Grant revoked = ((RequestOutcome.Granted) jit.request(request())).grant();
    Grant expiring = ((RequestOutcome.Granted) jit.request(AccessRequest.builder().subject(ALICE)
        .resource("prod/db/customers").actions("read").duration(Duration.ofMinutes(5)).justification("INC-9")
        .build())).grant();
    diskDown();

    assertThat(jit.revoke(revoked.id(), ADMIN, "incident over")).isTrue();
    assertThat(jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    clock.advance(Duration.ofMinutes(5));
    await().until(() -> jit.grant(expiring.id()).orElseThrow().state() == GrantState.EXPIRED);
    assertThatThrownBy(() -> jit.request(request())).isInstanceOf(AuditException.class); // still fail closed

    disk.heal();
    clock.advance(Duration.ofMinutes(1)); // the retry runs on the engine's clock
    await().until(() -> fileText().contains("\"EXPIRED\""));
    jit.close();
    file.close();

    List<JsonNode> ends = fileLines().stream()
        .filter(n -> List.of("REVOKED", "EXPIRED").contains(n.get("type").asText())).toList();
    assertThat(ends).extracting(n -> n.get("grantId").asText()).containsExactly(revoked.id(), expiring.id());
    assertThat(fileLines()).anySatisfy(n -> assertThat(n.path("cause").asText()).isEqualTo("recovery"));
    AuditLogVerifier.Result result = AuditLogVerifier.verify(dir);
    assertThat(result.ok()).as("%s", result).isTrue();
  }

  private String fileText() throws IOException {
    StringBuilder text = new StringBuilder();
    for (Path file : files()) {
      text.append(Files.readString(file));
    }
    return text.toString();
  }

  private List<JsonNode> fileLines() throws IOException {
    List<JsonNode> nodes = new ArrayList<>();
    for (String line : fileText().split("\n")) {
      nodes.add(JACKSON.readTree(line));
    }
    return nodes;
  }

  private List<Path> files() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
    }
  }
}
