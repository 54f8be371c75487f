package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.ORDERS;
import static dev.jitaccess.EngineFixture.request;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A grant from {@code acquireBound} is usable through its handle only, here and on other instances. */
class BoundGrantTest {

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  @Test
  void aBoundGrantIsAllowedThroughItsHandleAndByNoOtherCheckOfTheSameSubject() {
    EngineFixture f = fixtures.create();

    try (GrantHandle handle = f.jit.acquireBound(request(ALICE, ORDERS, Duration.ofMinutes(5)).build())) {
      assertThat(handle.check(ORDERS, "read").allowed()).isTrue();
      assertThat(f.jit.check(ALICE, ORDERS, "read").allowed()).as("another call of alice").isFalse();
      assertThat(handle.grant().bound()).isTrue();
      assertThat(handle.check(ORDERS, "write").allowed()).as("an action it does not cover").isFalse();
      assertThat(handle.check("prod/db/other", "read").allowed()).isFalse();
    }
  }

  @Test
  void aClosedHandleAllowsNothingAndAnUnboundOneStillWorksForOrdinaryChecks() {
    EngineFixture f = fixtures.create();
    GrantHandle bound = f.jit.acquireBound(request(ALICE, ORDERS, Duration.ofMinutes(5)).build());
    bound.close();
    assertThat(bound.check(ORDERS, "read").allowed()).isFalse();

    try (GrantHandle plain = f.jit.acquire(request(ALICE, ORDERS, Duration.ofMinutes(5)).build())) {
      assertThat(plain.grant().bound()).isFalse();
      assertThat(f.jit.check(ALICE, ORDERS, "read").allowed()).isTrue();
      assertThat(plain.check(ORDERS, "read").allowed()).isTrue();
    }
  }

  @Test
  void anotherInstanceSharingTheStoreDoesNotAllowABoundGrant() {
    FeedingStore store = new FeedingStore();
    EngineFixture a = fixtures.create(store, b -> b.stalenessBound(Duration.ofSeconds(10)));
    EngineFixture b = fixtures.create(store, x -> x.stalenessBound(Duration.ofSeconds(10)));

    try (GrantHandle handle = a.jit.acquireBound(request(ALICE, ORDERS, Duration.ofMinutes(5)).build())) {
      assertThat(b.jit.grant(handle.grant().id()).orElseThrow().bound()).isTrue();
      assertThat(b.jit.check(ALICE, ORDERS, "read").allowed()).isFalse();
    }
  }
}
