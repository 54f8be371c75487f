package dev.jitaccess.spring;

import jakarta.annotation.Nullable;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.convert.TypeDescriptor;
import org.springframework.expression.AccessException;
import org.springframework.expression.BeanResolver;
import org.springframework.expression.EvaluationContext;
import org.springframework.expression.Expression;
import org.springframework.expression.MethodExecutor;
import org.springframework.expression.MethodResolver;
import org.springframework.expression.PropertyAccessor;
import org.springframework.expression.TypedValue;
import org.springframework.expression.spel.support.ReflectiveMethodResolver;
import org.springframework.expression.spel.support.ReflectivePropertyAccessor;

/** What one annotated method (on one target class) needs: resolved once, then cached. Immutable. */
final class AccessAttribute {

  /** How the method delivers its result, which decides when the check happens. */
  enum ResultKind {
    BLOCKING,
    MONO,
    FLUX,
    COMPLETION_STAGE
  }

  /** The parameters of an {@link ElevatedAccess}. */
  record Elevation(String justification, Duration duration, @Nullable String reference) {}

  /** How {@code #name} finds a parameter: shared by the startup check of the names and the evaluation. */
  static final ParameterNameDiscoverer PARAMETER_NAMES = new DefaultParameterNameDiscoverer();

  // Stateless wrappers over Spring's thread-safe reflective accessors, shared by every evaluation.
  private static final List<PropertyAccessor> PROPERTIES = List.of(new NonNullProperties());
  private static final List<MethodResolver> METHODS = List.of(new NonNullMethods());

  private final String literalResource;
  private final Expression resourceExpression;
  private final String action;
  private final Elevation elevation;
  private final Method method;
  private final ResultKind resultKind;
  private final String source;
  // The method's parameter names, discovered once here rather than by every evaluation's context.
  private final ParameterNameDiscoverer parameterNames;

  AccessAttribute(@Nullable String literalResource, @Nullable Expression resourceExpression, String action,
      @Nullable Elevation elevation, @Nullable Method method, ResultKind resultKind, String source) {
    this.literalResource = literalResource;
    this.resourceExpression = resourceExpression;
    this.action = action;
    this.elevation = elevation;
    this.method = method;
    this.resultKind = resultKind;
    this.source = source;
    String[] names = method == null || resourceExpression == null ? null : PARAMETER_NAMES.getParameterNames(method);
    this.parameterNames = new ParameterNameDiscoverer() {
      @Override
      @Nullable
      public String[] getParameterNames(Method m) {
        return m.equals(method) ? names : PARAMETER_NAMES.getParameterNames(m);
      }

      @Override
      @Nullable
      public String[] getParameterNames(Constructor<?> ctor) {
        return PARAMETER_NAMES.getParameterNames(ctor);
      }
    };
  }

  String action() {
    return action;
  }

  @Nullable
  Elevation elevation() {
    return elevation;
  }

  ResultKind resultKind() {
    return resultKind;
  }

  boolean hasExpression() {
    return resourceExpression != null;
  }

  /** The annotation as found, for messages. */
  String source() {
    return source;
  }

  /**
   * The resource of this call: the literal, or the expression evaluated over the call's arguments.
   *
   * @throws RuntimeException when the expression fails
   */
  @Nullable
  String resource(MethodInvocation invocation, @Nullable BeanResolver beans) {
    if (resourceExpression == null) {
      return literalResource;
    }
    MethodBasedEvaluationContext context = new NonNullContext(method, invocation.getArguments(), parameterNames);
    context.setPropertyAccessors(PROPERTIES);
    context.setMethodResolvers(METHODS);
    if (beans != null) {
      context.setBeanResolver(beans);
    }
    Object value = resourceExpression.getValue(context);
    return value == null ? null : value.toString();
  }

  @Override
  public String toString() {
    return source + " on " + method;
  }

  /*
   * A null argument, property or method result fails the evaluation, so the call is denied: SpEL's string
   * concatenation would otherwise make it the segment "null" ('orders/' + #id gives orders/null, which a grant
   * on orders/* covers). Null-safe navigation and defaults over null values are refused with it: deny is the
   * safe side. (Undefined variables never get here: they fail at startup.)
   */

  private static final class NonNullContext extends MethodBasedEvaluationContext {
    NonNullContext(Method method, Object[] arguments, ParameterNameDiscoverer names) {
      super(null, method, arguments, names);
    }

    @Override
    public Object lookupVariable(String name) {
      Object value = super.lookupVariable(name);
      if (value == null) {
        throw new IllegalArgumentException("#" + name + " is null");
      }
      return value;
    }
  }

  private static final class NonNullProperties implements PropertyAccessor {
    private final ReflectivePropertyAccessor delegate = new ReflectivePropertyAccessor(false);

    @Override
    @Nullable
    public Class<?>[] getSpecificTargetClasses() {
      return delegate.getSpecificTargetClasses();
    }

    @Override
    public boolean canRead(EvaluationContext context, @Nullable Object target, String name) throws AccessException {
      return delegate.canRead(context, target, name);
    }

    @Override
    public TypedValue read(EvaluationContext context, @Nullable Object target, String name) throws AccessException {
      TypedValue value = delegate.read(context, target, name);
      if (value.getValue() == null) {
        throw new AccessException("property '" + name + "' is null");
      }
      return value;
    }

    @Override
    public boolean canWrite(EvaluationContext context, @Nullable Object target, String name) {
      return false;
    }

    @Override
    public void write(EvaluationContext context, @Nullable Object target, String name, @Nullable Object newValue)
        throws AccessException {
      throw new AccessException("a resource expression cannot write '" + name + "'");
    }
  }

  private static final class NonNullMethods implements MethodResolver {
    private final ReflectiveMethodResolver delegate = new ReflectiveMethodResolver();

    @Override
    @Nullable
    public MethodExecutor resolve(EvaluationContext context, Object target, String name,
        List<TypeDescriptor> argumentTypes) throws AccessException {
      MethodExecutor executor = delegate.resolve(context, target, name, argumentTypes);
      if (executor == null) {
        return null;
      }
      return (ctx, on, arguments) -> {
        TypedValue value = executor.execute(ctx, on, arguments);
        if (value.getValue() == null) {
          throw new AccessException(name + "() returned null");
        }
        return value;
      };
    }
  }
}
