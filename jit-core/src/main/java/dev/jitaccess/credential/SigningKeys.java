package dev.jitaccess.credential;

import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import dev.jitaccess.internal.json.JsonWriter;
import dev.jitaccess.internal.json.LoneSurrogates;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys that sign and verify tokens, each under a key id ({@code kid}) with its algorithm pinned, one of
 * them active for signing: HMAC keys (HS256, shared by the issuer and every verifier) and key pairs (ES256 on
 * P-256, EdDSA on Ed25519, from the JDK alone), whose public halves {@link #publicJwks()} publishes so that
 * verifiers hold no secret. A token is checked with the algorithm of the key its {@code kid} names, never the one
 * its header asks for. Immutable and thread-safe.
 *
 * <pre>{@code
 * SigningKeys keys = SigningKeys.builder()
 *     .key("2026-01", oldKeyBytes)   // still verifies tokens signed before the rotation
 *     .key("2026-02", newKeyBytes)
 *     .active("2026-02")             // signs new tokens
 *     .build();
 *
 * SigningKeys pairs = SigningKeys.builder()
 *     .keyPair("ec-2026-02", ecKeyPair) // ES256; verifiers get only keys.publicJwks()
 *     .build();
 * }</pre>
 *
 * <p><b>Rotation:</b> add the new key to every verifier first (for key pairs: publish it in the JWKS and wait
 * until verifiers have fetched it), then make it active on the issuer; drop the old key once the longest-lived
 * token signed with it has expired.
 *
 * <p>Keys must be at least {@value #MIN_KEY_BYTES} bytes (RFC 7518 §3.2: an HS256 key is at least as long
 * as the hash) and should come from a secure random source. The bytes are copied in, never handed out and
 * never printed: {@link #toString()} shows the key ids only.
 */
public final class SigningKeys {

  /** Shortest key accepted: 256 bits, the HS256 minimum. */
  public static final int MIN_KEY_BYTES = 32;
  /** Longest key id. */
  public static final int MAX_KEY_ID_LENGTH = 64;

  private static final SecureRandom RANDOM = new SecureRandom();

  /** The signature algorithms a key may be pinned to, by their JWS {@code alg} names (RFC 7518, RFC 8037). */
  public enum Algorithm {
    /** HMAC with SHA-256 under a shared secret. */
    HS256("HS256", "HmacSHA256"),
    /** ECDSA on P-256 with SHA-256; the 64-byte R||S signature, low S only. */
    ES256("ES256", "SHA256withECDSAinP1363Format"),
    /** EdDSA on Ed25519. */
    EDDSA("EdDSA", "Ed25519");

    final String jwsName;
    final String jcaName;

    Algorithm(String jwsName, String jcaName) {
      this.jwsName = jwsName;
      this.jcaName = jcaName;
    }

    /** The {@code alg} header value. */
    public String jwsName() {
      return jwsName;
    }

    /** The algorithm of this {@code alg} header value, exactly (case-sensitive), or null. */
    @Nullable
    static Algorithm ofJwsName(@Nullable Object alg) {
      for (Algorithm a : values()) {
        if (a.jwsName.equals(alg)) {
          return a;
        }
      }
      return null;
    }
  }

  private final Map<String, JwsKey> keys;
  private final String activeKeyId;

  private SigningKeys(Map<String, JwsKey> keys, String activeKeyId) {
    this.keys = keys;
    this.activeKeyId = activeKeyId;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * One fresh random key of {@value #MIN_KEY_BYTES} bytes under {@code kid}, active. For demos and tests: a
   * real deployment shares its keys between the issuer and every verifier, so it loads them from a secret store.
   */
  public static SigningKeys generate(String kid) {
    byte[] bytes = new byte[MIN_KEY_BYTES];
    RANDOM.nextBytes(bytes);
    try {
      return builder().key(kid, bytes).active(kid).build();
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  /**
   * One fresh key of {@code algorithm} under {@code kid}, active: an HMAC key as {@link #generate(String)}, or a
   * new key pair. For demos and tests; a real issuer keeps its private key in a secret store.
   */
  public static SigningKeys generate(String kid, Algorithm algorithm) {
    Validate.notNull("algorithm", algorithm);
    return algorithm == Algorithm.HS256 ? generate(kid) : builder().keyPair(kid, generateKeyPair(algorithm)).build();
  }

  /** A fresh JDK key pair for ES256 (P-256) or EdDSA (Ed25519). */
  public static KeyPair generateKeyPair(Algorithm algorithm) {
    Validate.requireArgument(algorithm == Algorithm.ES256 || algorithm == Algorithm.EDDSA, "algorithm", algorithm,
        "must be ES256 or EDDSA");
    try {
      if (algorithm == Algorithm.ES256) {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
      }
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(algorithm.jcaName + " keys are not available", e);
    }
  }

  /** The id of the key that signs new tokens. */
  public String activeKeyId() {
    return activeKeyId;
  }

  /** All key ids, in the order they were added. */
  public Set<String> keyIds() {
    return keys.keySet();
  }

  /** Whether a key has this id. */
  public boolean contains(@Nullable String kid) {
    return kid != null && keys.containsKey(kid);
  }

  /** The algorithm of the key with this id. */
  public Algorithm algorithm(String kid) {
    JwsKey key = keys.get(kid);
    Validate.requireArgument(key != null, "kid", kid, "must name one of the keys " + keys.keySet());
    return key.algorithm;
  }

  /**
   * The JSON Web Key Set (RFC 7517) of the public keys, for verifiers: per key {@code kty}, {@code crv},
   * {@code x} (and {@code y} for P-256), {@code kid}, {@code alg}, {@code use}. Private parts and HMAC keys never
   * appear; with no key pair the set is empty ({@code {"keys":[]}}).
   */
  public String publicJwks() {
    List<Object> jwks = new ArrayList<>();
    keys.forEach((kid, key) -> {
      Map<String, Object> jwk = key.publicJwk();
      if (jwk != null) {
        Map<String, Object> withKid = new LinkedHashMap<>(jwk);
        withKid.put("kid", kid);
        jwks.add(withKid);
      }
    });
    return new JsonWriter(LoneSurrogates.REJECT).value(Map.of("keys", jwks)).text();
  }

  /** The active key. */
  JwsKey activeKey() {
    return keys.get(activeKeyId);
  }

  /** The key with this id, or null. */
  @Nullable
  JwsKey key(String kid) {
    return keys.get(kid);
  }

  /** {@code SigningKeys[active=k2, keys=[k1, k2]]}: key ids only, never key material. */
  @Override
  public String toString() {
    return "SigningKeys[active=" + activeKeyId + ", keys=" + keys.keySet() + "]";
  }

  /** Whether {@code kid} is a valid key id: 1 to {@value #MAX_KEY_ID_LENGTH} of {@code A-Z a-z 0-9 . _ -}. */
  static boolean isKeyId(@Nullable String kid) {
    if (kid == null || kid.isEmpty() || kid.length() > MAX_KEY_ID_LENGTH) {
      return false;
    }
    for (int i = 0; i < kid.length(); i++) {
      char c = kid.charAt(i);
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
          || c == '-')) {
        return false;
      }
    }
    return true;
  }

  /** Collects keys; not thread-safe. */
  public static final class Builder {
    private final Map<String, JwsKey> keys = new LinkedHashMap<>();
    @Nullable private String active;

    private Builder() {}

    /**
     * Adds a key. The bytes are copied; the caller may wipe its array afterwards.
     *
     * @throws IllegalArgumentException naming {@code kid} or {@code key} when the id is malformed or taken, or
     *     the key is missing, shorter than {@value #MIN_KEY_BYTES} bytes or one byte repeated
     */
    public Builder key(String kid, byte[] key) {
      requireNewKeyId(kid);
      if (key == null) {
        throw new IllegalArgumentException("key for kid " + kid + " must not be null");
      }
      if (key.length < MIN_KEY_BYTES) {
        throw new IllegalArgumentException("key for kid " + kid + " must be at least " + MIN_KEY_BYTES
            + " bytes (256 bits) for HS256, got " + key.length);
      }
      if (isOneByteRepeated(key)) {
        // An all-zero array is the usual sign of a key that was never loaded.
        throw new IllegalArgumentException("key for kid " + kid + " must not be a single byte repeated");
      }
      SecretKeySpec spec = new SecretKeySpec(key, Jws.MAC_ALGORITHM); // copies the bytes
      Jws.requireMac(spec);
      keys.put(kid, new JwsKey.Hmac(spec));
      return this;
    }

    /**
     * Adds a key pair, ES256 for a P-256 EC pair, EdDSA for an Ed25519 pair (see
     * {@link SigningKeys#generateKeyPair}). The private key signs; only the public key is ever published.
     *
     * @throws IllegalArgumentException naming {@code kid} or {@code keyPair} when the id is malformed or taken, or
     *     the pair is missing, of another kind or curve, or its halves do not belong together
     */
    public Builder keyPair(String kid, KeyPair keyPair) {
      requireNewKeyId(kid);
      if (keyPair == null || keyPair.getPublic() == null || keyPair.getPrivate() == null) {
        throw new IllegalArgumentException("keyPair for kid " + kid + " must hold a public and a private key");
      }
      Algorithm algorithm;
      if (keyPair.getPublic() instanceof ECPublicKey pub && keyPair.getPrivate() instanceof ECPrivateKey
          && isP256(pub.getParams())) {
        algorithm = Algorithm.ES256;
      } else if ("Ed25519".equals(publicCurve(keyPair))) {
        algorithm = Algorithm.EDDSA;
      } else {
        throw new IllegalArgumentException("keyPair for kid " + kid + " must be a P-256 EC pair (ES256) or an "
            + "Ed25519 pair (EdDSA), got " + keyPair.getPublic().getAlgorithm());
      }
      JwsKey.Asymmetric key = new JwsKey.Asymmetric(algorithm, keyPair.getPublic(), keyPair.getPrivate());
      // A pair whose halves do not match would sign tokens nobody can verify: find out now.
      if (!key.verify("probe", key.sign("probe"))) {
        throw new IllegalArgumentException("keyPair for kid " + kid + ": the public key does not verify what the "
            + "private key signs");
      }
      keys.put(kid, key);
      return this;
    }

    private void requireNewKeyId(String kid) {
      if (!isKeyId(kid)) {
        throw new IllegalArgumentException("kid must be 1 to " + MAX_KEY_ID_LENGTH
            + " characters of A-Z, a-z, 0-9, '.', '_' or '-', got "
            + Validate.show(kid));
      }
      if (keys.containsKey(kid)) {
        throw new IllegalArgumentException("kid " + kid + " is already used by another key");
      }
    }

    private static boolean isP256(ECParameterSpec params) {
      try {
        ECParameterSpec p256 = JwsKey.Asymmetric.p256Parameters();
        return params.getOrder().equals(p256.getOrder()) && params.getCurve().equals(p256.getCurve())
            && params.getGenerator().equals(p256.getGenerator());
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("P-256 is not available", e);
      }
    }

    @Nullable
    private static String publicCurve(KeyPair keyPair) {
      if (keyPair.getPublic() instanceof EdECPublicKey pub
          && keyPair.getPrivate() instanceof EdECPrivateKey) {
        return pub.getParams().getName();
      }
      return null;
    }

    /** Which key signs new tokens; optional when there is exactly one key. */
    public Builder active(String kid) {
      this.active = kid;
      return this;
    }

    /**
     * @throws IllegalArgumentException naming {@code keys} or {@code active} when there is no key, the active
     *     key is not set although there are several, or names no key
     */
    public SigningKeys build() {
      if (keys.isEmpty()) {
        throw new IllegalArgumentException("keys must hold at least one key");
      }
      String activeId = active;
      if (activeId == null) {
        if (keys.size() > 1) {
          throw new IllegalArgumentException("active must name the signing key when there are several keys");
        }
        activeId = keys.keySet().iterator().next();
      }
      if (!keys.containsKey(activeId)) {
        throw new IllegalArgumentException("active must name one of the keys " + keys.keySet() + ", got "
            + Validate.show(activeId));
      }
      return new SigningKeys(Collections.unmodifiableMap(new LinkedHashMap<>(keys)), activeId);
    }

    private static boolean isOneByteRepeated(byte[] key) {
      for (byte b : key) {
        if (b != key[0]) {
          return false;
        }
      }
      return true;
    }
  }
}
