package dev.jitaccess.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.audit.JsonLinesAuditSink.Durability;
import dev.jitaccess.internal.json.MalformedJsonException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A child JVM writes under load and is killed with SIGKILL; the log must verify (at most a torn last line),
 * every event it acknowledged must be in it, and a new sink must continue the chain after the torn tail.
 */
class AuditCrashTest {

  private static final int ACKS_BEFORE_KILL = 1500;
  private static final long MAX_WRITE_MILLIS = 3000;

  @TempDir
  Path dir;

  @ParameterizedTest
  @CsvSource({"FSYNC_EACH, 1", "FSYNC_EACH, 3", "GROUP_COMMIT, 4", "OS_BUFFERED, 2"})
  void noAcknowledgedEventIsLostAndTheSinkResumesAfterAKill(Durability durability, int threads) throws Exception {
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), CrashWriter.class.getName(), dir.toString(),
        durability.name(), Integer.toString(threads))
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    Map<Long, String> acknowledged = new HashMap<>();
    try {
      BlockingQueue<String> lines = new LinkedBlockingQueue<>();
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
            StandardCharsets.UTF_8))) {
          for (String line; (line = in.readLine()) != null; ) {
            lines.add(line);
          }
        } catch (IOException e) {
          // the child is gone
        }
        lines.add("EOF");
      });
      reader.setDaemon(true);
      reader.start();
      assertThat(lines.poll(60, TimeUnit.SECONDS)).as("the child did not start").isEqualTo("READY");
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_WRITE_MILLIS);
      while (acknowledged.size() < ACKS_BEFORE_KILL && System.nanoTime() < deadline) {
        String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (line == null || line.equals("EOF")) {
          break;
        }
        String[] parts = line.split(" ");
        acknowledged.put(Long.parseLong(parts[1]), parts[2]);
      }
    } finally {
      child.destroyForcibly(); // SIGKILL, in the middle of the writes
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(acknowledged).hasSizeGreaterThan(50); // killed under load, not before it

    // The log verifies, but for a torn last line at most.
    AuditLogVerifier.Result afterCrash = AuditLogVerifier.verify(dir);
    if (!afterCrash.ok()) {
      assertThat(afterCrash.problem().kind()).as("%s", afterCrash).isEqualTo(AuditLogVerifier.Kind.TRUNCATED);
      assertThat(afterCrash.problem().message()).contains("last line is incomplete");
    } else {
      assertThat(afterCrash.closed()).isFalse();
    }
    // Every acknowledged event is there, under the seq it was acknowledged with.
    Map<Long, String> onDisk = idsBySeq();
    for (Map.Entry<Long, String> ack : acknowledged.entrySet()) {
      assertThat(onDisk.get(ack.getKey())).as("acknowledged seq %d", ack.getKey()).isEqualTo(ack.getValue());
    }

    // A new sink continues the chain after whatever the crash left.
    long resumedAt;
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).build()) {
      resumedAt = sink.append(TestEvents.event(999_999));
    }
    assertThat(resumedAt).isGreaterThan(acknowledged.keySet().stream().mapToLong(Long::longValue).max().orElseThrow());
    AuditLogVerifier.Result resumed = AuditLogVerifier.verify(dir);
    assertThat(resumed.ok()).as("%s", resumed).isTrue();
    assertThat(resumed.closed()).isTrue();
    org.slf4j.LoggerFactory.getLogger(AuditCrashTest.class).info("{} x{}: killed after {} acknowledged writes; "
        + "after the crash: {}; resumed at seq {}", durability, threads, acknowledged.size(), afterCrash, resumedAt);
  }

  private Map<Long, String> idsBySeq() throws IOException {
    Map<Long, String> ids = new HashMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
        byte[] bytes = Files.readAllBytes(file);
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
          if (bytes[i] == '\n') {
            try {
              Map<String, Object> line = AuditChain.parseLine(bytes, start, i, Set.of("id", "seq"));
              if (line.get("id") instanceof String id) {
                ids.put((Long) line.get("seq"), id);
              }
            } catch (MalformedJsonException e) {
              throw new AssertionError(file + " has a malformed whole line", e);
            }
            start = i + 1;
          }
        }
      }
    }
    return ids;
  }
}
