package dev.jitaccess.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** What an attacker with write access to the log (but not the checkpoint key) does to its lines. */
final class Tamper {

  private Tamper() {}

  /**
   * Edits line {@code line} of file {@code file} and re-hashes it and every line after it, each linked to the
   * one before: a chain that verifies on its own. Lines are without newlines.
   */
  static List<List<String>> rehashFrom(List<List<String>> log, int file, int line, UnaryOperator<String> edit) {
    List<List<String>> out = new ArrayList<>();
    String prev = null;
    for (int f = 0; f < log.size(); f++) {
      List<String> lines = new ArrayList<>(log.get(f));
      for (int l = 0; l < lines.size(); l++) {
        boolean after = f > file || (f == file && l >= line);
        if (!after) {
          continue;
        }
        String text = f == file && l == line ? edit.apply(lines.get(l)) : lines.get(l);
        if (prev != null) {
          text = text.replaceFirst("\"prev\":\"[0-9a-f]{64}\"", "\"prev\":\"" + prev + "\"");
        }
        text = new String(AuditTamperHarnessTest.rehash(text), java.nio.charset.StandardCharsets.UTF_8);
        lines.set(l, text);
        prev = hashOf(text);
      }
      out.add(lines);
    }
    return out;
  }

  /** A forged CLOSED record after {@code last} (a line of the log), hashed and linked as the sink would. */
  static String forgedClosed(String last) {
    long seq = Long.parseLong(last.substring(last.indexOf("\"seq\":") + 6, last.indexOf(',')));
    String line = "{\"seq\":" + (seq + 1) + ",\"timestamp\":\"2026-01-01T00:00:00Z\",\"type\":\"CLOSED\",\"prev\":\""
        + hashOf(last) + "\",\"hash\":\"" + AuditChain.GENESIS + "\"}";
    return new String(AuditTamperHarnessTest.rehash(line), java.nio.charset.StandardCharsets.UTF_8);
  }

  static String hashOf(String line) {
    int at = line.lastIndexOf("\"hash\":\"") + 8;
    return line.substring(at, at + 64);
  }
}
