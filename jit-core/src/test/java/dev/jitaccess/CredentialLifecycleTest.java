package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ADMIN;
import static dev.jitaccess.EngineFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.credential.Credential;
import dev.jitaccess.credential.CredentialIssuer;
import dev.jitaccess.credential.InvalidTokenException;
import dev.jitaccess.credential.RevocationList;
import dev.jitaccess.credential.SignedTokenIssuer;
import dev.jitaccess.credential.SignedTokenVerifier;
import dev.jitaccess.credential.SigningKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Issue 4, CI/CD pipelines: a credential exists exactly while its grant is effective, whatever ends it. */
class CredentialLifecycleTest {

  static final Subject PIPELINE = Subject.service("ci-deploy");
  static final String DEPLOY = "prod/deploy";

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  /** Records every issue and invalidation; can be told to fail. */
  static final class RecordingIssuer implements CredentialIssuer {
    final List<String> invalidated = new CopyOnWriteArrayList<>();
    final AtomicInteger failuresToInvalidate = new AtomicInteger();
    volatile boolean failToIssue;

    @Override
    public Credential issue(Grant grant) {
      if (failToIssue) {
        throw new IllegalStateException("vault sealed");
      }
      return Credential.of(grant.id(), "test", "s3cr3t-" + grant.id(), grant.expiresAt());
    }

    @Override
    public void invalidate(Grant grant, Credential credential) {
      if (failuresToInvalidate.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        throw new IllegalStateException("vault unreachable");
      }
      invalidated.add(grant.id());
    }
  }

  private static AccessRequest.Builder deploy() {
    return request(PIPELINE, DEPLOY, Duration.ofMinutes(10), "deploy");
  }

  @Test
  void aPipelineStepGetsASignedTokenThatStopsWorkingTheMomentTheStepEndsEvenWhenItFails() {
    SigningKeys keys = SigningKeys.generate("k1");
    dev.jitaccess.testing.ManualClock clock = new dev.jitaccess.testing.ManualClock();
    SignedTokenIssuer issuer = SignedTokenIssuer.builder().keys(keys).clock(clock)
        .revocationList(new RevocationList(clock)).build();
    EngineFixture f = fixtures.create(b -> b.credentialIssuer(issuer));
    f.clock.set(clock.instant());
    SignedTokenVerifier verifier = SignedTokenVerifier.builder().keys(keys).clock(clock)
        .grantLookup(f.jit::grant).build();
    String[] token = new String[1];

    assertThatThrownBy(() -> {
      try (GrantHandle handle = f.jit.acquire(deploy().build())) {
        token[0] = handle.credential().orElseThrow().secret();
        assertThat(verifier.verify(token[0]).grantId()).isEqualTo(handle.grant().id());
        throw new IllegalStateException("deploy step failed");
      }
    }).hasMessage("deploy step failed");

    assertThatThrownBy(() -> verifier.verify(token[0])).isInstanceOf(InvalidTokenException.class);
    SignedTokenVerifier sameProcess = SignedTokenVerifier.builder().keys(keys).clock(clock)
        .revocations(issuer).build();
    assertThatThrownBy(() -> sameProcess.verify(token[0]))
        .isInstanceOfSatisfying(InvalidTokenException.class,
            e -> assertThat(e.reason()).isEqualTo(InvalidTokenException.Reason.REVOKED));
  }

  @Test
  void theCredentialIsInvalidatedOnEveryKindOfEnd() {
    RecordingIssuer issuer = new RecordingIssuer();
    EngineFixture f = fixtures.create(b -> b.credentialIssuer(issuer));
    Grant released = f.grant(PIPELINE, DEPLOY, Duration.ofMinutes(10), "deploy");
    Grant revoked = f.grant(PIPELINE, "prod/deploy/eu", Duration.ofMinutes(10), "deploy");
    Grant expired = f.grant(PIPELINE, "prod/deploy/us", Duration.ofMinutes(5), "deploy");
    assertThat(f.jit.credential(released.id())).isPresent();

    f.jit.release(released.id());
    f.jit.revoke(revoked.id(), ADMIN, "pipeline compromised");
    f.clock.advance(Duration.ofMinutes(5));

    await().until(() -> issuer.invalidated.size() == 3);
    assertThat(issuer.invalidated).containsExactlyInAnyOrder(released.id(), revoked.id(), expired.id());
    assertThat(f.jit.credential(released.id())).isEmpty();
  }

  @Test
  void aFailingInvalidationIsRetriedUntilItSucceeds() {
    RecordingIssuer issuer = new RecordingIssuer();
    EngineFixture f = fixtures.create(b -> b.credentialIssuer(issuer));
    Grant grant = f.grant(PIPELINE, DEPLOY, Duration.ofMinutes(10), "deploy");
    issuer.failuresToInvalidate.set(3);

    assertThat(f.jit.release(grant.id())).isTrue();
    assertThat(issuer.invalidated).isEmpty();

    await().until(() -> {
      f.clock.advance(Duration.ofSeconds(1));
      return issuer.invalidated.size() == 1;
    });
    assertThat(issuer.invalidated).containsExactly(grant.id());
  }

  @Test
  void whenNoCredentialCanBeIssuedTheGrantIsRevokedAndTheRequestFails() {
    RecordingIssuer issuer = new RecordingIssuer();
    issuer.failToIssue = true;
    EngineFixture f = fixtures.create(b -> b.credentialIssuer(issuer));

    assertThatThrownBy(() -> f.jit.acquire(deploy().build()))
        .isInstanceOf(JitAccessException.class).hasMessageContaining("no credential");

    assertThat(f.jit.isAllowed(PIPELINE, DEPLOY, "deploy")).isFalse();
    assertThat(f.store.findActive()).isEmpty();
  }

  @Test
  void aScheduledGrantGetsItsCredentialWhenItStarts() {
    RecordingIssuer issuer = new RecordingIssuer();
    EngineFixture f = fixtures.create(b -> b.credentialIssuer(issuer));
    Instant start = f.clock.instant().plus(Duration.ofHours(1));
    Grant grant = ((RequestOutcome.Granted) f.jit.request(deploy().startAt(start).build())).grant();

    assertThat(f.jit.credential(grant.id())).isEmpty();
    f.clock.set(start);

    await().until(() -> f.jit.credential(grant.id()).isPresent());
  }

  @Test
  void noSecretReachesTheAuditTrailOrAnyToString() {
    RecordingIssuer issuer = new RecordingIssuer();
    EngineFixture f = fixtures.create(b -> b.credentialIssuer(issuer));
    GrantHandle handle = f.jit.acquire(deploy().build());
    String secret = handle.credential().orElseThrow().secret();
    handle.close();

    assertThat(handle.toString()).doesNotContain(secret);
    assertThat(handle.grant().toString()).doesNotContain(secret);
    assertThat(f.audit.events().toString()).doesNotContain(secret);
    assertThat(new Credential[] {Credential.of("g", "test", secret, Instant.EPOCH)}[0].toString())
        .doesNotContain(secret);
  }
}
