package dev.jitaccess.credential;

import static dev.jitaccess.credential.TokenFixture.KEY1;
import static dev.jitaccess.credential.TokenFixture.KEY2;
import static dev.jitaccess.credential.TokenFixture.T0;
import static dev.jitaccess.credential.TokenFixture.grant;
import static dev.jitaccess.credential.TokenFixture.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.credential.InvalidTokenException.Reason;
import dev.jitaccess.testing.ManualClock;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SigningKeysTest {

  private final ManualClock clock = new ManualClock();

  @Test
  void severalKeysOneActive() {
    SigningKeys keys = SigningKeys.builder().key("k1", KEY1).key("k2", KEY2).active("k2").build();

    assertThat(keys.activeKeyId()).isEqualTo("k2");
    assertThat(keys.keyIds()).containsExactly("k1", "k2");
    assertThat(keys.contains("k1")).isTrue();
    assertThat(keys.contains("k3")).isFalse();
    assertThat(keys.contains(null)).isFalse();
    assertThat(keys).hasToString("SigningKeys[active=k2, keys=[k1, k2]]");
  }

  @Test
  void aSingleKeyIsActiveWithoutSayingSo() {
    assertThat(SigningKeys.builder().key("only", KEY1).build().activeKeyId()).isEqualTo("only");
  }

  @Test
  void keysShorterThan32BytesAreRefusedNamingTheField() {
    assertThatThrownBy(() -> SigningKeys.builder().key("k1", new byte[31]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key").hasMessageContaining("k1").hasMessageContaining("32").hasMessageContaining("31");
    assertThatThrownBy(() -> SigningKeys.builder().key("k1", null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key");
    assertThatThrownBy(() -> SigningKeys.builder().key("k1", new byte[32]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("repeated");
    byte[] sevens = new byte[64];
    Arrays.fill(sevens, (byte) 7);
    assertThatThrownBy(() -> SigningKeys.builder().key("k1", sevens)).isInstanceOf(IllegalArgumentException.class);
    assertThat(SigningKeys.builder().key("long", TokenFixture.key(3)).build().keyIds()).containsExactly("long");
  }

  @Test
  void badKeyIdsAndActiveAreRefused() {
    for (String kid : new String[] {null, "", " k1", "k 1", "k/1", "k\"1", "k\u00fc", "k\n", "x".repeat(65)}) {
      assertThatThrownBy(() -> SigningKeys.builder().key(kid, KEY1)).as("kid %s", kid)
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("kid");
    }
    assertThat(SigningKeys.builder().key("x".repeat(64), KEY1).build().activeKeyId()).hasSize(64);
    assertThatThrownBy(() -> SigningKeys.builder().key("k1", KEY1).key("k1", KEY2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("k1");
    assertThatThrownBy(() -> SigningKeys.builder().build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keys");
    assertThatThrownBy(() -> SigningKeys.builder().key("k1", KEY1).key("k2", KEY2).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("active");
    assertThatThrownBy(() -> SigningKeys.builder().key("k1", KEY1).active("k2").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("active");
  }

  @Test
  void keyBytesAreCopiedIn() {
    byte[] bytes = KEY1.clone();
    SigningKeys keys = SigningKeys.builder().key("k1", bytes).build();
    String token = TokenFixture.issuer(keys, clock).build()
        .issue(grant("g1", T0, T0.plusSeconds(60))).secret();

    Arrays.fill(bytes, (byte) 0);

    SigningKeys fresh = SigningKeys.builder().key("k1", KEY1).build();
    assertThat(SignedTokenVerifier.builder().keys(fresh).clock(clock).allowUnrevocableTokens().build().verify(token)
        .grantId())
        .isEqualTo("g1");
  }

  @Test
  void toStringNeverShowsKeyMaterial() {
    String text = SigningKeys.builder().key("k1", KEY1).build().toString();
    assertThat(text).doesNotContain(HexFormat.of().formatHex(KEY1)).doesNotContain(TokenFixture.b64(KEY1))
        .doesNotContain(Arrays.toString(KEY1));
  }

  @Test
  void generatedKeysAreRandom() {
    SigningKeys a = SigningKeys.generate("demo");
    SigningKeys b = SigningKeys.generate("demo");
    String token = TokenFixture.issuer(a, clock).build()
        .issue(grant("g1", T0, T0.plusSeconds(60))).secret();

    assertThat(a.activeKeyId()).isEqualTo("demo");
    assertThat(SignedTokenVerifier.builder().keys(a).clock(clock).allowUnrevocableTokens().build().verify(token)
        .keyId()).isEqualTo("demo");
    refused(Reason.BAD_SIGNATURE, token, () -> SignedTokenVerifier.builder().keys(b).clock(clock)
        .allowUnrevocableTokens().build()
        .verify(token));
  }
}
