package dev.jitaccess.bench;

import dev.jitaccess.JitAccessManager;
import io.netty.util.HashedWheelTimer;
import io.netty.util.TimerTask;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Idle cost: a manager holding {@code grants} (default 1e6) far-future grants (7 to 14 days), nothing due, and for
 * comparison Netty's HashedWheelTimer (at 10 ms and at its default 100 ms tick) and a ScheduledThreadPoolExecutor
 * holding as many far-future timers. CPU time of each one's worker thread over {@code seconds} (default 30), read
 * with ThreadMXBean, all measured over the same interval. Prints Markdown rows.
 *
 * <p>{@code java -cp target/benchmarks.jar dev.jitaccess.bench.IdleCpu [grants] [seconds]}
 */
public final class IdleCpu {

  public static void main(String[] args) throws InterruptedException {
    int grants = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    long[] delays = Delays.generate("week", grants, Delays.SEED);

    JitAccessManager jit = Engines.manager(Engines.NO_OP_SINK);
    for (int i = 0; i < grants; i++) {
      Engines.grant(jit, Engines.request(Engines.subject(i % 100_000), Engines.exactResource(i % 100_000, i / 100_000),
          Duration.ofMillis(delays[i])));
    }
    TimerTask nettyTask = t -> {};
    HashedWheelTimer netty10 = netty("idle-netty-10ms", 10);
    HashedWheelTimer netty100 = netty("idle-netty-100ms", 100);
    ScheduledThreadPoolExecutor stpe = new ScheduledThreadPoolExecutor(1, r -> new Thread(r, "idle-stpe"));
    stpe.setRemoveOnCancelPolicy(true);
    Runnable task = () -> {};
    for (int i = 0; i < grants; i++) {
      netty10.newTimeout(nettyTask, delays[i], TimeUnit.MILLISECONDS);
      netty100.newTimeout(nettyTask, delays[i], TimeUnit.MILLISECONDS);
      stpe.schedule(task, delays[i], TimeUnit.MILLISECONDS);
    }
    System.gc();
    Thread.sleep(3_000); // let the Netty workers move their queues into the wheels

    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    String[] names = {"jit-expiry-", "idle-netty-10ms", "idle-netty-100ms", "idle-stpe"};
    String[] labels = {"jit-access expiry thread (tick 10 ms)", "Netty HashedWheelTimer worker (tick 10 ms)",
        "Netty HashedWheelTimer worker (tick 100 ms, default)", "ScheduledThreadPoolExecutor worker"};
    long[] ids = new long[names.length];
    long[] before = new long[names.length];
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      for (int k = 0; k < names.length; k++) {
        if (thread.getName().startsWith(names[k])) {
          ids[k] = thread.getId();
        }
      }
    }
    for (int k = 0; k < names.length; k++) {
      before[k] = threads.getThreadCpuTime(ids[k]);
    }
    long start = System.nanoTime();
    Thread.sleep(seconds * 1_000L);
    long elapsed = System.nanoTime() - start;
    for (int k = 0; k < names.length; k++) {
      long cpu = threads.getThreadCpuTime(ids[k]) - before[k];
      double percent = 100.0 * cpu / elapsed;
      String verdict = k == 0 ? (percent < 1.0 ? " met (< 1%)" : " missed (≥ 1%)") : "";
      System.out.printf("| idle CPU, %,d far-future timers, %d s: %s | %.2f ms | %.3f%% of a core |%s |%n",
          grants, seconds, labels[k], cpu / 1e6, percent, verdict);
    }
    jit.close();
    netty10.stop();
    netty100.stop();
    stpe.shutdownNow();
  }

  private static HashedWheelTimer netty(String name, long tickMillis) {
    HashedWheelTimer timer = new HashedWheelTimer(r -> {
      Thread thread = new Thread(r, name);
      thread.setDaemon(true);
      return thread;
    }, tickMillis, TimeUnit.MILLISECONDS, 512);
    timer.start();
    return timer;
  }
}
