package dev.jitaccess.bench;

import dev.jitaccess.Subject;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The least a correct check can do: one {@code ConcurrentHashMap.get} by subject and a comparison of the system
 * clock with an expiry time; same subjects, same seeded query order as {@link CheckBenchmark}. The {@code name}
 * rows also compare the checked resource with the one granted, as any correct check must: the query's own string
 * (a distinct, cold instance per query, as in {@link CheckBenchmark}) and the granted name are read too, so they
 * show what the loads the map-only baseline leaves out cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class CheckBaselineBenchmark {

  @Param({"1000", "100000"})
  public int subjects;

  final ConcurrentHashMap<Subject, Expiry> map = new ConcurrentHashMap<>();
  Subject[] querySubjects;
  String[] queryResources;
  final AtomicInteger threadSeeds = new AtomicInteger();

  static final class Expiry {
    final long expiresAt;
    final String name;

    Expiry(long expiresAt, String name) {
      this.expiresAt = expiresAt;
      this.name = name;
    }
  }

  @Setup(Level.Trial)
  public void setUp() {
    Subject[] all = new Subject[subjects];
    long expiresAt = System.currentTimeMillis() + 12 * Delays.HOUR;
    for (int s = 0; s < subjects; s++) {
      all[s] = Engines.subject(s);
      map.put(all[s], new Expiry(expiresAt, Engines.exactResource(s, 0)));
    }
    SplittableRandom random = new SplittableRandom(Delays.SEED);
    querySubjects = new Subject[CheckBenchmark.QUERIES];
    queryResources = new String[CheckBenchmark.QUERIES];
    for (int q = 0; q < CheckBenchmark.QUERIES; q++) {
      int s = random.nextInt(subjects);
      querySubjects[q] = all[s];
      queryResources[q] = Engines.exactResource(s, 0);
      queryResources[q].hashCode(); // as in CheckBenchmark
    }
  }

  @State(Scope.Thread)
  public static class Cursor {
    int next;

    @Setup(Level.Trial)
    public void setUp(CheckBaselineBenchmark bench) {
      next = bench.threadSeeds.getAndIncrement() * (CheckBenchmark.QUERIES / 2);
    }
  }

  private boolean lookUp(Cursor cursor) {
    Subject subject = querySubjects[cursor.next++ & (CheckBenchmark.QUERIES - 1)];
    Expiry expiry = map.get(subject);
    return expiry != null && System.currentTimeMillis() < expiry.expiresAt;
  }

  @Benchmark
  @Threads(1)
  public boolean baseline(Cursor cursor) {
    return lookUp(cursor);
  }

  @Benchmark
  @Threads(2)
  public boolean baseline2t(Cursor cursor) {
    return lookUp(cursor);
  }

  private boolean lookUpName(Cursor cursor) {
    int q = cursor.next++ & (CheckBenchmark.QUERIES - 1);
    Expiry expiry = map.get(querySubjects[q]);
    return expiry != null && expiry.name.equals(queryResources[q]) && System.currentTimeMillis() < expiry.expiresAt;
  }

  @Benchmark
  @Threads(1)
  public boolean name(Cursor cursor) {
    return lookUpName(cursor);
  }

  @Benchmark
  @Threads(2)
  public boolean name2t(Cursor cursor) {
    return lookUpName(cursor);
  }
}
