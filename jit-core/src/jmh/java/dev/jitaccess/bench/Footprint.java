package dev.jitaccess.bench;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.Grant;
import dev.jitaccess.GrantState;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.Subject;
import dev.jitaccess.store.InMemoryGrantStore;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * Heap per active grant: used heap after a full GC before and after creating {@code grants} (default 1e6) grants
 * through the public API (in-memory store, its index, the engine's working copy and its timer entry; no-op audit
 * sink), with the inputs (subjects, resource names) allocated before the first reading so they are not counted.
 * Two shapes: 1e6 subjects with one grant each, and 1e5 subjects with ten. Then bytes per pending timer for each
 * timer implementation, and what a ScheduledThreadPoolExecutor keeps after cancelling all of them with
 * removeOnCancel false (the JDK default) and true. Prints Markdown rows.
 *
 * <p>{@code java -cp target/benchmarks.jar dev.jitaccess.bench.Footprint [grants] [1|10|timers] [classes]}: with
 * {@code classes}, also the classes the grants added to the heap, per grant (which objects a miss is made of).
 */
public final class Footprint {

  public static void main(String[] args) throws InterruptedException {
    int grants = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    // What to measure: "1" or "10" grants per subject, or "timers"; each in a JVM of its own gives the cleanest
    // readings (run-benchmarks.sh does that). Default: all three in this JVM.
    String what = args.length > 1 ? args[1] : "all";
    // "classes" after the shape: also the heap's class histogram before and after, per grant (the profile of a miss).
    boolean classes = args.length > 2 && args[2].equals("classes");
    for (int perSubject : new int[] {1, 10}) {
      if (!what.equals("all") && !what.equals(Integer.toString(perSubject))) {
        continue;
      }
      int subjectCount = grants / perSubject;
      Subject[] subjects = new Subject[subjectCount];
      String[] resources = new String[grants];
      for (int s = 0; s < subjectCount; s++) {
        subjects[s] = Engines.subject(s);
        for (int k = 0; k < perSubject; k++) {
          resources[s * perSubject + k] = Engines.exactResource(s, k);
        }
      }
      // The store's share first: the same grants (same shape: ids, actions set, instants) saved in a store alone.
      long storeBefore = usedHeap();
      InMemoryGrantStore store = new InMemoryGrantStore();
      Instant now = Instant.now();
      for (int i = 0; i < grants; i++) {
        AccessRequest request = Engines.request(subjects[i / perSubject], resources[i], Duration.ofHours(12));
        store.save(new Grant(UUID.randomUUID().toString(), UUID.randomUUID().toString(), request.subject(),
            request.resource(), request.actions(), now, now.plus(request.duration()), GrantState.ACTIVE,
            request.justification(), null, List.of(), false, "bench", 0, null, null));
      }
      double storePerGrant = (usedHeap() - storeBefore) / (double) grants;
      store = null;

      // Then the whole: the same grants requested through a manager with its default in-memory store.
      JitAccessManager jit = Engines.manager(Engines.NO_OP_SINK);
      Engines.grant(jit, Engines.request(subjects[0], "warm/up", Duration.ofHours(1))); // classes, first tables
      Map<String, long[]> classesBefore = classes ? histogram() : Map.of();
      long before = usedHeap();
      for (int i = 0; i < grants; i++) {
        Engines.grant(jit, Engines.request(subjects[i / perSubject], resources[i], Duration.ofHours(12)));
      }
      double perGrant = (usedHeap() - before) / (double) grants;
      Map<String, long[]> after = classes ? histogram() : Map.of();
      jit.close();
      jit = null;
      double engine = perGrant - storePerGrant;
      System.out.printf("| heap per active grant, %,d grants, %d per subject: all (in-memory store + engine) | %.0f B"
          + " | %s |%n", grants, perSubject, perGrant, perGrant <= 400 ? "met (≤ 400 B)" : "missed (> 400 B)");
      System.out.printf("| … of which the in-memory store (Grant record, ids, actions set, its indexes) | %.0f B | |%n",
          storePerGrant);
      // The target counts the store's share too (issue 16): the engine's alone gets no verdict.
      System.out.printf("| … of which the engine (working copy, subject index, timer entry) | %.0f B | |%n", engine);
      if (classes) {
        printClasses(classesBefore, after, grants, perSubject);
      }
      subjects = null;
      resources = null;
    }

    if (!what.equals("all") && !what.equals("timers")) {
      return;
    }
    long[] delays = Delays.generate("uniform", grants, Delays.SEED);
    for (String impl : new String[] {"jit", "stpe", "netty", "agrona", "delayQueue"}) {
      long before = usedHeap();
      TimerAdapter timers = TimerAdapter.create(impl, grants);
      for (int i = 0; i < grants; i++) {
        timers.schedule(i, delays[i]);
      }
      Thread.sleep(impl.equals("netty") ? 1_000 : 0); // its worker moves new timeouts into the wheel
      long after = usedHeap();
      System.out.printf("| heap per pending timer, %s, %,d timers (its node or handle and our slot array) | %.0f B | |%n",
          impl, grants, (after - before) / (double) grants);
      timers.close();
    }

    for (boolean removeOnCancel : new boolean[] {false, true}) {
      TimerAdapter timers = TimerAdapter.create(removeOnCancel ? "stpe" : "stpeKeep", grants);
      long before = usedHeap();
      for (int i = 0; i < grants; i++) {
        timers.schedule(i, 5 * Delays.MINUTE);
        timers.cancel(i);
      }
      long after = usedHeap();
      System.out.printf("| ScheduledThreadPoolExecutor, removeOnCancel %s: heap kept after %,d schedule+cancel"
          + " | %.0f B per cancelled timer | |%n", removeOnCancel, grants, (after - before) / (double) grants);
      timers.close();
    }
  }

