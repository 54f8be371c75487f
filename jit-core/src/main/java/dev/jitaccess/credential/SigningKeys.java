package dev.jitaccess.credential;

import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The HMAC keys that sign and verify tokens (HS256), each under a key id ({@code kid}), one of them active
 * for signing. Immutable and thread-safe.
 *
 * <pre>{@code
 * SigningKeys keys = SigningKeys.builder()
 *     .key("2026-01", oldKeyBytes)   // still verifies tokens signed before the rotation
 *     .key("2026-02", newKeyBytes)
 *     .active("2026-02")             // signs new tokens
 *     .build();
 * }</pre>
 *
 * <p><b>Rotation:</b> add the new key to every verifier first, then make it active on the issuer; drop the old
 * key once the longest-lived token signed with it has expired.
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

  private final Map<String, SecretKey> keys;
  private final String activeKeyId;

  private SigningKeys(Map<String, SecretKey> keys, String activeKeyId) {
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

  /** The active key. */
  SecretKey activeKey() {
    return keys.get(activeKeyId);
  }

  /** The key with this id, or null. */
  @Nullable
  SecretKey key(String kid) {
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
    private final Map<String, SecretKey> keys = new LinkedHashMap<>();
    @Nullable private String active;

    private Builder() {}

    /**
     * Adds a key. The bytes are copied; the caller may wipe its array afterwards.
     *
     * @throws IllegalArgumentException naming {@code kid} or {@code key} when the id is malformed or taken, or
     *     the key is missing, shorter than {@value #MIN_KEY_BYTES} bytes or one byte repeated
     */
    public Builder key(String kid, byte[] key) {
      if (!isKeyId(kid)) {
        throw new IllegalArgumentException("kid must be 1 to " + MAX_KEY_ID_LENGTH
            + " characters of A-Z, a-z, 0-9, '.', '_' or '-', got "
            + Validate.show(kid));
      }
      if (keys.containsKey(kid)) {
        throw new IllegalArgumentException("kid " + kid + " is already used by another key");
      }
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
      keys.put(kid, spec);
      return this;
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
