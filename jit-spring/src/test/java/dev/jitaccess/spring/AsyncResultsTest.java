package dev.jitaccess.spring;

import static dev.jitaccess.spring.Fixture.ALICE;
import static dev.jitaccess.spring.Fixture.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.AccessDecision;
import dev.jitaccess.ForwardingJitAccessManager;
import dev.jitaccess.Grant;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.Subject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** Mono, Flux and CompletableFuture results: checked when the work runs. */
class AsyncResultsTest {

  private static final Subject JOB = Subject.service("stream-job");

  private final Fixture fx = new Fixture();

  @AfterEach
  void tearDown() {
    fx.close();
    MDC.clear();
  }

  public static class Orders {
    final AtomicInteger invocations = new AtomicInteger();
    final JitAccessManager jit;

    Orders(JitAccessManager jit) {
      this.jit = jit;
    }

    @RequiresAccess(resource = "orders/1", action = "read")
    public Mono<String> one() {
      invocations.incrementAndGet();
      return Mono.deferContextual(ctx -> Mono.just("one under " + ctx.getOrDefault("jit.grantId", "none")));
    }

    @RequiresAccess(resource = "orders/1", action = "read")
    public Flux<Integer> many() {
      invocations.incrementAndGet();
      return Flux.just(1, 2, 3);
    }

    @RequiresAccess(resource = "'orders/' + #id", action = "read")
    public CompletableFuture<String> later(String id, CompletableFuture<String> source) {
      invocations.incrementAndGet();
      return source.thenApply(s -> s + " " + id);
    }

    @ElevatedAccess(resource = "jobs/stream", action = "run", justification = "JOB-4")
    public Flux<Boolean> elevatedStream(Sinks.Many<Boolean> sink) {
      invocations.incrementAndGet();
      return sink.asFlux();
    }

    @ElevatedAccess(resource = "jobs/async", action = "run", justification = "JOB-5")
    public CompletableFuture<Boolean> elevatedLater(CompletableFuture<Void> gate) {
      invocations.incrementAndGet();
      return gate.thenApply(v -> !jit.activeGrants(JOB).isEmpty()); // still held when the stage completes
    }
  }

  @Test
  void aMonoIsCheckedWhenSubscribedNotWhenReturned() {
    Orders target = new Orders(fx.jit);
    Orders orders = fx.proxy(target);
    Mono<String> mono = orders.one();
    assertThat(target.invocations).hasValue(0);

    Grant grant = fx.grant(ALICE, "orders/1", "read");
    assertThat(mono.block()).isEqualTo("one under " + grant.id());
    assertThat(target.invocations).hasValue(1);

    fx.jit.revoke(grant.id(), BOB, "done");
    assertThatThrownBy(mono::block).isInstanceOf(JitAccessDeniedException.class);
    assertThat(target.invocations).hasValue(1);
  }

  @Test
  void eachSubscriptionIsCheckedAgainAndCallsTheMethodAgain() {
    Orders target = new Orders(fx.jit);
    Orders orders = fx.proxy(target);
    fx.grant(ALICE, "orders/1", "read");
    Flux<Integer> flux = orders.many();
    assertThat(flux.collectList().block()).containsExactly(1, 2, 3);
    assertThat(flux.collectList().block()).containsExactly(1, 2, 3);
    assertThat(target.invocations).hasValue(2);
  }

  @Test
  void aFluxDeniedAtSubscriptionSignalsTheError() {
    Orders target = new Orders(fx.jit);
    Flux<Integer> flux = fx.proxy(target).many();
    assertThatThrownBy(() -> flux.collectList().block()).isInstanceOf(JitAccessDeniedException.class);
    assertThat(target.invocations).hasValue(0);
  }

  @Test
  void theCallerIsTheOneWhoCalledNotTheOneWhoSubscribes() {
    fx.grant(ALICE, "orders/1", "read");
    Mono<String> mono = fx.proxy(new Orders(fx.jit)).one();
    fx.caller.set(null);
    assertThat(mono.block()).startsWith("one under ");
  }

