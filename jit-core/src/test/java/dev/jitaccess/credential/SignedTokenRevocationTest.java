package dev.jitaccess.credential;

import static dev.jitaccess.credential.TokenFixture.KEY1;
import static dev.jitaccess.credential.TokenFixture.KEY2;
import static dev.jitaccess.credential.TokenFixture.T0;
import static dev.jitaccess.credential.TokenFixture.grant;
import static dev.jitaccess.credential.TokenFixture.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.Grant;
import dev.jitaccess.GrantState;
import dev.jitaccess.Subject;
import dev.jitaccess.credential.InvalidTokenException.Reason;
import dev.jitaccess.testing.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Ends of grants (invalidation, grant lookup), key rotation and concurrent use. */
class SignedTokenRevocationTest {

  private final ManualClock clock = new ManualClock();
  private final SigningKeys keys = SigningKeys.builder().key("k1", KEY1).build();
  private final SignedTokenIssuer issuer = TokenFixture.issuer(keys, clock).build();
  /** Stands in for the manager's store: what {@code jit::grant} would answer. */
  private final Map<String, Grant> grants = new ConcurrentHashMap<>();

  private final Grant grant = grant("g1", T0, T0.plus(Duration.ofMinutes(30)));

  private SignedTokenVerifier.Builder verifier() {
    return SignedTokenVerifier.builder().keys(keys).clock(clock);
  }

  private Optional<Grant> lookup(String id) {
    return Optional.ofNullable(grants.get(id));
  }

  // ------------------------------------------------------------------------------------------------ invalidate

