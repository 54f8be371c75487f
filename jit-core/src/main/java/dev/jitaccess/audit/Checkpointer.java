package dev.jitaccess.audit;

import jakarta.annotation.Nullable;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs {@link AuditCheckpoint}s of a {@link JsonLinesAuditSink} and hands them to its witness, every
 * {@code everyEvents} lines, every {@code interval}, and at close.
 *
 * <p><b>Threads.</b> All the work (reading the head, the {@code fsync} that makes it durable, signing, the
 * witness's I/O) runs on one daemon thread of its own, so a slow or failing witness never delays a write, a
 * revocation or an expiry: writers only {@link #written note} their {@code seq}, which at most queues one task.
 * The chain state ({@code previous}, {@code lastSeq}) is confined to that thread. {@link #close} queues a last
 * checkpoint and waits a bounded time for it.
 */
final class Checkpointer {

  /** How long {@link #close} waits for the last checkpoint. */
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(Checkpointer.class);

  /** A durable point of the log to sign, after the seq given; null from {@code marks} when there is none now. */
  record Mark(long seq, String hash, String file) {}

  /** Signs a checkpoint: with a bare Ed25519 key, or the active key of a {@code SigningKeys}. Thread-safe. */
  interface Signer {
    AuditCheckpoint sign(long seq, String hash, String file, Instant time, String previous)
        throws GeneralSecurityException;
  }

  private final Signer signer;
  private final CheckpointWitness witness;
  private final Clock clock;
  private final int everyEvents;
  private final LongFunction<Mark> marks;
  private final ScheduledThreadPoolExecutor thread;
  /** Whether a checkpoint is queued for the event count; written by writers, cleared by the thread. */
  private final AtomicBoolean requested = new AtomicBoolean();
  /** The seq at which writers last asked; a stale read only delays a request to the next write. */
  private volatile long requestedAt;

  // ---------------------------------------------------------------- confined to the thread
  /** The digest of the last checkpoint in the witness; null until read, and again after a failed append. */
  @Nullable
  private String previous;
  private long lastSeq;

  Checkpointer(Signer signer, CheckpointWitness witness, Clock clock, int everyEvents, Duration interval,
      LongFunction<Mark> marks) {
    this.signer = signer;
    this.witness = witness;
    this.clock = clock;
    this.everyEvents = everyEvents;
    this.marks = marks;
    this.thread = new ScheduledThreadPoolExecutor(1, task -> {
      Thread t = new Thread(task, "jit-audit-checkpoints");
      t.setDaemon(true);
      return t;
    });
    long nanos = interval.toNanos();
    thread.scheduleWithFixedDelay(this::checkpoint, nanos, nanos, TimeUnit.NANOSECONDS);
  }

  /** Called by a writer after its line got {@code seq}: queues a checkpoint once {@code everyEvents} passed. */
  void written(long seq) {
    if (seq - requestedAt >= everyEvents && requested.compareAndSet(false, true)) {
      requestedAt = seq;
      try {
        thread.execute(this::checkpoint);
      } catch (RejectedExecutionException e) {
        // A write that raced with close: the closing checkpoint covers its line.
      }
    }
  }

  /** Writes the last checkpoint (the log is closed by then) and stops the thread. */
  void close() {
    thread.execute(this::checkpoint);
    thread.shutdown();
    try {
      if (!thread.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        log.error("the audit checkpoint witness {} did not take the closing checkpoint within {}: the end of the "
            + "log is not proven", witness, CLOSE_TIMEOUT);
        thread.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      thread.shutdownNow();
    }
  }

  /** On the thread: signs the newest durable line, unless it is signed already. */
  private void checkpoint() {
    requested.set(false);
    try {
      Mark mark = marks.apply(lastSeq);
      if (mark == null) {
        return;
      }
      if (previous == null) {
        List<AuditCheckpoint> stored = witness.read();
        previous = stored.isEmpty() ? AuditChain.GENESIS : stored.get(stored.size() - 1).digest();
      }
      AuditCheckpoint checkpoint = signer.sign(mark.seq(), mark.hash(), mark.file(), clock.instant(), previous);
      previous = null; // unknown until the append is known to have happened
      witness.append(checkpoint);
      previous = checkpoint.digest();
      lastSeq = checkpoint.seq();
    } catch (Exception e) {
      // Never thrown on: the next checkpoint retries, re-reading the witness to link to what it holds.
      log.error("could not write an audit checkpoint to {}; retrying with the next one", witness, e);
    }
  }
}
