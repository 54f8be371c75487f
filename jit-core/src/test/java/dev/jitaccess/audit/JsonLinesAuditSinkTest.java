package dev.jitaccess.audit;

import static dev.jitaccess.audit.JsonLinesFormatTest.lines;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jitaccess.audit.JsonLinesAuditSink.Durability;
import dev.jitaccess.testing.ManualClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JsonLinesAuditSinkTest {

  private static final ObjectMapper JACKSON = new ObjectMapper();

  @TempDir
  Path dir;

  // ---------------------------------------------------------------- chain and files

  @Test
  void aNewLogStartsWithAnOpenedHeaderLinkedToZeroAndNumbersEveryLine() throws IOException {
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).build()) {
      assertThat(sink.append(TestEvents.event(1))).isEqualTo(2);
      assertThat(sink.append(TestEvents.event(2))).isEqualTo(3);
      assertThat(sink.head().seq()).isEqualTo(3);
    }
    List<JsonNode> nodes = nodes(dir.resolve("audit-00000001.jsonl"));
    assertThat(nodes).extracting(n -> n.get("type").asText()).containsExactly("OPENED", "APPROVED", "REJECTED", "CLOSED");
    assertThat(nodes.get(0).get("prev").asText()).isEqualTo("0".repeat(64));
    assertThat(nodes.get(0).get("file").asInt()).isEqualTo(1);
    assertThat(nodes.get(0).get("cause").asText()).isEqualTo("start");
    for (int i = 1; i < nodes.size(); i++) {
      assertThat(nodes.get(i).get("prev").asText()).isEqualTo(nodes.get(i - 1).get("hash").asText());
    }
    assertThat(AuditLogVerifier.verify(dir)).satisfies(r -> {
      assertThat(r.ok()).isTrue();
      assertThat(r.lastSeq()).isEqualTo(4);
      assertThat(r.closed()).isTrue();
    });
  }

  @Test
  void rotatesBySizeAndTheChainRunsThroughEveryFile() throws IOException {
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).maxFileSize(4096).build()) {
      for (int i = 0; i < 200; i++) {
        sink.write(TestEvents.event(i));
      }
    }
    List<Path> files = logFiles();
    assertThat(files.size()).isGreaterThan(5);
    for (int f = 0; f < files.size(); f++) {
      assertThat(files.get(f).getFileName().toString()).isEqualTo(String.format("audit-%08d.jsonl", f + 1));
      List<JsonNode> nodes = nodes(files.get(f));
      assertThat(nodes.get(0).get("type").asText()).isEqualTo("OPENED");
      if (f > 0) {
        List<JsonNode> before = nodes(files.get(f - 1));
        assertThat(nodes.get(0).get("prev").asText()).isEqualTo(before.get(before.size() - 1).get("hash").asText());
        assertThat(nodes.get(0).get("cause").asText()).isEqualTo("rotation");
        assertThat(nodes.get(0).get("previousFile").asText()).isEqualTo(files.get(f - 1).getFileName().toString());
      }
      // A file ends at the first write past the limit: at most one line over.
      assertThat(Files.size(files.get(f))).isLessThan(4096 + 1024);
    }
    assertThat(AuditLogVerifier.verify(dir).ok()).isTrue();
  }

  @Test
  void rotatesByAgeOnTheInjectedClock() throws IOException {
    ManualClock clock = new ManualClock();
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).fileName("jit-{date}-{index}.jsonl")
        .rotateEvery(Duration.ofHours(24)).clock(clock).build()) {
      sink.write(TestEvents.event(1));
      clock.advance(Duration.ofHours(23));
      sink.write(TestEvents.event(2));
      clock.advance(Duration.ofHours(1));
      sink.write(TestEvents.event(3));
      assertThat(sink.currentFile().getFileName().toString()).isEqualTo("jit-20260102-00000002.jsonl");
    }
    assertThat(logFiles()).extracting(p -> p.getFileName().toString())
        .containsExactly("jit-20260101-00000001.jsonl", "jit-20260102-00000002.jsonl");
    assertThat(nodes(dir.resolve("jit-20260101-00000001.jsonl"))).hasSize(3);
    assertThat(AuditLogVerifier.verify(dir).ok()).isTrue();
  }

  @Test
  void aRestartContinuesTheChainInANewFileAndNeverWritesAnOldOne() throws IOException {
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).build()) {
      sink.write(TestEvents.event(1));
    }
    byte[] first = Files.readAllBytes(dir.resolve("audit-00000001.jsonl"));
    JsonLinesAuditSink.Head head;
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).build()) {
      assertThat(sink.currentFile().getFileName().toString()).isEqualTo("audit-00000002.jsonl");
      assertThat(sink.append(TestEvents.event(2))).isEqualTo(5); // OPENED, event, CLOSED, OPENED, event
      head = sink.head();
    }
    assertThat(Files.readAllBytes(dir.resolve("audit-00000001.jsonl"))).isEqualTo(first);
    JsonNode opened = nodes(dir.resolve("audit-00000002.jsonl")).get(0);
    assertThat(opened.get("cause").asText()).isEqualTo("start");
    assertThat(opened.get("previousFile").asText()).isEqualTo("audit-00000001.jsonl");
    AuditLogVerifier.Result result = AuditLogVerifier.verify(List.of(dir), new AuditLogVerifier.Anchor(head.seq(),
        head.hash()));
    assertThat(result.ok()).as("%s", result).isTrue();
  }

  @Test
  void aTornLastLineIsFencedAndNeverGlued() throws IOException {
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).build()) {
      sink.write(TestEvents.event(1));
    }
    Path first = dir.resolve("audit-00000001.jsonl");
    TestEvents.dropClosedRecord(first);
    long intact = Files.size(first);
    byte[] torn = "{\"seq\":3,\"timestamp\":\"2026-01-01T00:0".getBytes(StandardCharsets.UTF_8);
    Files.write(first, torn, StandardOpenOption.APPEND); // a crash in the middle of a write
    AuditLogVerifier.Result before = AuditLogVerifier.verify(dir);
    assertThat(before.problem().kind()).isEqualTo(AuditLogVerifier.Kind.TRUNCATED);
    assertThat(before.problem().offset()).isEqualTo(intact);

    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).build()) {
      assertThat(sink.append(TestEvents.event(2))).isEqualTo(5);
    }

    assertThat(Files.size(first)).isEqualTo(intact + torn.length); // kept as it was
    List<JsonNode> second = nodes(dir.resolve("audit-00000002.jsonl"));
    assertThat(second.get(1).get("type").asText()).isEqualTo("TRUNCATED");
    assertThat(second.get(1).get("file").asInt()).isEqualTo(1);
    assertThat(second.get(1).get("offset").asLong()).isEqualTo(intact);
    assertThat(second.get(1).get("length").asLong()).isEqualTo(torn.length);
    assertThat(second.get(0).get("seq").asLong()).isEqualTo(3); // continues from the last whole line
    assertThat(second.get(0).get("previousEnd").asText()).isEqualTo("torn");
    AuditLogVerifier.Result after = AuditLogVerifier.verify(dir);
    assertThat(after.ok()).as("%s", after).isTrue();
  }

  @Test
  void anEventTooBigForALineIsRefusedAndTheLogStaysVerifiable() throws IOException {
    String huge = "x".repeat(AuditChain.MAX_LINE);
    AuditEvent big = new AuditEvent("e-big", AuditEventType.REQUESTED, TestEvents.T0, null,
        dev.jitaccess.Subject.user("alice"), "prod/db", Set.of("read"), null, "r-1", huge, Map.of());
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).build()) {
      assertThatThrownBy(() -> sink.write(big)).isInstanceOf(AuditException.class)
          .hasMessageContaining("e-big").hasMessageContaining("more than the " + AuditChain.MAX_LINE);
      sink.write(TestEvents.event(1));
    }
    JsonLinesAuditSink.builder(dir).build().close();
    assertThat(AuditLogVerifier.verify(dir).ok()).isTrue();
  }

  @Test
  void aBatchIsChainedInOrderAmongSingleWritesWithOneForceAndVerifies() throws Exception {
    FaultyOutputs outputs = new FaultyOutputs();
    try (JsonLinesAuditSink sink = outputs.attach(JsonLinesAuditSink.builder(dir).maxFileSize(64 * 1024)
        .durability(Durability.GROUP_COMMIT)).build()) {
      sink.write(TestEvents.event(0));
      int before = outputs.syncs.get();
      List<AuditEvent> batch = new ArrayList<>();
      for (int i = 1; i <= 500; i++) {
        batch.add(TestEvents.event(i));
      }
      sink.writeAll(batch);
      assertThat(outputs.syncs.get() - before).isEqualTo(1);
      assertThat(sink.head().seq()).isEqualTo(502); // OPENED, one single write, the batch
      ExecutorService pool = Executors.newFixedThreadPool(3);
      List<Future<?>> writes = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        int base = 1_000 * (t + 1);
        writes.add(pool.submit(() -> {
          for (int i = 0; i < 20; i++) {
            if (i % 2 == 0) {
              sink.writeAll(List.of(TestEvents.event(base + i), TestEvents.event(base + i + 500)));
            } else {
              sink.write(TestEvents.event(base + i));
            }
          }
        }));
      }
      for (Future<?> write : writes) {
        write.get(30, TimeUnit.SECONDS);
      }
      pool.shutdown();
      sink.writeAll(List.of());
    }
    AuditLogVerifier.Result result = AuditLogVerifier.verify(dir);
    assertThat(result.ok()).as("%s", result).isTrue();
    List<JsonNode> nodes = nodes(dir.resolve("audit-00000001.jsonl"));
    assertThat(nodes.subList(2, 502)).extracting(n -> n.get("id").asText())
        .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 500)
            .mapToObj(i -> TestEvents.event(i).id()).toList());
  }

  @Test
  void aBatchWithAnEventTooBigForALineWritesNoneOfItAndTheLogStaysVerifiable() throws IOException {
    AuditEvent big = new AuditEvent("e-big", AuditEventType.REQUESTED, TestEvents.T0, null,
        dev.jitaccess.Subject.user("alice"), "prod/db", Set.of("read"), null, "r-1", "x".repeat(AuditChain.MAX_LINE),
        Map.of());
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).build()) {
      long head = sink.head().seq();
      assertThatThrownBy(() -> sink.writeAll(List.of(TestEvents.event(1), big, TestEvents.event(2))))
          .isInstanceOf(AuditException.class).hasMessageContaining("e-big");
      assertThat(sink.head().seq()).isEqualTo(head);
      sink.writeAll(List.of(TestEvents.event(3), TestEvents.event(4)));
    }
    assertThat(AuditLogVerifier.verify(dir).ok()).isTrue();
    assertThat(nodes(dir.resolve("audit-00000001.jsonl"))).extracting(n -> n.get("type").asText())
        .containsExactly("OPENED", TestEvents.event(3).type().name(), TestEvents.event(4).type().name(), "CLOSED");
  }

  @Test
  void aBatchWhoseWriteFailsFailsAsAWholeAndTheNextWriteRecovers() throws IOException {
    FaultyOutputs outputs = new FaultyOutputs();
    try (JsonLinesAuditSink sink = outputs.attach(JsonLinesAuditSink.builder(dir)).build()) {
      outputs.tearNextWrite.set(true);
      assertThatThrownBy(() -> sink.writeAll(List.of(TestEvents.event(1), TestEvents.event(2))))
          .isInstanceOf(AuditException.class);
      
      sink.writeAll(List.of(TestEvents.event(3), TestEvents.event(4)));
    }
    assertThat(AuditLogVerifier.verify(dir).ok()).isTrue();
  }

  @Test
  void aLogThatDoesNotVerifyAtItsEndIsNotContinued() throws IOException {
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).build()) {
      sink.write(TestEvents.event(1));
    }
    Path file = dir.resolve("audit-00000001.jsonl");
    String text = Files.readString(file).replace("INC-1", "INC-2");
    Files.writeString(file, text);

    assertThatThrownBy(() -> JsonLinesAuditSink.builder(dir).build())
        .isInstanceOf(AuditException.class).hasMessageContaining("does not verify")
        .hasMessageContaining("audit-00000001.jsonl");
    assertThat(logFiles()).hasSize(1);
  }

  @Test
  void aLeftoverHalfCreatedFileIsRemovedAtStart() throws IOException {
    Files.writeString(dir.resolve(".audit-00000001.jsonl.tmp"), "{\"seq\":1");
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).build()) {
      sink.write(TestEvents.event(1));
    }
    assertThat(Files.exists(dir.resolve(".audit-00000001.jsonl.tmp"))).isFalse();
    assertThat(AuditLogVerifier.verify(dir).ok()).isTrue();
  }

  @Test
  void oneDirectoryTakesOneSink() {
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).build()) {
      assertThatThrownBy(() -> JsonLinesAuditSink.builder(dir).build())
          .isInstanceOf(AuditException.class).hasMessageContaining("another JsonLinesAuditSink");
    }
    JsonLinesAuditSink.builder(dir).build().close(); // released on close
  }

  @Test
  void writesAfterCloseThrowAndCloseIsIdempotent() {
    JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).build();
    sink.close();
    sink.close();
    assertThatThrownBy(() -> sink.write(TestEvents.event(1)))
        .isInstanceOf(AuditException.class).hasMessageContaining("closed").hasMessageContaining("e-1");
    assertThat(sink.toString()).contains("closed").contains("GROUP_COMMIT");
  }

  // ---------------------------------------------------------------- durability and concurrency

  @ParameterizedTest
  @EnumSource(Durability.class)
  void concurrentWritersEachGetTheirOwnLineAndTheChainHolds(Durability durability) throws Exception {
    int threads = 4;
    int perThread = 300;
    ConcurrentLinkedQueue<Long> seqs = new ConcurrentLinkedQueue<>();
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).durability(durability).maxFileSize(64 * 1024)
        .build()) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int base = t * perThread;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < perThread; i++) {
            seqs.add(sink.append(TestEvents.event(base + i)));
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
    }
    assertThat(seqs).hasSize(threads * perThread).doesNotHaveDuplicates();
    AuditLogVerifier.Result result = AuditLogVerifier.verify(dir);
    assertThat(result.ok()).as("%s", result).isTrue();
    List<String> ids = new ArrayList<>();
    for (Path file : logFiles()) {
      nodes(file).stream().filter(n -> n.has("id")).forEach(n -> ids.add(n.get("id").asText()));
    }
    assertThat(ids).hasSize(threads * perThread).doesNotHaveDuplicates();
  }

  @Test
  void groupCommitSharesForcesAndFsyncEachForcesEveryWrite() throws Exception {
    FaultyOutputs each = new FaultyOutputs();
    try (JsonLinesAuditSink sink = each.attach(JsonLinesAuditSink.builder(dir.resolve("each"))
        .durability(Durability.FSYNC_EACH)).build()) {
      int before = each.syncs.get();
      for (int i = 0; i < 50; i++) {
        sink.write(TestEvents.event(i));
      }
      assertThat(each.syncs.get() - before).isEqualTo(50);
    }
    FaultyOutputs buffered = new FaultyOutputs();
    try (JsonLinesAuditSink sink = buffered.attach(JsonLinesAuditSink.builder(dir.resolve("buffered"))
        .durability(Durability.OS_BUFFERED)).build()) {
      int before = buffered.syncs.get();
      for (int i = 0; i < 50; i++) {
        sink.write(TestEvents.event(i));
      }
      assertThat(buffered.syncs.get() - before).isZero();
    }
  }

  @Test
  void groupCommitBatchesTheWritersThatArriveWhileTwoForcesRun() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean blocking = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicInteger syncs = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger blocked = new java.util.concurrent.atomic.AtomicInteger();
    JsonLinesAuditSink.OutputOpener gated = file -> {
      JsonLinesAuditSink.Output real = JsonLinesAuditSink.FILES.open(file);
      return new JsonLinesAuditSink.Output() {
        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
          real.write(bytes, offset, length);
        }

        @Override
        public void sync() throws IOException {
          if (blocking.get()) {
            syncs.incrementAndGet();
            blocked.incrementAndGet();
            try {
              gate.await();
            } catch (InterruptedException e) {
              throw new IOException(e);
            }
          }
          real.sync();
        }

        @Override
        public void close() throws IOException {
          real.close();
        }
      };
    };
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).durability(Durability.GROUP_COMMIT)
        .opener(gated).build()) {
      blocking.set(true);
      ExecutorService pool = Executors.newFixedThreadPool(5);
      List<Future<?>> writes = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        int n = i;
        writes.add(pool.submit(() -> sink.write(TestEvents.event(n))));
      }
      org.awaitility.Awaitility.await().until(() -> blocked.get() == 2); // two forces running, held
      for (int i = 2; i < 5; i++) {
        int n = i;
        writes.add(pool.submit(() -> sink.write(TestEvents.event(n))));
      }
      org.awaitility.Awaitility.await().until(() -> sink.head().seq() == 6); // all five lines written
      assertThat(blocked.get()).isEqualTo(2); // no third force: the three wait
      gate.countDown();
      for (Future<?> write : writes) {
        write.get(30, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertThat(syncs.get()).isEqualTo(3); // the last three writers shared one force
      blocking.set(false);
    }
    assertThat(AuditLogVerifier.verify(dir).ok()).isTrue();
  }

  @Test
  void anInterruptedWriterStillWritesAndKeepsItsInterrupt() {
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).durability(Durability.GROUP_COMMIT).build()) {
      Thread.currentThread().interrupt();
      try {
        sink.write(TestEvents.event(1));
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
      } finally {
        Thread.interrupted();
      }
      sink.write(TestEvents.event(2)); // the file was not closed by the interrupt
    }
  }

  // ---------------------------------------------------------------- failures

  @ParameterizedTest
  @EnumSource(Durability.class)
  void aTornWriteFailsThatWriteAndTheNextWriteRecoversInANewFileWithAFence(Durability durability)
      throws IOException {
    FaultyOutputs faults = new FaultyOutputs();
    try (JsonLinesAuditSink sink = faults.attach(JsonLinesAuditSink.builder(dir).durability(durability)).build()) {
      sink.write(TestEvents.event(1));
      faults.tearNextWrite.set(true);
      assertThatThrownBy(() -> sink.write(TestEvents.event(2)))
          .isInstanceOf(AuditException.class).hasMessageContaining("e-2");
      assertThat(sink.toString()).contains("failing");

      sink.write(TestEvents.event(3));
      assertThat(sink.currentFile().getFileName().toString()).isEqualTo("audit-00000002.jsonl");
    }
    List<JsonNode> second = nodes(dir.resolve("audit-00000002.jsonl"));
    assertThat(second.get(0).get("cause").asText()).isEqualTo("recovery");
    assertThat(second.get(0).get("failure").asText()).contains("No space left");
    assertThat(second.get(1).get("type").asText()).isEqualTo("TRUNCATED");
    assertThat(second.get(2).get("id").asText()).isEqualTo("e-3");
    assertThat(AuditLogVerifier.verify(dir).ok()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(value = Durability.class, names = {"FSYNC_EACH", "GROUP_COMMIT"})
  void aFailedForceFailsTheWriteAndAbandonsTheFile(Durability durability) throws IOException {
    FaultyOutputs faults = new FaultyOutputs();
    try (JsonLinesAuditSink sink = faults.attach(JsonLinesAuditSink.builder(dir).durability(durability)).build()) {
      sink.write(TestEvents.event(1));
      faults.failSyncs.set(true);
      assertThatThrownBy(() -> sink.write(TestEvents.event(2)))
          .isInstanceOf(AuditException.class).hasMessageContaining("e-2")
          .hasRootCauseMessage("injected: Input/output error");
      faults.heal();
      sink.write(TestEvents.event(3));
    }
    // The line of the failed write is in the abandoned file (written, never confirmed); the chain holds.
    assertThat(nodes(dir.resolve("audit-00000002.jsonl")).get(0).get("cause").asText()).isEqualTo("recovery");
    assertThat(AuditLogVerifier.verify(dir).ok()).isTrue();
  }

  @Test
  void whileNoFileCanBeStartedEveryWriteFailsAndThenItRecovers() throws IOException {
    FaultyOutputs faults = new FaultyOutputs();
    try (JsonLinesAuditSink sink = faults.attach(JsonLinesAuditSink.builder(dir)).build()) {
      faults.failWrites.set(true);
      faults.failOpens.set(true);
      for (int i = 0; i < 3; i++) {
        int n = i;
        assertThatThrownBy(() -> sink.write(TestEvents.event(n))).isInstanceOf(AuditException.class);
      }
      faults.heal();
      sink.write(TestEvents.event(9));
    }
    assertThat(logFiles()).hasSize(2);
  }

  @Test
  void groupCommitFailsEveryWaiterWhoseLineWasNotForced() throws Exception {
    FaultyOutputs faults = new FaultyOutputs();
    try (JsonLinesAuditSink sink = faults.attach(JsonLinesAuditSink.builder(dir)
        .durability(Durability.GROUP_COMMIT)).build()) {
      faults.failSyncs.set(true);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<?>> writes = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        int n = i;
        writes.add(pool.submit(() -> sink.write(TestEvents.event(n))));
      }
      for (Future<?> write : writes) {
        assertThatThrownBy(() -> write.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(AuditException.class);
      }
      pool.shutdown();
    }
  }

  // ---------------------------------------------------------------- HMAC

  @Test
  void withAKeyReasonsAreWrittenAsKeyedHashesThatStayComparable() throws IOException {
    byte[] key = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    AuditEvent event = new AuditEvent("e-1", AuditEventType.GRANTED, TestEvents.T0, null,
        dev.jitaccess.Subject.user("alice"), "prod/db/orders", Set.of("read"), "g-1", "r-1",
        "INC-1234: customer 42 complained", Map.of("comment", "call Bob", "rule", "db"));
    String hashedReason;
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir.resolve("a")).hmacKey(key).hmacDetails("comment")
        .build()) {
      sink.write(event);
      hashedReason = sink.hmac("INC-1234: customer 42 complained");
      assertThat(sink.toString()).doesNotContain("0123456789abcdef");
    }
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir.resolve("b")).hmacKey(key).build()) {
      sink.write(event);
    }
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir.resolve("c"))
        .hmacKey("another key, another key, 32 bytes".getBytes(StandardCharsets.US_ASCII)).build()) {
      sink.write(event);
    }

    JsonNode a = nodes(dir.resolve("a/audit-00000001.jsonl")).get(1);
    JsonNode b = nodes(dir.resolve("b/audit-00000001.jsonl")).get(1);
    JsonNode c = nodes(dir.resolve("c/audit-00000001.jsonl")).get(1);
    assertThat(a.get("reason").asText()).isEqualTo(hashedReason).matches("hmac-sha256:[0-9a-f]{64}");
    assertThat(a.get("details").get("comment").asText()).startsWith("hmac-sha256:");
    assertThat(a.get("details").get("rule").asText()).isEqualTo("db");
    assertThat(a.get("hmac").toString()).isEqualTo("[\"reason\",\"details.comment\"]");
    assertThat(Files.readString(dir.resolve("a/audit-00000001.jsonl"))).doesNotContain("customer", "Bob");
    assertThat(b.get("reason").asText()).isEqualTo(hashedReason); // same key: comparable across logs
    assertThat(b.get("details").get("comment").asText()).isEqualTo("call Bob");
    assertThat(c.get("reason").asText()).isNotEqualTo(hashedReason);
    // The other outputs with the same key (the SLF4J sink, the actuator) write the same value.
    assertThat(AuditHmac.of(key).hash("INC-1234: customer 42 complained")).isEqualTo(hashedReason);
    assertThat(AuditHmac.of(key).andDetails("comment").apply(event).details().get("comment"))
        .isEqualTo(a.get("details").get("comment").asText());
    // Independently computed: HMAC-SHA256 of the UTF-8 bytes.
    javax.crypto.Mac mac;
    try {
      mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    assertThat(hashedReason).isEqualTo("hmac-sha256:" + java.util.HexFormat.of()
        .formatHex(mac.doFinal("INC-1234: customer 42 complained".getBytes(StandardCharsets.UTF_8))));
    assertThat(AuditLogVerifier.verify(dir.resolve("a")).ok()).isTrue();
  }

  // ---------------------------------------------------------------- configuration

  @Test
  void theBuilderRejectsBadSettingsAtOnce() {
    JsonLinesAuditSink.Builder b = JsonLinesAuditSink.builder(dir);
    assertThatThrownBy(() -> JsonLinesAuditSink.builder(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("directory");
    assertThatThrownBy(() -> b.fileName("audit.jsonl")).hasMessageContaining("{index}");
    assertThatThrownBy(() -> b.fileName("audit-{index}-{index}.jsonl")).hasMessageContaining("{index}");
    assertThatThrownBy(() -> b.fileName("audit-{index}.log")).hasMessageContaining(".jsonl");
    assertThatThrownBy(() -> b.fileName("../audit-{index}.jsonl")).hasMessageContaining("fileName");
    assertThatThrownBy(() -> b.fileName(".audit-{index}.jsonl")).hasMessageContaining("fileName");
    assertThatThrownBy(() -> b.fileName("audit-{index}-{time}.jsonl")).hasMessageContaining("placeholders");
    assertThatThrownBy(() -> b.maxFileSize(10)).hasMessageContaining("maxFileSize");
    assertThatThrownBy(() -> b.rotateEvery(Duration.ZERO)).hasMessageContaining("rotateEvery");
    assertThatThrownBy(() -> b.hmacKey(new byte[8])).hasMessageContaining("hmacKey");
    assertThatThrownBy(() -> b.durability(null)).hasMessageContaining("durability");
    assertThatThrownBy(() -> JsonLinesAuditSink.builder(dir).hmacDetails("comment").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("hmacKey");
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).build()) {
      assertThatThrownBy(() -> sink.hmac("x")).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> sink.write(null)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void sinkRecordTypesNeverCollideWithEventTypes() {
    for (AuditEventType type : AuditEventType.values()) {
      assertThat(type.name()).isNotIn(AuditChain.OPENED, AuditChain.TRUNCATED, AuditChain.CLOSED);
    }
  }

  // ---------------------------------------------------------------- helpers

  private List<Path> logFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
    }
  }

  static List<JsonNode> nodes(Path file) throws IOException {
    List<JsonNode> nodes = new ArrayList<>();
    for (byte[] line : lines(file)) {
      nodes.add(JACKSON.readTree(line));
    }
    return nodes;
  }

  static Instant t(long seconds) {
    return TestEvents.T0.plusSeconds(seconds);
  }
}
