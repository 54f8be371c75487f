package dev.jitaccess.spring;

import jakarta.annotation.Nullable;
import java.lang.reflect.Method;
import java.time.Duration;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.BeanResolver;
import org.springframework.expression.Expression;

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

  private static final ParameterNameDiscoverer PARAMETER_NAMES = new DefaultParameterNameDiscoverer();

  private final String literalResource;
  private final Expression resourceExpression;
  private final String action;
  private final Elevation elevation;
  private final Method method;
  private final ResultKind resultKind;
  private final String source;

  AccessAttribute(@Nullable String literalResource, @Nullable Expression resourceExpression, String action,
      @Nullable Elevation elevation, @Nullable Method method, ResultKind resultKind, String source) {
    this.literalResource = literalResource;
    this.resourceExpression = resourceExpression;
    this.action = action;
    this.elevation = elevation;
    this.method = method;
    this.resultKind = resultKind;
    this.source = source;
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
    MethodBasedEvaluationContext context =
        new MethodBasedEvaluationContext(null, method, invocation.getArguments(), PARAMETER_NAMES);
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
}
