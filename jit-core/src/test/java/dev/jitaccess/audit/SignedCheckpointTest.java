package dev.jitaccess.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.audit.AuditLogVerifier.Kind;
import dev.jitaccess.audit.AuditLogVerifier.Options;
import dev.jitaccess.audit.AuditLogVerifier.Result;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signed checkpoints: what the sink writes, and what the verifier proves with only the public key. */
class SignedCheckpointTest {

  static final KeyPair KEY = ed25519();
  private static final Duration NEVER = Duration.ofHours(1);

  @TempDir
  Path temp;

  Path logDir() {
    return temp.resolve("log");
  }

  Path witnessDir() {
    return temp.resolve("witness");
  }

  CheckpointWitness witness() {
    return CheckpointWitness.directory(witnessDir());
  }

  /** A closed log of {@code events} events in several files, checkpointed every {@code every} events. */
  void writeLog(int events, int every) {
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(logDir()).maxFileSize(4096)
        .durability(JsonLinesAuditSink.Durability.OS_BUFFERED).checkpoints(KEY.getPrivate(), witness())
        .checkpointEvery(every, NEVER).build()) {
      for (int i = 0; i < events; i++) {
        sink.write(TestEvents.event(i));
      }
    }
  }

  Result verify() throws IOException {
    return AuditLogVerifier.verify(List.of(logDir()), Options.DEFAULT.withCheckpoints(KEY.getPublic(), witness()));
  }

  // ---------------------------------------------------------------- the sink

  @Test
  void theSinkSignsACheckpointEveryNEventsAndAtCloseEachLinkedToTheOneBefore() throws IOException {
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(logDir()).maxFileSize(4096)
        .durability(JsonLinesAuditSink.Durability.OS_BUFFERED).checkpoints(KEY.getPrivate(), witness())
        .checkpointEvery(10, NEVER).build()) {
      for (int i = 0; i < 60; i++) {
        sink.write(TestEvents.event(i));
        if (i == 29) {
          // Asynchronous: without waiting, a loaded machine may merge every batch into the closing checkpoint.
          await().until(() -> !witness().read().isEmpty());
        }
      }
    }
    List<AuditCheckpoint> checkpoints = witness().read();
    Result plain = AuditLogVerifier.verify(logDir());
    assertThat(checkpoints.size()).isGreaterThanOrEqualTo(2);
    assertThat(checkpoints.get(checkpoints.size() - 1).seq()).isEqualTo(plain.lastSeq()); // the CLOSED record
    assertThat(checkpoints.get(checkpoints.size() - 1).hash()).isEqualTo(plain.lastHash());
    String previous = AuditChain.GENESIS;
    for (AuditCheckpoint checkpoint : checkpoints) {
      assertThat(checkpoint.verifies(KEY.getPublic())).isTrue();
      assertThat(checkpoint.previous()).isEqualTo(previous);
      assertThat(checkpoint.file()).startsWith("audit-");
      previous = checkpoint.digest();
    }
    Result result = verify();
    assertThat(result.ok()).as("%s", result).isTrue();
    assertThat(result.proven()).as("%s", result).isTrue();
    assertThat(result.unprovenTail()).isZero();
    assertThat(result.toString()).startsWith("OK").contains("checkpoints");
  }

  @Test
  void batchesOfEventsAreCheckpointedAndTheLogIsProvenToItsEnd() throws IOException {
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(logDir()).maxFileSize(4096)
        .durability(JsonLinesAuditSink.Durability.GROUP_COMMIT).checkpoints(KEY.getPrivate(), witness())
        .checkpointEvery(10, NEVER).build()) {
      for (int b = 0; b < 6; b++) {
        List<AuditEvent> batch = new java.util.ArrayList<>();
        for (int i = 0; i < 25; i++) {
          batch.add(TestEvents.event(b * 100 + i));
        }
        sink.writeAll(batch);
        if (b == 2) {
          await().until(() -> !witness().read().isEmpty());
        }
      }
    }
    assertThat(witness().read().size()).isGreaterThanOrEqualTo(2);
    Result result = verify();
    assertThat(result.ok()).as("%s", result).isTrue();
    assertThat(result.proven()).as("%s", result).isTrue();
    assertThat(result.unprovenTail()).isZero();
  }

  @Test
  void theTimerCheckpointsAnIdleLog() {
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(logDir()).checkpoints(KEY.getPrivate(), witness())
        .checkpointEvery(1_000_000, Duration.ofMillis(20)).build()) {
      long seq = sink.append(TestEvents.event(1));
      await().until(() -> !witness().read().isEmpty() && witness().read().get(witness().read().size() - 1).seq() >= seq);
    }
  }

  @Test
  void aFailingWitnessNeverBlocksWritesAndTheNextCheckpointRetriesLinkedToTheLastStored() throws IOException {
    AtomicInteger failures = new AtomicInteger(3);
    CheckpointWitness real = witness();
    CheckpointWitness flaky = new CheckpointWitness() {
      @Override
      public void append(AuditCheckpoint checkpoint) throws IOException {
        if (failures.getAndDecrement() > 0) {
          throw new IOException("witness mount is gone");
        }
        real.append(checkpoint);
      }

      @Override
      public List<AuditCheckpoint> read() throws IOException {
        return real.read();
      }
    };
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(logDir()).checkpoints(KEY.getPrivate(), flaky)
        .durability(JsonLinesAuditSink.Durability.OS_BUFFERED).checkpointEvery(5, Duration.ofMillis(10)).build()) {
      for (int i = 0; i < 50; i++) {
        sink.write(TestEvents.event(i)); // never throws for the witness
      }
      await().until(() -> failures.get() < 0);
    }
    Result result = verify();
    assertThat(result.proven()).as("%s", result).isTrue();
  }

  @Test
  void aHangingWitnessNeverHoldsUpAWrite() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    AtomicInteger waiting = new AtomicInteger();
    CheckpointWitness real = witness();
    CheckpointWitness hanging = new CheckpointWitness() {
      @Override
      public void append(AuditCheckpoint checkpoint) throws IOException {
        waiting.incrementAndGet();
        try {
          release.await();
        } catch (InterruptedException e) {
          throw new IOException(e);
        }
        real.append(checkpoint);
      }

      @Override
      public List<AuditCheckpoint> read() throws IOException {
        return real.read();
      }
    };
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(logDir()).checkpoints(KEY.getPrivate(), hanging)
        .durability(JsonLinesAuditSink.Durability.OS_BUFFERED).checkpointEvery(2, NEVER).build()) {
      sink.write(TestEvents.event(0));
      sink.write(TestEvents.event(1));
      await().until(() -> waiting.get() == 1); // the witness holds the checkpoint thread
      for (int i = 2; i < 200; i++) {
        sink.write(TestEvents.event(i)); // revocations and expiries too: the writer never waits for it
      }
      release.countDown();
    }
    assertThat(verify().proven()).isTrue();
  }

  @Test
  void aRestartedSinkLinksItsCheckpointsToThoseOfTheRunBefore() throws IOException {
    writeLog(20, 7);
    int before = witness().read().size();
    writeLog(20, 7);
    assertThat(witness().read().size()).isGreaterThan(before);
    Result result = verify();
    assertThat(result.proven()).as("%s", result).isTrue();
  }

  @Test
  void theBuilderRefusesAKeyThatCannotSignEd25519AndABadInterval() throws Exception {
    KeyPair rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
    assertThatThrownBy(() -> JsonLinesAuditSink.builder(logDir()).checkpoints(rsa.getPrivate(), witness()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checkpointKey").hasMessageContaining("RSA");
    assertThatThrownBy(() -> JsonLinesAuditSink.builder(logDir()).checkpointEvery(0, NEVER))
        .hasMessageContaining("checkpointEvents");
    assertThatThrownBy(() -> JsonLinesAuditSink.builder(logDir()).checkpointEvery(1, Duration.ZERO))
        .hasMessageContaining("checkpointInterval");
  }

  // ---------------------------------------------------------------- the attacker, who has the log but not the key

  @Test
  void aTailCutAtALineEndIsCaughtAgainstTheLastCheckpoint() throws IOException {
    writeLog(60, 10);
    Path newest = files().get(files().size() - 1);
    List<String> lines = Files.readAllLines(newest);
    Files.write(newest, lines.subList(0, lines.size() - 2)); // the CLOSED record and the event before it

    Result result = verify();
    assertThat(result.ok()).as("%s", result).isFalse();
    assertThat(result.problem().kind()).isEqualTo(Kind.TRUNCATED);
    assertThat(result.problem().file()).isEqualTo(newest.toString());
    assertThat(result.problem().message()).contains("checkpoint");
  }

  @Test
  void aLogReHashedFromAnEditedLineIsCaughtAtTheFirstCheckpointAfterIt() throws IOException {
    writeLog(60, 10);
    List<Path> files = files();
    List<List<String>> log = read(files);
    List<List<String>> forged = Tamper.rehashFrom(log, 1, 2, line -> line.replace("justification", "JUSTIFICATION"));
    write(files, forged);
    assertThat(AuditLogVerifier.verify(logDir()).ok()).as("the chain alone does not see it").isTrue();

    Result result = verify();
    assertThat(result.ok()).as("%s", result).isFalse();
    assertThat(result.problem().kind()).isEqualTo(Kind.EDITED);
    assertThat(result.problem().message()).contains("checkpoint");
  }

  @Test
  void aDeletedNewestFileIsCaughtAndNamed() throws IOException {
    writeLog(60, 10);
    Path newest = files().get(files().size() - 1);
    Files.delete(newest);

    Result result = verify();
    assertThat(result.ok()).as("%s", result).isFalse();
    assertThat(result.problem().kind()).isEqualTo(Kind.TRUNCATED);
    assertThat(result.problem().message()).contains(newest.getFileName().toString());
  }

  @Test
  void aReplacedNewestFileIsCaught() throws IOException {
    writeLog(60, 10);
    List<Path> files = files();
    List<List<String>> log = read(files);
    int last = log.size() - 1;
    write(files, Tamper.rehashFrom(log, last, 1, line -> line.replace("\"timestamp\":\"20", "\"timestamp\":\"19")));

    Result result = verify();
    assertThat(result.ok()).as("%s", result).isFalse();
    assertThat(result.problem().kind()).isEqualTo(Kind.EDITED);
    assertThat(result.problem().file()).isEqualTo(files.get(last).toString());
  }

  @Test
  void aForgedClosedRecordAfterACutIsCaught() throws IOException {
    writeLog(60, 10);
    Path newest = files().get(files().size() - 1);
    List<String> lines = new ArrayList<>(Files.readAllLines(newest));
    List<String> kept = new ArrayList<>(lines.subList(0, lines.size() - 3));
    kept.add(Tamper.forgedClosed(kept.get(kept.size() - 1)));
    Files.write(newest, kept);
    assertThat(AuditLogVerifier.verify(logDir()).ok()).as("the chain alone does not see it").isTrue();

    Result result = verify();
    assertThat(result.ok()).as("%s", result).isFalse();
    assertThat(result.problem().kind()).isEqualTo(Kind.TRUNCATED);
  }

  @Test
  void aClosedLogWhoseClosingCheckpointIsMissingIsCaught() throws IOException {
    writeLog(60, 10);
    Path file = witnessDir().resolve(DirectoryCheckpointWitness.FILE_NAME);
    List<String> lines = Files.readAllLines(file);
    Files.write(file, lines.subList(0, lines.size() - 1));

    Result result = verify();
    assertThat(result.ok()).as("%s", result).isFalse();
    assertThat(result.problem().kind()).isEqualTo(Kind.CHECKPOINT_MISSING);
    assertThat(result.problem().message()).contains("CLOSED");
  }

  @Test
  void aCheckpointEditedOrSignedByAnotherKeyIsForged() throws IOException {
    writeLog(60, 10);
    Path file = witnessDir().resolve(DirectoryCheckpointWitness.FILE_NAME);
    List<String> lines = new ArrayList<>(Files.readAllLines(file));
    AuditCheckpoint original = AuditCheckpoint.parse(lines.get(1));
    lines.set(1, new AuditCheckpoint(original.seq() + 1, original.hash(), original.file(), original.time(),
        original.previous(), original.signature()).toLine());
    Files.write(file, lines);

    Result result = verify();
    assertThat(result.ok()).as("%s", result).isFalse();
    assertThat(result.problem().kind()).isEqualTo(Kind.CHECKPOINT_FORGED);
    assertThat(result.problem().file()).isEqualTo(witness().toString());
    assertThat(result.problem().line()).isEqualTo(2);

    Result otherKey = AuditLogVerifier.verify(List.of(logDir()),
        Options.DEFAULT.withCheckpoints(ed25519().getPublic(), witness()));
    assertThat(otherKey.problem().kind()).isEqualTo(Kind.CHECKPOINT_FORGED);
    assertThat(otherKey.problem().line()).isEqualTo(1);
  }

  @Test
  void aCheckpointRemovedFromTheMiddleLeavesAGap() throws IOException {
    for (int run = 0; run < 3; run++) {
      writeLog(10, 1_000_000); // each close checkpoints
    }
    Path file = witnessDir().resolve(DirectoryCheckpointWitness.FILE_NAME);
    List<String> lines = new ArrayList<>(Files.readAllLines(file));
    assertThat(lines.size()).isGreaterThanOrEqualTo(3);
    lines.remove(1);
    Files.write(file, lines);

    Result result = verify();
    assertThat(result.ok()).as("%s", result).isFalse();
    assertThat(result.problem().kind()).isEqualTo(Kind.CHECKPOINT_GAP);
    assertThat(result.problem().line()).isEqualTo(2);
  }

  @Test
  void anEmptyWitnessIsAMissingCheckpoint() throws IOException {
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(logDir()).build()) {
      sink.write(TestEvents.event(1));
    }
    Result result = verify();
    assertThat(result.problem().kind()).isEqualTo(Kind.CHECKPOINT_MISSING);
  }

  @Test
  void whatFollowsTheLastCheckpointIsAnUnprovenTailNeitherOkNorBroken() throws IOException {
    writeLog(5, 1_000_000);
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(logDir()).checkpoints(KEY.getPrivate(), witness())
        .checkpointEvery(1_000_000, NEVER).build()) {
      for (int i = 0; i < 3; i++) {
        sink.write(TestEvents.event(i));
      }
      Result result = verify();
      assertThat(result.ok()).as("%s", result).isTrue();
      assertThat(result.proven()).isFalse();
      assertThat(result.unprovenTail()).isEqualTo(3);
      assertThat(result.toString()).startsWith("UNPROVEN").contains("unproven tail: 3 events");

      ByteArrayOutputStream out = new ByteArrayOutputStream();
      String key = Base64.getEncoder().encodeToString(KEY.getPublic().getEncoded());
      Path keyFile = temp.resolve("checkpoint.pub");
      Files.writeString(keyFile, key + "\n");
      int code = AuditLogVerifier.run(new String[] {"verify", "--checkpoint-key", keyFile.toString(), "--witness",
          witnessDir().toString(), logDir().toString()}, new PrintStream(out), new PrintStream(new ByteArrayOutputStream()));
      assertThat(code).isEqualTo(3);
      assertThat(out.toString(StandardCharsets.UTF_8)).contains("unproven tail: 3 events");
    }
  }

  @Test
  void theCommandLineTakesTheKeyAsAValueAndFailsATamperedLog() throws IOException {
    writeLog(30, 10);
    String key = Base64.getEncoder().encodeToString(KEY.getPublic().getEncoded());
    String[] args = {"verify", "--checkpoint-key", key, "--witness", witnessDir().toString(), logDir().toString()};
    assertThat(AuditLogVerifier.run(args, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(new ByteArrayOutputStream()))).isZero();
    Files.delete(files().get(files().size() - 1));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(AuditLogVerifier.run(args, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err))).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("BROKEN: TRUNCATED");
    assertThat(AuditLogVerifier.run(new String[] {"verify", "--checkpoint-key", "not-a-key", logDir().toString()},
        new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()))).isEqualTo(2);
  }

  // ---------------------------------------------------------------- helpers

  List<Path> files() throws IOException {
    try (Stream<Path> list = Files.list(logDir())) {
      return list.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
    }
  }

  static List<List<String>> read(List<Path> files) throws IOException {
    List<List<String>> log = new ArrayList<>();
    for (Path file : files) {
      log.add(Files.readAllLines(file));
    }
    return log;
  }

  static void write(List<Path> files, List<List<String>> log) throws IOException {
    for (int f = 0; f < files.size(); f++) {
      Files.write(files.get(f), log.get(f));
    }
  }

  static KeyPair ed25519() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
