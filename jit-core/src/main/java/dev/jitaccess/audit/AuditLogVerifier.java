package dev.jitaccess.audit;

import dev.jitaccess.internal.json.MalformedJsonException;
import jakarta.annotation.Nullable;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
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
 * java -cp jit-core.jar dev.jitaccess.audit.AuditLogVerifier verify [--anchor SEQ:HASH] FILE_OR_DIRECTORY...
 * </pre>
 *
 * It prints {@code OK ...} on standard output and exits with 0, or prints {@code BROKEN ...} on standard error
 * and exits with 1 (2 for a usage error). A directory stands for its {@code *.jsonl} files. Files are put in
 * order by the index in their {@code OPENED} header, not by name.
 *
 * <p>What it finds ({@link Kind}): a line whose bytes changed ({@code EDITED}, also when the line was then
 * re-hashed, since the next line's link breaks); a line removed ({@code DROPPED}); lines out of order
 * ({@code REORDERED}); a line or file copied ({@code DUPLICATED}); a file cut short, or a torn last line that no
 * {@code TRUNCATED} record accounts for ({@code TRUNCATED}); a file missing from the sequence
 * ({@code MISSING_FILE}). A hash chain cannot see lines removed from the very end of the log, nor a log
 * re-hashed from the point of an edit on: for that, keep the latest {@link JsonLinesAuditSink#head()} somewhere
 * else (the sink logs it when it closes) and pass it as an {@link Anchor}.
 */
public final class AuditLogVerifier {

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
    MISSING_FILE
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
   * is still being written, or its writer crashed).
   */
  public record Result(@Nullable Problem problem, int files, long lines, long lastSeq, String lastHash,
      boolean closed) {

    public boolean ok() {
      return problem == null;
    }

    @Override
    public String toString() {
      return ok()
          ? "OK: " + files + " files, " + lines + " lines, last seq " + lastSeq + ", last hash " + lastHash
              + (closed ? ", closed" : ", not closed (still open, or its writer stopped)")
          : "BROKEN: " + problem;
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

  private static final Set<String> SEQ_AND_PREV = Set.of("seq", "prev");
  private static final Set<String> TYPE = Set.of("type");
  private static final Set<String> FENCE_MEMBERS = Set.of("type", "file", "offset", "length");

  private AuditLogVerifier() {}

  /** Verifies these files and directories (each directory standing for its {@code *.jsonl} files). */
  public static Result verify(Path... paths) throws IOException {
    return verify(Arrays.asList(paths), null);
  }

  /** Verifies these files and directories (each directory standing for its {@code *.jsonl} files). */
  public static Result verify(List<Path> paths) throws IOException {
    return verify(paths, null);
  }

  /** As {@link #verify(List)}, and also checks that the chain reaches {@code anchor} with the same hash. */
  public static Result verify(List<Path> paths, @Nullable Anchor anchor) throws IOException {
    Objects.requireNonNull(paths, "paths");
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
    return verifySources(sources, anchor);
  }

  // ---------------------------------------------------------------- command line

  /** {@code verify [--anchor SEQ:HASH] FILE_OR_DIRECTORY...}; exits with 0 (OK), 1 (broken) or 2 (usage). */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    String usage = "usage: java -cp jit-core.jar " + AuditLogVerifier.class.getName()
        + " verify [--anchor SEQ:HASH] FILE_OR_DIRECTORY...";
    if (args.length < 2 || !args[0].equals("verify")) {
      err.println(usage);
      return 2;
    }
    Anchor anchor = null;
    List<Path> paths = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals("--anchor") && i + 1 < args.length) {
        String[] parts = args[++i].split(":", 2);
        try {
          anchor = new Anchor(Long.parseLong(parts[0]), parts.length > 1 ? parts[1] : "");
        } catch (IllegalArgumentException e) {
          err.println("bad --anchor: " + e.getMessage());
          err.println(usage);
          return 2;
        }
      } else if (args[i].startsWith("--")) {
        err.println("unknown option " + args[i]);
        err.println(usage);
        return 2;
      } else {
        paths.add(Path.of(args[i]));
      }
    }
    if (paths.isEmpty()) {
      err.println(usage);
      return 2;
    }
    try {
      Result result = verify(paths, anchor);
      if (result.ok()) {
        out.println(result);
        return 0;
      }
      err.println(result);
      return 1;
    } catch (IOException | RuntimeException e) {
      err.println("BROKEN: cannot read the log: " + e);
      return 1;
    }
  }

  // ---------------------------------------------------------------- the check

  /** One file of the log: a name and its bytes. In-memory sources let the tests tamper without disk I/O. */
  abstract static class Source {
    abstract String name();

    abstract byte[] read() throws IOException;

    /** At least the first line, if the file has one. */
    byte[] head() throws IOException {
      return read();
    }
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
    byte[] read() throws IOException {
      return Files.readAllBytes(path);
    }

    @Override
    byte[] head() throws IOException {
      try (InputStream in = Files.newInputStream(path)) {
        byte[] start = in.readNBytes(64 * 1024);
        for (byte b : start) {
          if (b == '\n') {
            return start;
          }
        }
      }
      return read();
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
    byte[] read() {
      return bytes;
    }
  }

  /** A file placed in the sequence by its header. */
  private record Entry(int index, Source source) {}

  private static final class Found extends Exception {
    final Problem problem;

    Found(Kind kind, Source source, long line, long offset, String message) {
      super(null, null, false, false);
      this.problem = new Problem(kind, source.name(), line, offset, message);
    }
  }

  static Result verifySources(List<Source> sources, @Nullable Anchor anchor) throws IOException {
    try {
      return new Pass(anchor).run(sources);
    } catch (Found found) {
      return new Result(found.problem, sources.size(), 0, 0, AuditChain.GENESIS, false);
    }
  }

  /** One verification, front to back, stopping at the first problem. */
  private static final class Pass {
    private final MessageDigest sha = AuditChain.sha256();
    @Nullable
    private final Anchor anchor;
    private List<Entry> entries;
    private long expectedSeq = 1;
    private String expectedPrev = AuditChain.GENESIS;
    private long lines;
    private boolean closed;

    Pass(@Nullable Anchor anchor) {
      this.anchor = anchor;
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

      Torn torn = null;
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
        torn = checkFile(e, torn, e == entries.size() - 1);
      }
      if (anchor != null && expectedSeq - 1 < anchor.seq) {
        Entry last = entries.get(entries.size() - 1);
        byte[] bytes = last.source.read();
        throw new Found(Kind.TRUNCATED, last.source, countLines(bytes) + 1, bytes.length, "the log ends at seq "
            + (expectedSeq - 1) + ", before the anchored seq " + anchor.seq);
      }
      return new Result(null, entries.size(), lines, expectedSeq - 1, expectedPrev, closed);
    }

    /** The index in a file's OPENED header; a file without a valid header cannot be placed, which is a problem. */
    private int headerIndex(Source source) throws IOException, Found {
      byte[] head = source.head();
      int newline = indexOf(head, 0);
      if (newline < 0) {
        throw new Found(Kind.TRUNCATED, source, 1, 0, head.length == 0 ? "the file is empty"
            : "its first line is incomplete");
      }
      AuditChain.Line first;
      try {
        first = AuditChain.parseAndCheck(sha, head, 0, newline);
      } catch (AuditChain.BadLineException e) {
        throw new Found(Kind.EDITED, source, 1, 0, e.getMessage());
      }
      if (!AuditChain.OPENED.equals(first.type())) {
        byte[] all = source.read();
        boolean headerElsewhere = false;
        for (int start = 0, end; start < all.length && (end = indexOf(all, start)) >= 0; start = end + 1) {
          try {
            headerElsewhere |= AuditChain.OPENED.equals(AuditChain.parseLine(all, start, end, TYPE).get("type"));
          } catch (MalformedJsonException ignored) {
            // not this one
          }
        }
        throw new Found(headerElsewhere ? Kind.REORDERED : Kind.DROPPED, source, 1, 0, headerElsewhere
            ? "its OPENED header is not its first line" : "its first line is not an OPENED header: the header is missing");
      }
      long index = first.longField("file", -1);
      if (index < 1 || index > Integer.MAX_VALUE) {
        throw new Found(Kind.EDITED, source, 1, 0, "its OPENED header has no valid file index");
      }
      return (int) index;
    }

    private record Torn(Entry entry, long line, long offset, long length) {}

    /** Checks every line of entry {@code e}; returns its torn tail, if any and if it is not the last file. */
    @Nullable
    private Torn checkFile(int e, @Nullable Torn tornBefore, boolean lastFile) throws IOException, Found {
      Entry entry = entries.get(e);
      byte[] bytes = entry.source.read();
      long lineNo = 0;
      int start = 0;
      boolean closedSeen = false;
      while (start < bytes.length) {
        int end = indexOf(bytes, start);
        lineNo++;
        if (end < 0) {
          if (tornBefore != null && lineNo <= 2) {
            throw tornWithoutFence(tornBefore);
          }
          if (lastFile) {
            throw new Found(Kind.TRUNCATED, entry.source, lineNo, start, "the last line is incomplete ("
                + (bytes.length - start) + " bytes): the file was cut, or its writer crashed and has not restarted");
          }
          return new Torn(entry, lineNo, start, bytes.length - start);
        }
        AuditChain.Line line = checkLine(e, bytes, start, end, lineNo);
        if (tornBefore != null && lineNo == 2) {
          checkFence(bytes, start, end, tornBefore);
        }
        if (closedSeen) {
          throw new Found(Kind.EDITED, entry.source, lineNo, start, "a line follows the CLOSED record of its file");
        }
        switch (line.type()) {
          case AuditChain.OPENED -> {
            if (lineNo != 1) {
              throw new Found(Kind.EDITED, entry.source, lineNo, start, "an OPENED header in the middle of a file");
            }
            if (line.longField("file", -1) != entry.index) {
              throw new Found(Kind.EDITED, entry.source, lineNo, start, "its header names another file index");
            }
          }
          case AuditChain.TRUNCATED -> {
            if (tornBefore == null || lineNo != 2) {
              throw new Found(Kind.EDITED, entry.source, lineNo, start,
                  "a TRUNCATED record, but the previous file does not end with a torn line");
            }
          }
          case AuditChain.CLOSED -> closedSeen = true;
          default -> { }
        }
        closed = closedSeen;
        start = end + 1;
      }
      if (tornBefore != null && lineNo < 2) {
        throw tornWithoutFence(tornBefore);
      }
      if (bytes.length == 0) {
        throw new Found(Kind.TRUNCATED, entry.source, 1, 0, "the file is empty");
      }
      return null;
    }

    private void checkFence(byte[] bytes, int start, int end, Torn torn) throws Found {
      Map<String, Object> fence;
      try {
        fence = AuditChain.parseLine(bytes, start, end, FENCE_MEMBERS);
      } catch (MalformedJsonException e) {
        throw tornWithoutFence(torn);
      }
      if (!AuditChain.TRUNCATED.equals(fence.get("type"))) {
        throw tornWithoutFence(torn);
      }
      if (!Long.valueOf(torn.entry.index).equals(fence.get("file")) || !Long.valueOf(torn.offset).equals(fence.get("offset"))
          || !Long.valueOf(torn.length).equals(fence.get("length"))) {
        throw new Found(Kind.EDITED, torn.entry.source, torn.line, torn.offset, "the torn last line (" + torn.length
            + " bytes) is not the one the next file's TRUNCATED record describes");
      }
    }

    private Found tornWithoutFence(Torn torn) {
      return new Found(Kind.TRUNCATED, torn.entry.source, torn.line, torn.offset, "the last line is incomplete ("
          + torn.length + " bytes) and no TRUNCATED record in the next file accounts for it");
    }

    /** Checks one whole line: its own hash, then its link to the chain so far. */
    private AuditChain.Line checkLine(int e, byte[] bytes, int start, int end, long lineNo) throws IOException, Found {
      Source source = entries.get(e).source;
      AuditChain.Line line;
      try {
        line = AuditChain.parseAndCheck(sha, bytes, start, end);
      } catch (AuditChain.BadLineException bad) {
        throw new Found(Kind.EDITED, source, lineNo, start, bad.getMessage());
      }
      if (line.seq() != expectedSeq || !line.prev().equals(expectedPrev)) {
        throw brokenLink(e, bytes, start, end, lineNo, line);
      }
      if (anchor != null && line.seq() == anchor.seq && !line.hash().equals(anchor.hash)) {
        throw new Found(Kind.EDITED, source, lineNo, start, "seq " + line.seq()
            + " does not have the anchored hash: the log was changed and re-hashed up to here or later");
      }
      expectedSeq++;
      expectedPrev = line.hash();
      lines++;
      return line;
    }

    private Found brokenLink(int e, byte[] bytes, int start, int end, long lineNo, AuditChain.Line line)
        throws IOException {
      Source source = entries.get(e).source;
      long seq = line.seq();
      if (line.prev().equals(expectedPrev)) {
        return new Found(Kind.EDITED, source, lineNo, start, "seq " + seq + " where " + expectedSeq
            + " was expected, though it links to the line before: it was changed and re-hashed");
      }
      if (seq == expectedSeq) {
        return new Found(Kind.EDITED, source, lineNo, start, "it does not link to the line before it: this line "
            + "or the one before was changed and re-hashed");
      }
      if (seq < expectedSeq) {
        byte[] copy = Arrays.copyOfRange(bytes, start, end);
        return seenBefore(e, start, copy)
            ? new Found(Kind.DUPLICATED, source, lineNo, start, "seq " + seq + " appears a second time")
            : new Found(Kind.EDITED, source, lineNo, start, "seq " + seq + " where " + expectedSeq
                + " was expected: it was changed and re-hashed");
      }
      if (appearsLater(e, end + 1)) {
        return new Found(Kind.REORDERED, source, lineNo, start, "seq " + seq + " where " + expectedSeq
            + " was expected, and seq " + expectedSeq + " comes later");
      }
      String missing = seq == expectedSeq + 1 ? "seq " + expectedSeq + " is" : "seq " + expectedSeq + " to "
          + (seq - 1) + " are";
      return lineNo == 1
          ? new Found(Kind.TRUNCATED, source, lineNo, start, missing + " missing: the file before this one ends early")
          : new Found(Kind.DROPPED, source, lineNo, start, missing + " missing before this line");
    }

    /** Whether the exact line occurs earlier: in files before entry {@code e}, or before {@code limit} in it. */
    private boolean seenBefore(int e, int limit, byte[] line) throws IOException {
      for (int f = 0; f <= e; f++) {
        byte[] bytes = entries.get(f).source.read();
        int stop = f == e ? limit : bytes.length;
        for (int start = 0, end; start < stop && (end = indexOf(bytes, start)) >= 0; start = end + 1) {
          if (end - start == line.length && Arrays.equals(bytes, start, end, line, 0, line.length)) {
            return true;
          }
        }
      }
      return false;
    }

    /** Whether the line that should have come next (expected seq, linked to the chain so far) comes later. */
    private boolean appearsLater(int e, int from) throws IOException {
      for (int f = e; f < entries.size(); f++) {
        byte[] bytes = entries.get(f).source.read();
        for (int start = f == e ? from : 0, end; start < bytes.length && (end = indexOf(bytes, start)) >= 0;
            start = end + 1) {
          try {
            Map<String, Object> fields = AuditChain.parseLine(bytes, start, end, SEQ_AND_PREV);
            if (Long.valueOf(expectedSeq).equals(fields.get("seq")) && expectedPrev.equals(fields.get("prev"))) {
              return true;
            }
          } catch (MalformedJsonException ignored) {
            // not this one
          }
        }
      }
      return false;
    }
  }

  private static int indexOf(byte[] bytes, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private static long countLines(byte[] bytes) {
    long n = 0;
    for (byte b : bytes) {
      if (b == '\n') {
        n++;
      }
    }
    return n;
  }
}
