package dev.jitaccess.audit;

import dev.jitaccess.credential.ByteSignatures;
import dev.jitaccess.credential.SigningKeys;
import java.security.PublicKey;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The public keys that check signed checkpoints ({@link AuditLogVerifier.Options#withCheckpoints}): a bare
 * Ed25519 key, or a JSON Web Key Set ({@link SigningKeys#publicJwks()}) in which each checkpoint is checked with
 * the key its {@code kid} names and that key's algorithm only, so a checkpoint with an unknown kid, or claiming
 * another alg for its kid, is forged. Holding them gives no power to sign. Immutable and thread-safe.
 */
public final class CheckpointKeys {

  private final Predicate<AuditCheckpoint> verifies;
  private final String description;

  private CheckpointKeys(Predicate<AuditCheckpoint> verifies, String description) {
    this.verifies = verifies;
    this.description = description;
  }

  /**
   * The Ed25519 public key of {@link JsonLinesAuditSink.Builder#checkpoints(java.security.PrivateKey,
   * CheckpointWitness)}; it also checks EdDSA checkpoints that carry a kid.
   */
  public static CheckpointKeys ed25519(PublicKey key) {
    Objects.requireNonNull(key, "checkpoint key");
    return new CheckpointKeys(checkpoint -> checkpoint.verifies(key), "Ed25519 " + key.getAlgorithm() + " key");
  }

  /**
   * The public keys of a JWKS, as {@link dev.jitaccess.credential.SignedTokenVerifier#fromJwks(String)} reads
   * it, for a sink built with {@link JsonLinesAuditSink.Builder#checkpoints(SigningKeys, CheckpointWitness)}.
   * Keep every key that signed a checkpoint still in the witness (a rotated-out key included).
   *
   * @throws IllegalArgumentException naming {@code jwks} when the text is not such a set
   */
  public static CheckpointKeys fromJwks(String jwks) {
    ByteSignatures.PublicKeys keys = ByteSignatures.PublicKeys.parse(jwks);
    return new CheckpointKeys(checkpoint -> checkpoint.verifies(keys), keys.toString());
  }

  /** Whether the checkpoint is signed, over what it says, by one of these keys with that key's algorithm. */
  boolean verify(AuditCheckpoint checkpoint) {
    return verifies.test(checkpoint);
  }

  /** The kind of key, or the key ids of the set; never key material. */
  @Override
  public String toString() {
    return "CheckpointKeys[" + description + "]";
  }
}
