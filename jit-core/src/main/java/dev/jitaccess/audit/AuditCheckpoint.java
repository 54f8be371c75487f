package dev.jitaccess.audit;

import dev.jitaccess.credential.ByteSignatures;
import dev.jitaccess.credential.SigningKeys;
import dev.jitaccess.internal.json.JsonReader;
import dev.jitaccess.internal.json.JsonWriter;
import dev.jitaccess.internal.json.LoneSurrogates;
import dev.jitaccess.internal.json.MalformedJsonException;
import jakarta.annotation.Nullable;
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
 * in UTF-8, followed, when signed with a {@link dev.jitaccess.credential.SigningKeys} key, by {@code "kid"} and
 * {@code "alg"} ({@code ES256} or {@code EdDSA}), so both are signed too; the signature is base64: Ed25519
 * (RFC 8032), or ES256 as the 64-byte R||S with low S, as in a JWS. As a witness line ({@link #toLine()}) the
 * body is followed by its {@code "signature"} member.
 *
 * @param seq the line of the log the checkpoint covers, with every line before it
 * @param hash that line's hash, 64 hex digits
 * @param file the name of the file that line is in
 * @param time when the checkpoint was made
 * @param previous the {@link #digest()} of the checkpoint before, or 64 zeros
 * @param kid the id of the key that signed it, or null for a bare Ed25519 key
 * @param alg the JWS algorithm of that key ({@code ES256} or {@code EdDSA}), null exactly when {@code kid} is
 * @param signature the base64 signature of the {@link #body()}
 */
public record AuditCheckpoint(long seq, String hash, String file, Instant time, String previous,
    @Nullable String kid, @Nullable String alg, String signature) {

  /** The signature algorithm of a checkpoint without {@code kid}, from the JDK. */
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
    if ((kid == null) != (alg == null) || (kid != null && kid.isEmpty())) {
      throw new IllegalArgumentException("checkpoint kid and alg must be both present (kid not empty) or both "
          + "absent, got kid " + kid + " and alg " + alg);
    }
  }

  /** A checkpoint signed by a bare Ed25519 key, without {@code kid} and {@code alg}. */
  public AuditCheckpoint(long seq, String hash, String file, Instant time, String previous, String signature) {
    this(seq, hash, file, time, previous, null, null, signature);
  }

  /** Signs a new checkpoint with an Ed25519 private key. */
  static AuditCheckpoint sign(long seq, String hash, String file, Instant time, String previous, PrivateKey key)
      throws GeneralSecurityException {
    byte[] body = body(seq, hash, file, time, previous, null, null);
    Signature signer = Signature.getInstance(ALGORITHM);
    signer.initSign(key);
    signer.update(body);
    return new AuditCheckpoint(seq, hash, file, time, previous, Base64.getEncoder().encodeToString(signer.sign()));
  }

  /** Signs a new checkpoint with the active key of {@code keys}, recording its kid and alg. */
  static AuditCheckpoint sign(long seq, String hash, String file, Instant time, String previous, SigningKeys keys) {
    String kid = keys.activeKeyId();
    String alg = keys.algorithm(kid).jwsName();
    byte[] signature = ByteSignatures.sign(keys, body(seq, hash, file, time, previous, kid, alg));
    return new AuditCheckpoint(seq, hash, file, time, previous, kid, alg,
        Base64.getEncoder().encodeToString(signature));
  }

  /**
   * Whether the signature is this Ed25519 key's over the body. A checkpoint that names another {@code alg} is
   * not: its alg is signed, and a key is used for its own algorithm only.
   */
  public boolean verifies(PublicKey key) {
    if (alg != null && !SigningKeys.Algorithm.EDDSA.jwsName().equals(alg)) {
      return false;
    }
    byte[] bytes = signatureBytes();
    try {
      Signature verifier = Signature.getInstance(ALGORITHM);
      verifier.initVerify(key);
      verifier.update(body());
      return bytes != null && verifier.verify(bytes);
    } catch (GeneralSecurityException e) {
      return false; // a key of another kind: not this key's
    }
  }

  /**
   * Whether the signature is that of the key its {@code kid} names in {@code keys}, with that key's algorithm:
   * a checkpoint without kid, with a kid the set lacks, or claiming another alg for it, is not.
   */
  boolean verifies(ByteSignatures.PublicKeys keys) {
    byte[] bytes = signatureBytes();
    return bytes != null && keys.verifies(kid, alg, body(), bytes);
  }

  /** The decoded signature, or null when it is not base64. */
  @Nullable
  private byte[] signatureBytes() {
    try {
      return Base64.getDecoder().decode(signature);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The signed bytes. */
  public byte[] body() {
    return body(seq, hash, file, time, previous, kid, alg);
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
        || !(fields.get("signature") instanceof String signature)
        || fields.size() != (fields.containsKey("kid") ? 8 : 6)
        || (fields.containsKey("kid") && !(fields.get("kid") instanceof String && fields.get("alg") instanceof String))) {
      throw new IllegalArgumentException("not a checkpoint: it must have exactly seq, hash, file, time, previous, "
          + "optionally kid and alg, and signature");
    }
    try {
      return new AuditCheckpoint(seq, hash, file, Instant.parse(time), previous, (String) fields.get("kid"),
          (String) fields.get("alg"), signature);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("not a checkpoint: bad time " + time);
    }
  }

  private static byte[] body(long seq, String hash, String file, Instant time, String previous,
      @Nullable String kid, @Nullable String alg) {
    JsonWriter body = new JsonWriter().beginObject().field("seq", seq).field("hash", hash).field("file", file)
        .field("time", DateTimeFormatter.ISO_INSTANT.format(time)).field("previous", previous);
    if (kid != null) {
      body.field("kid", kid).field("alg", alg);
    }
    return body.endObject().toByteArray();
  }
}
