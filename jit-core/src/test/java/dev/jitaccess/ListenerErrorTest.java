package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ADMIN;
import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.ORDERS;
import static dev.jitaccess.EngineFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 12, item 19: a listener throwing an {@link Error} (a failed assertion in a test double, a class missing
 * from a plug-in's classpath) is user code failing after the effect, like a {@code RuntimeException}: the call
 * completes and later listeners hear the event. Only a {@link VirtualMachineError} is left to propagate.
 */
class ListenerErrorTest {

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  private final List<String> heard = new CopyOnWriteArrayList<>();

  private final JitAccessListener throwingErrors = new JitAccessListener() {
    @Override
    public void onGranted(Grant grant) {
      throw new AssertionError("a test double's assertion");
    }

    @Override
    public void onReleased(Grant grant) {
      throw new NoClassDefFoundError("com/example/chat/Client");
    }

    @Override
    public void onRevoked(Grant grant, Subject actor, String reason) {
      throw new ExceptionInInitializerError("a plug-in's static initialiser");
    }
  };

  private final JitAccessListener recording = new JitAccessListener() {
    @Override
    public void onGranted(Grant grant) {
      heard.add("granted");
    }

    @Override
    public void onReleased(Grant grant) {
      heard.add("released");
    }

    @Override
    public void onRevoked(Grant grant, Subject actor, String reason) {
      heard.add("revoked");
    }
  };

  @Test
  void requestRevokeAndAcquireCompleteWhenAListenerThrowsAnError() {
    EngineFixture f = fixtures.create(b -> b.listener(throwingErrors).listener(recording));

    RequestOutcome outcome = f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5)).build());
    assertThat(outcome).isInstanceOf(RequestOutcome.Granted.class);
    Grant grant = ((RequestOutcome.Granted) outcome).grant();
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();

    assertThat(f.jit.revoke(grant.id(), ADMIN, "done")).isTrue();
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();

    try (GrantHandle handle = f.jit.acquire(request(ALICE, ORDERS, Duration.ofMinutes(5)).build())) {
      assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
    }
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();

    await().untilAsserted(() -> assertThat(heard).containsExactly("granted", "revoked", "granted", "released"));
    assertThat(f.terminalEvents(grant.id())).isEqualTo(1);
  }

  @Test
  void aVirtualMachineErrorIsNotSwallowed() {
    Listeners listeners = new Listeners(List.of(new JitAccessListener() {
      @Override
      public void onGranted(Grant grant) {
        throw new OutOfMemoryError("Java heap space");
      }
    }), Runnable::run);

    assertThatThrownBy(() -> listeners.emit(ALICE, "granted", l -> l.onGranted(null)))
        .isInstanceOf(OutOfMemoryError.class);
  }
}
