package dev.jitaccess.spring;

import dev.jitaccess.AccessDecision;
import dev.jitaccess.AccessDecision.Code;
import dev.jitaccess.AccessNotGrantedException;
import dev.jitaccess.AccessRequest;
import dev.jitaccess.JitAccessException;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.ResourcePattern;
import dev.jitaccess.Subject;
import jakarta.annotation.Nullable;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.aopalliance.aop.Advice;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.aop.Pointcut;
import org.springframework.aop.PointcutAdvisor;
import org.springframework.aop.framework.AopInfrastructureBean;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.core.Ordered;
import org.springframework.expression.BeanResolver;
import org.springframework.util.function.SingletonSupplier;

/**
 * Enforces {@link RequiresAccess} and {@link ElevatedAccess}: a Spring AOP advisor that is its own pointcut
 * holder, method interceptor and {@link Ordered}, so one infrastructure bean does it all and no AspectJ is
 * needed. {@code @EnableJitAccess} and the Boot auto-configuration register it; tests and plain code can build
 * one directly and put it on a {@code ProxyFactory}.
 *
 * <pre>{@code
 * JitAccessInterceptor interceptor = JitAccessInterceptor.of(jit, () -> Subject.user(currentUser()));
 * ProxyFactory factory = new ProxyFactory(new OrderService());
 * factory.addAdvisor(interceptor);
 * OrderService orders = (OrderService) factory.getProxy();
 * }</pre>
 *
 * <p>The pointcut matches the methods {@link RequiresAccess} documents (method and type level, inherited,
 * meta-annotations) and resolves each one's annotation once, when the proxy is made: ambiguous or invalid
 * annotations fail there, at startup. Per call it resolves the subject and the resource, then, for
 * {@code @RequiresAccess}, asks {@link JitAccessManager#check} (or an elevation the call runs within) and, for
 * {@code @ElevatedAccess}, acquires a grant bound to the call ({@link JitAccessManager#acquireBound}) and releases it
 * afterwards. Denials (which the engine audits) are thrown as made by the
 * {@link DenialExceptionFactory}. Thread-safe.
 *
 * <p>Each call resolves its annotation against the class the pointcut matched (the target's own class, which for
 * a Spring Data repository is itself a proxy whose interfaces carry the annotation), so every method the pointcut
 * selects is enforced, inherited ones included. A call the advice sees but no annotation governs is refused, never
 * run unchecked: add the interceptor as an advisor, whose pointcut selects the annotated methods, not as a bare
 * advice.
 *
 * <p>The manager, subject resolver and exception factory are looked up on first use, so this early
 * infrastructure bean does not pull the application's beans into existence before their time.
 */
