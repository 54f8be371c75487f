package dev.jitaccess.spring;

import jakarta.annotation.Nullable;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.aop.ProxyMethodInvocation;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * Defers the check of a method returning {@code Mono} or {@code Flux} to each subscription, and, while the
 * subscription runs, repeats it so that the stream ends with the denial when its grant ends. Loaded only when
 * Reactor is on the classpath.
 *
 * <p>The repeated check runs on Reactor's parallel scheduler, one periodic task per running subscription; it is
 * cancelled with the subscription (completion, error, cancel), so nothing outlives the stream.
 */
final class ReactorSupport {

  /** A check to repeat every {@code interval} while a subscription runs; it throws the denial when refused. */
  record Recheck(Runnable check, Duration interval) {}

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
    return Mono.using(open, permit -> {
      Object result;
      try {
        result = proceed(invocation, permit);
      } catch (Throwable t) {
        return Mono.error(t);
      }
      Mono<?> mono = result == null ? Mono.empty() : (Mono<?>) result;
      mono = mono.contextWrite(context -> withIds(context, permit));
      return recheck == null ? mono : whileAllowed(mono.flux(), recheck).singleOrEmpty();
    }, Permit::close);
  }

  /** As {@link #mono}, for a {@code Flux}. */
  static Flux<?> flux(Callable<Permit> open, @Nullable Recheck recheck, MethodInvocation invocation) {
    return Flux.using(open, permit -> {
      Object result;
      try {
        result = proceed(invocation, permit);
      } catch (Throwable t) {
        return Flux.error(t);
      }
      Flux<?> flux = result == null ? Flux.empty() : (Flux<?>) result;
      flux = flux.contextWrite(context -> withIds(context, permit));
      return recheck == null ? flux : whileAllowed(flux, recheck);
    }, Permit::close);
  }

  /**
   * {@code source}, ended with the denial the first time the repeated check is refused. (A refusal is a value of
   * the companion, not its error: {@code takeUntilOther} cancels the source on a value, not on an error.)
   */
  private static <T> Flux<T> whileAllowed(Flux<T> source, Recheck recheck) {
    return Flux.defer(() -> {
      AtomicReference<RuntimeException> refusal = new AtomicReference<>();
      Flux<RuntimeException> refused = Flux.interval(recheck.interval(), recheck.interval())
          .handle((tick, sink) -> {
            try {
              recheck.check().run();
            } catch (RuntimeException denied) {
              refusal.set(denied);
              sink.next(denied);
            }
          });
      return source.takeUntilOther(refused)
          .concatWith(Flux.defer(() -> refusal.get() == null ? Flux.empty() : Flux.error(refusal.get())));
    });
  }

  @Nullable
  @SuppressWarnings("try") // the scope only restores the MDC
  private static Object proceed(MethodInvocation invocation, Permit permit) throws Throwable {
    // Each subscription runs the rest of the interceptor chain anew.
    MethodInvocation call = invocation instanceof ProxyMethodInvocation proxied ? proxied.invocableClone() : invocation;
    try (MdcScope scope = MdcScope.open(permit.grantId(), permit.requestId())) {
      return call.proceed();
    }
  }

  private static Context withIds(Context context, Permit permit) {
    Context out = context;
    if (permit.grantId() != null) {
      out = out.put(MdcScope.GRANT_ID, permit.grantId());
    }
    if (permit.requestId() != null) {
      out = out.put(MdcScope.REQUEST_ID, permit.requestId());
    }
    return out;
  }
}
