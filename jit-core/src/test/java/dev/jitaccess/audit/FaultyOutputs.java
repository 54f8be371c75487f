package dev.jitaccess.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real files whose writes and forces can be made to fail, for the file sink's failure paths. Public so the
 * engine tests (another package) can fail a {@link JsonLinesAuditSink} on purpose.
 */
public final class FaultyOutputs implements JsonLinesAuditSink.OutputOpener {

  /** The next write writes only its first half, then throws (a torn line, as on a full disk). */
  public final AtomicBoolean tearNextWrite = new AtomicBoolean();
  /** Every write throws, writing nothing. */
  public final AtomicBoolean failWrites = new AtomicBoolean();
  /** Every force throws. */
  public final AtomicBoolean failSyncs = new AtomicBoolean();
  /** Opening a file throws (so a failed sink cannot start a new one). */
  public final AtomicBoolean failOpens = new AtomicBoolean();
  public final AtomicInteger syncs = new AtomicInteger();

  /** Makes {@code builder} write through this. */
  public JsonLinesAuditSink.Builder attach(JsonLinesAuditSink.Builder builder) {
    return builder.opener(this);
  }

  /** Everything works again. */
  public void heal() {
    tearNextWrite.set(false);
    failWrites.set(false);
    failSyncs.set(false);
    failOpens.set(false);
  }

  @Override
  public JsonLinesAuditSink.Output open(Path file) throws IOException {
    if (failOpens.get()) {
      throw new IOException("injected: cannot open " + file);
    }
    JsonLinesAuditSink.Output real = JsonLinesAuditSink.FILES.open(file);
    return new JsonLinesAuditSink.Output() {
      @Override
      public void write(byte[] bytes, int offset, int length) throws IOException {
        if (failWrites.get()) {
          throw new IOException("injected: No space left on device");
        }
        if (tearNextWrite.compareAndSet(true, false)) {
          real.write(bytes, offset, length / 2);
          throw new IOException("injected: No space left on device (after " + length / 2 + " bytes)");
        }
        real.write(bytes, offset, length);
      }

      @Override
      public void sync() throws IOException {
        syncs.incrementAndGet();
        if (failSyncs.get()) {
          throw new IOException("injected: Input/output error");
        }
        real.sync();
      }

      @Override
      public void close() throws IOException {
        real.close();
      }
    };
  }
}
