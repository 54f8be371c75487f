package dev.jitaccess.credential.database;

import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Login names and passwords. A name is the prefix and 80 bits of SHA-256 over the grant id: derived from nothing a
 * requester chose, short enough for MySQL's 32 characters, and recomputable from a stored grant, so the sweeper
 * knows which logins an effective grant still owns without keeping a list. Stateless.
 */
final class LoginNames {

  /** Hex digits of the hash in a name: 20 = 80 bits, room for a 12-character prefix within 32. */
  static final int HASH_CHARS = 20;
  static final int MAX_PREFIX_LENGTH = 12;
  private static final Pattern SAFE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final char[] PASSWORD_CHARS =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
  /** 32 characters of 62: 190 bits. */
  private static final int PASSWORD_LENGTH = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private LoginNames() {}

  static String loginFor(String prefix, String grantId) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(grantId.getBytes(StandardCharsets.UTF_8));
      return prefix + HexFormat.of().formatHex(hash).substring(0, HASH_CHARS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }

  /** Whether {@code login} has the shape of a name this library made with {@code prefix}. */
  static boolean isOurs(String prefix, String login) {
    if (login.length() != prefix.length() + HASH_CHARS || !login.startsWith(prefix)) {
      return false;
    }
    for (int i = prefix.length(); i < login.length(); i++) {
      char c = login.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  static String newPassword() {
    char[] password = new char[PASSWORD_LENGTH];
    for (int i = 0; i < password.length; i++) {
      password[i] = PASSWORD_CHARS[RANDOM.nextInt(PASSWORD_CHARS.length)];
    }
    return new String(password);
  }

  static String requirePrefix(String field, @Nullable String prefix) {
    requireSafeName(field, prefix);
    Validate.requireArgument(prefix.length() <= MAX_PREFIX_LENGTH, field, Validate.show(prefix),
        "must be at most " + MAX_PREFIX_LENGTH + " characters, so that names fit every database");
    return prefix;
  }

  /** A name that no database needs quoted: lower-case letters, digits and {@code _}, not starting with a digit. */
  static String requireSafeName(String field, @Nullable String name) {
    Validate.notNull(field, name);
    if (!SAFE_NAME.matcher(name).matches()) {
      throw Validate.bad(field, name, "must be lower-case letters, digits and '_', not starting with a digit");
    }
    return name;
  }
}
