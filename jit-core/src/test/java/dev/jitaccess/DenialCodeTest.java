package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.ORDERS;
import static dev.jitaccess.EngineFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.AccessDecision.Code;
import dev.jitaccess.audit.AuditException;
import dev.jitaccess.store.ForwardingGrantStore;
import dev.jitaccess.store.GrantStoreException;
import dev.jitaccess.store.InMemoryGrantStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Issue 12, item 20: a denial says what kind it is as a value, and one {@code catch} covers the library. */
class DenialCodeTest {

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  @Test
  void everyDenialOfACheckCarriesItsCode() {
    EngineFixture f = fixtures.create();

    assertThat(f.jit.check(null, ORDERS, "read").code()).isEqualTo(Code.NO_SUBJECT);
    assertThat(f.jit.check(ALICE, null, "read").code()).isEqualTo(Code.INVALID_RESOURCE);
    assertThat(f.jit.check(ALICE, "prod//orders", "read").code()).isEqualTo(Code.INVALID_RESOURCE);
    assertThat(f.jit.check(ALICE, ORDERS, null).code()).isEqualTo(Code.INVALID_ACTION);
    assertThat(f.jit.check(ALICE, ORDERS, "Read!").code()).isEqualTo(Code.INVALID_ACTION);
    assertThat(f.jit.check(ALICE, ORDERS, "read").code()).isEqualTo(Code.NO_GRANT);

    f.jit.close();
    assertThat(f.jit.check(ALICE, ORDERS, "read").code()).isEqualTo(Code.CLOSED);
  }

  @Test
  void aDeniedUseThatCouldNotBeAuditedSaysSo() {
    EngineFixture f = fixtures.create();
    f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5)).build());
    f.audit.failWith(new IllegalStateException("disk full"));

    AccessDecision decision = f.jit.check(ALICE, ORDERS, "read");

    assertThat(decision.allowed()).isFalse();
    assertThat(decision.code()).isEqualTo(Code.USE_NOT_AUDITED);
  }

  @Test
  void anAllowedDecisionHasNeitherReasonNorCode() {
    EngineFixture f = fixtures.create();
    f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5)).build());

    AccessDecision decision = f.jit.check(ALICE, ORDERS, "read");

    assertThat(decision.allowed()).isTrue();
    assertThat(decision.code()).isNull();
    assertThat(decision.reason()).isNull();
  }

  @Test
  void aDecisionMustBeConsistent() {
    assertThatThrownBy(() -> new AccessDecision(false, null, "no grant", null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new AccessDecision(false, null, null, Code.NO_GRANT))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void oneCatchOfJitAccessExceptionCoversAuditAndStoreFailures() {
    assertThat(JitAccessException.class).isAssignableFrom(AuditException.class);
    assertThat(JitAccessException.class).isAssignableFrom(GrantStoreException.class);

    EngineFixture failingSink = fixtures.create();
    failingSink.audit.failWith(new IllegalStateException("disk full"));
    assertThatThrownBy(() -> failingSink.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5)).build()))
        .isInstanceOf(JitAccessException.class);

    EngineFixture failingStore = fixtures.create(new ForwardingGrantStore(new InMemoryGrantStore()) {
      @Override
      public void save(Grant grant) {
        throw new GrantStoreException("database down");
      }
    }, b -> {});
    assertThatThrownBy(() -> failingStore.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5)).build()))
        .isInstanceOf(JitAccessException.class);
  }
}
