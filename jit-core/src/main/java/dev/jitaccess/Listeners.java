package dev.jitaccess;

import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls user listeners so that none can break the engine or another listener. Immutable. */
final class Listeners {

  private static final Logger log = LoggerFactory.getLogger(Listeners.class);

  private final List<JitAccessListener> listeners;

  Listeners(List<JitAccessListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  void emit(String what, Consumer<JitAccessListener> call) {
    for (JitAccessListener listener : listeners) {
      try {
        call.accept(listener);
      } catch (VirtualMachineError e) {
        throw e; // the JVM itself is failing: nothing sensible can go on here
      } catch (RuntimeException | Error e) {
        // An Error from a listener (a test double's AssertionError, a plug-in's missing class) is still user code
        // failing after the effect: it must neither undo the caller's result nor silence the next listener.
        log.warn("listener {} failed on {}; the engine carries on", listener.getClass().getName(), what, e);
      }
    }
  }
}
