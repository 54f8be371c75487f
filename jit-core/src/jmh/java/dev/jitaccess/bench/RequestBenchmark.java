package dev.jitaccess.bench;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.audit.InMemoryAuditSink;
import java.time.Duration;
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
 * {@code request} to {@code Granted}: allow-all policy, in-memory store, and the in-memory audit sink (or a no-op
 * sink, to show the engine's own cost). A fresh manager each iteration, so the store does not grow without bound.
 * Requests come from a seeded table of 1e4 subjects and resources. (No file audit sink exists yet in jit-core.)
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class RequestBenchmark {

  static final int REQUESTS = 1 << 12;

  @Param({"memory", "noop"})
  public String sink;

  JitAccessManager jit;
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
  public void start() {
    jit = Engines.manager(sink.equals("memory") ? new InMemoryAuditSink() : Engines.NO_OP_SINK);
  }

  @TearDown(Level.Iteration)
  public void stop() {
    jit.close();
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
