package dev.jitaccess.audit;

import dev.jitaccess.internal.Validate;
import dev.jitaccess.internal.json.JsonWriter;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keyed hash audit outputs write in place of text a reader of the log should not see: the {@code reason} of
 * every event (justifications, comments, reasons for an end) and the details named with {@link #andDetails}. A
 * hashed value is {@value #PREFIX} followed by the hex HMAC-SHA256 of the text's UTF-8 bytes, as Vault's audit
 * devices do: a log can be shared without revealing the text, and whoever holds the key can still tell whether a
 * field holds a given text ({@link #hash}).
 *
 * <p>The same key gives the same value everywhere it is used: the JSON Lines file
 * ({@link JsonLinesAuditSink.Builder#hmacKey}), the SLF4J log ({@link Slf4jAuditSink#withHmac}) and any view of
 * grants an application shows (the Spring Boot actuator endpoint), so a justification hashed in one is not in
 * clear in another.
 *
 * <p>Immutable and thread-safe: the key is copied in, never shown ({@link #toString} names only the details), and
 * each hash is computed on a Mac of its own.
 */
public final class AuditHmac {

  /** The prefix of a value written as a keyed hash. */
  public static final String PREFIX = "hmac-sha256:";

  /** The shortest key allowed, in bytes. */
  public static final int MIN_KEY_BYTES = 16;

  private static final String ALGORITHM = "HmacSHA256";

  private final SecretKeySpec key;
  private final Mac prototype;
  private final Set<String> details;

  private AuditHmac(SecretKeySpec key, Set<String> details) {
    this.key = key;
    this.prototype = newMac(key);
    this.details = details;
  }

  /**
   * Hashes reasons under this key (copied; at least {@value #MIN_KEY_BYTES} bytes).
   *
   * @throws IllegalArgumentException if the key is null or shorter
   */
  public static AuditHmac of(byte[] key) {
    Validate.notNull("hmacKey", key);
    Validate.requireArgument(key.length >= MIN_KEY_BYTES, "hmacKey", key.length + " bytes",
        "must be at least " + MIN_KEY_BYTES + " bytes");
    return new AuditHmac(new SecretKeySpec(key, ALGORITHM), Set.of());
  }

  /**
   * The same key, also hashing the details of these names.
   *
   * @throws IllegalArgumentException if a name is null, blank or has control characters
   */
  public AuditHmac andDetails(String... names) {
    Validate.notNull("hmacDetails", names);
    Set<String> all = new LinkedHashSet<>(details);
    for (String name : names) {
      all.add(Validate.id("hmacDetails", name));
    }
    return new AuditHmac(key, Set.copyOf(all));
  }

  /** The keyed hash of {@code text}: {@value #PREFIX} and 64 hex digits. */
  public String hash(String text) {
    Validate.notNull("text", text);
    return PREFIX + AuditChain.hex(mac().doFinal(JsonWriter.utf8(text)));
  }

  /** Whether the detail of this name is hashed. */
  public boolean hashesDetail(String name) {
    return details.contains(name);
  }

  /** The event with its reason and the named details hashed, everything else as it was. */
  public AuditEvent apply(AuditEvent event) {
    Validate.notNull("event", event);
    Map<String, String> hashedDetails = new LinkedHashMap<>(event.details());
    hashedDetails.replaceAll((name, value) -> hashesDetail(name) ? hash(value) : value);
    return new AuditEvent(event.id(), event.type(), event.timestamp(), event.actor(), event.subject(),
        event.resource(), event.actions(), event.grantId(), event.requestId(),
        event.reason() == null ? null : hash(event.reason()), hashedDetails);
  }

  @Override
  public String toString() {
    String[] sorted = details.toArray(String[]::new);
    Arrays.sort(sorted);
    return "AuditHmac[reason" + (sorted.length == 0 ? "" : ", details " + String.join(",", sorted)) + "]";
  }

  /**
   * A Mac for one hash: a clone of the initialised prototype where the provider allows it (the JDK's does). The
   * prototype is never fed, so cloning it on several threads at once only reads it.
   */
  private Mac mac() {
    try {
      return (Mac) prototype.clone();
    } catch (CloneNotSupportedException e) {
      return newMac(key);
    }
  }

  private static Mac newMac(SecretKeySpec key) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no " + ALGORITHM, e);
    }
  }
}
