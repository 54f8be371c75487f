package dev.jitaccess.credential;

import java.time.Clock;
import java.util.function.Predicate;

/** The built-in issuer passes the contract, checked by a verifier that shares its revocations. */
class SignedTokenIssuerContractTest extends CredentialIssuerContract {

  private final SigningKeys keys = SigningKeys.generate("contract");
  private Clock clock;

  @Override
  protected CredentialIssuer createIssuer(Clock clock) {
    this.clock = clock;
    return TokenFixture.issuer(keys, clock).build();
  }

  @Override
  protected Predicate<Credential> acceptance(CredentialIssuer issuer) {
    SignedTokenVerifier verifier = SignedTokenVerifier.builder()
        .keys(keys)
        .clock(clock)
        .revocations((SignedTokenIssuer) issuer)
        .build();
    return credential -> {
      try {
        return verifier.verify(credential.secret()).grantId().equals(credential.grantId());
      } catch (InvalidTokenException e) {
        return false;
      }
    };
  }
}