  /**
   * Instances and bytes per class of the live heap (the JVM's own {@code GC.class_histogram}, which collects first),
   * read through the diagnostic-command MBean so that no tool has to attach from outside.
   */
  static Map<String, long[]> histogram() {
    String text;
    try {
      text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
          new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
          new Object[] {new String[0]}, new String[] {String[].class.getName()});
    } catch (JMException e) {
      throw new IllegalStateException("GC.class_histogram is not available: " + e, e);
    }
    Map<String, long[]> classes = new HashMap<>();
    for (String line : text.split("\n")) {
      String[] cells = line.trim().split("\\s+");
      if (cells.length >= 4 && cells[0].endsWith(":")) {
        classes.put(cells[3], new long[] {Long.parseLong(cells[1]), Long.parseLong(cells[2])});
      }
    }
    return classes;
  }

  /** The classes that grew by at least 4 B per grant, largest first, as Markdown rows. */
  private static void printClasses(Map<String, long[]> before, Map<String, long[]> after, int grants,
      int perSubject) {
    List<Map.Entry<String, long[]>> grown = new ArrayList<>();
    for (Map.Entry<String, long[]> entry : after.entrySet()) {
      long[] was = before.getOrDefault(entry.getKey(), new long[2]);
      long[] delta = {entry.getValue()[0] - was[0], entry.getValue()[1] - was[1]};
      if (delta[1] >= 4L * grants) {
        grown.add(Map.entry(entry.getKey(), delta));
      }
    }
    grown.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
    for (Map.Entry<String, long[]> entry : grown) {
      System.out.printf("| … class %s, %d per subject: %.2f instances per grant | %.0f B | |%n", entry.getKey(),
          perSubject, entry.getValue()[0] / (double) grants, entry.getValue()[1] / (double) grants);
    }
  }

  static long usedHeap() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc(); // a full, stop-the-world collection that has finished when it returns (G1's default)
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
