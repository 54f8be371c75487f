package dev.jitaccess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.credential.Credential;
import dev.jitaccess.credential.CredentialIssuer;
import dev.jitaccess.credential.RevocationList;
import dev.jitaccess.credential.SignedTokenIssuer;
import dev.jitaccess.credential.SignedTokenVerifier;
import dev.jitaccess.credential.SigningKeys;
import dev.jitaccess.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** DESIGN "Credentials follow the grant everywhere": an extension extends the credential (issue 13). */
class CredentialExtensionTest {

  static final Subject PIPELINE = Subject.service("ci-deploy");
  static final String DB = "db/orders";

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  /** Moves its credentials' expiry on every extension; can be told to fail. */
  static final class MovingIssuer implements CredentialIssuer {
    final List<String> extendedTo = new CopyOnWriteArrayList<>();
    final List<String> invalidated = new CopyOnWriteArrayList<>();
    final AtomicInteger failuresToExtend = new AtomicInteger();

    @Override
    public Credential issue(Grant grant) {
      return Credential.of(grant.id(), "login", "pw-" + grant.id(), grant.expiresAt());
    }

    @Override
    public Credential extend(Grant grant, Credential credential) {
      if (failuresToExtend.getAndUpdate(n -> n == Integer.MAX_VALUE ? n : Math.max(0, n - 1)) > 0) {
        throw new IllegalStateException("database unreachable");
      }
      extendedTo.add(grant.expiresAt().toString());
      return credential.withExpiresAt(grant.expiresAt());
    }

    @Override
    public void invalidate(Grant grant, Credential credential) {
      invalidated.add(grant.id());
    }
  }

  @Test
  void everyExtensionExtendsTheCredentialTheHolderIsHanded() {
    MovingIssuer issuer = new MovingIssuer();
    EngineFixture f = fixtures.create(b -> b.credentialIssuer(issuer));
    Grant grant = f.grant(PIPELINE, DB, Duration.ofMinutes(10), "read");

    Grant once = f.jit.extend(grant.id(), Duration.ofMinutes(5), "more");
    Grant twice = f.jit.extend(grant.id(), Duration.ofMinutes(5), "still more");

    assertThat(issuer.extendedTo).containsExactly(once.expiresAt().toString(), twice.expiresAt().toString());
    assertThat(f.jit.credential(grant.id()).orElseThrow().expiresAt()).isEqualTo(twice.expiresAt());
  }

  @Test
  void aFailingCredentialExtensionIsRetriedUntilItSucceedsAndTheGrantStaysExtended() {
    MovingIssuer issuer = new MovingIssuer();
    EngineFixture f = fixtures.create(b -> b.credentialIssuer(issuer));
    Grant grant = f.grant(PIPELINE, DB, Duration.ofMinutes(10), "read");
    issuer.failuresToExtend.set(3);

    Grant extended = f.jit.extend(grant.id(), Duration.ofMinutes(5), "more");

    assertThat(f.jit.grant(grant.id()).orElseThrow().expiresAt()).isEqualTo(extended.expiresAt());
    await().until(() -> {
      f.clock.advance(Duration.ofSeconds(1));
      return issuer.extendedTo.size() == 1;
    });
    assertThat(f.jit.credential(grant.id()).orElseThrow().expiresAt()).isEqualTo(extended.expiresAt());
  }

  @Test
  void aCredentialExtensionStillFailingWhenTheGrantEndsGivesWayToTheInvalidation() {
    MovingIssuer issuer = new MovingIssuer();
    EngineFixture f = fixtures.create(b -> b.credentialIssuer(issuer));
    Grant grant = f.grant(PIPELINE, DB, Duration.ofMinutes(10), "read");
    issuer.failuresToExtend.set(Integer.MAX_VALUE);
    f.jit.extend(grant.id(), Duration.ofMinutes(5), "more");

    f.jit.release(grant.id());
    issuer.failuresToExtend.set(0);
    for (int i = 0; i < 120; i++) {
      f.clock.advance(Duration.ofSeconds(1)); // well past every retry the extension had scheduled
    }

    await().until(() -> issuer.invalidated.size() == 1);
    assertThat(issuer.extendedTo).isEmpty();
  }

  @Test
  void anExtendedGrantsTokenIsReissuedAndVerifiesPastTheOldExpiry() {
    SigningKeys keys = SigningKeys.generate("k1");
    ManualClock issuerClock = new ManualClock();
    EngineFixture f = fixtures.create(b -> b.credentialIssuer(SignedTokenIssuer.builder().keys(keys)
        .clock(issuerClock).revocationList(new RevocationList(issuerClock)).build()));
    f.clock.set(issuerClock.instant());
    SignedTokenVerifier verifier = SignedTokenVerifier.builder().keys(keys).clock(f.clock)
        .grantLookup(f.jit::grant).build();
    Grant grant = f.grant(PIPELINE, DB, Duration.ofMinutes(10), "read");
    String first = f.jit.credential(grant.id()).orElseThrow().secret();

    f.jit.extend(grant.id(), Duration.ofMinutes(10), "more");
    String second = f.jit.credential(grant.id()).orElseThrow().secret();
    f.clock.advance(Duration.ofMinutes(15));

    assertThat(second).isNotEqualTo(first);
    assertThat(verifier.verify(second).grantId()).isEqualTo(grant.id());
  }
}
