package dev.jitaccess.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.audit.AuditLogVerifier.Anchor;
import dev.jitaccess.audit.AuditLogVerifier.Kind;
import dev.jitaccess.audit.AuditLogVerifier.Result;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mutation harness: a log of 10,000 events over many files (and one restart), then every kind of
 * tampering at many positions. The verifier must catch every one, name its kind and place, and accept the
 * untouched log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditTamperHarnessTest {

  private static final int EVENTS = 10_000;
  private static final int POSITIONS = 100; // per kind of tampering
  /**
   * Per kind of tampering that only the signed checkpoints catch (each re-hashes or re-reads much of the log):
   * {@code -Djit.audit.tamper.checkpointPositions=100} for the full run.
   */
  private static final int CHECKPOINT_POSITIONS = Integer.getInteger("jit.audit.tamper.checkpointPositions", 10);
  private static final java.security.KeyPair KEY = SignedCheckpointTest.ed25519();

  private Path dir;

  /** Each file's lines, without newlines, in order. */
  private List<List<byte[]>> files;
  private List<String> names;
  private Anchor end;
  private final Random random = new Random(5);
  private final Map<Kind, Integer> caught = new EnumMap<>(Kind.class);
  /** The checkpoints the sinks signed, in order. */
  private List<AuditCheckpoint> checkpoints;
  /** Per kind of checkpoint tampering: tried, caught with the checkpoints, and passed by the chain alone. */
  private final Map<String, int[]> signedFigures = new java.util.TreeMap<>();

  @BeforeAll
  void writeTheLog(@TempDir Path temp) throws IOException {
    dir = temp;
    CheckpointWitness witness = CheckpointWitness.directory(temp.resolve("witness"));
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).maxFileSize(256 * 1024)
        .checkpoints(KEY.getPrivate(), witness).checkpointEvery(500, Duration.ofHours(1))
        .durability(JsonLinesAuditSink.Durability.OS_BUFFERED).build()) {
      for (int i = 0; i < EVENTS / 2; i++) {
        sink.write(TestEvents.event(i));
      }
    }
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).maxFileSize(256 * 1024)
        .checkpoints(KEY.getPrivate(), witness).checkpointEvery(500, Duration.ofHours(1))
        .durability(JsonLinesAuditSink.Durability.OS_BUFFERED).build()) {
      for (int i = EVENTS / 2; i < EVENTS; i++) {
        sink.write(TestEvents.event(i));
      }
    }
    Result whole = AuditLogVerifier.verify(dir);
    assertThat(whole.ok()).as("%s", whole).isTrue();
    end = new Anchor(whole.lastSeq(), whole.lastHash());
    files = new ArrayList<>();
    names = new ArrayList<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path file : list.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
        names.add(file.getFileName().toString());
        files.add(JsonLinesFormatTest.lines(file));
      }
    }
    assertThat(files.size()).isGreaterThan(10);
    checkpoints = witness.read();
    assertThat(checkpoints.size()).isGreaterThanOrEqualTo(2); // at least the two closes
    Result signed = verifySigned(copy(), checkpoints);
    assertThat(signed.proven()).as("%s", signed).isTrue();
  }

  @Test
  void acceptsTheUntouchedLogInAnyFileOrderAndUnderAnyName() throws IOException {
    Result result = AuditLogVerifier.verify(dir);
    assertThat(result.ok()).as("%s", result).isTrue();
    assertThat(result.lines()).isEqualTo(EVENTS + files.size() + 2); // + one OPENED per file, two CLOSED
    assertThat(result.closed()).isTrue();
    assertThat(verify(copy(), end).ok()).isTrue();

    List<AuditLogVerifier.Source> shuffled = new ArrayList<>(sources(copy()));
    Collections.shuffle(shuffled, random);
    assertThat(AuditLogVerifier.verifySources(shuffled, end).ok()).isTrue();
    List<AuditLogVerifier.Source> renamed = new ArrayList<>();
    for (int f = 0; f < files.size(); f++) {
      renamed.add(new AuditLogVerifier.BytesSource("archive-" + (files.size() - f) + ".jsonl", join(files.get(f))));
    }
    assertThat(AuditLogVerifier.verifySources(renamed, (Anchor) null).ok()).isTrue();
  }

  @Test
  void catchesEveryEditedByte() throws IOException {
    for (int n = 0; n < POSITIONS; n++) {
      List<List<byte[]>> log = copy();
      int f = random.nextInt(log.size());
      int l = random.nextInt(log.get(f).size());
      byte[] line = log.get(f).get(l).clone();
      int at = random.nextInt(line.length);
      byte replacement;
      do {
        replacement = (byte) (0x20 + random.nextInt(0x5f));
      } while (replacement == line[at]);
      line[at] = replacement;
      log.get(f).set(l, line);
      expect(log, null, Set.of(Kind.EDITED), f, l + 1);
    }
  }

  @Test
  void catchesEveryLineEditedAndReHashed() throws IOException {
    for (int n = 0; n < POSITIONS; n++) {
      List<List<byte[]>> log = copy();
      int f = random.nextInt(log.size());
      int l = random.nextInt(log.get(f).size());
      String text = new String(log.get(f).get(l), StandardCharsets.UTF_8);
      String edited = text.replaceFirst("\"timestamp\":\"20", "\"timestamp\":\"19");
      log.get(f).set(l, rehash(edited));
      boolean lastOfLog = f == log.size() - 1 && l == log.get(f).size() - 1;
      // The next line's link breaks; at the very end of the log only an anchor can tell.
      int[] next = lastOfLog ? new int[] {f, l} : l + 1 < log.get(f).size() ? new int[] {f, l + 1} : new int[] {f + 1, 0};
      expect(log, lastOfLog ? end : null, Set.of(Kind.EDITED), next[0], next[1] + 1);
    }
  }

  @Test
  void catchesEveryDroppedLine() throws IOException {
    for (int n = 0; n < POSITIONS; n++) {
      List<List<byte[]>> log = copy();
      int f = random.nextInt(log.size());
      int l = random.nextInt(log.get(f).size());
      int count = 1 + (n % 4 == 0 ? random.nextInt(5) : 0);
      count = Math.min(count, log.get(f).size() - l);
      for (int k = 0; k < count; k++) {
        log.get(f).remove(l);
      }
      boolean fileTail = l == log.get(f).size();
      boolean logTail = fileTail && f == log.size() - 1;
      if (l == 0) {
        expect(log, null, Set.of(Kind.DROPPED), f, 1); // a header line
      } else if (logTail) {
        expect(log, end, Set.of(Kind.TRUNCATED), -1, -1); // the end of the log: only the anchor tells
      } else if (fileTail) {
        expect(log, null, Set.of(Kind.TRUNCATED, Kind.DROPPED), f + 1, 1); // same as a file cut at a line end
      } else {
        expect(log, null, Set.of(Kind.DROPPED), f, l + 1);
      }
    }
  }

  @Test
  void catchesEveryReorderedLine() throws IOException {
    for (int n = 0; n < POSITIONS; n++) {
      List<List<byte[]>> log = copy();
      int f1 = random.nextInt(log.size());
      int f2 = n % 3 == 0 ? f1 + random.nextInt(log.size() - f1) : f1;
      int l1 = 1 + random.nextInt(log.get(f1).size() - 1); // headers are checked by the header tests below
      int l2 = n % 2 == 0 && f1 == f2 && l1 + 1 < log.get(f1).size() ? l1 + 1
          : 1 + random.nextInt(log.get(f2).size() - 1);
      if (f1 == f2 && l1 == l2) {
        n--;
        continue;
      }
      if (f1 == f2 && l2 < l1) {
        int t = l1;
        l1 = l2;
        l2 = t;
      }
      byte[] a = log.get(f1).get(l1);
      log.get(f1).set(l1, log.get(f2).get(l2));
      log.get(f2).set(l2, a);
      expect(log, null, Set.of(Kind.REORDERED), f1, l1 + 1);
    }
    // A header moved down inside its file.
    List<List<byte[]>> log = copy();
    Collections.swap(log.get(3), 0, 1);
    expect(log, null, Set.of(Kind.REORDERED), 3, 1);
  }

  @Test
  void catchesEveryDuplicatedLineAndFile() throws IOException {
    for (int n = 0; n < POSITIONS; n++) {
      List<List<byte[]>> log = copy();
      int f1 = random.nextInt(log.size());
      int l1 = random.nextInt(log.get(f1).size());
      int f2 = f1 + random.nextInt(log.size() - f1);
      int from = f2 == f1 ? l1 + 1 : 1;
      int l2 = n % 2 == 0 ? from : from + random.nextInt(log.get(f2).size() - from + 1);
      log.get(f2).add(l2, log.get(f1).get(l1));
      expect(log, null, Set.of(Kind.DUPLICATED), f2, l2 + 1);
    }
    for (int f = 0; f < files.size(); f++) {
      List<AuditLogVerifier.Source> sources = new ArrayList<>(sources(copy()));
      sources.add(new AuditLogVerifier.BytesSource("copy-of-" + names.get(f), join(files.get(f))));
      Result result = AuditLogVerifier.verifySources(sources, (Anchor) null);
      assertThat(result.ok()).isFalse();
      assertThat(result.problem().kind()).isEqualTo(Kind.DUPLICATED);
      count(Kind.DUPLICATED);
    }
  }

  @Test
  void catchesEveryTruncation() throws IOException {
    for (int n = 0; n < POSITIONS; n++) {
      List<byte[]> bytes = new ArrayList<>();
      for (List<byte[]> file : files) {
        bytes.add(join(file));
      }
      int f = n % 4 == 0 ? files.size() - 1 : random.nextInt(files.size());
      byte[] original = bytes.get(f);
      int cut = random.nextInt(original.length); // always removes something
      bytes.set(f, Arrays.copyOf(original, cut));
      boolean atLineEnd = cut > 0 && original[cut - 1] == '\n';
      boolean last = f == files.size() - 1;
      Result result = AuditLogVerifier.verifySources(named(bytes), last && atLineEnd ? end : null);
      assertThat(result.ok()).as("cut %s at %d", names.get(f), cut).isFalse();
      assertThat(result.problem().kind()).as("%s", result).isEqualTo(Kind.TRUNCATED);
      count(Kind.TRUNCATED);
    }
  }

  @Test
  void catchesEveryMissingFile() throws IOException {
    for (int f = 0; f < files.size(); f++) {
      List<List<byte[]>> log = copy();
      List<String> kept = new ArrayList<>(names);
      log.remove(f);
      kept.remove(f);
      boolean last = f == files.size() - 1;
      List<AuditLogVerifier.Source> sources = new ArrayList<>();
      for (int i = 0; i < log.size(); i++) {
        sources.add(new AuditLogVerifier.BytesSource(kept.get(i), join(log.get(i))));
      }
      Result result = AuditLogVerifier.verifySources(sources, last ? end : null);
      assertThat(result.ok()).isFalse();
      assertThat(result.problem().kind()).as("%s", result).isEqualTo(last ? Kind.TRUNCATED : Kind.MISSING_FILE);
      if (!last) {
        assertThat(result.problem().file()).isEqualTo(names.get(f + 1));
      }
      count(result.problem().kind());
    }
  }

  // ---------------------------------------------------------------- signed checkpoints (issue 14)

  @Test
  void signedCheckpointsCatchEveryTailCutAndEveryDeletedNewestFile() {
    for (int n = 0; n < CHECKPOINT_POSITIONS; n++) {
      List<List<byte[]>> log = copy();
      int f = log.size() - 1 - random.nextInt(Math.min(3, log.size()));
      int l = n % 4 == 0 ? 0 : random.nextInt(log.get(f).size());
      while (log.size() > f + 1) {
        log.remove(log.size() - 1);
      }
      if (l == 0) {
        log.remove(f); // the newest file(s) deleted
      } else {
        log.set(f, new ArrayList<>(log.get(f).subList(0, l))); // cut at a line end
      }
      expectSigned(l == 0 ? "delete newest files" : "tail cut", log, checkpoints, Set.of(Kind.TRUNCATED));
    }
  }

  @Test
  void signedCheckpointsCatchEveryLogReHashedFromLineK() {
    for (int n = 0; n < CHECKPOINT_POSITIONS; n++) {
      int f = n % 5 == 0 ? files.size() - 1 : random.nextInt(files.size()); // every fifth: the newest file replaced
      int l = random.nextInt(files.get(f).size());
      List<List<byte[]>> log = bytes(Tamper.rehashFrom(strings(copy()), f, l,
          line -> line.replaceFirst("\"timestamp\":\"20", "\"timestamp\":\"19")));
      expectSigned(n % 5 == 0 ? "replace newest file" : "rehash from line k", log, checkpoints, Set.of(Kind.EDITED));
    }
  }

  @Test
  void signedCheckpointsCatchEveryForgedClose() {
    for (int n = 0; n < CHECKPOINT_POSITIONS; n++) {
      List<List<String>> log = strings(copy());
      List<String> newest = log.get(log.size() - 1);
      int cut = 1 + random.nextInt(Math.min(200, newest.size() - 2)); // lines removed before the forged CLOSED
      List<String> kept = new ArrayList<>(newest.subList(0, newest.size() - 1 - cut));
      kept.add(Tamper.forgedClosed(kept.get(kept.size() - 1)));
      log.set(log.size() - 1, kept);
      // The witness's tail dropped too, as far as the attacker likes: then the forged CLOSED is covered by none.
      List<AuditCheckpoint> witness = new ArrayList<>(checkpoints);
      boolean dropWitnessTail = n % 2 == 1;
      if (dropWitnessTail) {
        long end = Long.parseLong(new String(kept.get(kept.size() - 1)).replaceAll("^\\{\"seq\":(\\d+),.*", "$1"));
        witness.removeIf(c -> c.seq() >= end);
      }
      expectSigned("forge close", bytes(log), witness, Set.of(Kind.TRUNCATED, Kind.CHECKPOINT_MISSING));
    }
  }

  @Test
  void signedCheckpointsCatchEveryWitnessRewrittenWithoutTheKey() {
    java.security.KeyPair other = SignedCheckpointTest.ed25519();
    for (int n = 0; n < CHECKPOINT_POSITIONS; n++) {
      List<AuditCheckpoint> witness = new ArrayList<>(checkpoints);
      int i = random.nextInt(witness.size());
      AuditCheckpoint c = witness.get(i);
      Set<Kind> expected;
      switch (n % 5) {
        case 0 -> { // another hash, same signature
          witness.set(i, new AuditCheckpoint(c.seq(), AuditChain.GENESIS, c.file(), c.time(), c.previous(), c.signature()));
          expected = Set.of(Kind.CHECKPOINT_FORGED);
        }
        case 1 -> { // re-signed with a key of the attacker's
          witness.set(i, sign(c, other.getPrivate()));
          expected = Set.of(Kind.CHECKPOINT_FORGED);
        }
        case 2 -> { // one removed before the last
          witness.remove(Math.min(i, witness.size() - 2));
          expected = Set.of(Kind.CHECKPOINT_GAP);
        }
        case 3 -> { // the newest removed: the log's CLOSED is covered by none
          witness.subList(Math.max(1, i), witness.size()).clear();
          expected = Set.of(Kind.CHECKPOINT_MISSING);
        }
        default -> { // a signature byte flipped
          byte[] signature = java.util.Base64.getDecoder().decode(c.signature());
          signature[random.nextInt(signature.length)] ^= 1;
          witness.set(i, new AuditCheckpoint(c.seq(), c.hash(), c.file(), c.time(), c.previous(),
              java.util.Base64.getEncoder().encodeToString(signature)));
          expected = Set.of(Kind.CHECKPOINT_FORGED);
        }
      }
      expectSigned("rewrite witness", copy(), witness, expected);
    }
  }

  private void expectSigned(String kind, List<List<byte[]>> log, List<AuditCheckpoint> witness, Set<Kind> kinds) {
    int[] figures = signedFigures.computeIfAbsent(kind, k -> new int[3]);
    figures[0]++;
    if (verify(log, null).ok()) {
      figures[2]++; // the chain alone sees nothing
    }
    Result result = verifySigned(log, witness);
    assertThat(result.ok()).as("%s not caught", kind).isFalse();
    assertThat(result.problem().kind()).as("%s: %s", kind, result.problem()).isIn(kinds);
    figures[1]++;
  }

  private Result verifySigned(List<List<byte[]>> log, List<AuditCheckpoint> witness) {
    CheckpointWitness held = new CheckpointWitness() {
      @Override
      public void append(AuditCheckpoint checkpoint) {
        throw new UnsupportedOperationException();
      }

      @Override
      public List<AuditCheckpoint> read() {
        return witness;
      }
    };
    try {
      return AuditLogVerifier.verifySources(sources(log),
          AuditLogVerifier.Options.DEFAULT.withCheckpoints(KEY.getPublic(), held));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static AuditCheckpoint sign(AuditCheckpoint c, java.security.PrivateKey key) {
    try {
      return AuditCheckpoint.sign(c.seq(), c.hash(), c.file(), c.time(), c.previous(), key);
    } catch (java.security.GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  private static List<List<String>> strings(List<List<byte[]>> log) {
    List<List<String>> out = new ArrayList<>();
    for (List<byte[]> file : log) {
      out.add(new ArrayList<>(file.stream().map(l -> new String(l, StandardCharsets.UTF_8)).toList()));
    }
    return out;
  }

  private static List<List<byte[]>> bytes(List<List<String>> log) {
    List<List<byte[]>> out = new ArrayList<>();
    for (List<String> file : log) {
      out.add(new ArrayList<>(file.stream().map(l -> l.getBytes(StandardCharsets.UTF_8)).toList()));
    }
    return out;
  }

  // ---------------------------------------------------------------- helpers

  private void expect(List<List<byte[]>> log, Anchor anchor, Set<Kind> kinds, int file, int line) {
    Result result = verify(log, anchor);
    assertThat(result.ok()).as("tampering not caught").isFalse();
    assertThat(result.problem().kind()).as("%s", result.problem()).isIn(kinds);
    if (file >= 0) {
      assertThat(result.problem().file()).as("%s", result.problem()).isEqualTo(names.get(file));
      assertThat(result.problem().line()).as("%s", result.problem()).isEqualTo(line);
    }
    count(result.problem().kind());
  }

  private void count(Kind kind) {
    caught.merge(kind, 1, Integer::sum);
  }

  private Result verify(List<List<byte[]>> log, Anchor anchor) {
    try {
      return AuditLogVerifier.verifySources(sources(log), anchor);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private List<AuditLogVerifier.Source> sources(List<List<byte[]>> log) {
    List<byte[]> bytes = new ArrayList<>();
    for (List<byte[]> file : log) {
      bytes.add(join(file));
    }
    return named(bytes);
  }

  private List<AuditLogVerifier.Source> named(List<byte[]> bytes) {
    List<AuditLogVerifier.Source> sources = new ArrayList<>();
    for (int f = 0; f < bytes.size(); f++) {
      sources.add(new AuditLogVerifier.BytesSource(names.get(f), bytes.get(f)));
    }
    return sources;
  }

  private List<List<byte[]>> copy() {
    List<List<byte[]>> copy = new ArrayList<>();
    for (List<byte[]> file : files) {
      copy.add(new ArrayList<>(file));
    }
    return copy;
  }

  private static byte[] join(List<byte[]> lines) {
    int length = 0;
    for (byte[] line : lines) {
      length += line.length + 1;
    }
    byte[] out = new byte[length];
    int at = 0;
    for (byte[] line : lines) {
      System.arraycopy(line, 0, out, at, line.length);
      at += line.length;
      out[at++] = '\n';
    }
    return out;
  }

  /** What an attacker does: recomputes the line's own hash over its new content, keeping its link. */
  static byte[] rehash(String line) {
    String canonical = line.substring(0, line.lastIndexOf(",\"hash\":\""));
    String prev = canonical.substring(canonical.lastIndexOf("\"prev\":\"") + 8, canonical.length() - 1);
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(HexFormat.of().parseHex(prev));
      byte[] hash = sha.digest((canonical + "}").getBytes(StandardCharsets.UTF_8));
      return (canonical + ",\"hash\":\"" + HexFormat.of().formatHex(hash) + "\"}").getBytes(StandardCharsets.UTF_8);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @org.junit.jupiter.api.AfterAll
  void report() {
    org.slf4j.LoggerFactory.getLogger(AuditTamperHarnessTest.class).info("tampering caught, by kind: {}", caught);
    StringBuilder figures = new StringBuilder();
    signedFigures.forEach((kind, f) -> figures.append(String.format("%n  %-20s %4d tried, %4d caught (%d%%), %4d of "
        + "them pass the chain alone", kind, f[0], f[1], f[0] == 0 ? 0 : 100 * f[1] / f[0], f[2])));
    System.out.printf("signed checkpoints over %d events, %d checkpoints:%s%n", EVENTS, checkpoints.size(), figures);
  }
}
