package dev.jitaccess.bench;

import dev.jitaccess.Grant;
import dev.jitaccess.JitAccessListener;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.AuditSink;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Expiry lateness on the real clock: {@code grants} grants (default 1e6) with expiry times spread uniformly over
 * {@code spreadSeconds} from a moment after they are all created; a listener records (time of the EXPIRED
 * notification − expiresAt) for every grant due in the first {@code windowSeconds}. Default tick (10 ms), no-op
 * audit sink. Prints a Markdown row.
 *
 * <p>The default spread (1 h, measured over the first 60 s: ~16,700 expiries while ~1e6 stay pending, 280 per
 * second) is a million grants of about an hour in steady state. A spread equal to the window (every grant expires
 * within it, 16,700 per second) is the stress row: it shows what the collector does to the tail under that churn.
 *
 * <p>{@code java -cp target/benchmarks.jar dev.jitaccess.bench.ExpiryLateness [grants] [windowSeconds]
 * [spreadSeconds]}
 *
 * <p>Burst mode, {@code ExpiryLateness burst [grants]} (default 1e4): every grant expires at the same millisecond,
 * some seconds after they are all made (other grants, 1e5 in all, stay pending meanwhile); three warm-up bursts
 * first, the fourth measured. Lateness is measured
 * twice per grant: when the audit sink accepts its {@code EXPIRED} event (the end is stored, the grant off the
 * check path, its event written), and when the listener hears it (on the listener thread, after the end).
 *
 * <p>During one more burst after the measured one, a thread checks an unrelated long-lived grant (another subject's) in a tight
 * loop, timing batches of {@value Checker#BATCH} checks: the ns per check while the burst drains (from its due
 * millisecond to its last event at the sink) against an equally long quiet window just before it, and the checks
 * per second in each. The target is "no effect on check during the burst".
 */
public final class ExpiryLateness {

  public static void main(String[] args) throws InterruptedException {
    if (args.length > 0 && args[0].equals("burst")) {
      burst(args.length > 1 ? Integer.parseInt(args[1]) : 10_000);
      return;
    }
    int grants = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    long windowMillis = (args.length > 1 ? Long.parseLong(args[1]) : 60) * 1000;
    long spreadMillis = Math.max(windowMillis, (args.length > 2 ? Long.parseLong(args[2]) : 3600) * 1000);
    Clock clock = Clock.systemUTC();
    long[] latenessMicros = new long[grants];
    int[] count = new int[1];
    long[] windowEnds = {Long.MAX_VALUE};
    int calibration = Math.min(10_000, grants / 10);
    int[] expected = {0};
    Object done = new Object();
    JitAccessListener listener = new JitAccessListener() {
      @Override
      public void onExpired(Grant grant) {
        if (grant.expiresAt().toEpochMilli() >= windowEnds[0]) {
          return;
        }
        Instant now = clock.instant();
        long nowMicros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
        int i = count[0];
        if (i < latenessMicros.length) {
          latenessMicros[i] = nowMicros - grant.expiresAt().toEpochMilli() * 1_000;
        }
        count[0] = i + 1;
        if (i + 1 == expected[0]) {
          synchronized (done) {
            done.notifyAll();
          }
        }
      }
    };
    JitAccessManager jit = JitAccessManager.builder()
        .policy(Engines.ALLOW_ALL)
        .auditSink(Engines.NO_OP_SINK)
        .listener(listener)
        .build();

    // Creation takes a while: the window opens after an estimate of it (measured on the first 1e4 grants).
    SplittableRandom random = new SplittableRandom(Delays.SEED);
    Subject[] subjects = new Subject[grants];
    String[] resources = new String[grants];
    long[] offsets = new long[grants];
    for (int i = 0; i < grants; i++) {
      subjects[i] = Engines.subject(i % 100_000);
      resources[i] = Engines.exactResource(i % 100_000, i / 100_000);
      offsets[i] = random.nextLong(spreadMillis);
      if (i >= calibration && offsets[i] < windowMillis) {
        expected[0]++;
      }
    }
    long started = System.currentTimeMillis();
    long windowOpens = Long.MAX_VALUE;
    int created = 0;
    for (int i = 0; i < grants; i++) {
      if (i == calibration) {
        long perGrant = Math.max(1, (System.currentTimeMillis() - started) * 1000 / Math.max(1, i));
        windowOpens = System.currentTimeMillis() + (long) (grants - i) * perGrant / 1000 * 3 / 2 + 10_000;
        windowEnds[0] = windowOpens + windowMillis;
      }
      long expiresAt = (windowOpens == Long.MAX_VALUE ? started + 3_600_000 : windowOpens) + offsets[i];
      long duration = expiresAt - System.currentTimeMillis();
      if (i < calibration) {
        duration = spreadMillis + 3_600_000; // the calibration grants expire after the run
      }
      if (duration <= 0) {
        throw new IllegalStateException("creation was slower than estimated; rerun with fewer grants");
      }
      Engines.grant(jit, Engines.request(subjects[i], resources[i], Duration.ofMillis(duration)));
      created++;
    }
    int measured = expected[0];
    long createdAt = System.currentTimeMillis();
    System.gc();
    synchronized (done) {
      long deadline = windowOpens + windowMillis + 30_000;
      while (count[0] < measured && System.currentTimeMillis() < deadline) {
        done.wait(1_000);
      }
    }
    int n = Math.min(count[0], measured);
    jit.close();
    long[] sorted = Arrays.copyOf(latenessMicros, n);
    Arrays.sort(sorted);
    System.err.printf("created %d grants in %d ms; window opened %d ms after; %d of %d measured expired%n",
        created, createdAt - started, windowOpens - createdAt, n, measured);
    String collector = ManagementFactory.getGarbageCollectorMXBeans().get(0).getName().split(" ")[0];
    System.out.printf("| expiry lateness, %,d pending, expiries spread over %d s, first %d s measured (%,d expiries),"
            + " tick 10 ms, %s collector | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %s |%n",
        grants, spreadMillis / 1000, windowMillis / 1000, n, collector,
        p(sorted, 0.50), p(sorted, 0.99), p(sorted, 0.999), sorted[n - 1] / 1000.0,
        p(sorted, 0.99) <= 15.0 ? "met (p99 ≤ 15 ms)" : "missed (p99 > 15 ms)");
  }

  /** Grants pending besides the burst, so the wheel and the index are not empty. */
  private static final int BACKGROUND = 100_000;

  /** Bursts before the measured one, so that the expiry path is compiled as in a running service. */
  private static final int WARMUP_BURSTS = 3;

  private static void burst(int grants) throws InterruptedException {
    long[] atSink = new long[grants];
    long[] atListener = new long[grants];
    AtomicInteger sunk = new AtomicInteger();
    AtomicInteger heard = new AtomicInteger();
    long[] dueAt = {Long.MAX_VALUE};
    CountDownLatch[] done = {new CountDownLatch(2)};
    AuditSink sink = new AuditSink() {
      @Override
      public void write(AuditEvent event) {
        writeAll(List.of(event));
      }

      @Override
      public void writeAll(List<AuditEvent> events) {
        long now = nowMicros();
        for (AuditEvent event : events) {
          if (event.type() == AuditEventType.EXPIRED) {
            int i = sunk.getAndIncrement();
            if (i < grants) {
              atSink[i] = now - dueAt[0] * 1_000;
            }
            if (i + 1 == grants) {
              done[0].countDown();
            }
          }
        }
      }
    };
    JitAccessListener listener = new JitAccessListener() {
      @Override
      public void onExpired(Grant grant) {
        int i = heard.getAndIncrement();
        if (i < grants) {
          atListener[i] = nowMicros() - grant.expiresAt().toEpochMilli() * 1_000;
        }
        if (i + 1 == grants) {
          done[0].countDown();
        }
      }
    };
    JitAccessManager jit = JitAccessManager.builder().policy(Engines.ALLOW_ALL).auditSink(sink).listener(listener)
        .build();
    for (int i = 0; i < BACKGROUND; i++) {
      Engines.grant(jit, Engines.request(Engines.subject(i), Engines.exactResource(i, 0), Duration.ofHours(2)));
    }
    boolean all = true;
    long createdIn = 0;
    long[] sink99 = null;
    long[] heard99 = null;
    Checker checker = new Checker(jit);
    // The rounds after the warm-up: the measured one, then one with the checker running (which shares the cores).
    for (int round = 0; round <= WARMUP_BURSTS + 1; round++) {
      sunk.set(0);
      heard.set(0);
      done[0] = new CountDownLatch(2);
      long started = System.currentTimeMillis();
      dueAt[0] = started + 2_000 + grants / 2; // creation takes well under 0.5 ms a grant
      for (int i = 0; i < grants; i++) {
        long duration = dueAt[0] - System.currentTimeMillis();
        if (duration <= 0) {
          throw new IllegalStateException("creation was slower than estimated; rerun with fewer grants");
        }
        Engines.grant(jit, Engines.request(Engines.subject(i % BACKGROUND),
            Engines.exactResource(i % BACKGROUND, 1 + round), Duration.ofMillis(duration)));
      }
      createdIn = System.currentTimeMillis() - started;
      System.gc();
      if (round == WARMUP_BURSTS + 1) {
        checker.start();
      }
      all &= done[0].await(dueAt[0] - System.currentTimeMillis() + 60_000, TimeUnit.MILLISECONDS);
      if (round == WARMUP_BURSTS) {
        sink99 = sorted(atSink, sunk.get(), grants);
        heard99 = sorted(atListener, heard.get(), grants);
      }
    }
    checker.finish();
    jit.close();
    int n = sink99.length;
    System.err.printf("created %d grants in %d ms; %s%n", grants, createdIn, all ? "all expired" : "NOT all expired");
    double target = 10 + 5;
    System.out.printf("| expiry burst, %,d grants due in one tick (%,d more pending; after %d warm-up bursts), tick 10 ms:"
            + " lateness at the audit sink | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %s |%n", grants, BACKGROUND,
        WARMUP_BURSTS, p(sink99, 0.50), p(sink99, 0.99), p(sink99, 0.999), sink99[n - 1] / 1000.0,
        p(sink99, 0.99) <= target ? "met (p99 ≤ tick + 5 ms)" : "missed (p99 > tick + 5 ms)");
    System.out.printf("| expiry burst, same run: lateness at the listener | %.2f ms | %.2f ms | %.2f ms | %.2f ms |"
            + " (listener thread) |%n", p(heard99, 0.50), p(heard99, 0.99), p(heard99, 0.999),
        heard99[heard99.length - 1] / 1000.0);
    long[] checked = sorted(atSink, sunk.get(), grants);
    long drainMicros = checked[checked.length - 1]; // from the due millisecond to the burst's last event at the sink
    long dueMicros = dueAt[0] * 1_000;
    checker.report("quiet window before it", dueMicros - drainMicros, dueMicros, null);
    checker.report("while it drains", dueMicros, dueMicros + drainMicros,
        checker.window(dueMicros - drainMicros, dueMicros));
  }

  /**
   * One application thread checking an unrelated grant (subject {@code BACKGROUND - 1}'s, which no burst touches)
   * without pause; every {@value #BATCH} checks it records when the batch started and its ns per check.
   */
  private static final class Checker extends Thread {
    static final int BATCH = 64;
    private static final int MAX_SAMPLES = 1 << 22;

    private final JitAccessManager jit;
    private final Subject subject = Engines.subject(BACKGROUND - 1);
    private final String resource = Engines.exactResource(BACKGROUND - 1, 0);
    private final long[] startedMicros = new long[MAX_SAMPLES];
    private final long[] nanosPerCheck = new long[MAX_SAMPLES];
    private volatile boolean stop;
    private int samples;

    Checker(JitAccessManager jit) {
      super("checker");
      this.jit = jit;
    }

    @Override
    public void run() {
      long baseNanos = System.nanoTime();
      long baseMicros = nowMicros();
      while (!stop && samples < MAX_SAMPLES) {
        long from = System.nanoTime();
        for (int i = 0; i < BATCH; i++) {
          if (!jit.check(subject, resource, "read").allowed()) {
            throw new IllegalStateException("the unrelated grant was denied");
          }
        }
        long to = System.nanoTime();
        startedMicros[samples] = baseMicros + (from - baseNanos) / 1_000;
        nanosPerCheck[samples] = (to - from) / BATCH;
        samples++;
      }
    }

    void finish() throws InterruptedException {
      stop = true;
      join();
    }

    /** The ns per check of the batches that started in [fromMicros, toMicros), sorted. */
    long[] window(long fromMicros, long toMicros) {
      long[] in = new long[samples];
      int count = 0;
      for (int i = 0; i < samples; i++) {
        if (startedMicros[i] >= fromMicros && startedMicros[i] < toMicros) {
          in[count++] = nanosPerCheck[i];
        }
      }
      long[] sorted = Arrays.copyOf(in, count);
      Arrays.sort(sorted);
      return sorted;
    }

    /** A row in the lateness table's columns; against {@code quiet}, the burst row says whether p99 held. */
    void report(String what, long fromMicros, long toMicros, long[] quiet) {
      long[] sorted = window(fromMicros, toMicros);
      if (sorted.length == 0) {
        System.out.printf("| check during an expiry burst, %s: no batch of checks finished | | | | | |%n", what);
        return;
      }
      double perSecond = sorted.length * (double) BATCH / ((toMicros - fromMicros) / 1e6);
      String verdict = String.format("%,.0f checks/s", perSecond);
      if (quiet != null && quiet.length > 0) {
        double ratio = (double) at(sorted, 0.99) / at(quiet, 0.99);
        verdict += String.format(", p99 %.2fx quiet", ratio);
      }
      System.out.printf("| check during an expiry burst, %s (%d ms, ns/check over batches of %d) | %d ns | %d ns"
              + " | %d ns | %d ns | %s |%n", what, (toMicros - fromMicros) / 1_000, BATCH, at(sorted, 0.50),
          at(sorted, 0.99), at(sorted, 0.999), sorted[sorted.length - 1], verdict);
    }

    private static long at(long[] sorted, double q) {
      int index = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
      return sorted[Math.max(0, index)];
    }
  }

  /** The first {@code min(count, grants)} values, sorted. */
  private static long[] sorted(long[] values, int count, int grants) {
    long[] sorted = Arrays.copyOf(values, Math.min(count, grants));
    Arrays.sort(sorted);
    return sorted;
  }

  private static long nowMicros() {
    Instant now = Clock.systemUTC().instant();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
  }

  private static double p(long[] sorted, double q) {
    int index = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
    return sorted[Math.max(0, index)] / 1000.0;
  }
}
