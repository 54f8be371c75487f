package dev.jitaccess.credential;

import static dev.jitaccess.credential.TokenFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.testing.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RevocationListTest {

  private final ManualClock clock = new ManualClock();
  private final RevocationList list = new RevocationList(clock);

  @Test
  void revokedIdsAreListedAndRevokingIsIdempotent() {
    list.revoke("g1", T0.plusSeconds(60));
    list.revoke("g1", T0.plusSeconds(60));

    assertThat(list.isRevoked("g1")).isTrue();
    assertThat(list.isRevoked("g2")).isFalse();
    assertThat(list.isRevoked(null)).isFalse();
    assertThat(list.size()).isEqualTo(1);
    assertThat(list).hasToString("RevocationList[1 revoked]");
  }

  @Test
  void entriesOutliveTheirTokenByTheLargestLeewayThenAreDropped() {
    list.revoke("g1", T0.plusSeconds(60));

    clock.set(T0.plusSeconds(60).plus(RevocationList.RETENTION_AFTER_EXPIRY).minusMillis(1));
    list.revoke("g2", T0.plusSeconds(3600));
    assertThat(list.isRevoked("g1")).as("still inside a verifier's possible leeway").isTrue();

    clock.advance(RevocationList.SWEEP_INTERVAL);
    list.revoke("g3", T0.plusSeconds(3600));
    assertThat(list.isRevoked("g1")).isFalse();
    assertThat(list.isRevoked("g2")).isTrue();
    assertThat(list.size()).isEqualTo(2);
  }

  @Test
  void memoryIsBoundedByTokensStillAlive() {
    for (int i = 0; i < 10_000; i++) {
      list.revoke("g" + i, T0.plusSeconds(60 + i % 60));
    }
    assertThat(list.size()).isEqualTo(10_000);

    clock.advance(Duration.ofMinutes(10));
    list.revoke("last", clock.instant().plusSeconds(60));

    assertThat(list.size()).isEqualTo(1);
  }

  @Test
  void aLaterExpiryWins() {
    list.revoke("g1", T0.plusSeconds(60));
    list.revoke("g1", T0.plusSeconds(6000));
    list.revoke("g1", T0.plusSeconds(1));

    clock.set(T0.plus(Duration.ofMinutes(30)));
    list.revoke("other", clock.instant());
    assertThat(list.isRevoked("g1")).isTrue();
  }

  @Test
  void badInputIsRefused() {
    assertThatThrownBy(() -> list.revoke(null, T0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tokenId");
    assertThatThrownBy(() -> list.revoke("g1", null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tokenExpiresAt");
    assertThatThrownBy(() -> new RevocationList(null)).isInstanceOf(IllegalArgumentException.class);
  }
}
