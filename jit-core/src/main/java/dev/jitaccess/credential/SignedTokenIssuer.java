package dev.jitaccess.credential;

import dev.jitaccess.Grant;
import dev.jitaccess.GrantState;
import dev.jitaccess.internal.Validate;
import dev.jitaccess.internal.json.JsonWriter;
import dev.jitaccess.internal.json.LoneSurrogates;
import jakarta.annotation.Nullable;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;

/**
 * Issues short-lived signed tokens: standard compact JWS (RFC 7515) signed with the active key's algorithm
 * (HS256, ES256 or EdDSA, see {@link SigningKeys}), readable by any JWT library. Thread-safe.
 *
 * <pre>{@code
 * SigningKeys keys = SigningKeys.builder().key("k1", keyBytes).build();
 * SignedTokenIssuer issuer = SignedTokenIssuer.builder().keys(keys).issuer("jit-access").build();
 * SignedTokenVerifier verifier = SignedTokenVerifier.builder()
 *     .keys(keys).issuer("jit-access").revocations(issuer).grantLookup(jit::grant).build();
 * }</pre>
 *
 * <p>Header {@code {"alg":<the active key's algorithm>,"typ":"JWT","kid":<active key id>}}. Claims:
 * <ul>
 *   <li>{@code iss}: the issuer name; {@code aud}: the audience, only when one is configured;
 *   <li>{@code sub}: the subject id; {@code sub_kind}: {@code user} or {@code service};
 *   <li>{@code jti}: the grant id;
 *   <li>{@code iat}: now; {@code nbf}: the grant's {@code notBefore}; {@code exp}: the grant's
 *       {@code expiresAt}; all in whole seconds;
 *   <li>{@code resource}: the grant's resource name or pattern; {@code actions}: its actions, an array.
 * </ul>
 *
 * <p><b>Never outlives the grant.</b> {@code exp} is the grant's {@code expiresAt} rounded <em>down</em> to
 * the second, so a grant ending mid-second yields a token that ends a little earlier, never later. {@code nbf}
 * is the grant's {@code notBefore} rounded down when that moment has passed (the token did not exist before
 * now anyway), and rounded up when it lies ahead, so a token is never valid before its grant. An extension of
 * the grant does not lengthen a token already issued.
 *
 * <p><b>Fails closed.</b> {@link #issue} refuses (throws {@link IllegalStateException}) a grant that is not
 * {@code ACTIVE}, has already ended by this issuer's clock, ends before its first whole second of token
 * validity, or whose token was already invalidated.
 *
 * <p><b>Invalidation.</b> {@link #invalidate} puts the token id on this issuer's {@link RevocationList},
 * which verifiers built with {@code .revocations(issuer)} consult; entries are dropped once the token has
 * expired (see {@link RevocationList}), so memory stays bounded. By default that list is
 * {@link RevocationList#shared()}, which outlives the issuer: after a key rotation, the new issuer and the
 * verifiers built on it still refuse the tokens the old one revoked. An issuer on a clock of its own (tests) is
 * given a list on that clock, and the issuers that replace it must be given the same list. The list lives in
 * this process only; a verifier elsewhere learns of an ended grant from its grant lookup.
 */
public final class SignedTokenIssuer implements CredentialIssuer, TokenRevocations {

  /** The {@link Credential#type()} of the tokens this issuer makes. */
  public static final String TYPE = "jws";
  /** The issuer name ({@code iss}) unless configured otherwise. */
  public static final String DEFAULT_ISSUER = "jit-access";

  private final SigningKeys keys;
  private final String issuerName;
  @Nullable private final String audience;
  private final Clock clock;
  private final RevocationList revocations;
  private final String encodedHeader;

