package dev.jitaccess.credential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jitaccess.Grant;
import dev.jitaccess.GrantState;
import dev.jitaccess.Subject;
import dev.jitaccess.testing.ManualClock;
import jakarta.annotation.Nullable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The suite every {@link CredentialIssuer} must pass. It ships in jit-core's {@code tests} test-jar; an issuer is
 * done when a subclass of it passes:
 *
 * <pre>{@code
 * class MyIssuerTest extends CredentialIssuerContract {
 *   protected CredentialIssuer createIssuer(Clock clock) { return new MyIssuer(...); }
 * }
 * }</pre>
 *
 * <p>The clock handed to {@link #createIssuer} stands still at about the real time (a few hundred milliseconds
 * into a second, so that rounding to whole seconds shows), and the grants of this suite are built around it:
 * an issuer that reads the real clock instead passes too. An issuer whose credentials can be checked (a token
 * verifier, a test double of the target system) should also override {@link #acceptance}, which turns on the
 * tests that an invalidated credential stops working.
 */
public abstract class CredentialIssuerContract {

  protected static final int THREADS = 4;
  private static final int GRANTS_PER_THREAD = 50;

  private ManualClock clock;
  private CredentialIssuer issuer;
  private String prefix;

  /** An issuer under test, reading time from {@code clock} if it reads time at all; called before every test. */
  protected abstract CredentialIssuer createIssuer(Clock clock);

  /**
   * Whether a credential of {@code issuer} is accepted now by whatever checks it, or null (the default) when
   * the issuer under test cannot tell; the tests that need it are then skipped.
   */
  @Nullable
  protected Predicate<Credential> acceptance(CredentialIssuer issuer) {
    return null;
  }

  @BeforeEach
  public final void setUpCredentialIssuerContract() {
    clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.SECONDS).plusMillis(250));
    issuer = createIssuer(clock);
    prefix = "c" + UUID.randomUUID().toString().substring(0, 8) + "-";
  }

  /** The issuer of the current test. */
  protected final CredentialIssuer issuer() {
    return issuer;
  }

  /** The clock of the current test. */
  protected final ManualClock clock() {
    return clock;
  }

  /** An effective grant: started a minute ago, ending in ten minutes and a half-second. */
  protected final Grant grant(String name) {
    Instant now = clock.instant();
    return grant(name, now.minusSeconds(60), now.plus(Duration.ofMinutes(10)).plusMillis(500));
  }

  protected final Grant grant(String name, Instant notBefore, Instant expiresAt) {
    return new Grant(prefix + name, "req-" + prefix + name, Subject.service("ci-deploy"), "prod/deploy",
        Set.of("deploy", "read"), notBefore, expiresAt, GrantState.ACTIVE, "credential contract", null, List.of(),
        false, "contract-rule", 0, null, null);
  }

  @Test
  public void issueReturnsACredentialForTheGrantThatDoesNotOutliveIt() {
    Grant grant = grant("g1");

    Credential credential = issuer.issue(grant);

    assertThat(credential.grantId()).isEqualTo(grant.id());
    assertThat(credential.type()).isNotBlank();
    assertThat(credential.secret()).isNotBlank();
    assertThat(credential.expiresAt()).isAfter(clock.instant()).isBeforeOrEqualTo(grant.expiresAt());
  }

  @Test
  public void credentialOfAGrantEndingMidSecondDoesNotOutliveIt() {
    Instant now = clock.instant();
    for (int millis : new int[] {1, 250, 500, 999}) {
      Grant grant = grant("mid-" + millis, now.minusSeconds(1), now.plusSeconds(5).plusMillis(millis));
      assertThat(issuer.issue(grant).expiresAt()).as("grant ending at +5s +%dms", millis)
          .isBeforeOrEqualTo(grant.expiresAt());
    }
  }

  @Test
  public void eachGrantGetsItsOwnSecret() {
    Credential a = issuer.issue(grant("a"));
    Credential b = issuer.issue(grant("b"));

    assertThat(a.secret()).isNotEqualTo(b.secret());
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  public void toStringNeverShowsTheSecret() {
    Credential credential = issuer.issue(grant("shown"));
    String secret = credential.secret();

    String text = credential.toString();

    assertThat(text).contains(credential.grantId()).contains("***").doesNotContain(secret);
    if (secret.length() >= 16) {
      assertThat(text).doesNotContain(secret.substring(secret.length() - 16));
    }
    assertThat(issuer.toString()).doesNotContain(secret);
  }

  @Test
  public void invalidateIsIdempotent() {
    Grant grant = grant("idem");
    Credential credential = issuer.issue(grant);
    Grant ended = grant.ended(GrantState.REVOKED, clock.instant(), Grant.RELEASED_REASON);

    assertThatCode(() -> {
      issuer.invalidate(ended, credential);
      issuer.invalidate(ended, credential);
      issuer.invalidate(ended, credential);
    }).doesNotThrowAnyException();
  }

  @Test
  public void invalidateWorksForEveryKindOfEnd() {
    Predicate<Credential> accepted = acceptance(issuer);
    String[][] ends = {{"REVOKED", Grant.RELEASED_REASON}, {"REVOKED", "security incident"}, {"EXPIRED", "expired"}};
    for (String[] end : ends) {
      Grant grant = grant("end-" + end[0] + "-" + end[1].replace(' ', '-'));
      Credential credential = issuer.issue(grant);
      Grant ended = grant.ended(GrantState.valueOf(end[0]), clock.instant(), end[1]);

      issuer.invalidate(ended, credential);

      if (accepted != null) {
        assertThat(accepted.test(credential)).as("credential after %s (%s)", end[0], end[1]).isFalse();
      }
    }
  }

  @Test
  public void invalidatedCredentialStopsWorkingAndOthersKeepWorking() {
    Predicate<Credential> accepted = acceptance(issuer);
    assumeTrue(accepted != null, "the issuer under test cannot tell whether a credential is accepted");
    Grant grant = grant("stop");
    Grant other = grant("keep");
    Credential credential = issuer.issue(grant);
    Credential otherCredential = issuer.issue(other);
    assertThat(accepted.test(credential)).isTrue();

    issuer.invalidate(grant.ended(GrantState.REVOKED, clock.instant(), "done"), credential);

    assertThat(accepted.test(credential)).isFalse();
    assertThat(accepted.test(otherCredential)).isTrue();
  }

  @Test
  public void issueAndInvalidateFromSeveralThreads() throws Exception {
    Predicate<Credential> accepted = acceptance(issuer);
    ConcurrentLinkedQueue<Credential> issued = new ConcurrentLinkedQueue<>();
    CyclicBarrier start = new CyclicBarrier(THREADS);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < GRANTS_PER_THREAD; i++) {
            Grant grant = grant("t" + thread + "-" + i);
            Credential credential = issuer.issue(grant);
            assertThat(credential.grantId()).isEqualTo(grant.id());
            if (accepted != null) {
              assertThat(accepted.test(credential)).isTrue();
            }
            Grant ended = grant.ended(GrantState.REVOKED, clock.instant(), Grant.RELEASED_REASON);
            issuer.invalidate(ended, credential);
            issuer.invalidate(ended, credential);
            if (accepted != null) {
              assertThat(accepted.test(credential)).isFalse();
            }
            issued.add(credential);
          }
          return null;
        }));
      }
      for (Future<?> future : futures) {
        future.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    Set<String> secrets = new HashSet<>();
    for (Credential credential : issued) {
      secrets.add(credential.secret());
    }
    assertThat(secrets).hasSize(THREADS * GRANTS_PER_THREAD);
  }
}
