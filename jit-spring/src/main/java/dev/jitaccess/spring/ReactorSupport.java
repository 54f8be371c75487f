package dev.jitaccess.spring;

import jakarta.annotation.Nullable;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.aopalliance.intercept.MethodInvocation;
import org.reactivestreams.Publisher;
import org.springframework.aop.ProxyMethodInvocation;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * Defers the check of a method returning {@code Mono} or {@code Flux} to each subscription, within the elevations
 * its subscriber's context carries (see {@link Permit}), and, while the subscription runs, repeats it (within the
 * same elevations) so that the stream ends with the denial when its grant ends. Loaded only when Reactor is on
 * the classpath.
 *
 * <p>The repeated check runs on Reactor's parallel scheduler, one periodic task per running subscription; it is
 * cancelled with the subscription (completion, error, cancel), so nothing outlives the stream.
 */
final class ReactorSupport {

  /** A check to repeat every {@code interval} while a subscription runs; it throws the denial when refused. */
  record Recheck(Callable<?> check, Duration interval) {}

  private ReactorSupport() {}

  @Nullable
  static AccessAttribute.ResultKind resultKind(Class<?> type) {
    if (Mono.class.isAssignableFrom(type)) {
      return AccessAttribute.ResultKind.MONO;
    }
    if (Flux.class.isAssignableFrom(type)) {
      return AccessAttribute.ResultKind.FLUX;
    }
    return null;
  }

  /**
   * A {@code Mono} that, on each subscription, asks {@code open} for a permit (whose failure is the error
   * signal), calls the method under it and releases it when the result terminates or is cancelled.
   */
  static Mono<?> mono(Callable<Permit> open, @Nullable Recheck recheck, MethodInvocation invocation) {
    return guarded(open, recheck, invocation).singleOrEmpty();
  }

  /** As {@link #mono}, for a {@code Flux}. */
  static Flux<?> flux(Callable<Permit> open, @Nullable Recheck recheck, MethodInvocation invocation) {
    return guarded(open, recheck, invocation);
  }

  private static Flux<?> guarded(Callable<Permit> open, @Nullable Recheck recheck, MethodInvocation invocation) {
    return Flux.deferContextual(outer -> {
      Object outerElevations = outer.getOrDefault(Permit.CONTEXT_KEY, null);
      return Flux.using(() -> Permit.within(outerElevations, open), permit -> {
        Object elevations = permit.elevations(outerElevations);
        Object result;
        try {
          result = proceed(invocation, permit, elevations);
        } catch (Throwable t) {
          return Flux.error(t);
        }
        Flux<?> flux = result == null ? Flux.empty() : Flux.from((Publisher<?>) result);
        flux = flux.contextWrite(context -> withIds(context, permit, elevations));
        return recheck == null ? flux : whileAllowed(flux, recheck, elevations);
      }, Permit::close);
    });
  }

  /**
   * {@code source}, ended with the denial the first time the repeated check, made within {@code elevations}, is
   * refused. (A refusal is a value of the companion, not its error: {@code takeUntilOther} cancels the source on a
   * value, not on an error.)
   */
  private static <T> Flux<T> whileAllowed(Flux<T> source, Recheck recheck, @Nullable Object elevations) {
    return Flux.defer(() -> {
      AtomicReference<Exception> refusal = new AtomicReference<>();
      Flux<Exception> refused = Flux.interval(recheck.interval(), recheck.interval())
          .handle((tick, sink) -> {
            try {
              Permit.within(elevations, recheck.check());
            } catch (Exception denied) {
              refusal.set(denied);
              sink.next(denied);
            }
          });
      return source.takeUntilOther(refused)
          .concatWith(Flux.defer(() -> refusal.get() == null ? Flux.empty() : Flux.error(refusal.get())));
    });
  }

  @Nullable
  @SuppressWarnings("try") // the scope only restores the MDC and the elevations
  private static Object proceed(MethodInvocation invocation, Permit permit, @Nullable Object elevations)
      throws Throwable {
    // Each subscription runs the rest of the interceptor chain anew.
    MethodInvocation call = invocation instanceof ProxyMethodInvocation proxied ? proxied.invocableClone() : invocation;
    try (Permit.Scope scope = permit.enter(elevations)) {
      return call.proceed();
    }
  }

  private static Context withIds(Context context, Permit permit, @Nullable Object elevations) {
    Context out = elevations == null ? context : context.put(Permit.CONTEXT_KEY, elevations);
    if (permit.grantId() != null) {
      out = out.put(MdcScope.GRANT_ID, permit.grantId());
    }
    if (permit.requestId() != null) {
      out = out.put(MdcScope.REQUEST_ID, permit.requestId());
    }
    return out;
  }
}
