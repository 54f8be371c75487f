package dev.jitaccess.audit;

import java.io.PrintStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The child process of the crash test: writes events from several threads as fast as it can, and prints
 * {@code ACK <seq> <id>} for every event whose write returned, until it is killed.
 */
public final class CrashWriter {

  private CrashWriter() {}

  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    JsonLinesAuditSink.Durability durability = JsonLinesAuditSink.Durability.valueOf(args[1]);
    int threads = Integer.parseInt(args[2]);
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    JsonLinesAuditSink sink = JsonLinesAuditSink.builder(dir).durability(durability).maxFileSize(64 * 1024).build();
    out.println("READY");
    out.flush();
    AtomicInteger next = new AtomicInteger();
    for (int t = 0; t < threads; t++) {
      Thread writer = new Thread(() -> {
        while (true) {
          AuditEvent event = TestEvents.event(next.getAndIncrement());
          long seq = sink.append(event);
          synchronized (out) {
            out.println("ACK " + seq + " " + event.id());
            out.flush();
          }
        }
      }, "writer-" + t);
      writer.start();
    }
  }
}
