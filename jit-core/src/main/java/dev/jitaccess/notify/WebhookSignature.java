package dev.jitaccess.notify;

import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature every webhook delivery carries, and its check for a receiver.
 *
 * <p>The header is {@value #HEADER}{@code : t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>}, the
 * scheme Stripe uses: the timestamp is signed with the body, so a receiver that refuses old timestamps refuses a
 * captured delivery replayed later, and within the tolerance it de-duplicates on the {@value #ID_HEADER} header.
 * Each attempt is signed afresh, so a delivery retried after a long backoff is still fresh.
 *
 * <p>Stateless and thread-safe.
 */
public final class WebhookSignature {

  /** The header carrying the signature. */
  public static final String HEADER = "X-Jit-Signature";
  /** The header carrying the event's id: unique per event, the same on every retry of it. */
  public static final String ID_HEADER = "webhook-id";

  private static final String ALGORITHM = "HmacSHA256";

  private WebhookSignature() {}

  /**
   * Whether {@code header} is a valid signature of {@code body} under {@code secret}, made no further than
   * {@code tolerance} from {@code clock}'s now (either way). The comparison takes the same time wherever the
   * signatures differ. Several {@code v1} values (a sender rotating its secret) pass if one matches; unknown
   * members are ignored.
   *
   * @param secret the shared secret, as given to {@link WebhookNotifier.Builder#secret}
   * @param header the {@value #HEADER} header as received; null or malformed is not valid
   * @param body the request body exactly as received, before any parsing
   * @param tolerance how far the signature's time may be from now; five minutes is usual
   * @param clock the receiver's clock
   * @throws IllegalArgumentException if {@code secret} is null or empty, {@code body} or {@code clock} null, or
   *     {@code tolerance} null or negative
   */
  public static boolean verify(byte[] secret, @Nullable String header, byte[] body, Duration tolerance,
      Clock clock) {
    Validate.requireArgument(secret != null && secret.length > 0, "secret", "empty", "must not be null or empty");
    Validate.notNull("body", body);
    Validate.notNull("tolerance", tolerance);
    Validate.requireArgument(!tolerance.isNegative(), "tolerance", tolerance, "must not be negative");
    Validate.notNull("clock", clock);
    if (header == null) {
      return false;
    }
    Long t = null;
    for (String part : header.split(",", -1)) {
      int eq = part.indexOf('=');
      String name = eq < 0 ? part.strip() : part.substring(0, eq).strip();
      String value = eq < 0 ? "" : part.substring(eq + 1).strip();
      if (name.equals("t")) {
        if (t != null || !value.matches("[0-9]{1,18}")) {
          return false; // two times, or not a time: no way to tell which one was signed
        }
        t = Long.parseLong(value);
      }
    }
    if (t == null) {
      return false;
    }
    long skew = Math.abs(clock.instant().getEpochSecond() - t);
    if (skew > tolerance.getSeconds()) {
      return false;
    }
    byte[] expected = mac(secret, t, body);
    boolean valid = false;
    for (String part : header.split(",", -1)) {
      int eq = part.indexOf('=');
      if (eq > 0 && part.substring(0, eq).strip().equals("v1")) {
        byte[] candidate = hex(part.substring(eq + 1).strip());
        valid |= candidate != null && MessageDigest.isEqual(expected, candidate);
      }
    }
    return valid;
  }

  /** The header value for {@code body} signed at {@code epochSecond}. */
  static String header(byte[] secret, long epochSecond, byte[] body) {
    return "t=" + epochSecond + ",v1=" + HexFormat.of().formatHex(mac(secret, epochSecond, body));
  }

  private static byte[] mac(byte[] secret, long epochSecond, byte[] body) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(secret, ALGORITHM));
      mac.update((epochSecond + ".").getBytes(StandardCharsets.US_ASCII));
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no " + ALGORITHM, e);
    }
  }

  private static @Nullable byte[] hex(String text) {
    if (text.length() != 64) {
      return null;
    }
    try {
      return HexFormat.of().parseHex(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
