package dev.jitaccess.audit;

import dev.jitaccess.internal.json.JsonReader;
import dev.jitaccess.internal.json.JsonWriter;
import dev.jitaccess.internal.json.LoneSurrogates;
import dev.jitaccess.internal.json.MalformedJsonException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;

/**
 * A signed statement that the audit log had line {@code seq} with this {@code hash}, in {@code file}, at
 * {@code time}, linked to the checkpoint before it ({@code previous}: the hex SHA-256 of its {@link #body()},
 * {@link AuditChain#GENESIS} for the first). {@link JsonLinesAuditSink} writes them to a
 * {@link CheckpointWitness}; {@link AuditLogVerifier} checks them with the public key, so a cut tail, a re-hashed
 * log or a deleted newest file shows, up to the last checkpoint.
 *
 * <p>The signed bytes are the {@link #body()}: {@code {"seq":..,"hash":"..","file":"..","time":"..","previous":".."}}
 * in UTF-8; the signature is Ed25519 (RFC 8032), base64. As a witness line ({@link #toLine()}) the body is
 * followed by its {@code "signature"} member.
 *
 * @param seq the line of the log the checkpoint covers, with every line before it
 * @param hash that line's hash, 64 hex digits
 * @param file the name of the file that line is in
 * @param time when the checkpoint was made
 * @param previous the {@link #digest()} of the checkpoint before, or 64 zeros
 * @param signature the base64 Ed25519 signature of the {@link #body()}
 */
public record AuditCheckpoint(long seq, String hash, String file, Instant time, String previous, String signature) {

  /** The signature algorithm, from the JDK. */
  public static final String ALGORITHM = "Ed25519";

  public AuditCheckpoint {
    if (seq < 1) {
      throw new IllegalArgumentException("checkpoint seq must be at least 1, got " + seq);
    }
    Objects.requireNonNull(file, "checkpoint file");
    Objects.requireNonNull(time, "checkpoint time");
    Objects.requireNonNull(signature, "checkpoint signature");
    if (!AuditChain.isHash(Objects.requireNonNull(hash, "checkpoint hash"))) {
      throw new IllegalArgumentException("checkpoint hash must be 64 lower-case hex digits");
    }
    if (!AuditChain.isHash(Objects.requireNonNull(previous, "checkpoint previous"))) {
      throw new IllegalArgumentException("checkpoint previous must be 64 lower-case hex digits");
    }
  }

  /** Signs a new checkpoint with an Ed25519 private key. */
  static AuditCheckpoint sign(long seq, String hash, String file, Instant time, String previous, PrivateKey key)
      throws GeneralSecurityException {
    byte[] body = body(seq, hash, file, time, previous);
    Signature signer = Signature.getInstance(ALGORITHM);
    signer.initSign(key);
    signer.update(body);
    return new AuditCheckpoint(seq, hash, file, time, previous, Base64.getEncoder().encodeToString(signer.sign()));
  }

  /** Whether the signature is this key's over the body. */
  public boolean verifies(PublicKey key) {
    try {
      Signature verifier = Signature.getInstance(ALGORITHM);
      verifier.initVerify(key);
      verifier.update(body());
      return verifier.verify(Base64.getDecoder().decode(signature));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false; // a key of another kind, or a signature that is not even base64: not this key's
    }
  }

  /** The signed bytes. */
  public byte[] body() {
    return body(seq, hash, file, time, previous);
  }

  /** The hex SHA-256 of the {@link #body()}: the next checkpoint's {@code previous}. */
  public String digest() {
    return AuditChain.hex(AuditChain.sha256().digest(body()));
  }

  /** One line of a witness (without a newline): the body and its signature. */
  public String toLine() {
    String body = new String(body(), StandardCharsets.UTF_8);
    return body.substring(0, body.length() - 1) + ",\"signature\":\"" + signature + "\"}";
  }

  /**
   * Reads a {@link #toLine()}; checks its shape, not its signature.
   *
   * @throws IllegalArgumentException if it is not a checkpoint line
   */
  public static AuditCheckpoint parse(String line) {
    Objects.requireNonNull(line, "line");
    byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
    Map<String, Object> fields;
    try {
      fields = JsonReader.parseObject(bytes, 0, bytes.length, LoneSurrogates.REJECT);
    } catch (MalformedJsonException e) {
      throw new IllegalArgumentException("not a checkpoint: " + e.getMessage());
    }
    if (!(fields.get("seq") instanceof Long seq) || !(fields.get("hash") instanceof String hash)
        || !(fields.get("file") instanceof String file) || !(fields.get("time") instanceof String time)
        || !(fields.get("previous") instanceof String previous)
        || !(fields.get("signature") instanceof String signature) || fields.size() != 6) {
      throw new IllegalArgumentException("not a checkpoint: it must have exactly seq, hash, file, time, previous "
          + "and signature");
    }
    try {
      return new AuditCheckpoint(seq, hash, file, Instant.parse(time), previous, signature);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("not a checkpoint: bad time " + time);
    }
  }

  private static byte[] body(long seq, String hash, String file, Instant time, String previous) {
    return new JsonWriter().beginObject().field("seq", seq).field("hash", hash).field("file", file)
        .field("time", DateTimeFormatter.ISO_INSTANT.format(time)).field("previous", previous).endObject()
        .toByteArray();
  }
}
