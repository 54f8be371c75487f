package dev.jitaccess.spring;

import jakarta.annotation.Nullable;
import java.util.concurrent.Callable;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.aop.ProxyMethodInvocation;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * Defers the check of a method returning {@code Mono} or {@code Flux} to each subscription, within the elevations
 * its subscriber's context carries (see {@link Permit}). Loaded only when Reactor is on the classpath.
 */
final class ReactorSupport {

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
  static Mono<?> mono(Callable<Permit> open, MethodInvocation invocation) {
    return Mono.deferContextual(outer -> {
      Object outerElevations = outer.getOrDefault(Permit.CONTEXT_KEY, null);
      return Mono.using(() -> Permit.within(outerElevations, open), permit -> {
        Object elevations = permit.elevations(outerElevations);
        Object result;
        try {
          result = proceed(invocation, permit, elevations);
        } catch (Throwable t) {
          return Mono.error(t);
        }
        Mono<?> mono = result == null ? Mono.empty() : (Mono<?>) result;
        return mono.contextWrite(context -> withIds(context, permit, elevations));
      }, Permit::close);
    });
  }

  /** As {@link #mono}, for a {@code Flux}. */
  static Flux<?> flux(Callable<Permit> open, MethodInvocation invocation) {
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
        Flux<?> flux = result == null ? Flux.empty() : (Flux<?>) result;
        return flux.contextWrite(context -> withIds(context, permit, elevations));
      }, Permit::close);
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
