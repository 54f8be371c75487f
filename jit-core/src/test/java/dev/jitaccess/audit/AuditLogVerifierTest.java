package dev.jitaccess.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.audit.AuditLogVerifier.Kind;
import dev.jitaccess.audit.AuditLogVerifier.Result;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogVerifierTest {

  @TempDir
  Path dir;

  private Path writeLog(int events) {
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).build()) {
      for (int i = 0; i < events; i++) {
        sink.write(TestEvents.event(i));
      }
    }
    return dir.resolve("audit-00000001.jsonl");
  }

  // ---------------------------------------------------------------- the command line

  @Test
  void theCommandLineSaysOkAndExitsWithZero() {
    writeLog(5);
    Run run = run("verify", dir.toString());
    assertThat(run.code).isZero();
    assertThat(run.out).startsWith("OK: 1 files, 7 lines, last seq 7, last hash ").contains("closed");
    assertThat(run.err).isEmpty();
  }

  @Test
  void theCommandLineNamesTheFirstBrokenLineAndExitsWithOne() throws IOException {
    Path file = writeLog(5);
    List<String> lines = new ArrayList<>(Files.readAllLines(file));
    lines.set(3, lines.get(3).replace("justification", "Justification"));
    Files.write(file, lines);

    Run run = run("verify", file.toString());
    assertThat(run.code).isEqualTo(1);
    assertThat(run.out).isEmpty();
    assertThat(run.err).startsWith("BROKEN: EDITED at " + file + " line 4 (byte ")
        .contains("its hash does not match its content");
  }

  @Test
  void theCommandLineChecksAnAnchor() throws IOException {
    writeLog(5);
    Result ok = AuditLogVerifier.verify(dir);
    assertThat(run("verify", "--anchor", ok.lastSeq() + ":" + ok.lastHash(), dir.toString()).code).isZero();
    Run beyond = run("verify", "--anchor", (ok.lastSeq() + 1) + ":" + ok.lastHash(), dir.toString());
    assertThat(beyond.code).isEqualTo(1);
    assertThat(beyond.err).contains("TRUNCATED").contains("before the anchored seq 8");
    Run other = run("verify", "--anchor", "3:" + ok.lastHash(), dir.toString());
    assertThat(other.err).contains("EDITED").contains("anchored hash");
  }

  @Test
  void theCommandLineRejectsBadUsageWithTwo() {
    assertThat(run().code).isEqualTo(2);
    assertThat(run("check", "x").code).isEqualTo(2);
    assertThat(run("verify").code).isEqualTo(2);
    assertThat(run("verify", "--anchor", "x:y", "dir").code).isEqualTo(2);
    assertThat(run("verify", "--fast", "dir").err).contains("unknown option --fast");
  }

  @Test
  void anUnreadableOrEmptyInputIsNotOk() {
    assertThat(run("verify", dir.resolve("nope.jsonl").toString()).code).isEqualTo(1);
    Run empty = run("verify", dir.toString());
    assertThat(empty.code).isEqualTo(1);
    assertThat(empty.err).contains("no audit log files");
  }

  @Test
  void theCommandLineRunsWithOnlyJitCoreOnTheClassPath() throws Exception {
    writeLog(3);
    Path classes = Path.of(AuditLogVerifier.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classes.toString(), AuditLogVerifier.class.getName(), "verify", dir.toString())
        .redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output).startsWith("OK: 1 files, 5 lines");
  }

  // ---------------------------------------------------------------- fences and files

  @Test
  void aFenceMustMatchTheTornBytesExactly() throws IOException {
    Path first = writeLog(2);
    TestEvents.dropClosedRecord(first);
    Files.write(first, "{\"seq\":4,\"ti".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
    JsonLinesAuditSink.builder(dir).build().close();
    assertThat(AuditLogVerifier.verify(dir).ok()).isTrue();
    byte[] torn = Files.readAllBytes(first);

    // The torn bytes removed afterwards: the header and the fence no longer match anything.
    Files.write(first, java.util.Arrays.copyOf(torn, torn.length - 12));
    assertThat(AuditLogVerifier.verify(dir).problem()).satisfies(p -> {
      assertThat(p.kind()).isEqualTo(Kind.EDITED);
      assertThat(p.file()).endsWith("audit-00000002.jsonl");
      assertThat(p.line()).isEqualTo(1);
      assertThat(p.message()).contains("says the previous file ended 'torn'");
    });
    // Torn bytes of another length.
    Files.write(first, java.util.Arrays.copyOf(torn, torn.length - 3));
    assertThat(AuditLogVerifier.verify(dir).problem().kind()).isEqualTo(Kind.EDITED);
    // The fence dropped.
    Files.write(first, torn);
    Path second = dir.resolve("audit-00000002.jsonl");
    List<String> lines = new ArrayList<>(Files.readAllLines(second));
    lines.remove(1);
    Files.write(second, lines);
    Result result = AuditLogVerifier.verify(dir);
    assertThat(result.problem().kind()).as("%s", result).isEqualTo(Kind.DROPPED);
  }

  @Test
  void aTornLineWithoutAFenceInALaterFileIsTruncation() throws IOException {
    Path first = writeLog(2);
    TestEvents.dropClosedRecord(first);
    JsonLinesAuditSink.builder(dir).build().close();
    Files.write(first, "{\"seq\":4".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
    Result result = AuditLogVerifier.verify(dir);
    assertThat(result.problem().kind()).isEqualTo(Kind.TRUNCATED);
    assertThat(result.problem().file()).isEqualTo(first.toString());
    assertThat(result.problem().message()).contains("no TRUNCATED record");
  }

  @Test
  void theFirstFileMissingIsAMissingFile() throws IOException {
    writeLog(1);
    JsonLinesAuditSink.builder(dir).build().close();
    JsonLinesAuditSink.builder(dir).build().close();
    Files.delete(dir.resolve("audit-00000001.jsonl"));
    Result result = AuditLogVerifier.verify(dir);
    assertThat(result.problem().kind()).isEqualTo(Kind.MISSING_FILE);
    assertThat(result.problem().message()).contains("file 1 of the sequence is missing");
    Files.delete(dir.resolve("audit-00000002.jsonl"));
    assertThat(AuditLogVerifier.verify(dir).problem().message()).contains("files 1 to 2");
  }

  @Test
  void aLineForgedAfterTheClosedRecordIsCaught() throws IOException {
    Path file = writeLog(1);
    List<String> lines = new ArrayList<>(Files.readAllLines(file));
    String closed = lines.get(lines.size() - 1);
    String hash = closed.substring(closed.lastIndexOf("\"hash\":\"") + 8, closed.length() - 2);
    String forged = "{\"seq\":" + (lines.size() + 1) + ",\"type\":\"GRANTED\",\"prev\":\"" + hash + "\",\"hash\":\""
        + "0".repeat(64) + "\"}";
    lines.add(new String(AuditTamperHarnessTest.rehash(forged), StandardCharsets.UTF_8));
    Files.write(file, lines);
    Result result = AuditLogVerifier.verify(dir);
    assertThat(result.problem().kind()).isEqualTo(Kind.EDITED);
    assertThat(result.problem().message()).contains("follows the CLOSED record");
  }

  @Test
  void anEmptyFileOrAHeaderlessFileIsReported() throws IOException {
    writeLog(1);
    Files.write(dir.resolve("audit-00000002.jsonl"), new byte[0]);
    assertThat(AuditLogVerifier.verify(dir).problem().kind()).isEqualTo(Kind.TRUNCATED);
    Files.writeString(dir.resolve("audit-00000002.jsonl"), "not json\n");
    assertThat(AuditLogVerifier.verify(dir).problem()).satisfies(p -> {
      assertThat(p.kind()).isEqualTo(Kind.EDITED);
      assertThat(p.toString()).startsWith("EDITED at " + dir.resolve("audit-00000002.jsonl") + " line 1 (byte 0): ");
    });
  }

  @Test
  void theApiRejectsBadArguments() {
    assertThatThrownBy(() -> new AuditLogVerifier.Anchor(0, "0".repeat(64))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new AuditLogVerifier.Anchor(1, "ABC")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AuditLogVerifier.verify(List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  // ---------------------------------------------------------------- how a file ended (issue 12, item 7)

  @Test
  void aPartialLineAfterTheClosedRecordIsNotFencedAtStartButReported() throws IOException {
    Path first = writeLog(2);
    Files.write(first, "{\"seq\":5,\"ti".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
    byte[] tampered = Files.readAllBytes(first);

    assertThatThrownBy(() -> JsonLinesAuditSink.builder(dir).build()).isInstanceOf(AuditException.class)
        .hasMessageContaining(first.toString()).hasMessageContaining("after its CLOSED record");
    assertThat(Files.readAllBytes(first)).isEqualTo(tampered);
    assertThat(dir.resolve("audit-00000002.jsonl")).doesNotExist();
    Result result = AuditLogVerifier.verify(dir);
    assertThat(result.problem()).satisfies(p -> {
      assertThat(p.kind()).isEqualTo(Kind.EDITED);
      assertThat(p.file()).isEqualTo(first.toString());
      assertThat(p.line()).isEqualTo(5);
      assertThat(p.message()).contains("after the CLOSED record");
    });
  }

  @Test
  void aWholeLineForgedAfterTheClosedRecordStopsTheNextStart() throws IOException {
    Path file = writeLog(1);
    List<String> lines = new ArrayList<>(Files.readAllLines(file));
    lines.add(chained(lines.get(lines.size() - 1), "{\"seq\":" + (lines.size() + 1) + ",\"type\":\"GRANTED\""));
    Files.write(file, lines);
    assertThatThrownBy(() -> JsonLinesAuditSink.builder(dir).build()).isInstanceOf(AuditException.class)
        .hasMessageContaining("after its CLOSED record");
  }

  @Test
  void aFenceAfterTheClosedRecordFromAnOlderSinkDoesNotVerify() throws IOException {
    // What the sink did before: it fenced bytes appended after CLOSED, and the log then verified clean.
    Path first = writeLog(2);
    List<String> lines = Files.readAllLines(first);
    long offset = Files.size(first);
    Files.write(first, "{\"seq\":5,\"ti".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
    String opened = chained(lines.get(lines.size() - 1), "{\"seq\":5,\"timestamp\":\"2026-01-01T00:00:00Z\","
        + "\"type\":\"OPENED\",\"file\":2,\"cause\":\"start\",\"previousFile\":\"audit-00000001.jsonl\"");
    String fence = chained(opened, "{\"seq\":6,\"timestamp\":\"2026-01-01T00:00:00Z\",\"type\":\"TRUNCATED\","
        + "\"file\":1,\"offset\":" + offset + ",\"length\":12,\"reason\":\"torn\"");
    String closed = chained(fence, "{\"seq\":7,\"timestamp\":\"2026-01-01T00:00:00Z\",\"type\":\"CLOSED\"");
    Files.write(dir.resolve("audit-00000002.jsonl"), List.of(opened, fence, closed));

    Result result = AuditLogVerifier.verify(dir);
    assertThat(result.ok()).as("%s", result).isFalse();
    assertThat(result.problem().kind()).isEqualTo(Kind.EDITED);
    assertThat(result.problem().file()).isEqualTo(first.toString());
    assertThat(result.problem().message()).contains("after the CLOSED record");
  }

  @Test
  void aTailCutAtALineBoundaryAndARestartIsSurfacedAndFailsRequireClosed() throws IOException {
    Path first = writeLog(5);
    List<String> lines = Files.readAllLines(first);
    Files.write(first, lines.subList(0, 4)); // the CLOSED record and two events cut away
    JsonLinesAuditSink.builder(dir).build().close();

    assertThat(opened(dir.resolve("audit-00000002.jsonl"))).contains("\"previousEnd\":\"unclosed\"");
    assertThat(run("verify", dir.toString()).out).contains("1 file not closed before a restart");
    assertFailsOnlyWhenClosedIsRequired(first, 4, "no CLOSED record");
  }

  @Test
  void aTornLineIsFencedAndTheNextOpenedRecordSaysSo() throws IOException {
    Path first = writeLog(2);
    TestEvents.dropClosedRecord(first);
    Files.write(first, "{\"seq\":4,\"ti".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND); // torn
    JsonLinesAuditSink.builder(dir).build().close();

    List<String> second = Files.readAllLines(dir.resolve("audit-00000002.jsonl"));
    assertThat(second.get(0)).contains("\"previousEnd\":\"torn\"");
    assertThat(second.get(1)).contains("\"type\":\"TRUNCATED\"");
    assertFailsOnlyWhenClosedIsRequired(first, 4, "torn");
  }

  @Test
  void aCleanRestartSaysClosedAndPassesRequireClosed() throws IOException {
    writeLog(2);
    JsonLinesAuditSink.builder(dir).build().close();
    assertThat(opened(dir.resolve("audit-00000002.jsonl"))).contains("\"previousEnd\":\"closed\"");
    Run strict = run("verify", "--require-closed", dir.toString());
    assertThat(strict.code).as(strict.err).isZero();
    assertThat(strict.out).contains(", closed");
  }

  @Test
  void aLogStillBeingWrittenFailsRequireClosedOnly() throws IOException {
    Path first = writeLog(2);
    TestEvents.dropClosedRecord(first);
    assertFailsOnlyWhenClosedIsRequired(first, 3, "not closed");
  }

  @Test
  void aLogOfTheOlderFormatStillVerifies() throws IOException {
    // Written before OPENED told how the previous file ended: the verifier sees it in the file itself.
    String opened1 = chained(null, "{\"seq\":1,\"timestamp\":\"2026-01-01T00:00:00Z\",\"type\":\"OPENED\","
        + "\"file\":1,\"cause\":\"start\"");
    String event = chained(opened1, "{\"seq\":2,\"timestamp\":\"2026-01-01T00:00:00Z\",\"type\":\"GRANTED\","
        + "\"id\":\"e-1\",\"details\":{}");
    String opened2 = chained(event, "{\"seq\":3,\"timestamp\":\"2026-01-01T00:00:00Z\",\"type\":\"OPENED\","
        + "\"file\":2,\"cause\":\"start\",\"previousFile\":\"audit-00000001.jsonl\"");
    String closed = chained(opened2, "{\"seq\":4,\"timestamp\":\"2026-01-01T00:00:00Z\",\"type\":\"CLOSED\"");
    Files.write(dir.resolve("audit-00000001.jsonl"), List.of(opened1, event));
    Files.write(dir.resolve("audit-00000002.jsonl"), List.of(opened2, closed));

    assertThat(run("verify", dir.toString()).out).startsWith("OK: 2 files, 4 lines");
    assertFailsOnlyWhenClosedIsRequired(dir.resolve("audit-00000001.jsonl"), 2, "no CLOSED record");
    // And a sink continues it.
    JsonLinesAuditSink.builder(dir).build().close();
    assertThat(run("verify", "--require-closed", dir.toString()).code).isEqualTo(1);
    assertThat(run("verify", dir.toString()).code).isZero();
  }

  // ---------------------------------------------------------------- bounded lines (issue 12, item 13)

  @Test
  void aLineOverTheLengthBoundIsBrokenWithItsLineNumberAndNoStackTrace() throws IOException {
    Path file = writeLog(2);
    List<String> lines = new ArrayList<>(Files.readAllLines(file));
    lines.add(2, "{\"seq\":3,\"pad\":\"" + "x".repeat(2048) + "\"}");
    Files.write(file, lines);

    Run run = run("verify", "--max-line-bytes", "2048", dir.toString());
    assertThat(run.code).isEqualTo(1);
    assertThat(run.out).isEmpty();
    assertThat(run.err).startsWith("BROKEN: EDITED at " + file + " line 3 (byte ").contains("longer than 2048 bytes")
        .doesNotContain("Exception").doesNotContain("\tat ");
    // The lines before and after it are well within the bound; a torn tail over it is reported the same way.
    Files.write(file, lines.subList(0, 2));
    Files.write(file, ("{\"seq\":3," + "y".repeat(4096)).getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
    Run torn = run("verify", "--max-line-bytes", "2048", dir.toString());
    assertThat(torn.code).isEqualTo(1);
    assertThat(torn.err).startsWith("BROKEN: EDITED at " + file + " line 3 ").contains("longer than 2048 bytes");
    assertThat(run("verify", "--max-line-bytes", "0", dir.toString()).code).isEqualTo(2);
  }

  /**
   * A sparse file of more than 2 GiB (a valid header, then zeros without a newline), verified by a JVM with a
   * 64 MiB heap: BROKEN at line 2, no OutOfMemoryError. Heavy: run with {@code -Djit.audit.heavy=true}.
   */
  @Test
  @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "jit.audit.heavy", matches = "true")
  void aHugeFileIsVerifiedInBoundedMemory() throws Exception {
    Path file = writeLog(1);
    List<String> lines = Files.readAllLines(file);
    Files.write(file, lines.subList(0, 1));
    try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength((2L << 30) + 4096);
    }
    Path classes = Path.of(AuditLogVerifier.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx64m", "-cp", classes.toString(), AuditLogVerifier.class.getName(), "verify", dir.toString())
        .redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isEqualTo(1);
    assertThat(output).startsWith("BROKEN: EDITED at " + file + " line 2 ").doesNotContain("OutOfMemoryError");
  }

  // ---------------------------------------------------------------- helpers

  /** The log verifies, but not with {@code --require-closed}, which names this line of this file. */
  private void assertFailsOnlyWhenClosedIsRequired(Path file, int line, String because) {
    Run plain = run("verify", dir.toString());
    assertThat(plain.code).as(plain.err).isZero();
    Run strict = run("verify", "--require-closed", dir.toString());
    assertThat(strict.code).isEqualTo(1);
    assertThat(strict.err).startsWith("BROKEN: NOT_CLOSED at " + file + " line " + line + " ").contains(because);
    Result result;
    try {
      result = AuditLogVerifier.verify(List.of(dir), AuditLogVerifier.Options.DEFAULT.requiringClosed());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    assertThat(result.problem().kind()).isEqualTo(Kind.NOT_CLOSED);
  }

  /** A line linked to {@code previous} (null: the first line), hashed as the sink does. */
  private static String chained(String previous, String bodyWithoutBrace) {
    String prev = previous == null ? AuditChain.GENESIS
        : previous.substring(previous.lastIndexOf("\"hash\":\"") + 8, previous.length() - 2);
    return new String(AuditTamperHarnessTest.rehash(bodyWithoutBrace + ",\"prev\":\"" + prev + "\",\"hash\":\""
        + AuditChain.GENESIS + "\"}"), StandardCharsets.UTF_8);
  }

  private static String opened(Path file) throws IOException {
    return Files.readAllLines(file).get(0);
  }


  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = AuditLogVerifier.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8).strip(), err.toString(StandardCharsets.UTF_8).strip());
  }
}