  @Test
  void anElevatedFluxHoldsItsGrantUntilItTerminates() {
    fx.caller.set(JOB);
    Orders orders = fx.proxy(new Orders(fx.jit));
    Sinks.Many<Boolean> sink = Sinks.many().unicast().onBackpressureBuffer();
    Flux<Boolean> flux = orders.elevatedStream(sink);
    assertThat(fx.jit.activeGrants(JOB)).isEmpty();

    List<Boolean> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    flux.subscribe(seen::add);
    assertThat(fx.jit.activeGrants(JOB)).singleElement().satisfies(g -> assertThat(g.bound()).isTrue());
    assertThat(fx.jit.isAllowed(JOB, "jobs/stream", "run")).as("bound to the call").isFalse();
    sink.tryEmitNext(true);
    assertThat(fx.jit.activeGrants(JOB)).hasSize(1);
    sink.tryEmitComplete();
    assertThat(seen).containsExactly(true);
    assertThat(fx.jit.isAllowed(JOB, "jobs/stream", "run")).isFalse();
    assertThat(fx.jit.activeGrants(JOB)).isEmpty();
  }

  @Test
  void anElevatedFluxReleasesItsGrantWhenCancelled() {
    fx.caller.set(JOB);
    Sinks.Many<Boolean> sink = Sinks.many().unicast().onBackpressureBuffer();
    var subscription = fx.proxy(new Orders(fx.jit)).elevatedStream(sink).subscribe();
    assertThat(fx.jit.activeGrants(JOB)).hasSize(1);
    subscription.dispose();
    assertThat(fx.jit.activeGrants(JOB)).isEmpty();
  }

  // ---------------------------------------------------------------- a running stream ends with its grant

  public static class Feeds {
    @RequiresAccess(resource = "orders/1", action = "read")
    public Flux<Integer> follow(Sinks.Many<Integer> source) {
      return source.asFlux();
    }

    @RequiresAccess(resource = "orders/1", action = "read")
    public Mono<Integer> await(Sinks.One<Integer> source) {
      return source.asMono();
    }
  }

  /** A manager that counts the checks the interceptor makes. */
  private static final class CountingManager extends ForwardingJitAccessManager {
    final AtomicInteger checks = new AtomicInteger();

    CountingManager(JitAccessManager delegate) {
      super(delegate);
    }

    @Override
    public AccessDecision check(Subject subject, String resource, String action) {
      checks.incrementAndGet();
      return super.check(subject, resource, action);
    }
  }

  private final CountingManager counting = new CountingManager(fx.jit);

  private Feeds feeds() {
    JitAccessInterceptor interceptor = JitAccessInterceptor.builder(() -> counting)
        .subjectResolver(fx.subjects)
        .reactiveRecheckInterval(Duration.ofMillis(20))
        .build();
    return JitAccessInterceptorTest.proxy(new Feeds(), interceptor);
  }

