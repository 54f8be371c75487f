package dev.jitaccess.credential;

import static dev.jitaccess.credential.TokenFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class CredentialTest {

  private static final String SECRET = "eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJnMSJ9.c2VjcmV0LXNpZ25hdHVyZQ";

  @Test
  void toStringRedactsTheSecret() {
    Credential credential = Credential.of("g1", "jws", SECRET, T0);

    assertThat(credential).hasToString("Credential[grant=g1, type=jws, expiresAt=2026-01-01T00:00:00Z, secret=***]");
    assertThat(credential.toString()).doesNotContain(SECRET).doesNotContain("c2VjcmV0");
    assertThat(String.valueOf(credential)).doesNotContain(SECRET);
    assertThat(credential.secret()).isEqualTo(SECRET);
    assertThat(credential.grantId()).isEqualTo("g1");
    assertThat(credential.type()).isEqualTo("jws");
    assertThat(credential.expiresAt()).isEqualTo(T0);
  }

  @Test
  void equalityIsByGrantTypeAndSecretAndTheHashIgnoresTheSecret() {
    Credential a = Credential.of("g1", "jws", SECRET, T0);

    assertThat(a).isEqualTo(Credential.of("g1", "jws", SECRET, T0.plusSeconds(5)))
        .isNotEqualTo(Credential.of("g1", "jws", SECRET + "x", T0))
        .isNotEqualTo(Credential.of("g2", "jws", SECRET, T0))
        .isNotEqualTo(Credential.of("g1", "api-key", SECRET, T0))
        .isNotEqualTo(null)
        .isNotEqualTo(SECRET);
    assertThat(a.hashCode()).isEqualTo(Credential.of("g1", "jws", "something else", T0).hashCode())
        .isEqualTo(Credential.of("g1", "jws", SECRET, T0).hashCode());
  }

  @Test
  void badInputIsRefusedNamingTheFieldAndNeverShowingTheSecret() {
    Instant at = T0;
    assertThatThrownBy(() -> Credential.of(null, "jws", SECRET, at)).hasMessageContaining("grantId")
        .hasMessageNotContaining(SECRET);
    assertThatThrownBy(() -> Credential.of("g\n1", "jws", SECRET, at)).hasMessageContaining("grantId")
        .hasMessageNotContaining(SECRET);
    assertThatThrownBy(() -> Credential.of("g1", " ", SECRET, at)).hasMessageContaining("type")
        .hasMessageNotContaining(SECRET);
    assertThatThrownBy(() -> Credential.of("g1", "jws", null, at)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("secret");
    assertThatThrownBy(() -> Credential.of("g1", "jws", " \t ", at)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("secret");
    assertThatThrownBy(() -> Credential.of("g1", "jws", SECRET, null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expiresAt").hasMessageNotContaining(SECRET);
  }

  @Test
  void secretWithControlCharactersIsAcceptedButNeverQuoted() {
    // A secret is opaque: the credential does not judge its characters, so it never has to quote it.
    Credential odd = Credential.of("g1", "password", "p\u0000ss\nword", T0);
    assertThat(odd.toString()).doesNotContain("p\u0000").doesNotContain("ss\nw").endsWith("secret=***]");
  }
}
