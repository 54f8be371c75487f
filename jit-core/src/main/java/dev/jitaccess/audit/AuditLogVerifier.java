package dev.jitaccess.audit;

import dev.jitaccess.audit.AuditChain.End;
import dev.jitaccess.internal.Validate;
import dev.jitaccess.internal.json.MalformedJsonException;
import jakarta.annotation.Nullable;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Checks a hash-chained audit log written by {@link JsonLinesAuditSink}: reports that it is intact, or the
 * first line where the chain breaks and how.
 *
 * <pre>
 * AuditLogVerifier.Result result = AuditLogVerifier.verify(Path.of("/var/log/jit"));
 * if (!result.ok()) {
 *   System.err.println(result.problem());   // EDITED at /var/log/jit/audit-00000002.jsonl line 17 ...
 * }
 * </pre>
 *
 * From a shell, with only jit-core on the class path (it needs nothing else):
 *
 * <pre>
 * java -cp jit-core.jar dev.jitaccess.audit.AuditLogVerifier verify [--anchor SEQ:HASH] [--require-closed]
 *     [--max-line-bytes N] [--checkpoint-key BASE64_OR_FILE | --checkpoint-jwks FILE] [--witness DIRECTORY]
 *     FILE_OR_DIRECTORY...
 * </pre>
 *
 * It prints {@code OK ...} on standard output and exits with 0, or prints {@code BROKEN ...} on standard error
 * and exits with 1 (2 for a usage error; 3, on standard output, for {@code UNPROVEN ...}: intact, but events
 * follow the last signed checkpoint). A directory stands for its {@code *.jsonl} files. Files are put in
 * order by the index in their {@code OPENED} header, not by name.
 *
 * <p>What it finds ({@link Kind}): a line whose bytes changed ({@code EDITED}, also when the line was then
 * re-hashed, since the next line's link breaks, and any byte after a file's {@code CLOSED} record); a line
 * removed ({@code DROPPED}); lines out of order ({@code REORDERED}); a line or file copied ({@code DUPLICATED});
 * a file cut short, or a torn last line that no {@code TRUNCATED} record accounts for ({@code TRUNCATED}); a file
 * missing from the sequence ({@code MISSING_FILE}). A hash chain cannot see lines removed from the very end of
 * the log, nor a log re-hashed from the point of an edit on: for that, keep the latest
 * {@link JsonLinesAuditSink#head()} somewhere else (the sink logs it when it closes) and pass it as an
 * {@link Anchor}, or, better, have the sink sign checkpoints to a witness and check them
 * ({@link Options#withCheckpoints}).
 *
 * <p><b>Signed checkpoints.</b> With a public key (or a JWKS, {@code --checkpoint-jwks}: each checkpoint checked
 * with the key of its {@code kid} and that key's algorithm) and a witness, the verifier first checks the checkpoint chain
 * (each signed, each linking to the one before: else {@code CHECKPOINT_FORGED} or {@code CHECKPOINT_GAP} at its
 * line of the witness), then that the log's line at each checkpoint's seq has the signed hash (else
 * {@code EDITED}: re-hashed at or before that line, or the file replaced), that the log reaches the last one (else
 * {@code TRUNCATED}: a tail cut, the newest file deleted) and that a final {@code CLOSED} record is covered by
 * one (else {@code CHECKPOINT_MISSING}). What follows the last checkpoint cannot be proven:
 * {@link Result#unprovenTail()}.
 *
 * <p><b>Files that were not closed.</b> A file whose writer stopped without its {@code CLOSED} record (a crash,
 * a failing disk, or a tail cut at a line end before the next start: the chain cannot tell these apart) is not a
 * break, since the sink goes on after it in a new file whose {@code OPENED} record says how it ended. Each such
 * restart is listed in {@link Result#notClosed()}; with {@link Options#requiringClosed()} ({@code --require-closed})
 * it is a {@code NOT_CLOSED} failure, and so is a log that does not end with a {@code CLOSED} record.
 *
 * <p>Lines are streamed, one at a time, so memory does not grow with the size of a file; a line longer than
 * {@link Options#maxLineBytes()} is reported as {@code EDITED} at its line number, never read whole.
 */
public final class AuditLogVerifier {

  /** The longest line read by default, without its newline: the longest the sink writes, 16 MiB. */
  public static final int DEFAULT_MAX_LINE_BYTES = AuditChain.MAX_LINE;
  /** The largest {@link Options#maxLineBytes()} allowed: 1 GiB. */
  public static final int MAX_MAX_LINE_BYTES = 1 << 30;

  /** How the chain is broken. */
  public enum Kind {
    /** A line's content does not match its hash, or a re-hashed line no longer links to its neighbours. */
    EDITED,
    /** One or more lines are missing. */
    DROPPED,
    /** Lines are out of order. */
    REORDERED,
    /** A line or a whole file appears twice. */
    DUPLICATED,
    /** A file ends early or with an incomplete line, or the log ends before the anchor. */
    TRUNCATED,
    /** A file of the sequence is missing. */
    MISSING_FILE,
    /**
     * A file ends without its {@code CLOSED} record before the sink restarted in the next one, or the log does
     * not end with one. A problem only when {@link Options#requiringClosed() asked for}.
     */
    NOT_CLOSED,
    /** A checkpoint in the witness is not signed by the key over what it says (its file is the witness). */
    CHECKPOINT_FORGED,
    /**
     * A checkpoint does not link to the one before it, or goes back: checkpoints were removed from, or put into,
     * the middle of the witness.
     */
    CHECKPOINT_GAP,
    /**
     * No checkpoint where one must be: the witness is empty, or the log ends with a {@code CLOSED} record that
     * no checkpoint covers (the sink checkpoints every close: the record was forged, or the closing checkpoint
     * removed; or the witness failed at that close, which the sink logged).
     */
    CHECKPOINT_MISSING
  }

  /**
   * Where and how the chain breaks.
   *
   * @param kind how
   * @param file the file, as it was given (or found in a directory)
   * @param line the line number in that file, from 1
   * @param offset the byte offset of that line in that file
   * @param message what was found
   */
  public record Problem(Kind kind, String file, long line, long offset, String message) {
    @Override
    public String toString() {
      return kind + " at " + file + " line " + line + " (byte " + offset + "): " + message;
    }
  }

  /**
   * The outcome. When {@link #ok()}, {@code lastSeq} and {@code lastHash} are the end of the chain (to keep as
   * an anchor) and {@code closed} tells whether the log ends with the sink's {@code CLOSED} record (otherwise it
   * is still being written, or its writer crashed). {@code notClosed} lists, as {@link Kind#NOT_CLOSED} problems,
   * the files after which the sink restarted although they had no {@code CLOSED} record (empty when the
   * verification stopped at a problem before the end).
   */
  public record Result(@Nullable Problem problem, int files, long lines, long lastSeq, String lastHash,
      boolean closed, List<Problem> notClosed, int checkpoints, long checkpointedSeq, long unprovenTail) {

    public Result {
      notClosed = List.copyOf(notClosed);
    }

    /** No problem found. With checkpoints, {@link #proven()} also tells whether the whole log is vouched for. */
    public boolean ok() {
      return problem == null;
    }

    /**
     * {@link #ok()}, and, when checkpoints were checked ({@link Options#withCheckpoints}), no event after the
     * last one: an {@link #unprovenTail()} is neither proven nor broken (a cut there cannot be seen).
     */
    public boolean proven() {
      return ok() && unprovenTail <= 0;
    }

    /**
     * With checkpoints: the number of events after the last checkpoint (not the sink's own records); -1 when
     * no checkpoints were checked.
     */
    @Override
    public long unprovenTail() {
      return unprovenTail;
    }

    @Override
    public String toString() {
      if (!ok()) {
        return "BROKEN: " + problem;
      }
      String restarts = notClosed.isEmpty() ? "" : ", " + notClosed.size() + (notClosed.size() == 1 ? " file" : " files")
          + " not closed before a restart (the first: " + notClosed.get(0) + ")";
      String signed = unprovenTail < 0 ? "" : ", " + checkpoints + " signed checkpoints, the last at seq "
          + checkpointedSeq + (unprovenTail == 0 ? "" : ", unproven tail: " + unprovenTail + " events");
      return (unprovenTail > 0 ? "UNPROVEN: " : "OK: ") + files + " files, " + lines + " lines, last seq " + lastSeq
          + ", last hash " + lastHash + (closed ? ", closed" : ", not closed (still open, or its writer stopped)")
          + signed + restarts;
    }
  }

  /** A known point of the chain: the line {@code seq} must exist and have this {@code hash}. */
  public record Anchor(long seq, String hash) {
    public Anchor {
      if (seq < 1) {
        throw new IllegalArgumentException("anchor seq must be at least 1, got " + seq);
      }
      Objects.requireNonNull(hash, "anchor hash");
      if (!AuditChain.isHash(hash)) {
        throw new IllegalArgumentException("anchor hash must be 64 lower-case hex digits");
      }
    }
  }

  /**
   * How to verify: {@link #DEFAULT}, or changed with the {@code with...} methods.
   *
   * @param anchor a point the chain must reach with the same hash, or null
   * @param requireClosed whether every file must end with its {@code CLOSED} record (but for a rotation), the
   *     last one included
   * @param maxLineBytes the longest line read, without its newline; a longer one is a problem
   */
  public record Options(@Nullable Anchor anchor, boolean requireClosed, int maxLineBytes,
      @Nullable CheckpointKeys checkpointKeys, @Nullable CheckpointWitness witness) {
    /** No anchor, files not closed allowed, lines up to {@link #DEFAULT_MAX_LINE_BYTES}, no checkpoints. */
    public static final Options DEFAULT = new Options(null, false, DEFAULT_MAX_LINE_BYTES, null, null);

    public Options {
      if (maxLineBytes < 1 || maxLineBytes > MAX_MAX_LINE_BYTES) {
        throw new IllegalArgumentException("maxLineBytes must be between 1 and " + MAX_MAX_LINE_BYTES + ", got "
            + maxLineBytes);
      }
    }

    public Options withAnchor(@Nullable Anchor anchor) {
      return new Options(anchor, requireClosed, maxLineBytes, checkpointKeys, witness);
    }

    /** Fails a log with a file that was not closed before a restart, or that does not end closed. */
    public Options requiringClosed() {
      return new Options(anchor, true, maxLineBytes, checkpointKeys, witness);
    }

    public Options withMaxLineBytes(int maxLineBytes) {
      return new Options(anchor, requireClosed, maxLineBytes, checkpointKeys, witness);
    }

    /**
     * Checks the signed checkpoints in {@code witness} with the Ed25519 public key of the sink's
     * {@link JsonLinesAuditSink.Builder#checkpoints}: each signed and linked to the one before, each matching
     * the chain at its seq, the log reaching the last one, and a final {@code CLOSED} record covered by one.
     */
    public Options withCheckpoints(PublicKey key, CheckpointWitness witness) {
      return withCheckpoints(CheckpointKeys.ed25519(key), witness);
    }

    /**
     * As {@link #withCheckpoints(PublicKey, CheckpointWitness)}, with these keys: a JWKS
     * ({@link CheckpointKeys#fromJwks}) checks each checkpoint with the key its {@code kid} names.
     */
    public Options withCheckpoints(CheckpointKeys keys, CheckpointWitness witness) {
      return new Options(anchor, requireClosed, maxLineBytes, Objects.requireNonNull(keys, "checkpoint keys"),
          Objects.requireNonNull(witness, "witness"));
    }
  }

  private static final Set<String> SEQ_AND_PREV = Set.of("seq", "prev");
  private static final Set<String> TYPE = Set.of("type");
  private static final Set<String> SINK_RECORDS = Set.of(AuditChain.OPENED, AuditChain.TRUNCATED, AuditChain.CLOSED);
  private static final Set<String> FENCE_MEMBERS = Set.of("type", "file", "offset", "length");
  private static final int READ_CHUNK = 64 * 1024;

  private AuditLogVerifier() {}

  /** Verifies these files and directories (each directory standing for its {@code *.jsonl} files). */
  public static Result verify(Path... paths) throws IOException {
    return verify(Arrays.asList(paths), Options.DEFAULT);
  }

  /** Verifies these files and directories (each directory standing for its {@code *.jsonl} files). */
  public static Result verify(List<Path> paths) throws IOException {
    return verify(paths, Options.DEFAULT);
  }

  /** As {@link #verify(List)}, and also checks that the chain reaches {@code anchor} with the same hash. */
  public static Result verify(List<Path> paths, @Nullable Anchor anchor) throws IOException {
    return verify(paths, Options.DEFAULT.withAnchor(anchor));
  }

  /** As {@link #verify(List)}, with these options. */
  public static Result verify(List<Path> paths, Options options) throws IOException {
    Objects.requireNonNull(paths, "paths");
    Objects.requireNonNull(options, "options");
    List<Source> sources = new ArrayList<>();
    for (Path path : paths) {
      Objects.requireNonNull(path, "path");
      if (Files.isDirectory(path)) {
        List<Path> inside = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(path, "*.jsonl")) {
          for (Path entry : entries) {
            if (!entry.getFileName().toString().startsWith(".") && Files.isRegularFile(entry)) {
              inside.add(entry);
            }
          }
        }
        inside.sort(Comparator.naturalOrder());
        inside.forEach(file -> sources.add(new FileSource(file)));
      } else {
        sources.add(new FileSource(path));
      }
    }
    return verifySources(sources, options);
  }

  // ---------------------------------------------------------------- command line

  /**
   * {@code verify [--anchor SEQ:HASH] [--require-closed] [--max-line-bytes N] FILE_OR_DIRECTORY...}; exits with 0
   * (OK), 1 (broken) or 2 (usage).
   */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    String usage = "usage: java -cp jit-core.jar " + AuditLogVerifier.class.getName()
        + " verify [--anchor SEQ:HASH] [--require-closed] [--max-line-bytes N]"
        + " [--checkpoint-key BASE64_OR_FILE | --checkpoint-jwks FILE] [--witness DIRECTORY] FILE_OR_DIRECTORY...";
    if (args.length < 2 || !args[0].equals("verify")) {
      err.println(usage);
      return 2;
    }
    Options options = Options.DEFAULT;
    List<Path> paths = new ArrayList<>();
    CheckpointKeys checkpointKeys = null;
    Path witness = null;
    for (int i = 1; i < args.length; i++) {
      String arg = args[i];
      try {
        if ((arg.equals("--checkpoint-key") || arg.equals("--checkpoint-jwks")) && i + 1 < args.length) {
          Validate.requireArgument(checkpointKeys == null, arg, args[i + 1],
              "must not follow another --checkpoint-key or --checkpoint-jwks");
          String value = args[++i];
          checkpointKeys = arg.equals("--checkpoint-key") ? CheckpointKeys.ed25519(publicKey(value))
              : CheckpointKeys.fromJwks(jwks(value));
        } else if (arg.equals("--witness") && i + 1 < args.length) {
          witness = Path.of(args[++i]);
        } else if (arg.equals("--anchor") && i + 1 < args.length) {
          String[] parts = args[++i].split(":", 2);
          options = options.withAnchor(new Anchor(Long.parseLong(parts[0]), parts.length > 1 ? parts[1] : ""));
        } else if (arg.equals("--max-line-bytes") && i + 1 < args.length) {
          options = options.withMaxLineBytes(Integer.parseInt(args[++i]));
        } else if (arg.equals("--require-closed")) {
          options = options.requiringClosed();
        } else if (arg.startsWith("--")) {
          err.println("unknown option " + arg);
          err.println(usage);
          return 2;
        } else {
          paths.add(Path.of(arg));
        }
      } catch (IllegalArgumentException e) {
        err.println("bad " + arg + ": " + e.getMessage());
        err.println(usage);
        return 2;
      }
    }
    if (paths.isEmpty() || (checkpointKeys == null) != (witness == null)) {
      err.println(usage);
      return 2;
    }
    if (checkpointKeys != null) {
      options = options.withCheckpoints(checkpointKeys, CheckpointWitness.directory(witness));
    }
    try {
      Result result = verify(paths, options);
      if (result.ok()) {
        out.println(result);
        return result.proven() ? 0 : 3;
      }
      err.println(result);
      return 1;
    } catch (IOException | RuntimeException e) {
      err.println("BROKEN: cannot read the log: " + e);
      return 1;
    }
  }

  /** The JWKS in this file. */
  private static String jwks(String file) {
    try {
      return Files.readString(Path.of(file));
    } catch (IOException | java.nio.file.InvalidPathException e) {
      throw new IllegalArgumentException("cannot read the JWKS file " + file + " (" + e + ")");
    }
  }

  /** An X.509 (SubjectPublicKeyInfo) Ed25519 public key, base64, given as the value or as a file holding it. */
  private static PublicKey publicKey(String valueOrFile) {
    String text = valueOrFile;
    try {
      Path file = Path.of(valueOrFile);
      if (Files.isRegularFile(file)) {
        text = Files.readString(file);
      }
    } catch (IOException | java.nio.file.InvalidPathException e) {
      // not a readable file: the value itself
    }
    try {
      return KeyFactory.getInstance(AuditCheckpoint.ALGORITHM)
          .generatePublic(new X509EncodedKeySpec(Base64.getMimeDecoder().decode(text.strip())));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a base64 X.509 Ed25519 public key (" + e.getMessage() + ")");
    }
  }

  // ---------------------------------------------------------------- the check

  /** One file of the log: a name and its bytes. In-memory sources let the tests tamper without disk I/O. */
  abstract static class Source {
    abstract String name();

    /** A new stream over the file's bytes, from the start. */
    abstract InputStream open() throws IOException;
  }

  static final class FileSource extends Source {
    private final Path path;

    FileSource(Path path) {
      this.path = path;
    }

    @Override
    String name() {
      return path.toString();
    }

    @Override
    InputStream open() throws IOException {
      return Files.newInputStream(path);
    }
  }

  static final class BytesSource extends Source {
    private final String name;
    private final byte[] bytes;

    BytesSource(String name, byte[] bytes) {
      this.name = name;
      this.bytes = bytes;
    }

    @Override
    String name() {
      return name;
    }

    @Override
    InputStream open() {
      return new ByteArrayInputStream(bytes);
    }
  }

  /**
   * The lines of one source, read one at a time into a buffer that grows to at most {@code maxLine + 1} bytes.
   * The current line is {@code buf[start, end)}, without its newline; {@code whole} is false for an incomplete
   * last line. Used by one thread.
   */
  private static final class Lines implements Closeable {
    private final InputStream in;
    private final int maxLine;
    private byte[] buf;
    private int pos;
    private int limit;
    private boolean eof;
    byte[] bytes;
    int start;
    int end;
    boolean whole;
    /** The current line's number, from 1, and byte offset in the file. */
    long number;
    long offset;
    private long nextOffset;

    Lines(Source source, int maxLine) throws IOException {
      this.in = source.open();
      this.maxLine = maxLine;
      this.buf = new byte[Math.min(READ_CHUNK, maxLine + 1)];
    }

    /**
     * Moves to the next line; false at the end of the file.
     *
     * @throws TooLong when the line has more than {@code maxLine} bytes (the line number and offset are set)
     */
    boolean next() throws IOException, TooLong {
      int scanned = pos;
      while (true) {
        for (int i = scanned; i < limit; i++) {
          if (buf[i] == '\n') {
            return take(i, i + 1, true);
          }
        }
        scanned = limit;
        if (limit - pos > maxLine) {
          number++;
          offset = nextOffset;
          throw new TooLong();
        }
        if (eof) {
          return pos < limit && take(limit, limit, false);
        }
        if (pos > 0) {
          System.arraycopy(buf, pos, buf, 0, limit - pos);
          limit -= pos;
          scanned -= pos;
          pos = 0;
        }
        if (limit == buf.length) {
          buf = Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, (long) maxLine + 1));
        }
        int read = in.read(buf, limit, buf.length - limit);
        if (read < 0) {
          eof = true;
        } else {
          limit += read;
        }
      }
    }

    private boolean take(int lineEnd, int nextPos, boolean complete) {
      bytes = buf;
      start = pos;
      end = lineEnd;
      whole = complete;
      number++;
      offset = nextOffset;
      nextOffset += nextPos - pos;
      pos = nextPos;
      return true;
    }

    /** The current line's length in bytes, without its newline. */
    int length() {
      return end - start;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  /** A line over the bound. */
  private static final class TooLong extends Exception {
    TooLong() {
      super(null, null, false, false);
    }
  }

  /** A file placed in the sequence by its header. */
  private record Entry(int index, Source source) {}

  private static final class Found extends Exception {
    final Problem problem;

    Found(Kind kind, Source source, long line, long offset, String message) {
      this(kind, source.name(), line, offset, message);
    }

    Found(Kind kind, String file, long line, long offset, String message) {
      super(null, null, false, false);
      this.problem = new Problem(kind, file, line, offset, message);
    }
  }

  static Result verifySources(List<Source> sources, @Nullable Anchor anchor) throws IOException {
    return verifySources(sources, Options.DEFAULT.withAnchor(anchor));
  }

  static Result verifySources(List<Source> sources, Options options) throws IOException {
    try {
      return new Pass(options).run(sources);
    } catch (Found found) {
      return new Result(found.problem, sources.size(), 0, 0, AuditChain.GENESIS, false, List.of(), 0, 0,
          options.checkpointKeys == null ? -1 : 0);
    }
  }

  /** How a file ended, and where its last line (whole or torn) is. */
  private record FileEnd(Entry entry, End end, long line, long offset, long tornLength, long lines, long size) {}

  /** One verification, front to back, stopping at the first problem. */
  private static final class Pass {
    private final MessageDigest sha = AuditChain.sha256();
    private final Options options;
    private List<Entry> entries;
    private long expectedSeq = 1;
    private String expectedPrev = AuditChain.GENESIS;
    private long lines;
    private final List<Problem> notClosed = new ArrayList<>();
    /** The signed checkpoints, checked, in order; empty without a key. */
    private List<AuditCheckpoint> checkpoints = List.of();
    /** The next checkpoint the chain must meet. */
    private int nextCheckpoint;
    private long unprovenEvents;

    Pass(Options options) {
      this.options = options;
    }

    private Lines lines(Source source) throws IOException {
      return new Lines(source, options.maxLineBytes);
    }

    Result run(List<Source> sources) throws IOException, Found {
      if (sources.isEmpty()) {
        throw new IllegalArgumentException("no audit log files to verify");
      }
      entries = new ArrayList<>();
      for (Source source : sources) {
        entries.add(new Entry(headerIndex(source), source));
      }
      entries.sort(Comparator.comparingInt(Entry::index));
      if (options.checkpointKeys != null) {
        checkpoints = readCheckpoints();
      }

      FileEnd previous = null;
      int previousIndex = 0;
      for (int e = 0; e < entries.size(); e++) {
        Entry entry = entries.get(e);
        if (entry.index == previousIndex) {
          throw new Found(Kind.DUPLICATED, entry.source, 1, 0, "a second file with index " + entry.index
              + " (the first is " + entries.get(e - 1).source.name() + ")");
        }
        if (entry.index != previousIndex + 1) {
          throw new Found(Kind.MISSING_FILE, entry.source, 1, 0, entry.index == previousIndex + 2
              ? "file " + (previousIndex + 1) + " of the sequence is missing before it"
              : "files " + (previousIndex + 1) + " to " + (entry.index - 1) + " of the sequence are missing before it");
        }
        previousIndex = entry.index;
        previous = checkFile(e, previous, e == entries.size() - 1);
      }
      if (options.anchor != null && expectedSeq - 1 < options.anchor.seq) {
        throw new Found(Kind.TRUNCATED, previous.entry.source, previous.lines + 1, previous.size, "the log ends at seq "
            + (expectedSeq - 1) + ", before the anchored seq " + options.anchor.seq);
      }
      boolean closed = previous.end == End.CLOSED;
      long checkpointedSeq = checkCheckpointsReached(previous, closed);
      Problem problem = null;
      if (options.requireClosed) {
        problem = !notClosed.isEmpty() ? notClosed.get(0) : closed ? null : new Problem(Kind.NOT_CLOSED,
            previous.entry.source.name(), previous.line, previous.offset, "the log is not closed: its last file has "
            + "no CLOSED record (it is still being written, its writer crashed, or its tail was cut)");
      }
      return new Result(problem, entries.size(), lines, expectedSeq - 1, expectedPrev, closed, notClosed,
          checkpoints.size(), checkpointedSeq, options.checkpointKeys == null ? -1 : unprovenEvents);
    }

    /**
     * Reads the witness and checks each checkpoint's signature and its link to the one before, so the chain of
     * checkpoints is whole before any is trusted. A problem is placed at the checkpoint's line in the witness.
     */
    private List<AuditCheckpoint> readCheckpoints() throws Found {
      String witness = options.witness.toString();
      List<AuditCheckpoint> read;
      try {
        read = options.witness.read();
      } catch (IOException e) {
        throw new Found(Kind.CHECKPOINT_FORGED, witness, 0, 0, "the witness cannot be read: " + e.getMessage());
      }
      if (read.isEmpty()) {
        throw new Found(Kind.CHECKPOINT_MISSING, witness, 0, 0, "the witness holds no checkpoint: nothing of the "
            + "log is proven (was it written with checkpoints, and is this its witness?)");
      }
      String previous = AuditChain.GENESIS;
      long previousSeq = 0;
      for (int i = 0; i < read.size(); i++) {
        AuditCheckpoint checkpoint = read.get(i);
        if (!options.checkpointKeys.verify(checkpoint)) {
          throw new Found(Kind.CHECKPOINT_FORGED, witness, i + 1, 0, "the checkpoint of seq " + checkpoint.seq()
              + (checkpoint.kid() == null ? "" : " (kid " + checkpoint.kid() + ", alg " + checkpoint.alg() + ")")
              + " is not signed by the key over what it says: it was changed, or made without the key");
        }
        if (!checkpoint.previous().equals(previous) || checkpoint.seq() <= previousSeq) {
          throw new Found(Kind.CHECKPOINT_GAP, witness, i + 1, 0, "the checkpoint of seq " + checkpoint.seq()
              + (checkpoint.seq() <= previousSeq ? " goes back from seq " + previousSeq
                  : " does not link to the checkpoint before it")
              + ": checkpoints were removed from or moved within the witness");
        }
        previous = checkpoint.digest();
        previousSeq = checkpoint.seq();
      }
      return read;
    }

    /** The checkpoints the chain met along the way must be all of them, and a final CLOSED must be signed. */
    private long checkCheckpointsReached(FileEnd last, boolean closed) throws Found {
      if (checkpoints.isEmpty()) {
        return 0;
      }
      AuditCheckpoint newest = checkpoints.get(checkpoints.size() - 1);
      long end = expectedSeq - 1;
      if (nextCheckpoint < checkpoints.size()) {
        AuditCheckpoint missed = checkpoints.get(nextCheckpoint);
        boolean fileGone = entries.stream().noneMatch(e -> Path.of(e.source.name()).getFileName().toString()
            .equals(missed.file()));
        throw new Found(Kind.TRUNCATED, last.entry.source, last.lines + 1, last.size, "the log ends at seq " + end
            + ", but a checkpoint signed at " + missed.time() + " vouches for seq " + missed.seq() + " in "
            + missed.file() + (fileGone ? ", which is missing: the newest file was deleted or replaced"
                : ": its tail was cut"));
      }
      if (closed && newest.seq() != end) {
        throw new Found(Kind.CHECKPOINT_MISSING, last.entry.source, last.line, last.offset, "the log ends with a "
            + "CLOSED record (seq " + end + ") that no checkpoint covers (the last is at seq " + newest.seq()
            + "): the sink checkpoints every close, so the record was forged or its checkpoint removed (or the "
            + "witness failed at that close, which the sink logged)");
      }
      return newest.seq();
    }

    /** The index in a file's OPENED header; a file without a valid header cannot be placed, which is a problem. */
    private int headerIndex(Source source) throws IOException, Found {
      AuditChain.Line first;
      try (Lines in = lines(source)) {
        if (!in.next()) {
          throw new Found(Kind.TRUNCATED, source, 1, 0, "the file is empty");
        }
        if (!in.whole) {
          throw new Found(Kind.TRUNCATED, source, 1, 0, "its first line is incomplete");
        }
        try {
          first = AuditChain.parseAndCheck(sha, in.bytes, in.start, in.end);
        } catch (AuditChain.BadLineException e) {
          throw new Found(Kind.EDITED, source, 1, 0, e.getMessage());
        }
        if (!AuditChain.OPENED.equals(first.type())) {
          boolean headerElsewhere = false;
          while (!headerElsewhere && in.next() && in.whole) {
            try {
              headerElsewhere = AuditChain.OPENED.equals(AuditChain.parseLine(in.bytes, in.start, in.end, TYPE)
                  .get("type"));
            } catch (MalformedJsonException ignored) {
              // not this one
            }
          }
          throw new Found(headerElsewhere ? Kind.REORDERED : Kind.DROPPED, source, 1, 0, headerElsewhere
              ? "its OPENED header is not its first line"
              : "its first line is not an OPENED header: the header is missing");
        }
      } catch (TooLong tooLong) {
        throw tooLong(source, 1, 0);
      }
      long index = first.longField("file", -1);
      if (index < 1 || index > Integer.MAX_VALUE) {
        throw new Found(Kind.EDITED, source, 1, 0, "its OPENED header has no valid file index");
      }
      return (int) index;
    }

    private Found tooLong(Source source, long line, long offset) {
      return new Found(Kind.EDITED, source, line, offset, "the line is longer than " + options.maxLineBytes
          + " bytes, which the sink never writes (a different bound: --max-line-bytes)");
    }

    /** Checks every line of entry {@code e}, after {@code before} (the end of the previous file); says how it ends. */
    private FileEnd checkFile(int e, @Nullable FileEnd before, boolean lastFile) throws IOException, Found {
      Entry entry = entries.get(e);
      boolean torn = before != null && before.end == End.TORN;
      boolean closedSeen = false;
      long lastLine = 0;
      long lastOffset = 0;
      try (Lines in = lines(entry.source)) {
        try {
          while (in.next()) {
            long lineNo = in.number;
            if (closedSeen) {
              throw new Found(Kind.EDITED, entry.source, lineNo, in.offset, in.whole
                  ? "a line follows the CLOSED record of its file"
                  : in.length() + " bytes follow the CLOSED record of its file: the sink writes nothing after the "
                      + "CLOSED record, and never fences bytes found there");
            }
            if (!in.whole) {
              if (torn && lineNo <= 2) {
                throw tornWithoutFence(before);
              }
              if (lastFile) {
                throw new Found(Kind.TRUNCATED, entry.source, lineNo, in.offset, "the last line is incomplete ("
                    + in.length() + " bytes): the file was cut, or its writer crashed and has not restarted");
              }
              return new FileEnd(entry, End.TORN, lineNo, in.offset, in.length(), lineNo, in.offset + in.length());
            }
            AuditChain.Line line = checkLine(e, in);
            if (torn && lineNo == 2) {
              checkFence(in, before);
            }
            switch (line.type()) {
              case AuditChain.OPENED -> {
                if (lineNo != 1) {
                  throw new Found(Kind.EDITED, entry.source, lineNo, in.offset,
                      "an OPENED header in the middle of a file");
                }
                if (line.longField("file", -1) != entry.index) {
                  throw new Found(Kind.EDITED, entry.source, lineNo, in.offset, "its header names another file index");
                }
                if (before != null) {
                  checkPreviousEnd(line, entry, before);
                }
              }
              case AuditChain.TRUNCATED -> {
                if (!torn || lineNo != 2) {
                  throw new Found(Kind.EDITED, entry.source, lineNo, in.offset,
                      "a TRUNCATED record, but the previous file does not end with a torn line");
                }
              }
              case AuditChain.CLOSED -> closedSeen = true;
              default -> { }
            }
            lastLine = lineNo;
            lastOffset = in.offset;
          }
        } catch (TooLong tooLong) {
          throw tooLong(entry.source, in.number, in.offset);
        }
        if (torn && lastLine < 2) {
          throw tornWithoutFence(before);
        }
        if (lastLine == 0) {
          throw new Found(Kind.TRUNCATED, entry.source, 1, 0, "the file is empty");
        }
        return new FileEnd(entry, closedSeen ? End.CLOSED : End.UNCLOSED, lastLine, lastOffset, 0, lastLine,
            in.offset + in.length() + 1);
      }
    }

    /**
     * Checks what a file's OPENED record says of the end of the file before it ({@code previousEnd}, absent in
     * logs of the first format) against that file, and notes a restart after a file that was not closed.
     */
    private void checkPreviousEnd(AuditChain.Line opened, Entry entry, FileEnd before) throws Found {
      boolean rotation = AuditChain.ROTATION.equals(opened.fields().get("cause"));
      Object stated = opened.fields().get("previousEnd");
      if (before.end == End.TORN && stated != null && !End.TORN.value().equals(stated)) {
        throw tornWithoutFence(before); // the torn bytes came after the restart
      }
      if (stated != null) {
        End expected = rotation && before.end == End.UNCLOSED ? End.ROTATED : before.end;
        if (!expected.value().equals(stated)) {
          throw new Found(Kind.EDITED, entry.source, 1, 0, "its OPENED record says the previous file ended "
              + (stated instanceof String text ? "'" + text + "'" : "oddly") + ", but that file's end is '"
              + expected.value() + "'");
        }
      }
      if (rotation || before.end == End.CLOSED) {
        return;
      }
      String how = before.end == End.TORN
          ? "ends with a torn line (" + before.tornLength + " bytes) and no CLOSED record, and the sink restarted"
              + " in " + entry.source.name() + ": its writer crashed during a write, or the file was cut"
          : "has no CLOSED record, and the sink restarted in " + entry.source.name() + " (cause "
              + opened.fields().get("cause") + "): its writer crashed or failed, or its tail was cut at a line end";
      notClosed.add(new Problem(Kind.NOT_CLOSED, before.entry.source.name(), before.line, before.offset,
          "the file " + how));
    }

    private void checkFence(Lines in, FileEnd torn) throws Found {
      Map<String, Object> fence;
      try {
        fence = AuditChain.parseLine(in.bytes, in.start, in.end, FENCE_MEMBERS);
      } catch (MalformedJsonException e) {
        throw tornWithoutFence(torn);
      }
      if (!AuditChain.TRUNCATED.equals(fence.get("type"))) {
        throw tornWithoutFence(torn);
      }
      if (!Long.valueOf(torn.entry.index).equals(fence.get("file")) || !Long.valueOf(torn.offset).equals(fence.get("offset"))
          || !Long.valueOf(torn.tornLength).equals(fence.get("length"))) {
        throw new Found(Kind.EDITED, torn.entry.source, torn.line, torn.offset, "the torn last line (" + torn.tornLength
            + " bytes) is not the one the next file's TRUNCATED record describes");
      }
    }

    private Found tornWithoutFence(FileEnd torn) {
      return new Found(Kind.TRUNCATED, torn.entry.source, torn.line, torn.offset, "the last line is incomplete ("
          + torn.tornLength + " bytes) and no TRUNCATED record in the next file accounts for it");
    }

    /** Checks one whole line: its own hash, then its link to the chain so far. */
    private AuditChain.Line checkLine(int e, Lines in) throws IOException, Found {
      Source source = entries.get(e).source;
      AuditChain.Line line;
      try {
        line = AuditChain.parseAndCheck(sha, in.bytes, in.start, in.end);
      } catch (AuditChain.BadLineException bad) {
        throw new Found(Kind.EDITED, source, in.number, in.offset, bad.getMessage());
      }
      if (line.seq() != expectedSeq || !line.prev().equals(expectedPrev)) {
        throw brokenLink(e, in, line);
      }
      Anchor anchor = options.anchor;
      if (anchor != null && line.seq() == anchor.seq && !line.hash().equals(anchor.hash)) {
        throw new Found(Kind.EDITED, source, in.number, in.offset, "seq " + line.seq()
            + " does not have the anchored hash: the log was changed and re-hashed up to here or later");
      }
      checkCheckpoint(source, in, line);
      expectedSeq++;
      expectedPrev = line.hash();
      lines++;
      return line;
    }

    /** A line the chain reached: it must have the hash its checkpoint signed; one after the last is unproven. */
    private void checkCheckpoint(Source source, Lines in, AuditChain.Line line) throws Found {
      if (nextCheckpoint < checkpoints.size()) {
        AuditCheckpoint checkpoint = checkpoints.get(nextCheckpoint);
        if (checkpoint.seq() == line.seq()) {
          if (!checkpoint.hash().equals(line.hash())) {
            throw new Found(Kind.EDITED, source, in.number, in.offset, "seq " + line.seq() + " does not have the "
                + "hash its signed checkpoint (" + checkpoint.time() + ") vouches for: the log was changed and "
                + "re-hashed at or before this line, or this file was replaced");
          }
          nextCheckpoint++;
        }
      } else if (!checkpoints.isEmpty() && !SINK_RECORDS.contains(line.type())) {
        unprovenEvents++;
      }
    }

    private Found brokenLink(int e, Lines in, AuditChain.Line line) throws IOException {
      Source source = entries.get(e).source;
      long lineNo = in.number;
      long offset = in.offset;
      long seq = line.seq();
      if (line.prev().equals(expectedPrev)) {
        return new Found(Kind.EDITED, source, lineNo, offset, "seq " + seq + " where " + expectedSeq
            + " was expected, though it links to the line before: it was changed and re-hashed");
      }
      if (seq == expectedSeq) {
        return new Found(Kind.EDITED, source, lineNo, offset, "it does not link to the line before it: this line "
            + "or the one before was changed and re-hashed");
      }
      if (seq < expectedSeq) {
        byte[] copy = Arrays.copyOfRange(in.bytes, in.start, in.end);
        return seenBefore(e, offset, copy)
            ? new Found(Kind.DUPLICATED, source, lineNo, offset, "seq " + seq + " appears a second time")
            : new Found(Kind.EDITED, source, lineNo, offset, "seq " + seq + " where " + expectedSeq
                + " was expected: it was changed and re-hashed");
      }
      if (appearsLater(e, offset + in.length() + 1)) {
        return new Found(Kind.REORDERED, source, lineNo, offset, "seq " + seq + " where " + expectedSeq
            + " was expected, and seq " + expectedSeq + " comes later");
      }
      String missing = seq == expectedSeq + 1 ? "seq " + expectedSeq + " is" : "seq " + expectedSeq + " to "
          + (seq - 1) + " are";
      return lineNo == 1
          ? new Found(Kind.TRUNCATED, source, lineNo, offset, missing + " missing: the file before this one ends early")
          : new Found(Kind.DROPPED, source, lineNo, offset, missing + " missing before this line");
    }

    /** Whether the exact line occurs earlier: in files before entry {@code e}, or before {@code limit} in it. */
    private boolean seenBefore(int e, long limit, byte[] line) throws IOException {
      for (int f = 0; f <= e; f++) {
        long stop = f == e ? limit : Long.MAX_VALUE;
        if (anyLine(entries.get(f).source, in -> in.offset < stop && in.length() == line.length
            && Arrays.equals(in.bytes, in.start, in.end, line, 0, line.length))) {
          return true;
        }
      }
      return false;
    }

    /** Whether the line that should have come next (expected seq, linked to the chain so far) comes later. */
    private boolean appearsLater(int e, long from) throws IOException {
      for (int f = e; f < entries.size(); f++) {
        long skip = f == e ? from : 0;
        if (anyLine(entries.get(f).source, in -> {
          if (in.offset < skip) {
            return false;
          }
          try {
            Map<String, Object> fields = AuditChain.parseLine(in.bytes, in.start, in.end, SEQ_AND_PREV);
            return Long.valueOf(expectedSeq).equals(fields.get("seq")) && expectedPrev.equals(fields.get("prev"));
          } catch (MalformedJsonException ignored) {
            return false; // not this one
          }
        })) {
          return true;
        }
      }
      return false;
    }

    /**
     * Whether a whole line of {@code source} matches; for telling kinds of breaks apart, so a line over the
     * bound ends the search in that file (the check itself reports it).
     */
    private boolean anyLine(Source source, LineTest test) throws IOException {
      try (Lines in = lines(source)) {
        while (in.next()) {
          if (in.whole && test.matches(in)) {
            return true;
          }
        }
      } catch (TooLong tooLong) {
        return false;
      }
      return false;
    }
  }

  @FunctionalInterface
  private interface LineTest {
    boolean matches(Lines line);
  }
}