  @Test
  void aRunningFluxEndsWithADenialWhenItsGrantIsRevoked() {
    Grant grant = fx.grant(ALICE, "orders/1", "read");
    Sinks.Many<Integer> source = Sinks.many().multicast().onBackpressureBuffer();
    List<Integer> seen = new CopyOnWriteArrayList<>();
    AtomicReference<Throwable> ended = new AtomicReference<>();
    feeds().follow(source).subscribe(seen::add, ended::set);
    source.tryEmitNext(1);
    assertThat(seen).containsExactly(1);

    fx.jit.revoke(grant.id(), BOB, "incident over");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(ended.get()).isInstanceOf(JitAccessDeniedException.class));
    await().atMost(Duration.ofSeconds(10)).until(() -> source.currentSubscriberCount() == 0);
    source.tryEmitNext(2);
    assertThat(seen).containsExactly(1);
  }

  @Test
  void aRunningMonoEndsWithADenialWhenItsGrantExpires() {
    fx.grant(ALICE, "orders/1", "read");
    Sinks.One<Integer> source = Sinks.one();
    AtomicReference<Throwable> ended = new AtomicReference<>();
    feeds().await(source).subscribe(value -> {}, ended::set);
    assertThat(source.currentSubscriberCount()).isOne();

    fx.clock.advance(Duration.ofMinutes(31));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(ended.get()).isInstanceOf(JitAccessDeniedException.class));
    await().atMost(Duration.ofSeconds(10)).until(() -> source.currentSubscriberCount() == 0);
  }

  @Test
  void aStreamThatEndsOrIsCancelledStopsBeingRechecked() {
    fx.grant(ALICE, "orders/1", "read");
    Feeds feeds = feeds();
    Sinks.Many<Integer> completed = Sinks.many().multicast().onBackpressureBuffer();
    List<Integer> seen = new CopyOnWriteArrayList<>();
    feeds.follow(completed).subscribe(seen::add);
    await().atMost(Duration.ofSeconds(10)).until(() -> counting.checks.get() >= 3); // rechecked while it runs
    completed.tryEmitNext(1);
    completed.tryEmitComplete();
    Disposable cancelled = feeds.follow(Sinks.many().multicast().onBackpressureBuffer()).subscribe();
    cancelled.dispose();

    int afterEnd = counting.checks.get();
    // At most one recheck per stream already under way when they ended (a loaded machine may have started
    // both); none after.
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5))
        .until(() -> counting.checks.get() <= afterEnd + 2);
    assertThat(seen).containsExactly(1);
  }

  public static class GuardedStream {
    @RequiresAccess(resource = "jobs/stream", action = "run")
    public Flux<Integer> follow(Sinks.Many<Integer> source) {
      return source.asFlux();
    }
  }

  public static class ElevatedStream {
    GuardedStream inner;

    @ElevatedAccess(resource = "jobs/stream", action = "run", justification = "JOB-7")
    public Flux<Integer> run(Sinks.Many<Integer> source) {
      return inner.follow(source);
    }
  }

  @Test
  void aGuardedStreamComposedByARunningElevationIsRecheckedWithinIt() {
    fx.caller.set(JOB);
    JitAccessInterceptor interceptor = JitAccessInterceptor.builder(() -> fx.jit)
        .subjectResolver(fx.subjects)
        .reactiveRecheckInterval(Duration.ofMillis(20))
        .build();
    ElevatedStream target = new ElevatedStream();
    target.inner = JitAccessInterceptorTest.proxy(new GuardedStream(), interceptor);
    ElevatedStream streams = JitAccessInterceptorTest.proxy(target, interceptor);
    Sinks.Many<Integer> source = Sinks.many().multicast().onBackpressureBuffer();
    List<Integer> seen = new CopyOnWriteArrayList<>();
    AtomicReference<Throwable> ended = new AtomicReference<>();
    streams.run(source).subscribe(seen::add, ended::set);

    // Many rechecks later, the elevation the stream runs within still allows it.
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> ended.get() == null);
    source.tryEmitNext(1);
    source.tryEmitComplete();
    assertThat(seen).containsExactly(1);
    assertThat(ended.get()).isNull();
    assertThat(fx.jit.activeGrants(JOB)).isEmpty();
  }

  @Test
  void theRecheckIntervalMustBePositive() {
    assertThatThrownBy(() -> JitAccessInterceptor.builder(() -> fx.jit).reactiveRecheckInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reactiveRecheckInterval");
    assertThat(JitAccessInterceptor.DEFAULT_REACTIVE_RECHECK_INTERVAL).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void aCompletableFutureIsCheckedWhenCalledAndADenialIsItsFailure() {
    Orders target = new Orders(fx.jit);
    Orders orders = fx.proxy(target);
    CompletableFuture<String> denied = orders.later("1", new CompletableFuture<>());
    assertThat(denied).isCompletedExceptionally();
    assertThatThrownBy(denied::join).isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(JitAccessDeniedException.class);
    assertThat(target.invocations).hasValue(0);

    fx.grant(ALICE, "orders/1", "read");
    CompletableFuture<String> source = new CompletableFuture<>();
    CompletableFuture<String> allowed = orders.later("1", source);
    source.complete("order");
    assertThat(allowed.join()).isEqualTo("order 1");
  }

  @Test
  void anElevatedFutureHoldsItsGrantUntilItCompletes() {
    fx.caller.set(JOB);
    Orders orders = fx.proxy(new Orders(fx.jit));
    CompletableFuture<Void> gate = new CompletableFuture<>();
    CompletableFuture<Boolean> result = orders.elevatedLater(gate);
    assertThat(fx.jit.activeGrants(JOB)).hasSize(1);
    gate.complete(null);
    assertThat(result.join()).isTrue();
    assertThat(fx.jit.activeGrants(JOB)).isEmpty();
  }
}
