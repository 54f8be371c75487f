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
    Files.write(first, "{\"seq\":5,\"ti".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
    JsonLinesAuditSink.builder(dir).build().close();
    assertThat(AuditLogVerifier.verify(dir).ok()).isTrue();
    byte[] torn = Files.readAllBytes(first);

    // The torn bytes removed afterwards: the fence no longer matches anything.
    Files.write(first, java.util.Arrays.copyOf(torn, torn.length - 12));
    assertThat(AuditLogVerifier.verify(dir).problem()).satisfies(p -> {
      assertThat(p.kind()).isEqualTo(Kind.EDITED);
      assertThat(p.file()).endsWith("audit-00000002.jsonl");
      assertThat(p.line()).isEqualTo(2);
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
    JsonLinesAuditSink.builder(dir).build().close();
    Files.write(first, "{\"seq\":5".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
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

  // ---------------------------------------------------------------- helpers

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = AuditLogVerifier.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8).strip(), err.toString(StandardCharsets.UTF_8).strip());
  }
}
