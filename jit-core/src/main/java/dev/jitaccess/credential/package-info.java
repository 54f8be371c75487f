/**
 * Credentials for the holders of grants, for pipelines and services that must present proof of access.
 *
 * <p>{@link dev.jitaccess.credential.CredentialIssuer} is the SPI: the engine calls {@code issue} when a grant
 * becomes effective and {@code invalidate} when it ends. The built-in
 * {@link dev.jitaccess.credential.SignedTokenIssuer} makes short-lived compact JWS tokens (HS256, ES256 or EdDSA,
 * with the JDK only) that any JWT library can read, under {@link dev.jitaccess.credential.SigningKeys} that rotate
 * by key id and publish their public halves as a JWKS; the
 * {@link dev.jitaccess.credential.SignedTokenVerifier} checks them strictly and, given a grant lookup, also
 * refuses the token of a grant that has ended before the token's {@code exp}.
 *
 * <p>A {@link dev.jitaccess.credential.Credential} never prints its secret.
 */
package dev.jitaccess.credential;