  @Test
  void invalidatedTokenIsRefusedByVerifiersSharingTheIssuersRevocations() {
    Credential credential = issuer.issue(grant);
    String token = credential.secret();
    SignedTokenVerifier sameProcess = verifier().revocations(issuer).build();
    SignedTokenVerifier noRevocations = verifier().allowUnrevocableTokens().build();
    assertThat(sameProcess.verify(token).grantId()).isEqualTo("g1");

    issuer.invalidate(grant.ended(GrantState.REVOKED, T0, Grant.RELEASED_REASON), credential);

    refused(Reason.REVOKED, token, () -> sameProcess.verify(token));
    assertThat(issuer.isRevoked("g1")).isTrue();
    // Signature and time alone cannot know: that is what revocations and the grant lookup are for.
    assertThat(noRevocations.verify(token).grantId()).isEqualTo("g1");
    // Idempotent.
    issuer.invalidate(grant.ended(GrantState.REVOKED, T0, Grant.RELEASED_REASON), credential);
    refused(Reason.REVOKED, token, () -> sameProcess.verify(token));
    // No new token for an invalidated grant.
    assertThatThrownBy(() -> issuer.issue(grant)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void invalidateWithAMismatchedCredentialRevokesBothAndComplains() {
    Grant other = grant("g2", T0, T0.plusSeconds(600));
    Credential credential = issuer.issue(grant);
    Credential otherCredential = issuer.issue(other);

    assertThatThrownBy(() -> issuer.invalidate(other, credential))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("g1").hasMessageContaining("g2")
        .hasMessageNotContaining(credential.secret());
    assertThat(issuer.isRevoked("g1")).isTrue();
    assertThat(issuer.isRevoked("g2")).isTrue();
    assertThat(otherCredential.grantId()).isEqualTo("g2");
    assertThatThrownBy(() -> issuer.invalidate(grant, null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("credential");
    Credential foreign = Credential.of("g1", "api-key", "s3cr3t-value", T0.plusSeconds(60));
    assertThatThrownBy(() -> issuer.invalidate(grant, foreign)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("type").hasMessageNotContaining("s3cr3t-value");
  }

  // ------------------------------------------------------------------------------------------------ grant lookup

  @Test
  void revokedGrantsTokenIsRefusedBeforeItsExpiryByAVerifierThatNeverSawTheInvalidation() {
    grants.put(grant.id(), grant);
    String token = issuer.issue(grant).secret();
    SignedTokenVerifier otherProcess = verifier().grantLookup(this::lookup).build();
    clock.advance(Duration.ofMinutes(5));
    assertThat(otherProcess.verify(token).grantId()).isEqualTo("g1");

    grants.put(grant.id(), grant.ended(GrantState.REVOKED, clock.instant(), "incident over"));

    refused(Reason.GRANT_NOT_EFFECTIVE, token, () -> otherProcess.verify(token));
    assertThat(clock.instant()).isBefore(grant.expiresAt());
  }

  @Test
  void grantLookupRefusesUnknownMismatchedAndFailingLookups() {
    String token = issuer.issue(grant).secret();

    refused(Reason.GRANT_NOT_EFFECTIVE, token, () -> verifier().grantLookup(this::lookup).build().verify(token));
    refused(Reason.GRANT_NOT_EFFECTIVE, token, () -> verifier().grantLookup(id -> null).build().verify(token));
    InvalidTokenException failed = refused(Reason.GRANT_NOT_EFFECTIVE, token, () -> verifier()
        .grantLookup(id -> {
          throw new IllegalStateException("database is down");
        }).build().verify(token));
    assertThat(failed).hasCauseInstanceOf(IllegalStateException.class);

    grants.put("g1", grant("g1", Subject.service("someone-else"), "prod/deploy", T0, grant.expiresAt()));
    refused(Reason.GRANT_NOT_EFFECTIVE, token, () -> verifier().grantLookup(this::lookup).build().verify(token));
    grants.put("g1", grant("g1", grant.subject(), "prod/other", T0, grant.expiresAt()));
    refused(Reason.GRANT_NOT_EFFECTIVE, token, () -> verifier().grantLookup(this::lookup).build().verify(token));
  }

  @Test
  void grantLookupIsExactEvenWithLeeway() {
    grants.put(grant.id(), grant);
    String token = issuer.issue(grant).secret();
    SignedTokenVerifier lenient = verifier().leeway(Duration.ofMinutes(1)).grantLookup(this::lookup).build();

    clock.set(grant.expiresAt().plusSeconds(10)); // inside the leeway for exp, past the grant
    refused(Reason.GRANT_NOT_EFFECTIVE, token, () -> lenient.verify(token));
  }

  @Test
  void extendingTheGrantDoesNotExtendAnIssuedToken() {
    grants.put(grant.id(), grant);
    String token = issuer.issue(grant).secret();
    grants.put(grant.id(), grant.withExpiresAt(grant.expiresAt().plus(Duration.ofHours(1))));
    SignedTokenVerifier verifier = verifier().grantLookup(this::lookup).build();

    clock.set(grant.expiresAt());
    refused(Reason.EXPIRED, token, () -> verifier.verify(token));
  }

  @Test
  void failingRevocationCheckRefusesTheToken() {
    String token = issuer.issue(grant).secret();
    SignedTokenVerifier verifier = verifier().revocations(id -> {
      throw new IllegalStateException("cache is down");
    }).build();

    refused(Reason.REVOKED, token, () -> verifier.verify(token));
  }

  // ------------------------------------------------------------------------------------------------ rotation

  @Test
  void keyRotationKeepsOldTokensVerifyingAndSignsNewOnesWithTheActiveKey() {
    String oldToken = issuer.issue(grant).secret();
    SigningKeys rotated = SigningKeys.builder().key("k1", KEY1).key("k2", KEY2).active("k2").build();
    SignedTokenIssuer successor = SignedTokenIssuer.builder().keys(rotated).clock(clock)
        .revocationList(issuer.revocationList()).build();
    Grant next = grant("g2", T0, T0.plusSeconds(600));

    String newToken = successor.issue(next).secret();

    SignedTokenVerifier both = SignedTokenVerifier.builder().keys(rotated).clock(clock).revocations(successor)
        .build();
    assertThat(both.verify(oldToken).keyId()).isEqualTo("k1");
    assertThat(both.verify(newToken).keyId()).isEqualTo("k2");
    assertThat(TokenFixture.decode(newToken.split("\\.")[0])).contains("\"kid\":\"k2\"");
    // A verifier not yet told about k2 refuses k2 tokens; one that dropped k1 refuses k1 tokens.
    refused(Reason.UNKNOWN_KEY, newToken, () -> verifier().revocations(issuer).build().verify(newToken));
    SignedTokenVerifier newOnly = SignedTokenVerifier.builder()
        .keys(SigningKeys.builder().key("k2", KEY2).build()).clock(clock).revocations(successor).build();
    refused(Reason.UNKNOWN_KEY, oldToken, () -> newOnly.verify(oldToken));
    // Revocations made before the rotation stay in force.
    issuer.invalidate(grant, Credential.of("g1", "jws", oldToken, grant.expiresAt()));
    refused(Reason.REVOKED, oldToken, () -> both.verify(oldToken));
  }

  @Test
  void aRevocationOutlivesTheIssuerThatMadeIt() {
    // On the system clock, as in production: a successor built without naming a list shares the default one.
    java.time.Instant now = java.time.Instant.now();
    Grant live = grant(java.util.UUID.randomUUID().toString(), now.minusSeconds(1), now.plus(Duration.ofMinutes(10)));
    SignedTokenIssuer retired = SignedTokenIssuer.builder().keys(keys).build();
    Credential credential = retired.issue(live);
    String token = credential.secret();
    SigningKeys rotated = SigningKeys.builder().key("k1", KEY1).key("k2", KEY2).active("k2").build();
    SignedTokenIssuer successor = SignedTokenIssuer.builder().keys(rotated).build();
    SignedTokenVerifier verifier = SignedTokenVerifier.builder().keys(rotated).revocations(successor).build();
    assertThat(verifier.verify(token).grantId()).isEqualTo(live.id());

    retired.invalidate(live, credential);

    refused(Reason.REVOKED, token, () -> verifier.verify(token));
    assertThatThrownBy(() -> successor.issue(live)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void anIssuerOnAClockOfItsOwnIsToldToBringARevocationList() {
    // The shared list drops entries by the system clock, which a test clock does not follow.
    assertThatThrownBy(() -> SignedTokenIssuer.builder().keys(keys).clock(clock).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("revocationList(new RevocationList(clock))");
    // The system clock, in any zone, is the shared list's own.
    assertThat(SignedTokenIssuer.builder().keys(keys).clock(java.time.Clock.system(java.time.ZoneId.of("Europe/Paris")))
        .build().revocationList()).isSameAs(RevocationList.shared());
  }

  @Test
  void aVerifierThatCannotLearnOfAnEndedGrantRefusesToBuild() {
    assertThatThrownBy(() -> SignedTokenVerifier.builder().keys(keys).clock(clock).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("revocations(").hasMessageContaining("grantLookup(")
        .hasMessageContaining("allowUnrevocableTokens()");
    String token = issuer.issue(grant).secret();
    assertThat(verifier().allowUnrevocableTokens().build().verify(token).grantId()).isEqualTo("g1");
  }

  // ------------------------------------------------------------------------------------------------ concurrency

  @Test
  void issueVerifyAndInvalidateFromFourThreads() throws Exception {
    int threads = 4;
    int perThread = 200;
    SignedTokenVerifier verifier = verifier().revocations(issuer).grantLookup(this::lookup).build();
    List<String> shared = new java.util.concurrent.CopyOnWriteArrayList<>();
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          start.await();
          int refusedOthers = 0;
          for (int i = 0; i < perThread; i++) {
            Grant g = grant("t" + thread + "-" + i, T0, T0.plus(Duration.ofMinutes(30)));
            grants.put(g.id(), g);
            Credential credential = issuer.issue(g);
            assertThat(verifier.verify(credential.secret()).grantId()).isEqualTo(g.id());
            shared.add(credential.secret());
            // Verify someone else's token, which may or may not have been ended by now.
            String other = shared.get((i * 31 + thread) % shared.size());
            try {
              verifier.verify(other);
            } catch (InvalidTokenException e) {
              assertThat(e.reason()).isIn(Reason.REVOKED, Reason.GRANT_NOT_EFFECTIVE);
              refusedOthers++;
            }
            if (i % 2 == 0) {
              Grant ended = g.ended(GrantState.REVOKED, T0, Grant.RELEASED_REASON);
              grants.put(g.id(), ended);
              issuer.invalidate(ended, credential);
              TokenFixture.refusedAny(credential.secret(), () -> verifier.verify(credential.secret()));
            }
          }
          return refusedOthers;
        }));
      }
      for (Future<Integer> future : futures) {
        future.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(shared).hasSize(threads * perThread).doesNotHaveDuplicates();
    long alive = shared.stream().filter(token -> {
      try {
        verifier.verify(token);
        return true;
      } catch (InvalidTokenException e) {
        assertThat(e.reason()).isEqualTo(Reason.REVOKED);
        return false;
      }
    }).count();
    assertThat(alive).isEqualTo(threads * perThread / 2);
    assertThat(issuer.revocationList().size()).isEqualTo(threads * perThread / 2);
  }
}
