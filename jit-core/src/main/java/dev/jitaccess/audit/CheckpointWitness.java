package dev.jitaccess.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where {@link JsonLinesAuditSink} keeps its signed {@link AuditCheckpoint}s, out of reach of whoever can
 * rewrite the log: another mount, another owner, another system. Checkpoints are only ever appended. Built in:
 * {@link #directory} and {@link JdbcCheckpointWitness} (a table, e.g. in the grant store's database).
 *
 * <p>The sink calls {@link #append} from its one checkpoint thread, never two at once; {@link #read} may be
 * called from any thread (the sink's start, a verifier). An implementation for a shared store must tolerate
 * concurrent readers.
 */
public interface CheckpointWitness {

  /**
   * Adds a checkpoint after the ones already there, durably, before it returns.
   *
   * @throws IOException if it is not stored; the sink logs it and links its next checkpoint to the last stored one
   */
  void append(AuditCheckpoint checkpoint) throws IOException;

  /**
   * Every checkpoint, in the order appended.
   *
   * @throws IOException if they cannot be read, or one is not a checkpoint (the message says where)
   */
  List<AuditCheckpoint> read() throws IOException;

  /**
   * A witness writing one line per checkpoint ({@link AuditCheckpoint#toLine()}) to the append-only file
   * {@value DirectoryCheckpointWitness#FILE_NAME} in {@code directory} (created if missing), forced to disk
   * after each. Meant for a directory on another mount, or owned by another user, than the log.
   */
  static CheckpointWitness directory(Path directory) {
    return new DirectoryCheckpointWitness(directory);
  }
}
