package dev.jitaccess.credential;

import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.util.Map;
import java.util.Set;

/**
 * Signatures over a JSON object rather than a token, with the keys and rules of the tokens: the active
 * {@link SigningKeys} key signs, the public keys of a JWKS verify, each key pinned to its algorithm (ES256 as the
 * 64-byte R||S with low S only, EdDSA on Ed25519). The signed audit checkpoints use it.
 *
 * <p>Only a JSON object (its first byte {@code '{'}) is signed: a token's signing input is base64url and never
 * holds that byte, so a signature made here can never pass as a token's, nor a token's as one made here.
 *
 * <p><b>Not API, may change.</b> Public only so that other packages of jit-core can use it. Immutable and
 * thread-safe.
 */
public final class ByteSignatures {

  private ByteSignatures() {}

  /**
   * The signature of the active key of {@code keys} over {@code json}; its {@code kid} and algorithm are the
   * caller's to record (inside the signed object, so that they are signed too).
   *
   * @throws IllegalArgumentException naming {@code json} when it is not a JSON object's bytes
   */
  public static byte[] sign(SigningKeys keys, byte[] json) {
    Validate.notNull("keys", keys);
    requireObject(json);
    return keys.activeKey().sign(json);
  }

  private static void requireObject(byte[] json) {
    Validate.notNull("json", json);
    Validate.requireArgument(json.length > 0 && json[0] == '{', "json", json.length + " bytes",
        "must be a JSON object's bytes, starting with {");
  }

  /** The public keys of a JSON Web Key Set, by {@code kid}, each pinned to its algorithm. */
  public static final class PublicKeys {
    private final Map<String, JwsKey> keys;

    private PublicKeys(Map<String, JwsKey> keys) {
      this.keys = keys;
    }

    /**
     * Reads a JWKS exactly as {@link SignedTokenVerifier#fromJwks(String)} does.
     *
     * @throws IllegalArgumentException naming {@code jwks} when it is not such a set
     */
    public static PublicKeys parse(String jwks) {
      return new PublicKeys(Jwks.parse(Validate.notNull("jwks", jwks)));
    }

    /** The key ids, in the order of the set. */
    public Set<String> keyIds() {
      return keys.keySet();
    }

    /**
     * Whether {@code signature} is the signature over {@code json} of the key {@code kid} names, and that
     * key's algorithm is {@code alg}: an unknown kid, or an alg other than the key's, never verifies.
     */
    public boolean verifies(@Nullable String kid, @Nullable String alg, byte[] json, byte[] signature) {
      JwsKey key = kid == null ? null : keys.get(kid);
      return key != null && key.algorithm.jwsName.equals(alg) && json.length > 0 && json[0] == '{'
          && key.verify(json, signature);
    }

    /** {@code jwks=[k1, k2]}: key ids only. */
    @Override
    public String toString() {
      return "jwks=" + keys.keySet();
    }
  }
}
