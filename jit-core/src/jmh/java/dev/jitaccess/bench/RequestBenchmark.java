package dev.jitaccess.bench;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.audit.AuditSink;
import dev.jitaccess.audit.InMemoryAuditSink;
import dev.jitaccess.audit.JsonLinesAuditSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * {@code request} to {@code Granted}: allow-all policy, in-memory store, and the audit sink: in memory, a no-op
 * (the engine's own cost), or the hash-chained {@link JsonLinesAuditSink} in a temporary directory, handing lines
 * to the OS ({@code file-buffered}) or with group-committed fsyncs ({@code file-group}, the durable default: two
 * events per request, each waits for its flush). A fresh manager (and log) each iteration, so nothing grows without
 * bound. Requests come from a seeded table of 1e4 subjects and resources.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class RequestBenchmark {

  static final int REQUESTS = 1 << 12;

  @Param({"memory", "noop", "file-buffered", "file-group"})
  public String sink;

  JitAccessManager jit;
  JsonLinesAuditSink file;
  Path directory;
  AccessRequest[] requests;
  final AtomicInteger threadSeeds = new AtomicInteger();

  @Setup(Level.Trial)
  public void generate() {
    SplittableRandom random = new SplittableRandom(Delays.SEED);
    requests = new AccessRequest[REQUESTS];
    for (int i = 0; i < REQUESTS; i++) {
      int s = random.nextInt(10_000);
      requests[i] = Engines.request(Engines.subject(s), Engines.exactResource(s, random.nextInt(8)),
          Duration.ofHours(1));
    }
  }

  @Setup(Level.Iteration)
  public void start() throws IOException {
    AuditSink audit = switch (sink) {
      case "memory" -> new InMemoryAuditSink();
      case "noop" -> Engines.NO_OP_SINK;
      default -> {
        directory = Files.createTempDirectory("jit-request-bench");
        file = JsonLinesAuditSink.builder(directory)
            .durability(sink.equals("file-group")
                ? JsonLinesAuditSink.Durability.GROUP_COMMIT : JsonLinesAuditSink.Durability.OS_BUFFERED)
            .build();
        yield file;
      }
    };
    jit = Engines.manager(audit);
  }

  @TearDown(Level.Iteration)
  public void stop() throws IOException {
    jit.close();
    if (file != null) {
      file.close();
      try (Stream<Path> files = Files.walk(directory)) {
        files.sorted(Comparator.reverseOrder()).forEach(RequestBenchmark::delete);
      }
      file = null;
    }
  }

  private static void delete(Path path) {
    try {
      Files.delete(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @State(Scope.Thread)
  public static class Cursor {
    int next;

    @Setup(Level.Trial)
    public void setUp(RequestBenchmark bench) {
      next = bench.threadSeeds.getAndIncrement() * (REQUESTS / 2);
    }
  }

  @Benchmark
  @Threads(1)
  public RequestOutcome request(Cursor cursor) {
    return jit.request(requests[cursor.next++ & (REQUESTS - 1)]);
  }

  @Benchmark
  @Threads(2)
  public RequestOutcome request2t(Cursor cursor) {
    return jit.request(requests[cursor.next++ & (REQUESTS - 1)]);
  }
}
