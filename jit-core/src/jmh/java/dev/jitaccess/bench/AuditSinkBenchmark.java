package dev.jitaccess.bench;

import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.JsonLinesAuditSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Events per second that {@link JsonLinesAuditSink} acknowledges, per durability mode, with one and two
 * writing threads. A write returns only when its event is as durable as the mode promises, so the figures
 * are the disk's: run it on the disk the audit log will live on ({@code -p directory=/var/log/jit-bench}).
 *
 * <pre>
 * java -jar jit-core/target/benchmarks.jar AuditSinkBenchmark -p directory=/var/tmp
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class AuditSinkBenchmark {

  private static final int EVENTS = 1024; // a power of two

  @Param({"FSYNC_EACH", "GROUP_COMMIT", "OS_BUFFERED"})
  public String durability;

  /** Where the log goes; empty for a fresh directory under {@code java.io.tmpdir}. */
  @Param({""})
  public String directory;

  private Path dir;
  private JsonLinesAuditSink sink;
  private final AuditEvent[] events = new AuditEvent[EVENTS];

  /** Each writing thread walks the events on its own. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;
  }

  @Setup(Level.Trial)
  public void open() throws IOException {
    Path parent = directory.isEmpty() ? Path.of(System.getProperty("java.io.tmpdir")) : Path.of(directory);
    dir = Files.createTempDirectory(Files.createDirectories(parent), "jit-audit-bench-");
    sink = JsonLinesAuditSink.builder(dir).durability(JsonLinesAuditSink.Durability.valueOf(durability)).build();
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    for (int i = 0; i < EVENTS; i++) {
      // A typical GRANTED event: about 600 bytes on disk.
      events[i] = new AuditEvent("0f8fad5b-d9cb-469f-a165-" + String.format("%012d", i), AuditEventType.GRANTED,
          t0.plusMillis(i), Subject.user("alice"), Subject.user("alice"), "prod/db/orders", Set.of("read"),
          "7c9e6679-7425-40de-944b-e07fc1f90ae7", "550e8400-e29b-41d4-a716-446655440000",
          "INC-1234: slow query on orders", Map.of("rule", "db-oncall", "notBefore", t0.toString(),
              "expiresAt", t0.plusSeconds(1800).toString()));
    }
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    sink.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  @Benchmark
  @Threads(1)
  public long oneWriter(Cursor cursor) {
    return sink.append(events[cursor.next++ & (EVENTS - 1)]);
  }

  @Benchmark
  @Threads(2)
  public long twoWriters(Cursor cursor) {
    return sink.append(events[cursor.next++ & (EVENTS - 1)]);
  }
}