  private SignedTokenIssuer(Builder b) {
    this.keys = Validate.notNull("keys", b.keys);
    this.issuerName = b.issuerName;
    this.audience = b.audience;
    this.clock = b.clock;
    this.revocations = b.revocations != null ? b.revocations : RevocationList.shared();
    this.encodedHeader = Jws.encode(new JsonWriter(LoneSurrogates.REJECT).beginObject()
        .field("alg", keys.activeKey().algorithm.jwsName)
        .field("typ", "JWT")
        .field("kid", keys.activeKeyId())
        .endObject()
        .toByteArray());
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Signs a token for the grant.
   *
   * @throws IllegalArgumentException when {@code grant} is null
   * @throws IllegalStateException when the grant is not effective enough to deserve a token (see above)
   */
  @Override
  public Credential issue(Grant grant) {
    Validate.notNull("grant", grant);
    if (grant.state() != GrantState.ACTIVE) {
      throw new IllegalStateException("grant " + grant.id() + " is " + grant.state() + ", not ACTIVE: no token");
    }
    if (revocations.isRevoked(grant.id())) {
      throw new IllegalStateException("grant " + grant.id() + " had its token invalidated: no new token");
    }
    Instant now = clock.instant();
    long nowSeconds = now.getEpochSecond();
    long exp = grant.expiresAt().getEpochSecond(); // rounds down: never outlives the grant
    long nbf = !grant.notBefore().isAfter(now) ? grant.notBefore().getEpochSecond() : ceilSeconds(grant.notBefore());
    if (!Instant.ofEpochSecond(exp).isAfter(now)) {
      throw new IllegalStateException("grant " + grant.id() + " ends at " + grant.expiresAt()
          + ", before a whole-second token issued at " + now + " could be used: no token");
    }
    if (exp <= nbf) {
      throw new IllegalStateException("grant " + grant.id() + " is shorter than the one-second resolution of a"
          + " token: no token");
    }
    byte[] payload = new JsonWriter(LoneSurrogates.REJECT).beginObject()
        .field("iss", issuerName)
        .field("aud", audience) // left out when null
        .field("sub", grant.subject().id())
        .field("sub_kind", grant.subject().kind().name().toLowerCase(Locale.ROOT))
        .field("jti", grant.id())
        .field("iat", nowSeconds)
        .field("nbf", nbf)
        .field("exp", exp)
        .field("resource", grant.resource())
        .field("actions", grant.actions())
        .endObject()
        .toByteArray();
    String signingInput = encodedHeader + "." + Jws.encode(payload);
    String token = signingInput + "." + Jws.encode(keys.activeKey().sign(signingInput));
    return Credential.of(grant.id(), TYPE, token, Instant.ofEpochSecond(exp));
  }

  /**
   * A new token for the extended grant, so the holder's token works as long as the grant does: a token carries its
   * {@code exp}. The one it replaces stays valid until its own, earlier {@code exp}, and is revoked with it at the
   * grant's end (revocation is by token id, the grant id, until the latest expiry).
   */
  @Override
  public Credential extend(Grant grant, Credential credential) {
    Validate.notNull("credential", credential);
    Validate.requireArgument(credential.grantId().equals(Validate.notNull("grant", grant).id()), "credential",
        credential.grantId(), "must belong to grant " + grant.id());
    return issue(grant);
  }

  /**
   * Revokes the credential's token until it expires. Idempotent.
   *
   * @throws IllegalArgumentException when an argument is null, or the credential belongs to another grant or
   *     is of another type (the token it names is revoked all the same, to be safe)
   */
  @Override
  public void invalidate(Grant grant, Credential credential) {
    Validate.notNull("grant", grant);
    Validate.notNull("credential", credential);
    // Revoke first: whatever else is wrong, the token this credential carries must stop working.
    revocations.revoke(credential.grantId(), credential.expiresAt());
    if (!credential.grantId().equals(grant.id())) {
      revocations.revoke(grant.id(), grant.expiresAt());
      throw new IllegalArgumentException("credential belongs to grant " + credential.grantId() + ", not to "
          + grant.id() + "; both revoked");
    }
    if (!TYPE.equals(credential.type())) {
      throw new IllegalArgumentException("credential type must be " + TYPE + ", got "
          + Validate.show(credential.type()));
    }
  }

  /** Whether the token of this id (grant id) was invalidated; verifiers built with {@code revocations(issuer)} ask this. */
  @Override
  public boolean isRevoked(String tokenId) {
    return revocations.isRevoked(tokenId);
  }

  /** The revocation list (by default {@link RevocationList#shared()}), to share with a successor issuer. */
  public RevocationList revocationList() {
    return revocations;
  }

  @Override
  public String toString() {
    return "SignedTokenIssuer[iss=" + issuerName + (audience != null ? ", aud=" + audience : "") + ", " + keys
        + ", " + revocations + "]";
  }

  private static long ceilSeconds(Instant t) {
    return t.getNano() == 0 ? t.getEpochSecond() : t.getEpochSecond() + 1;
  }

  /** Configures an issuer; not thread-safe. */
  public static final class Builder extends TokenBuilder<Builder> {
    @Nullable private RevocationList revocations;

    private Builder() {}

    /**
     * The revocation list to record invalidations in; default {@link RevocationList#shared()}, so revocations
     * outlive this issuer. Required with a {@link #clock} other than the system clock, since the shared list
     * drops entries by the system clock: pass {@code new RevocationList(clock)}, and the same list to the issuer
     * that replaces this one.
     */
    public Builder revocationList(RevocationList revocations) {
      this.revocations = Validate.notNull("revocationList", revocations);
      return this;
    }

    /**
     * @throws IllegalArgumentException naming {@code keys} when they were not set
     * @throws IllegalStateException when a clock other than the system clock was set without a revocation list
     */
    public SignedTokenIssuer build() {
      Validate.notNull("keys", keys);
      if (revocations == null && !Clock.system(clock.getZone()).equals(clock)) {
        throw new IllegalStateException("an issuer on a clock of its own needs a revocation list on that clock: "
            + "revocationList(new RevocationList(clock)), passed on to the issuers that replace it (the shared "
            + "default list drops entries by the system clock)");
      }
      return new SignedTokenIssuer(this);
    }
  }
}
