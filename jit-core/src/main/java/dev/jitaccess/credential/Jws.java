package dev.jitaccess.credential;

import jakarta.annotation.Nullable;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.SecretKey;

/** The compact JWS primitives (RFC 7515): base64url and the HS256 MAC. Not API. */
final class Jws {

  /** The JCA name of the HS256 MAC. */
  static final String MAC_ALGORITHM = "HmacSHA256";

  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  private Jws() {}

  static String encode(byte[] bytes) {
    return ENCODER.encodeToString(bytes);
  }

  /**
   * Strict base64url: only the URL-safe alphabet, no padding, no line breaks, and the canonical encoding only
   * (unused trailing bits zero), so each value has exactly one textual form. Null when the text is not that.
   */
  @Nullable
  static byte[] decode(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
        return null;
      }
    }
    if (text.length() % 4 == 1) {
      return null;
    }
    byte[] bytes;
    try {
      bytes = DECODER.decode(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
    // The JDK decoder ignores non-zero unused bits in the last character; re-encoding exposes them.
    return ENCODER.encodeToString(bytes).equals(text) ? bytes : null;
  }

  /** HMAC-SHA256 of these bytes. */
  static byte[] sign(SecretKey key, byte[] data) {
    try {
      Mac mac = Mac.getInstance(MAC_ALGORITHM);
      mac.init(key);
      return mac.doFinal(data);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      // Every Java platform must provide HmacSHA256 (JCA standard names), and the keys are checked when built.
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /** Checks that the platform signs; called when keys are built so a broken JCA setup fails early. */
  static void requireMac(SecretKey key) {
    try {
      Mac.getInstance(MAC_ALGORITHM).init(key);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
