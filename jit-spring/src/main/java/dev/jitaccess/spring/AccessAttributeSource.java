package dev.jitaccess.spring;

import dev.jitaccess.ResourcePattern;
import jakarta.annotation.Nullable;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.core.annotation.RepeatableContainers;
import org.springframework.expression.Expression;
import org.springframework.expression.ExpressionParser;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.SpelNode;
import org.springframework.expression.spel.ast.FunctionReference;
import org.springframework.expression.spel.ast.VariableReference;
import org.springframework.expression.spel.standard.SpelExpression;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Finds the {@link RequiresAccess} or {@link ElevatedAccess} that governs a method on a target class, validates it
 * and caches the result per (target class, method). Thread-safe.
 *
 * <p>Search order: the most specific method (the target class's own declaration); if it carries none, the
 * declarations it overrides or implements, which must agree; then, for public methods other than
 * {@code equals}, {@code hashCode} and {@code toString}, the target class, then the types it inherits from, which
 * must agree. Meta-annotations count.
 * Two different annotations where one is expected are an {@link IllegalStateException}.
 */
final class AccessAttributeSource {

  static final Set<Class<? extends Annotation>> ANNOTATIONS = Set.of(RequiresAccess.class, ElevatedAccess.class);

  private static final Logger log = LoggerFactory.getLogger(AccessAttributeSource.class);
  private static final boolean REACTOR_PRESENT =
      ClassUtils.isPresent("reactor.core.publisher.Mono", AccessAttributeSource.class.getClassLoader());
  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
  private static final Pattern ACTION = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
  private static final AccessAttribute NONE =
      new AccessAttribute(null, null, "none", null, null, AccessAttribute.ResultKind.BLOCKING, "none");

  private final ExpressionParser parser = new SpelExpressionParser();
  private final Map<Class<?>, Map<Method, AccessAttribute>> cache = new ConcurrentHashMap<>();
  private final Set<Class<?>> reachable = ConcurrentHashMap.newKeySet();

  /**
   * The attribute for {@code method} called on an instance of {@code targetClass}, or {@code null} when the
   * method is not annotated.
   *
   * @throws IllegalStateException when the annotations are ambiguous or invalid
   */
  @Nullable
  AccessAttribute get(Method method, @Nullable Class<?> targetClass) {
    Class<?> key = targetClass != null ? targetClass : method.getDeclaringClass();
    Map<Method, AccessAttribute> perClass = cache.get(key);
    if (perClass == null) {
      perClass = cache.computeIfAbsent(key, k -> new ConcurrentHashMap<>());
    }
    AccessAttribute attribute = perClass.get(method);
    if (attribute == null) {
      attribute = resolve(method, key);
      perClass.putIfAbsent(method, attribute);
    }
    return attribute == NONE ? null : attribute;
  }

  /**
   * Fails when a proxy of {@code type} could not intercept one of its annotated methods, and warns about
   * self-invocations ({@link ProxyReach}); once per class (a race checks twice, harmlessly).
   *
   * @throws IllegalStateException naming the methods
   */
  void requireReachable(Class<?> type) {
    // Keyed as ProxyReach scans: a CGLIB subclass and the class it extends are the same class files.
    Class<?> scanned = ClassUtils.getUserClass(type);
    if (reachable.contains(scanned)) {
      return;
    }
    for (String warning : ProxyReach.check(type, this)) {
      log.warn("jit-access: {}", warning);
    }
    reachable.add(scanned);
  }

  /** Whether instances of {@code type} may carry the annotations at all (cheap pre-filter). */
  static boolean isCandidate(Class<?> type) {
    return AnnotationUtils.isCandidateClass(type, ANNOTATIONS);
  }

  private AccessAttribute resolve(Method method, Class<?> targetClass) {
    if (method.getDeclaringClass() == Object.class) {
      return NONE;
    }
    Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
    MergedAnnotation<?> found = unique(specific, "method " + specific);
    if (found == null && Modifier.isPublic(specific.getModifiers()) && !isObjectContract(specific)) {
      found = unique(targetClass, "type " + targetClass.getName() + " (for method " + specific.getName() + ")");
    }
    return found == null ? NONE : build(found, specific);
  }

  private static boolean isObjectContract(Method method) {
    return ReflectionUtils.isEqualsMethod(method) || ReflectionUtils.isHashCodeMethod(method)
        || ReflectionUtils.isToStringMethod(method);
  }

  /**
   * The one annotation that governs {@code element}: those declared on it (directly or as meta-annotations) if
   * any, else those it inherits; several that differ are an error.
   */
  @Nullable
  private static MergedAnnotation<?> unique(AnnotatedElement element, String where) {
    MergedAnnotations annotations =
        MergedAnnotations.from(element, SearchStrategy.TYPE_HIERARCHY, RepeatableContainers.none());
    List<MergedAnnotation<?>> all = new ArrayList<>();
    for (Class<? extends Annotation> type : List.of(RequiresAccess.class, ElevatedAccess.class)) {
      annotations.stream(type).forEach(all::add);
    }
    if (all.isEmpty()) {
      return null;
    }
    List<MergedAnnotation<?>> own = all.stream().filter(a -> a.getAggregateIndex() == 0).toList();
    List<MergedAnnotation<?>> candidates = own.isEmpty() ? all : own;
    Set<Annotation> distinct = new LinkedHashSet<>();
    for (MergedAnnotation<?> candidate : candidates) {
      distinct.add(candidate.synthesize());
    }
    if (distinct.size() > 1) {
      throw new IllegalStateException("Ambiguous just-in-time access annotations on " + where + ": "
          + distinct.stream().map(Annotation::toString).collect(Collectors.joining(", "))
          + (own.isEmpty() ? " (inherited from several places that disagree)" : "")
          + "; declare exactly one @RequiresAccess or @ElevatedAccess");
    }
    return candidates.get(0);
  }

  private AccessAttribute build(MergedAnnotation<?> annotation, Method method) {
    String source = annotation.synthesize().toString();
    String resource = annotation.getString("resource");
    String action = annotation.getString("action");
    String where = source + " on " + method;
    if (!ACTION.matcher(action).matches()) {
      throw new IllegalStateException("Invalid action '" + action + "' in " + where
          + ": must be a lower-case word of 1 to 32 characters (a-z first, then a-z, 0-9, '_' or '-')");
    }
    Expression expression = null;
    String literal = null;
    if (resource.indexOf('#') >= 0 || resource.indexOf('\'') >= 0) {
      try {
        expression = parser.parseExpression(resource);
      } catch (ParseException e) {
        throw new IllegalStateException("Invalid resource expression in " + where + ": " + e.getMessage(), e);
      }
      requireDefinedVariables(((SpelExpression) expression).getAST(), method, where);
    } else if (ResourcePattern.isName(resource)) {
      literal = resource;
    } else {
      throw new IllegalStateException("Invalid resource '" + resource + "' in " + where
          + ": must be a concrete resource name such as prod/db/orders (no wildcards), or a SpEL expression");
    }
    AccessAttribute.Elevation elevation = null;
    if (annotation.getType() == ElevatedAccess.class) {
      String justification = annotation.getString("justification");
      if (justification.isBlank()) {
        throw new IllegalStateException("Missing justification in " + where);
      }
      String reference = annotation.getString("reference");
      elevation = new AccessAttribute.Elevation(justification, duration(annotation.getString("duration"), where),
          reference.isEmpty() ? null : reference);
    }
    return new AccessAttribute(literal, expression, action, elevation, method, resultKind(method), source);
  }

  /**
   * Fails on a {@code #name} the call would not define (a typo, a parameter name without {@code -parameters}, a
   * position past the last parameter) or a {@code #function()}, none being registered: evaluated, it would be
   * {@code null}, which is no resource.
   */
  private static void requireDefinedVariables(SpelNode node, Method method, String where) {
    boolean function = node instanceof FunctionReference;
    if (function || node instanceof VariableReference) {
      String ast = node.toStringAST();
      int end = ast.indexOf('(');
      String name = ast.substring(1, end < 0 ? ast.length() : end);
      boolean special = !function && (name.equals("root") || name.equals("this"));
      List<String> defined = variables(method);
      if (!special && (function || !defined.contains(name))) {
        throw new IllegalStateException("Undefined " + (function ? "function" : "variable") + " #" + name
            + " in the resource expression of " + where + ": the method defines "
            + (defined.isEmpty() ? "no variables" : defined.stream().map(v -> "#" + v).collect(Collectors.joining(", ")))
            + (method.getParameterCount() > 0 && AccessAttribute.PARAMETER_NAMES.getParameterNames(method) == null
                ? " (compile with -parameters to refer to parameters by name)" : ""));
      }
    }
    for (int i = 0; i < node.getChildCount(); i++) {
      requireDefinedVariables(node.getChild(i), method, where);
    }
  }

  /** The variables an evaluation over a call of {@code method} defines: its parameters by name and by position. */
  private static List<String> variables(Method method) {
    List<String> names = new ArrayList<>();
    String[] parameters = AccessAttribute.PARAMETER_NAMES.getParameterNames(method);
    if (parameters != null) {
      names.addAll(List.of(parameters));
    }
    for (int i = 0; i < method.getParameterCount(); i++) {
      names.add("p" + i);
      names.add("a" + i);
    }
    return names;
  }

  static Duration duration(String text, String where) {
    String trimmed = text.trim();
    Duration duration;
    try {
      Matcher m = SHORT_DURATION.matcher(trimmed.toLowerCase(Locale.ROOT));
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        duration = switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
      } else {
        duration = Duration.parse(trimmed);
      }
    } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
      throw new IllegalStateException("Invalid duration '" + text + "' in " + where
          + ": use ISO-8601 (PT5M) or a number with ms, s, m, h or d (5m)", e);
    }
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalStateException("Invalid duration '" + text + "' in " + where + ": must be positive");
    }
    return duration;
  }

  private static AccessAttribute.ResultKind resultKind(Method method) {
    Class<?> type = method.getReturnType();
    if (type == CompletableFuture.class || type == CompletionStage.class) {
      return AccessAttribute.ResultKind.COMPLETION_STAGE;
    }
    if (REACTOR_PRESENT) {
      AccessAttribute.ResultKind kind = ReactorSupport.resultKind(type);
      if (kind != null) {
        return kind;
      }
    }
    return AccessAttribute.ResultKind.BLOCKING;
  }
}