public final class JitAccessInterceptor
    implements PointcutAdvisor, MethodInterceptor, Ordered, AopInfrastructureBean, BeanFactoryAware {

  /**
   * The default order: after Spring Security's method security interceptors (100 to 600), so an unauthenticated
   * caller is refused by Security first, and before transactions and most other advice (which default to the
   * lowest precedence), so no transaction is opened for a refused call.
   */
  public static final int DEFAULT_ORDER = 700;

  /** How often a running {@code Mono} or {@code Flux} checks its access again, by default. */
  public static final Duration DEFAULT_REACTIVE_RECHECK_INTERVAL = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(JitAccessInterceptor.class);

  /** The action a refusal names when no annotation could be resolved (so none says which). */
  private static final String UNRESOLVED_ACTION = "unknown";

  private final Supplier<JitAccessManager> manager;
  private final Supplier<SubjectResolver> subjects;
  private final Supplier<DenialExceptionFactory> denials;
  private final AccessAttributeSource attributes = new AccessAttributeSource();
  private final Pointcut pointcut = new AccessPointcut(attributes);
  private final int order;
  private final Duration reactiveRecheckInterval;
  private volatile BeanResolver beans;

  private JitAccessInterceptor(Builder builder) {
    this.manager = SingletonSupplier.of(builder.manager);
    Supplier<SubjectResolver> subjects = builder.subjects;
    this.subjects = SingletonSupplier.of(() -> {
      SubjectResolver resolver = subjects.get();
      if (resolver == null || resolver == SubjectResolver.NONE) {
        log.warn("jit-access: no SubjectResolver (and no Spring Security): every @RequiresAccess and @ElevatedAccess"
            + " call is denied; declare a SubjectResolver bean");
        return SubjectResolver.NONE;
      }
      return resolver;
    });
    this.denials = SingletonSupplier.of(builder.denials);
    this.order = builder.order;
    this.reactiveRecheckInterval = builder.reactiveRecheckInterval;
  }

  /** An interceptor over {@code manager} that asks {@code subjects} who calls; other settings default. */
  public static JitAccessInterceptor of(JitAccessManager manager, SubjectResolver subjects) {
    Objects.requireNonNull(manager, "manager");
    Objects.requireNonNull(subjects, "subjects");
    return builder(() -> manager).subjectResolver(subjects).build();
  }

  /** A builder over a manager looked up on first use. */
  public static Builder builder(Supplier<JitAccessManager> manager) {
    return new Builder(manager);
  }

  // ---------------------------------------------------------------- Advisor, Ordered

  @Override
  public Pointcut getPointcut() {
    return pointcut;
  }

  @Override
  public Advice getAdvice() {
    return this;
  }

  @Override
  public boolean isPerInstance() {
    return true;
  }

  @Override
  public int getOrder() {
    return order;
  }

  /** Lets resource expressions refer to beans ({@code @name}). */
  @Override
  public void setBeanFactory(BeanFactory beanFactory) {
    this.beans = new BeanFactoryResolver(beanFactory);
  }

  // ---------------------------------------------------------------- MethodInterceptor

  @Override
  @Nullable
  public Object invoke(MethodInvocation invocation) throws Throwable {
    Object target = invocation.getThis();
    // The class Spring matched the pointcut against when it put this advice on the method: the target's own
    // class, a proxy class too (a Spring Data repository), never the class behind it, which may not carry the
    // annotation the proxy's interfaces do.
    AccessAttribute attribute = attributes.get(invocation.getMethod(), target == null ? null : target.getClass());
    if (attribute == null) {
      throw unresolved(invocation);
    }
    // Who and what are taken when the method is called; the check happens when the work runs.
    Subject subject = currentSubject();
    String resource = resource(attribute, invocation);
    Set<String> groups = attribute.elevation() == null ? Set.of() : currentGroups();
    switch (attribute.resultKind()) {
      case MONO:
        return ReactorSupport.mono(() -> open(subject, groups, resource, attribute),
            recheck(subject, resource, attribute), invocation);
      case FLUX:
        return ReactorSupport.flux(() -> open(subject, groups, resource, attribute),
            recheck(subject, resource, attribute), invocation);
      case COMPLETION_STAGE:
        return stage(invocation, subject, groups, resource, attribute);
      case BLOCKING:
      default:
        return blocking(invocation, subject, groups, resource, attribute);
    }
  }

  @Nullable
  @SuppressWarnings("try") // the scope only restores the MDC and the elevations
  private Object blocking(MethodInvocation invocation, @Nullable Subject subject, Set<String> groups,
      @Nullable String resource, AccessAttribute attribute) throws Throwable {
    if (attribute.elevation() == null) {
      // The hot path: no permit, no scope object, only the MDC's own work.
      AccessDecision decision = check(manager(), subject, resource, attribute);
      String outerGrantId = MDC.get(MdcScope.GRANT_ID);
      String outerRequestId = MDC.get(MdcScope.REQUEST_ID);
      MdcScope.set(MdcScope.GRANT_ID, decision.grantId());
      MdcScope.set(MdcScope.REQUEST_ID, decision.requestId());
      try {
        return invocation.proceed();
      } finally {
        MdcScope.set(MdcScope.GRANT_ID, outerGrantId);
        MdcScope.set(MdcScope.REQUEST_ID, outerRequestId);
      }
    }
    Permit permit = open(subject, groups, resource, attribute);
    try (Permit.Scope scope = permit.enter()) {
      return invocation.proceed();
    } finally {
      permit.close();
    }
  }

  @Nullable
  @SuppressWarnings("try") // the scope only restores the MDC and the elevations
  private Object stage(MethodInvocation invocation, @Nullable Subject subject, Set<String> groups,
      @Nullable String resource, AccessAttribute attribute) throws Throwable {
    Permit permit;
    try {
      permit = open(subject, groups, resource, attribute);
    } catch (RuntimeException denied) {
      return CompletableFuture.failedFuture(denied);
    }
    Object result;
    try (Permit.Scope scope = permit.enter()) {
      result = invocation.proceed();
    } catch (Throwable t) {
      permit.close();
      throw t;
    }
    if (result == null) {
      permit.close();
      return null;
    }
    ((CompletionStage<?>) result).whenComplete((value, failure) -> permit.close());
    return result;
  }

  /**
   * What a running stream under {@code @RequiresAccess} repeats, so it ends when its grant does; {@code null} for
   * an elevation, whose grant the stream holds itself.
   */
  @Nullable
  private ReactorSupport.Recheck recheck(@Nullable Subject subject, @Nullable String resource,
      AccessAttribute attribute) {
    if (attribute.elevation() != null) {
      return null;
    }
    return new ReactorSupport.Recheck(() -> check(manager(), subject, resource, attribute), reactiveRecheckInterval);
  }

  /**
   * Checks, or for an elevation acquires, the access this call needs.
   *
   * @throws RuntimeException made by the {@link DenialExceptionFactory} when it is refused
   */
  Permit open(@Nullable Subject subject, Set<String> groups, @Nullable String resource, AccessAttribute attribute) {
    JitAccessManager jit = manager();
    AccessAttribute.Elevation elevation = attribute.elevation();
    if (elevation == null) {
      return Permit.checked(check(jit, subject, resource, attribute));
    }
    if (subject == null || resource == null || !ResourcePattern.isName(resource)) {
      check(jit, subject, resource, attribute); // refused, and audited, by the engine
      throw denied(AccessDecision.deny(Code.INVALID_RESOURCE, "an elevation needs a subject and a concrete resource"), resource, attribute);
    }
    AccessRequest request;
    try {
      request = AccessRequest.builder()
          .subject(subject)
          .groups(groups)
          .resource(resource)
          .actions(attribute.action())
          .duration(elevation.duration())
          .justification(elevation.justification())
          .reference(elevation.reference())
          .build();
    } catch (IllegalArgumentException e) {
      throw denied(AccessDecision.deny(Code.INVALID_REQUEST, "invalid elevation request: " + e.getMessage()), resource, attribute);
    }
    try {
      return Permit.held(jit.acquireBound(request));
    } catch (AccessNotGrantedException e) {
      throw denied(AccessDecision.deny(Code.NOT_GRANTED, reason(e.outcome())), resource, attribute);
    } catch (JitAccessException e) {
      log.warn("elevation for {} failed; the call is refused", attribute, e);
      throw denied(AccessDecision.deny(Code.FAILED, "the elevation request failed"), resource, attribute);
    }
  }

  /**
   * The decision of an elevation this call runs within (see {@link Permit#elevated}), else the engine's, which
   * also audits every refusal ("no subject" and a bad resource included).
   *
   * @throws RuntimeException made by the {@link DenialExceptionFactory} when refused
   */
  private AccessDecision check(JitAccessManager jit, @Nullable Subject subject, @Nullable String resource,
      AccessAttribute attribute) {
    AccessDecision decision = Permit.elevated(subject, resource, attribute.action());
    if (decision == null) {
      decision = jit.check(subject, resource, attribute.action());
    }
    if (!decision.allowed()) {
      throw denied(decision, resource, attribute);
    }
    return decision;
  }

  private JitAccessManager manager() {
    JitAccessManager jit = manager.get();
    if (jit == null) {
      throw new IllegalStateException("no JitAccessManager to check annotated calls against");
    }
    return jit;
  }

  private static String reason(RequestOutcome outcome) {
    if (outcome instanceof RequestOutcome.Denied denied) {
      return denied.reason();
    }
    if (outcome instanceof RequestOutcome.Pending pending) {
      return "request " + pending.requestId() + " needs " + pending.approvalsNeeded()
          + " approval(s); @ElevatedAccess needs a rule that auto-approves (the request was withdrawn)";
    }
    return "the elevated grant is not effective now";
  }

  /**
   * The pointcut matched the method, yet no annotation governs it on the current target (a target source that
   * swapped in another class, or this interceptor added as a bare advice, which sees every method): refused,
   * never run unchecked.
   */
  private RuntimeException unresolved(MethodInvocation invocation) {
    Object target = invocation.getThis();
    String where = invocation.getMethod() + " on " + (target == null ? "no target" : target.getClass().getName());
    log.error("jit-access: no @RequiresAccess or @ElevatedAccess governs {}, which the advice was applied to;"
        + " the call is refused (add the interceptor as an advisor, not as a bare advice)", where);
    AccessDecision decision =
        AccessDecision.deny(Code.UNRESOLVED, "no @RequiresAccess or @ElevatedAccess governs " + where);
    return denied(decision, null, UNRESOLVED_ACTION);
  }

  private RuntimeException denied(AccessDecision decision, @Nullable String resource, AccessAttribute attribute) {
    return denied(decision, resource, attribute.action());
  }

  private RuntimeException denied(AccessDecision decision, @Nullable String resource, String action) {
    RuntimeException exception = denials.get().create(decision, resource, action);
    return exception != null ? exception : new JitAccessDeniedException(decision, resource, action);
  }

  @Nullable
  private Subject currentSubject() {
    try {
      return subjects.get().currentSubject();
    } catch (RuntimeException e) {
      log.warn("the subject resolver failed; the call is treated as having no subject", e);
      return null;
    }
  }

  private Set<String> currentGroups() {
    try {
      Set<String> groups = subjects.get().currentGroups();
      return groups == null ? Set.of() : groups;
    } catch (RuntimeException e) {
      log.warn("the subject resolver failed to tell groups; none are used", e);
      return Set.of();
    }
  }

  @Nullable
  private String resource(AccessAttribute attribute, MethodInvocation invocation) {
    try {
      return attribute.resource(invocation, beans);
    } catch (RuntimeException e) {
      log.warn("the resource expression of {} failed ({}); the call is denied", attribute, e.toString());
      return null;
    }
  }

  @Override
  public String toString() {
    return "JitAccessInterceptor[order=" + order + "]";
  }

  // ---------------------------------------------------------------- pointcut

  /**
   * Matches the methods that carry (or inherit) one of the annotations; resolves and validates them once, and
   * refuses a class with annotated methods a proxy cannot reach.
   */
  private static final class AccessPointcut extends StaticMethodMatcherPointcut {
    private final AccessAttributeSource attributes;

    AccessPointcut(AccessAttributeSource attributes) {
      this.attributes = attributes;
      setClassFilter(type -> {
        if (!AccessAttributeSource.isCandidate(type)) {
          return false;
        }
        attributes.requireReachable(type);
        return true;
      });
    }

    @Override
    public boolean matches(Method method, Class<?> targetClass) {
      return attributes.get(method, targetClass) != null;
    }
  }

  // ---------------------------------------------------------------- builder

  /** Configures a {@link JitAccessInterceptor}. Not thread-safe. */
  public static final class Builder {
    private final Supplier<JitAccessManager> manager;
    private Supplier<SubjectResolver> subjects = () -> SubjectResolver.NONE;
    private Supplier<DenialExceptionFactory> denials = () -> DenialExceptionFactory.PLAIN;
    private int order = DEFAULT_ORDER;
    private Duration reactiveRecheckInterval = DEFAULT_REACTIVE_RECHECK_INTERVAL;

    private Builder(Supplier<JitAccessManager> manager) {
      this.manager = Objects.requireNonNull(manager, "manager");
    }

    /** Who calls; default {@link SubjectResolver#NONE}, which denies every call. */
    public Builder subjectResolver(SubjectResolver subjects) {
      Objects.requireNonNull(subjects, "subjects");
      return subjectResolver(() -> subjects);
    }

    /** Who calls, looked up on first use. */
    public Builder subjectResolver(Supplier<SubjectResolver> subjects) {
      this.subjects = Objects.requireNonNull(subjects, "subjects");
      return this;
    }

    /** What a refusal throws; default {@link DenialExceptionFactory#PLAIN}. */
    public Builder denialExceptionFactory(DenialExceptionFactory denials) {
      Objects.requireNonNull(denials, "denials");
      return denialExceptionFactory(() -> denials);
    }

    /** What a refusal throws, looked up on first use. */
    public Builder denialExceptionFactory(Supplier<DenialExceptionFactory> denials) {
      this.denials = Objects.requireNonNull(denials, "denials");
      return this;
    }

    /**
     * How often a running {@code Mono} or {@code Flux} under {@link RequiresAccess} checks its access again; when a
     * check is refused (the grant was revoked, expired or released), the stream ends with the denial. Between two
     * checks a stream may outlive its grant by up to this much. Default {@link #DEFAULT_REACTIVE_RECHECK_INTERVAL}.
     *
     * @throws IllegalArgumentException when {@code interval} is not positive
     */
    public Builder reactiveRecheckInterval(Duration interval) {
      Objects.requireNonNull(interval, "reactiveRecheckInterval");
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("reactiveRecheckInterval must be positive: " + interval);
      }
      this.reactiveRecheckInterval = interval;
      return this;
    }

    /** The advisor's order; default {@link #DEFAULT_ORDER}. */
    public Builder order(int order) {
      this.order = order;
      return this;
    }

    public JitAccessInterceptor build() {
      return new JitAccessInterceptor(this);
    }
  }
}
