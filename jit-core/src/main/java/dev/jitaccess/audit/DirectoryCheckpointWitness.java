package dev.jitaccess.audit;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@link CheckpointWitness#directory}: an append-only file of checkpoint lines. Each append opens, writes one
 * line, forces and closes the file, so a reader (the verifier, another process) always sees whole lines but
 * for one torn by a crash, which {@link #read} reports. Appends come from one thread (the sink's checkpoint
 * thread); reads need no lock, since the file only grows.
 */
final class DirectoryCheckpointWitness implements CheckpointWitness {

  static final String FILE_NAME = "checkpoints.jsonl";

  private final Path directory;
  private final Path file;

  DirectoryCheckpointWitness(Path directory) {
    this.directory = Objects.requireNonNull(directory, "directory");
    this.file = directory.resolve(FILE_NAME);
  }

  @Override
  public void append(AuditCheckpoint checkpoint) throws IOException {
    Files.createDirectories(directory);
    byte[] line = (checkpoint.toLine() + "\n").getBytes(StandardCharsets.UTF_8);
    try (FileOutputStream out = new FileOutputStream(file.toFile(), true)) {
      out.write(line);
      out.getFD().sync();
    }
  }

  @Override
  public List<AuditCheckpoint> read() throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    List<AuditCheckpoint> checkpoints = new ArrayList<>();
    int line = 0;
    for (int start = 0; start < text.length(); ) {
      int end = text.indexOf('\n', start);
      line++;
      if (end < 0) {
        throw new IOException(file + " line " + line + ": an incomplete checkpoint line");
      }
      try {
        checkpoints.add(AuditCheckpoint.parse(text.substring(start, end)));
      } catch (IllegalArgumentException e) {
        throw new IOException(file + " line " + line + ": " + e.getMessage());
      }
      start = end + 1;
    }
    return checkpoints;
  }

  @Override
  public String toString() {
    return "CheckpointWitness[" + file + "]";
  }
}
