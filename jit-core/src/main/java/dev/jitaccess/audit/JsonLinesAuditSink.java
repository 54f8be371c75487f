package dev.jitaccess.audit;

import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditChain.End;
import dev.jitaccess.credential.SigningKeys;
import dev.jitaccess.internal.Validate;
import dev.jitaccess.internal.json.JsonWriter;
import jakarta.annotation.Nullable;
import java.io.Closeable;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tamper-evident, durable {@link AuditSink}: one JSON object per line (JSON Lines, RFC 8259), each line
 * hash-chained to the one before, in files that rotate by size or time and are never rewritten.
 *
 * <pre>
 * JsonLinesAuditSink sink = JsonLinesAuditSink.builder(Path.of("/var/log/jit"))
 *     .durability(JsonLinesAuditSink.Durability.GROUP_COMMIT)
 *     .maxFileSize(64 * 1024 * 1024)
 *     .rotateEvery(Duration.ofDays(1))
 *     .hmacKey(key)                      // optional: reasons are written as keyed hashes
 *     .build();
 * </pre>
 *
 * <h2>Format</h2>
 *
 * An event line has these members, in this order, absent ones left out: {@code seq} (1, 2, 3... across all
 * files), {@code timestamp} (ISO-8601 UTC), {@code type}, {@code id}, {@code actor} and {@code subject}
 * (objects {@code {"kind":"USER","id":"alice"}}), {@code resource}, {@code actions} (a sorted array),
 * {@code grantId}, {@code requestId}, {@code reason}, {@code details} (an object), {@code hmac} (the names of
 * the fields written as keyed hashes, if any), {@code prev} and {@code hash}. The hash rule is in
 * {@code AuditChain}: {@code hash = SHA-256(prev || the line without its hash member)}. The sink also writes
 * records of its own, told apart by their {@code type}: {@code OPENED} (the first line of every file: its
 * {@code file} index, the {@code cause} — {@code start}, {@code rotation} or {@code recovery} — the
 * {@code previousFile} and how it ended, {@code previousEnd}: {@code closed}, {@code torn}, {@code unclosed} or
 * {@code rotated}), {@code TRUNCATED} (a fence, see below) and {@code CLOSED}. The first line of a file links to
 * the last line of the previous file, so the chain runs through every file; {@link AuditLogVerifier} checks it.
 * A line is at most 16 MiB; a bigger event is refused. (Logs written before {@code previousEnd} existed still
 * verify and are continued: the verifier reads how a file ended from the file itself.)
 *
 * <h2>Files</h2>
 *
 * Files are named by a pattern (default {@value #DEFAULT_FILE_NAME}; {@code {index}} is the file's number,
 * 8 digits from 1, {@code {date}} the UTC date it was opened, {@code yyyyMMdd}). A new file is written under a
 * hidden temporary name, forced to disk with its header and renamed, so a file of the log always starts with
 * a complete header. Every start opens a new file: an existing file is never written again. The directory is
 * locked ({@code .audit.lock}) against a second sink, in this process or another.
 *
 * <h2>Continuing after a crash</h2>
 *
 * On start the sink reads the end of the newest file and checks the hashes and links of its last lines; a
 * log that does not verify there is not continued ({@link #build} throws) until someone looks at it. A torn
 * last line (a crash in the middle of a write) is reported at {@code ERROR} and fenced: the new file's second
 * line is a {@code TRUNCATED} record naming the torn file, the byte offset and the length of the torn bytes,
 * which stay where they are, and its {@code OPENED} record says {@code previousEnd} {@code torn}. The chain
 * continues from the last complete line. A file that ends with a whole line but no {@code CLOSED} record (a crash
 * between writes, or a tail cut at a line end: they look the same) is continued with {@code previousEnd}
 * {@code unclosed}, so a restart never hides a cut: {@link AuditLogVerifier} lists it, and fails it when asked to
 * require closed files. The same happens after an I/O failure while running: the failing file is abandoned and
 * the next write opens a new one ({@code cause} {@code recovery}); events written to the abandoned file but not
 * yet acknowledged may be in it.
 *
 * <p><b>Nothing follows a {@code CLOSED} record.</b> The sink never writes after it, so anything found there on
 * start (a partial line or whole lines) was put there by someone else: it is not fenced as a crash would be, and
 * {@link #build} throws, naming the file. A security log that silently accepted an edit would hide it; the
 * operator keeps the file as evidence and moves it aside, and the next start continues from the file before.
 *
 * <h2>Durability</h2>
 *
 * See {@link Durability}. {@link #write} returns only when the event is as durable as the mode promises, and
 * throws an {@link AuditException} when it is not: then the caller must treat the event as not recorded.
 *
 * <h2>Threads and locks</h2>
 *
 * There is no thread of its own: callers do the I/O. Two monitors, always taken in this order:
 *
 * <ol>
 *   <li>the append lock, held to give the event its {@code seq}, hash it, and hand its bytes to the OS with one
 *       {@code write} (and, rarely, to rotate). It is never held across an {@code fsync}, except the one that
 *       seals a file at rotation or close;
 *   <li>the sync monitor, which only guards counters: how far the log is durable, and which writes failed.
 * </ol>
 *
 * Each write gets a ticket (1, 2, 3... in write order). With {@code GROUP_COMMIT}, a writer whose line is
 * not durable yet waits on the sync monitor (which {@code wait} releases) while an {@code fsync} that started
 * after its line was written is running, since that one covers it. Otherwise it starts an {@code fsync} itself,
 * for every line written so far, holding no lock, then marks those tickets durable and wakes the waiters; at
 * most {@value #MAX_SYNCS_RUNNING} such {@code fsync}s run at once, so the writers who arrive meanwhile gather
 * into the next one. One {@code fsync} thus serves a batch, a writer returns once its own line is on disk, and
 * a new {@code fsync} need not wait for the running one: two overlap, which the file system's journal merges
 * further. (Measured on Linux/ext4, one {@code fsync} at a time was slower than independent {@code fsync}s with
 * two or four writers; unbounded overlap did not batch at all.) With {@code FSYNC_EACH} every writer calls
 * {@code fsync} itself after its write, also holding no lock. A rotation forces the old file before it closes
 * it, so an {@code fsync} that lost its file to a rotation still counts. Files are written through
 * {@link FileOutputStream}, which a thread interrupt cannot close (unlike an NIO channel).
 *
 * <p>The one exception to "no thread of its own": with {@link Builder#checkpoints}, a daemon thread
 * ({@code Checkpointer}) signs checkpoints. It takes the append lock only to read the head, forces the file
 * itself holding no lock, and does the signing and the witness's I/O holding none, so writers never wait for it;
 * a writer only queues a request (at most one pending) when its line completes a batch of events.
 *
 * <h2>Signed checkpoints</h2>
 *
 * A hash chain alone cannot show lines cut from its end, a tail re-hashed after an edit, or a deleted newest
 * file. With {@link Builder#checkpoints}, the sink signs {@code {seq, hash, file, time, previous}} of its newest
 * durable line with an Ed25519 key (or the ES256 or EdDSA key pair active in a {@link SigningKeys}), every {@link Builder#checkpointEvery N events and T} and at close, and
 * appends it to a {@link CheckpointWitness} kept where the log's writer cannot rewrite it (as CloudTrail's digest
 * files and Certificate Transparency's signed tree heads do). {@link AuditLogVerifier} then needs only the public
 * key (or the JWKS) to prove the log up to the last checkpoint.
 */
public final class JsonLinesAuditSink implements AuditSink, Closeable {

  /** How durable an event is when {@link #write} returns. */
  public enum Durability {
    /**
     * Every write is followed by its own {@code fsync}: an acknowledged event survives a power loss. The
     * slowest: about one event per disk flush (one writer), a few per flush with concurrent writers.
     */
    FSYNC_EACH,
    /**
     * Concurrent writes share one {@code fsync} (group commit): an acknowledged event survives a power loss,
     * and throughput grows with the number of concurrent writers. A lone writer pays as much as with
     * {@link #FSYNC_EACH}. The default.
     */
    GROUP_COMMIT,
    /**
     * A write returns once the line is handed to the operating system: it survives a crash of the process
     * (even {@code kill -9}), not a crash of the machine. The fastest.
     */
    OS_BUFFERED
  }

  /** The position of a line in the chain, to anchor a later verification ({@link AuditLogVerifier}). */
  public record Head(long seq, String hash) {}

  /** The default file name pattern. */
  public static final String DEFAULT_FILE_NAME = "audit-{index}.jsonl";
  /** The default size at which a file is rotated: 64 MiB. */
  public static final long DEFAULT_MAX_FILE_SIZE = 64L << 20;
  /** The smallest size allowed for {@link Builder#maxFileSize}. */
  public static final long MIN_FILE_SIZE = 1024;
  /** The prefix of a value written as a keyed hash. */
  public static final String HMAC_PREFIX = AuditHmac.PREFIX;

  /** The default for {@link Builder#checkpointEvery}: a checkpoint every 1,000 events... */
  public static final int DEFAULT_CHECKPOINT_EVENTS = 1_000;
  /** ...and every second. */
  public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(1);

  static final String LOCK_FILE = ".audit.lock";

  private static final Logger log = LoggerFactory.getLogger(JsonLinesAuditSink.class);
  private static final int TAIL_CHUNK = 64 * 1024;
  /**
   * GROUP_COMMIT runs at most this many fsyncs at once: two overlap (the journal merges them), and the writers
   * who arrive meanwhile gather into the next one, which is the batching.
   */
  static final int MAX_SYNCS_RUNNING = 2;

  // ---------------------------------------------------------------- configuration
  private final Path directory;
  private final FileNames names;
  private final Durability durability;
  private final long maxFileSize;
  @Nullable
  private final Duration rotateEvery;
  @Nullable
  private final AuditHmac hmac;
  private final Clock clock;
  private final OutputOpener opener;
  private final FileChannel lockChannel;
  private final FileLock directoryLock;
  @Nullable
  private final Checkpointer checkpointer;

  // ---------------------------------------------------------------- guarded by appendLock
  private final Object appendLock = new Object();
  private final JsonWriter json = new JsonWriter();
  private final MessageDigest sha = AuditChain.sha256();
  /** The lines of the batch being appended, handed to the file with one write. */
  private final ByteArray lines = new ByteArray();
  private Output out;
  private String fileName;
  private int fileIndex;
  private long fileSize;
  private Instant fileOpenedAt;
  private long seq;
  private byte[] lastHash;
  private long ticket;
  @Nullable
  private IOException broken;
  private boolean closed;

  /** The newest write, for the {@code fsync} path; published under appendLock. */
  private volatile Written written;

  // ---------------------------------------------------------------- guarded by syncMonitor
  private final Object syncMonitor = new Object();
  private long durableTicket;
  private long failedUpToTicket;
  /** The newest ticket that an fsync already started (or finished) covers. */
  private long syncingUpToTicket;
  /** How many GROUP_COMMIT fsyncs are running. */
  private int syncsRunning;
  @Nullable
  private IOException failure;

  private record Written(Output out, long ticket) {}

  private JsonLinesAuditSink(Builder b) throws IOException {
    this.directory = b.directory;
    this.names = b.names;
    this.durability = b.durability;
    this.maxFileSize = b.maxFileSize;
    this.rotateEvery = b.rotateEvery;
    this.hmac = b.hmac == null ? null : b.hmac.andDetails(b.hmacDetails.toArray(String[]::new));
    this.clock = b.clock;
    this.opener = b.opener;
    Files.createDirectories(directory);
    this.lockChannel = FileChannel.open(directory.resolve(LOCK_FILE), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      lockChannel.close();
      throw new AuditException("another JsonLinesAuditSink is writing to " + directory);
    }
    this.directoryLock = lock;
    try {
      synchronized (appendLock) {
        openNext("start", null);
      }
    } catch (IOException | RuntimeException e) {
      releaseLock();
      throw e;
    }
    this.checkpointer = b.checkpointSigner == null ? null : new Checkpointer(b.checkpointSigner, b.witness, clock,
        b.checkpointEvents, b.checkpointInterval, this::durableMark);
  }

  /** A builder for a sink writing to {@code directory} (created if missing). */
  public static Builder builder(Path directory) {
    return new Builder(Validate.notNull("directory", directory));
  }

  /**
   * Records one event, as durably as the {@link Durability} says, before it returns.
   *
   * @throws AuditException when the event could not be recorded (the sink is closed, the disk failed)
   */
  @Override
  public void write(AuditEvent event) {
    append(event);
  }

  /**
   * As {@link #write}, and tells the event's {@code seq} in the log.
   *
   * @throws AuditException when the event could not be recorded
   */
  public long append(AuditEvent event) {
    Validate.notNull("event", event);
    return appendAll(List.of(event));
  }

  /**
   * Records the events in order, as {@link #write} does each, with one {@code write} to the file and, for
   * {@link Durability#FSYNC_EACH} and {@link Durability#GROUP_COMMIT}, one {@code fsync} for all of them. They go
   * to one file: a rotation that falls due takes place before them. All or none: an event too large for a line
   * refuses the batch before anything is written, and a failed write or {@code fsync} fails every one of them.
   *
   * @throws AuditException when the events could not be recorded
   */
  @Override
  public void writeAll(List<AuditEvent> events) {
    Validate.notNull("events", events);
    for (int i = 0; i < events.size(); i++) {
      Validate.notNull("events[" + i + "]", events.get(i));
    }
    if (!events.isEmpty()) {
      appendAll(events);
    }
  }

  /** Appends a non-empty batch of events; returns the {@code seq} of its last line. */
  private long appendAll(List<AuditEvent> events) {
    AuditEvent first = events.get(0);
    long myTicket;
    long mySeq;
    Output myOut;
    synchronized (appendLock) {
      ensureWritable(first);
      try {
        rotateIfDue();
        long seqBefore = seq;
        byte[] hashBefore = lastHash;
        lines.length = 0;
        for (AuditEvent event : events) {
          byte[] hash = encodeEvent(event, seq + 1);
          if (json.length() > AuditChain.MAX_LINE) {
            seq = seqBefore; // nothing of the batch was written: the chain goes on from before it
            lastHash = hashBefore;
            throw new AuditException("cannot write " + describe(event) + ": its line would be " + json.length()
                + " bytes, more than the " + AuditChain.MAX_LINE + " a log line may have");
          }
          lines.add(json);
          seq++;
          lastHash = hash;
        }
        out.write(lines.bytes, 0, lines.length);
        fileSize += lines.length;
      } catch (IOException e) {
        throw fail(e, first);
      } finally {
        lines.shrink();
      }
      mySeq = seq;
      myTicket = ++ticket;
      myOut = out;
      written = new Written(out, myTicket);
    }
    switch (durability) {
      case FSYNC_EACH -> syncOwn(myOut, myTicket, first);
      case GROUP_COMMIT -> groupCommit(myTicket, first);
      case OS_BUFFERED -> { }
    }
    if (checkpointer != null) {
      checkpointer.written(mySeq);
    }
    return mySeq;
  }

  /**
   * For the checkpoint thread: the newest line, once it is on disk (an {@code fsync} of its own, holding no
   * lock), so a checkpoint never vouches for a line a power loss could take back. Null when it cannot be made
   * durable now (the file failed, or a rotation closed it meanwhile: the next checkpoint takes the new file),
   * or when nothing follows {@code signedSeq}.
   */
  @Nullable
  private Checkpointer.Mark durableMark(long signedSeq) {
    Checkpointer.Mark mark;
    Output target;
    synchronized (appendLock) {
      if (broken != null || seq <= signedSeq) {
        return null;
      }
      mark = new Checkpointer.Mark(seq, AuditChain.hex(lastHash), fileName);
      target = closed ? null : out; // close forced its CLOSED record already
    }
    if (target != null) {
      try {
        target.sync();
      } catch (IOException e) {
        log.debug("not checkpointing seq {} now: {}", mark.seq(), e.toString());
        return null;
      }
    }
    return mark;
  }

  /**
   * The keyed hash of {@code text} as this sink writes it in place of a sensitive field
   * ({@value #HMAC_PREFIX} and 64 hex digits), so whoever holds the key can find a known justification in a
   * shared log.
   *
   * @throws IllegalStateException if the sink has no HMAC key
   */
  public String hmac(String text) {
    Validate.notNull("text", text);
    if (hmac == null) {
      throw new IllegalStateException("this sink has no HMAC key");
    }
    return hmac.hash(text);
  }

  /** The newest line written (not necessarily durable yet), for anchoring a later verification. */
  public Head head() {
    synchronized (appendLock) {
      return new Head(seq, AuditChain.hex(lastHash));
    }
  }

  /** The file being written. */
  public Path currentFile() {
    synchronized (appendLock) {
      return directory.resolve(fileName);
    }
  }

  public Path directory() {
    return directory;
  }

  public Durability durability() {
    return durability;
  }

  /**
   * Writes a {@code CLOSED} record, forces the file to disk, writes the last checkpoint (waiting at most
   * {@code 10 s} for the witness) and releases the directory. Later writes throw. Idempotent.
   */
  @Override
  public void close() {
    synchronized (appendLock) {
      if (closed) {
        return;
      }
      closed = true;
      try {
        if (broken == null) {
          json.reset().beginObject().field("seq", seq + 1).field("timestamp", now()).field("type", AuditChain.CLOSED);
          byte[] hash = finishLine(lastHash);
          out.write(json.bytes(), 0, json.length());
          out.sync();
          seq++;
          lastHash = hash;
          markDurable(ticket);
          log.info("closed the audit log {} at seq {} (hash {})", directory.resolve(fileName), seq,
              AuditChain.hex(lastHash));
        }
      } catch (IOException e) {
        fail(e, null);
      } finally {
        closeQuietly(out);
        synchronized (syncMonitor) {
          syncMonitor.notifyAll();
        }
      }
    }
    // Before the directory is released, so a next sink links its checkpoints to this one's last.
    if (checkpointer != null) {
      checkpointer.close();
    }
    releaseLock();
  }

  @Override
  public String toString() {
    synchronized (appendLock) {
      return "JsonLinesAuditSink[" + directory.resolve(fileName) + ", " + durability + ", seq " + seq
          + (hmac != null ? ", hmac" : "") + (closed ? ", closed" : broken != null ? ", failing" : "") + "]";
    }
  }

  // ---------------------------------------------------------------- durability

  private void syncOwn(Output myOut, long myTicket, AuditEvent event) {
    try {
      myOut.sync();
      markDurable(myTicket);
    } catch (IOException e) {
      failUnlessReplaced(myOut, e);
    }
    synchronized (syncMonitor) {
      if (durableTicket < myTicket) {
        throw notDurable(event);
      }
    }
  }

  private void groupCommit(long myTicket, AuditEvent event) {
    boolean interrupted = false;
    try {
      while (true) {
        Written batch;
        synchronized (syncMonitor) {
          while (true) {
            if (durableTicket >= myTicket) {
              return;
            }
            if (failedUpToTicket >= myTicket) {
              throw notDurable(event);
            }
            if (syncingUpToTicket < myTicket && syncsRunning < MAX_SYNCS_RUNNING) {
              // No fsync started since this line was written: start one, for every line written so far.
              batch = written;
              syncingUpToTicket = batch.ticket;
              syncsRunning++;
              break;
            }
            try {
              syncMonitor.wait(); // an fsync that started after this line was written covers it
            } catch (InterruptedException e) {
              interrupted = true; // the line is written; its fate must be known before returning
            }
          }
        }
        IOException error = null;
        try {
          batch.out.sync(); // holding no lock
        } catch (IOException e) {
          error = e;
        }
        if (error != null) {
          failUnlessReplaced(batch.out, error);
        }
        synchronized (syncMonitor) {
          syncsRunning--;
          if (error == null && batch.ticket > durableTicket) {
            durableTicket = batch.ticket;
          }
          syncMonitor.notifyAll();
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void markDurable(long upTo) {
    synchronized (syncMonitor) {
      if (upTo > durableTicket) {
        durableTicket = upTo;
      }
      syncMonitor.notifyAll();
    }
  }

  /** An fsync failed: the file is abandoned, unless a rotation or close already sealed and replaced it. */
  private void failUnlessReplaced(Output synced, IOException e) {
    synchronized (appendLock) {
      if (synced == out && broken == null && !closed) {
        fail(e, null);
      }
    }
  }

  /** Called under appendLock: the current file is abandoned; every unconfirmed write fails. */
  private AuditException fail(IOException e, @Nullable AuditEvent event) {
    if (broken == null) {
      log.error("the audit log {} failed; the next write starts a new file", directory.resolve(fileName), e);
    }
    broken = e;
    closeQuietly(out);
    synchronized (syncMonitor) {
      failedUpToTicket = ticket;
      failure = e;
      syncMonitor.notifyAll();
    }
    return new AuditException("could not write " + describe(event) + " to the audit log "
        + directory.resolve(fileName), e);
  }

  private AuditException notDurable(AuditEvent event) {
    IOException cause;
    synchronized (syncMonitor) {
      cause = failure;
    }
    String message = "could not force " + describe(event) + " to disk in " + directory;
    return cause != null ? new AuditException(message, cause) : new AuditException(message + ": the sink was closed");
  }

  private static String describe(@Nullable AuditEvent event) {
    return event == null ? "a record" : "the " + event.type() + " event " + Validate.show(event.id());
  }

  /** Called under appendLock. */
  private void ensureWritable(AuditEvent event) {
    if (closed) {
      throw new AuditException("cannot write " + describe(event) + ": the audit log in " + directory + " is closed");
    }
    if (broken != null) {
      IOException cause = broken;
      try {
        openNext("recovery", cause);
        broken = null;
        log.warn("the audit log recovered in a new file {} after: {}", fileName, cause.toString());
      } catch (IOException | RuntimeException e) {
        AuditException failed = new AuditException("cannot write " + describe(event) + ": the audit log in "
            + directory + " failed (" + cause + ") and cannot start a new file", e);
        failed.addSuppressed(cause);
        throw failed;
      }
    }
  }

  // ---------------------------------------------------------------- files

  /** Called under appendLock. */
  private void rotateIfDue() throws IOException {
    boolean bySize = fileSize >= maxFileSize;
    boolean byTime = rotateEvery != null && !clock.instant().isBefore(fileOpenedAt.plus(rotateEvery));
    if (!bySize && !byTime) {
      return;
    }
    // Seal the old file: everything written to it becomes durable before it is closed.
    out.sync();
    markDurable(ticket);
    out.close();
    createFile(fileIndex + 1, fileName, AuditChain.ROTATION, null, End.ROTATED, null);
  }

  /**
   * Called under appendLock, at start and after a failure: reads the end of the newest file, checks it, and
   * opens the next file, fencing a torn last line.
   */
  private void openNext(String cause, @Nullable IOException failureCause) throws IOException {
    List<Path> leftovers = new ArrayList<>();
    int lastIndex = 0;
    Path lastFile = null;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (name.startsWith(".") && name.endsWith(".tmp") && names.index(name.substring(1, name.length() - 4)) > 0) {
          leftovers.add(entry);
          continue;
        }
        int index = names.index(name);
        if (index > lastIndex) {
          lastIndex = index;
          lastFile = entry;
        }
      }
    }
    for (Path leftover : leftovers) {
      log.warn("deleting {}: a new audit file that was never completed (no event was acknowledged in it)", leftover);
      Files.deleteIfExists(leftover);
    }
    seq = 0;
    lastHash = new byte[32];
    Tail tail = null;
    if (lastFile != null) {
      tail = readTail(lastFile, lastIndex);
      if (tail.torn != null) {
        log.error("the audit log {} ends with a torn line ({} bytes at offset {}): a crash during a write. "
            + "It is kept as it is and fenced by a TRUNCATED record in the next file", lastFile, tail.torn.length,
            tail.torn.offset);
      } else if (tail.end == End.UNCLOSED) {
        log.warn("the audit log {} ends without a CLOSED record: its writer crashed or failed, or its tail was "
            + "cut. The next file's OPENED record says so (previousEnd unclosed)", lastFile);
      }
    }
    createFile(lastIndex + 1, lastFile == null ? null : lastFile.getFileName().toString(), cause, failureCause,
        tail == null ? null : tail.end, tail == null ? null : tail.torn);
  }

  private record Torn(int fileIndex, long offset, long length) {}

  /** How the newest file ends: its torn last line, if any. */
  private record Tail(End end, @Nullable Torn torn) {}

  /**
   * Sets seq and lastHash from the last complete line of {@code file}, after checking the lines around it, and
   * tells how the file ends. Bytes after a CLOSED record are not a crash (the sink writes nothing after it), so
   * they are never fenced: the log is not continued.
   */
  private Tail readTail(Path file, int index) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      int chunk = TAIL_CHUNK;
      while (true) {
        int length = (int) Math.min(size, chunk);
        long base = size - length;
        byte[] buf = new byte[length];
        ByteBuffer target = ByteBuffer.wrap(buf);
        while (target.hasRemaining()) {
          if (channel.read(target, base + target.position()) < 0) {
            throw new IOException("the audit log " + file + " shrank while being read");
          }
        }
        int lastNewline = lastIndexOf(buf, buf.length - 1);
        int firstLineStart = base == 0 ? 0 : (lastNewline < 0 ? -1 : indexOf(buf, 0) + 1);
        int previousNewline = lastNewline < 0 ? -1 : lastIndexOf(buf, lastNewline - 1);
        boolean lastLineWhole = lastNewline >= 0 && (previousNewline >= 0 || base == 0);
        if (!lastLineWhole) {
          if (base == 0) {
            throw new AuditException("cannot continue the audit log: " + file + " has no complete line. Move it "
                + "aside after checking it with AuditLogVerifier");
          }
          if (chunk >= AuditChain.MAX_LINE) {
            throw new AuditException("cannot continue the audit log: the last line of " + file + " is too long");
          }
          chunk *= 2;
          continue;
        }
        boolean closed = checkTail(file, buf, firstLineStart, lastNewline);
        long tornOffset = base + lastNewline + 1;
        if (closed && tornOffset < size) {
          throw afterClosed(file, (size - tornOffset) + " bytes");
        }
        return closed ? new Tail(End.CLOSED, null) : tornOffset < size
            ? new Tail(End.TORN, new Torn(index, tornOffset, size - tornOffset)) : new Tail(End.UNCLOSED, null);
      }
    }
  }

  /**
   * Checks every whole line of {@code buf[from, lastNewline]} and their links, keeping the last one's position;
   * tells whether it is a CLOSED record.
   */
  private boolean checkTail(Path file, byte[] buf, int from, int lastNewline) {
    AuditChain.Line previous = null;
    int start = from;
    while (start <= lastNewline) {
      int end = indexOf(buf, start);
      if (previous != null && AuditChain.CLOSED.equals(previous.type())) {
        throw afterClosed(file, "a line");
      }
      try {
        AuditChain.Line line = AuditChain.parseAndCheck(sha, buf, start, end);
        if (previous != null && (line.seq() != previous.seq() + 1 || !line.prev().equals(previous.hash()))) {
          throw new AuditChain.BadLineException("it does not link to the line before it");
        }
        previous = line;
      } catch (AuditChain.BadLineException e) {
        throw new AuditException("cannot continue the audit log: a line near the end of " + file + " does not "
            + "verify (" + e.getMessage() + "). Check the log with AuditLogVerifier and move the broken file aside");
      }
      start = end + 1;
    }
    seq = previous.seq();
    lastHash = AuditChain.unhex(previous.hash());
    return AuditChain.CLOSED.equals(previous.type());
  }

  private static AuditException afterClosed(Path file, String what) {
    return new AuditException("cannot continue the audit log: " + file + " has " + what + " after its CLOSED "
        + "record. The sink writes nothing after it, so this was added later: the log was tampered with. Check it "
        + "with AuditLogVerifier, keep the file as evidence and move it aside");
  }

  private static int indexOf(byte[] buf, int from) {
    for (int i = from; i < buf.length; i++) {
      if (buf[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private static int lastIndexOf(byte[] buf, int from) {
    for (int i = from; i >= 0; i--) {
      if (buf[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /**
   * Called under appendLock: writes the header (and the fence) of file {@code index} under a temporary name,
   * forces it, renames it into place, and makes it the current file.
   */
  private void createFile(int index, @Nullable String previousFile, String cause, @Nullable IOException failureCause,
      @Nullable End previousEnd, @Nullable Torn torn) throws IOException {
    Instant opened = clock.instant();
    String name = names.format(index, opened);
    Path target = directory.resolve(name);
    if (Files.exists(target)) {
      throw new IOException("cannot start the audit file " + target + ": it exists");
    }
    ByteArray header = new ByteArray();
    long nextSeq = seq + 1;
    json.reset().beginObject().field("seq", nextSeq).field("timestamp", now()).field("type", AuditChain.OPENED)
        .field("file", index).field("cause", cause).field("previousFile", previousFile)
        .field("previousEnd", previousEnd == null ? null : previousEnd.value())
        .field("failure", failureCause == null ? null : failureCause.toString());
    byte[] hash = finishLine(lastHash);
    header.add(json);
    if (torn != null) {
      json.reset().beginObject().field("seq", ++nextSeq).field("timestamp", now()).field("type", AuditChain.TRUNCATED)
          .field("file", torn.fileIndex).field("offset", torn.offset).field("length", torn.length)
          .field("reason", "the last line of the previous file is incomplete (a crash during a write); its bytes "
              + "are kept and are not part of the chain");
      hash = finishLine(hash);
      header.add(json);
    }
    Path temporary = directory.resolve("." + name + ".tmp");
    try (Output file = opener.open(temporary)) {
      file.write(header.bytes, 0, header.length);
      file.sync();
    }
    try {
      Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temporary, target);
    }
    syncDirectory();
    Output next = opener.open(target);
    seq = nextSeq;
    lastHash = hash;
    out = next;
    fileName = name;
    fileIndex = index;
    fileSize = header.length;
    fileOpenedAt = opened;
    // Not marked durable here: after a failure, the tickets written so far failed.
    written = new Written(out, ticket);
  }

  private void syncDirectory() {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      // Some platforms cannot open a directory; the rename is then as durable as the platform makes it.
      log.debug("could not force the directory {} to disk", directory, e);
    }
  }

  private void releaseLock() {
    try {
      directoryLock.release();
    } catch (IOException e) {
      log.debug("could not release the lock on {}", directory, e);
    }
    closeQuietly(lockChannel);
  }

  private static void closeQuietly(@Nullable Closeable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (IOException e) {
      log.debug("could not close {}", closeable, e);
    }
  }

  // ---------------------------------------------------------------- encoding (under appendLock)

  private byte[] encodeEvent(AuditEvent event, long lineSeq) {
    json.reset().beginObject()
        .field("seq", lineSeq)
        .field("timestamp", DateTimeFormatter.ISO_INSTANT.format(event.timestamp()))
        .field("type", event.type().name())
        .field("id", event.id());
    subject("actor", event.actor());
    subject("subject", event.subject());
    json.field("resource", event.resource())
        .field("actions", event.actions())
        .field("grantId", event.grantId())
        .field("requestId", event.requestId());
    List<String> hashed = null;
    if (event.reason() != null && hmac != null) {
      json.field("reason", hmac.hash(event.reason()));
      hashed = new ArrayList<>();
      hashed.add("reason");
    } else {
      json.field("reason", event.reason());
    }
    json.beginObject("details");
    for (Map.Entry<String, String> detail : event.details().entrySet()) {
      if (hmac != null && hmac.hashesDetail(detail.getKey())) {
        json.field(detail.getKey(), hmac.hash(detail.getValue()));
        if (hashed == null) {
          hashed = new ArrayList<>();
        }
        hashed.add("details." + detail.getKey());
      } else {
        json.field(detail.getKey(), detail.getValue());
      }
    }
    json.endObject();
    if (hashed != null) {
      json.field("hmac", hashed);
    }
    return finishLine(lastHash);
  }

  private void subject(String name, @Nullable Subject subject) {
    if (subject != null) {
      json.beginObject(name).field("kind", subject.kind().name()).field("id", subject.id()).endObject();
    }
  }

  /** Appends prev and hash to the object in {@link #json}, closes it and the line; returns the line's hash. */
  private byte[] finishLine(byte[] prev) {
    json.field("prev", AuditChain.hex(prev));
    byte[] hash = AuditChain.hashOf(sha, prev, json.bytes(), 0, json.length());
    json.field("hash", AuditChain.hex(hash)).endObject().put('\n');
    return hash;
  }

  private String now() {
    return DateTimeFormatter.ISO_INSTANT.format(clock.instant());
  }

  /** A growing byte buffer (doubling, so a batch of n lines costs O(n) copying). */
  private static final class ByteArray {
    /** What a buffer keeps between batches; one burst's larger buffer is let go. */
    private static final int KEPT = 64 * 1024;

    byte[] bytes = new byte[0];
    int length;

    void add(JsonWriter json) {
      int needed = length + json.length();
      if (needed > bytes.length) {
        bytes = Arrays.copyOf(bytes, (int) Math.min(Integer.MAX_VALUE - 8L, Math.max(needed, bytes.length * 2L)));
      }
      System.arraycopy(json.bytes(), 0, bytes, length, json.length());
      length = needed;
    }

    void shrink() {
      length = 0;
      if (bytes.length > KEPT) {
        bytes = new byte[KEPT];
      }
    }
  }

  // ---------------------------------------------------------------- I/O seam (tests inject failures here)

  /** Where lines go: an append-only file. */
  interface Output extends Closeable {
    void write(byte[] bytes, int offset, int length) throws IOException;

    /** Forces everything written so far to the storage device. */
    void sync() throws IOException;
  }

  /** Opens a file for appending, creating it if missing. */
  @FunctionalInterface
  interface OutputOpener {
    Output open(Path file) throws IOException;
  }

  /** The real thing: a {@link FileOutputStream}, which an interrupt cannot close, and {@code fsync}. */
  static final OutputOpener FILES = file -> {
    FileOutputStream stream = new FileOutputStream(file.toFile(), true);
    return new Output() {
      @Override
      public void write(byte[] bytes, int offset, int length) throws IOException {
        stream.write(bytes, offset, length);
      }

      @Override
      public void sync() throws IOException {
        stream.getFD().sync();
      }

      @Override
      public void close() throws IOException {
        stream.close();
      }

      @Override
      public String toString() {
        return file.toString();
      }
    };
  };

  // ---------------------------------------------------------------- file names

  /** A file name pattern: {@code {index}} once, {@code {date}} at most once, ending in {@code .jsonl}. */
  static final class FileNames {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);
    private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9._{}-]+");

    private final String pattern;
    private final Pattern regex;

    FileNames(String pattern) {
      Validate.notNull("fileName", pattern);
      Validate.requireArgument(ALLOWED.matcher(pattern).matches() && !pattern.startsWith("."), "fileName", pattern,
          "must be made of letters, digits, '.', '_', '-' and the placeholders, and not start with '.'");
      Validate.requireArgument(count(pattern, "{index}") == 1, "fileName", pattern, "must contain {index} once");
      Validate.requireArgument(count(pattern, "{date}") <= 1, "fileName", pattern,
          "must contain {date} at most once");
      Validate.requireArgument(pattern.endsWith(".jsonl"), "fileName", pattern, "must end with .jsonl");
      String rest = pattern.replace("{index}", "").replace("{date}", "");
      Validate.requireArgument(rest.indexOf('{') < 0 && rest.indexOf('}') < 0, "fileName", pattern,
          "knows only the placeholders {index} and {date}");
      this.pattern = pattern;
      StringBuilder re = new StringBuilder();
      Matcher m = Pattern.compile("\\{index\\}|\\{date\\}").matcher(pattern);
      int last = 0;
      while (m.find()) {
        re.append(Pattern.quote(pattern.substring(last, m.start())));
        re.append(m.group().equals("{index}") ? "(\\d{8,9})" : "\\d{8}");
        last = m.end();
      }
      re.append(Pattern.quote(pattern.substring(last)));
      this.regex = Pattern.compile(re.toString());
    }

    String format(int index, Instant opened) {
      return pattern.replace("{index}", String.format("%08d", index)).replace("{date}", DATE.format(opened));
    }

    /** The index in a file name of this pattern, or 0. */
    int index(String name) {
      Matcher m = regex.matcher(name);
      return m.matches() ? Integer.parseInt(m.group(1)) : 0;
    }

    private static int count(String text, String part) {
      int n = 0;
      for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
        n++;
      }
      return n;
    }
  }

  // ---------------------------------------------------------------- builder

  /** Configures a {@link JsonLinesAuditSink}. Each setter checks its argument at once. */
  public static final class Builder {
    private final Path directory;
    private FileNames names = new FileNames(DEFAULT_FILE_NAME);
    private Durability durability = Durability.GROUP_COMMIT;
    private long maxFileSize = DEFAULT_MAX_FILE_SIZE;
    @Nullable
    private Duration rotateEvery;
    @Nullable
    private AuditHmac hmac;
    private final Set<String> hmacDetails = new LinkedHashSet<>();
    private Clock clock = Clock.systemUTC();
    private OutputOpener opener = FILES;
    @Nullable
    private Checkpointer.Signer checkpointSigner;
    @Nullable
    private CheckpointWitness witness;
    private int checkpointEvents = DEFAULT_CHECKPOINT_EVENTS;
    private Duration checkpointInterval = DEFAULT_CHECKPOINT_INTERVAL;

    private Builder(Path directory) {
      this.directory = directory;
    }

    /**
     * The file name pattern: {@code {index}} (required) becomes the file's number, 8 digits; {@code {date}}
     * (optional) the UTC date the file was opened. Must end with {@code .jsonl}. Default
     * {@value JsonLinesAuditSink#DEFAULT_FILE_NAME}.
     */
    public Builder fileName(String pattern) {
      this.names = new FileNames(pattern);
      return this;
    }

    /** How durable a write is when it returns. Default {@link Durability#GROUP_COMMIT}. */
    public Builder durability(Durability durability) {
      this.durability = Validate.notNull("durability", durability);
      return this;
    }

    /** A file that reached this size is closed and a new one started. Default 64 MiB; at least 1 KiB. */
    public Builder maxFileSize(long bytes) {
      Validate.requireArgument(bytes >= MIN_FILE_SIZE, "maxFileSize", bytes, "must be at least " + MIN_FILE_SIZE);
      this.maxFileSize = bytes;
      return this;
    }

    /** A file older than this is closed at the next write and a new one started. Default: never by age. */
    public Builder rotateEvery(Duration age) {
      Validate.notNull("rotateEvery", age);
      Validate.requireArgument(!age.isNegative() && !age.isZero(), "rotateEvery", age, "must be positive");
      this.rotateEvery = age;
      return this;
    }

    /**
     * Writes the {@code reason} of every event (justifications, comments, reasons for an end) as
     * {@value JsonLinesAuditSink#HMAC_PREFIX} followed by the hex HMAC-SHA256 of its UTF-8 bytes under this key,
     * as Vault's audit devices do: the log can be shared without revealing the text, and whoever holds the key
     * can still tell whether a field holds a given text ({@link JsonLinesAuditSink#hmac}). A line names the
     * fields so written in its {@code hmac} member. The key is copied; at least 16 bytes. The same key hashes the
     * same way in the other outputs ({@link AuditHmac}).
     */
    public Builder hmacKey(byte[] key) {
      this.hmac = AuditHmac.of(key);
      return this;
    }

    /** With {@link #hmacKey}, also writes these detail values as keyed hashes. */
    public Builder hmacDetails(String... names) {
      Validate.notNull("hmacDetails", names);
      for (String name : names) {
        hmacDetails.add(Validate.id("hmacDetails", name));
      }
      return this;
    }

    /** The clock for rotation by age and the sink's own records. Default: the system clock, UTC. */
    public Builder clock(Clock clock) {
      this.clock = Validate.notNull("clock", clock);
      return this;
    }

    /**
     * Signs checkpoints of the log ({@link AuditCheckpoint}) with this Ed25519 private key and appends them to
     * {@code witness}, every {@link #checkpointEvery} events or interval and at close, so that a verifier holding
     * only the public key ({@link AuditLogVerifier.Options#withCheckpoints}) detects a cut tail, a re-hashed log
     * or a deleted newest file up to the last checkpoint. A failing witness is logged and retried with the next
     * checkpoint; it never delays a write. Default: no checkpoints.
     *
     * @throws IllegalArgumentException if the key cannot sign Ed25519
     */
    public Builder checkpoints(PrivateKey key, CheckpointWitness witness) {
      Validate.notNull("checkpointKey", key);
      Validate.notNull("witness", witness);
      try {
        AuditCheckpoint.sign(1, AuditChain.GENESIS, "-", Instant.EPOCH, AuditChain.GENESIS, key);
      } catch (GeneralSecurityException | RuntimeException e) {
        throw new IllegalArgumentException("checkpointKey must be an Ed25519 private key, got a "
            + key.getAlgorithm() + " key (" + e.getMessage() + ")");
      }
      this.checkpointSigner = (seq, hash, file, time, previous) ->
          AuditCheckpoint.sign(seq, hash, file, time, previous, key);
      this.witness = witness;
      return this;
    }

    /**
     * As {@link #checkpoints(PrivateKey, CheckpointWitness)}, signing with the active key of {@code keys}, an
     * ES256 or EdDSA key pair; each checkpoint records its {@code kid} and {@code alg}, so a verifier holding the
     * JWKS ({@link SigningKeys#publicJwks()}, {@link AuditLogVerifier.Options#withCheckpoints(CheckpointKeys,
     * CheckpointWitness)}) checks each with the key it names, across key rotations.
     *
     * @throws IllegalArgumentException naming {@code checkpointKeys} when the active key is an HS256 secret: a
     *     checkpoint must be verifiable by someone who cannot sign one
     */
    public Builder checkpoints(SigningKeys keys, CheckpointWitness witness) {
      Validate.notNull("checkpointKeys", keys);
      Validate.notNull("witness", witness);
      String kid = keys.activeKeyId();
      Validate.requireArgument(keys.algorithm(kid) != SigningKeys.Algorithm.HS256, "checkpointKeys", keys,
          "must have an ES256 or EdDSA key pair active, not the HS256 secret " + kid
              + ": a checkpoint must be verifiable without the power to sign one");
      this.checkpointSigner = (seq, hash, file, time, previous) ->
          AuditCheckpoint.sign(seq, hash, file, time, previous, keys);
      this.witness = witness;
      return this;
    }

    /**
     * With {@link #checkpoints}: a checkpoint after every {@code events} lines and every {@code interval}
     * (when lines were written since the last one), which bounds what a verifier cannot prove (the lines after
     * the last checkpoint). Default {@value JsonLinesAuditSink#DEFAULT_CHECKPOINT_EVENTS} events and 1 second.
     */
    public Builder checkpointEvery(int events, Duration interval) {
      Validate.requireArgument(events >= 1, "checkpointEvents", events, "must be at least 1");
      Validate.notNull("checkpointInterval", interval);
      Validate.requireArgument(!interval.isNegative() && !interval.isZero(), "checkpointInterval", interval,
          "must be positive");
      this.checkpointEvents = events;
      this.checkpointInterval = interval;
      return this;
    }

    /** For tests: where the sink's bytes go. */
    Builder opener(OutputOpener opener) {
      this.opener = Validate.notNull("opener", opener);
      return this;
    }

    /**
     * Opens the log: locks the directory, checks the end of the existing log and starts a new file that
     * continues its chain.
     *
     * @throws IllegalStateException if {@link #hmacDetails} was given without {@link #hmacKey}
     * @throws AuditException if the directory cannot be used or the existing log does not verify at its end
     */
    public JsonLinesAuditSink build() {
      if (!hmacDetails.isEmpty() && hmac == null) {
        throw new IllegalStateException("hmacDetails needs an hmacKey");
      }
      try {
        return new JsonLinesAuditSink(this);
      } catch (IOException e) {
        throw new AuditException("cannot open the audit log in " + directory, e);
      }
    }
  }
}
