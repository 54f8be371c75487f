package dev.jitaccess.spring.bench;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.Subject;
import dev.jitaccess.policy.AccessRule;
import dev.jitaccess.policy.RulePolicy;
import dev.jitaccess.spring.EnableJitAccess;
import dev.jitaccess.spring.RequiresAccess;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.aop.support.AopUtils;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * The per-call cost of {@code @RequiresAccess} (an allowed call: subject from Spring Security's context, check,
 * MDC in and out) against the same method without advice and against Spring Security's
 * {@code @PreAuthorize("hasAuthority('x')")}, in one run and one application context.
 *
 * <pre>
 * mvn -B -ntp -Pbench -pl jit-spring -am -DskipTests package
 * java -jar jit-spring/target/benchmarks.jar AnnotatedCallBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AnnotatedCallBenchmark {

  /** The same work three ways. */
  public static class Plain {
    public int read(int order) {
      return order + 1;
    }
  }

  public static class Guarded {
    @RequiresAccess(resource = "prod/db/orders", action = "read")
    public int read(int order) {
      return order + 1;
    }

    @RequiresAccess(resource = "'prod/db/orders/' + #order", action = "read")
    public int readOne(int order) {
      return order + 1;
    }
  }

  public static class Secured {
    @PreAuthorize("hasAuthority('x')")
    public int read(int order) {
      return order + 1;
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableJitAccess
  @EnableMethodSecurity
  static class Config {
    @Bean
    Plain plain() {
      return new Plain();
    }

    @Bean
    Guarded guarded() {
      return new Guarded();
    }

    @Bean
    Secured secured() {
      return new Secured();
    }

    @Bean(destroyMethod = "close")
    JitAccessManager jitAccessManager() {
      return JitAccessManager.builder()
          .policy(RulePolicy.builder().rule(AccessRule.builder("orders").resources("prod/db/**").actions("read")
              .maxDuration(Duration.ofDays(1)).autoApprove().build()).build())
          .auditSink(event -> {})
          .build();
    }
  }

  private AnnotationConfigApplicationContext context;
  private Plain plain;
  private Guarded guarded;
  private Secured secured;
  private int order;

  @Setup
  public void setUp() {
    // Logback without a configuration logs everything; the context's start-up is not what is measured.
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    // One authentication for every thread: both interceptors read it.
    SecurityContextHolder.setStrategyName(SecurityContextHolder.MODE_GLOBAL);
    SecurityContextHolder.getContext().setAuthentication(UsernamePasswordAuthenticationToken.authenticated(
        "alice", null, List.of(new SimpleGrantedAuthority("x"))));
    context = new AnnotationConfigApplicationContext(Config.class);
    plain = context.getBean(Plain.class);
    guarded = context.getBean(Guarded.class);
    secured = context.getBean(Secured.class);
    if (AopUtils.isAopProxy(plain) || !AopUtils.isAopProxy(guarded) || !AopUtils.isAopProxy(secured)) {
      throw new IllegalStateException("unexpected proxies");
    }
    RequestOutcome outcome = context.getBean(JitAccessManager.class).request(AccessRequest.builder()
        .subject(Subject.user("alice")).resource("prod/db/**").actions("read").duration(Duration.ofHours(12))
        .justification("benchmark").build());
    if (!(outcome instanceof RequestOutcome.Granted)) {
      throw new IllegalStateException("not granted: " + outcome);
    }
    // Every variant must work before it is timed.
    guarded.read(1);
    guarded.readOne(1);
    secured.read(1);
  }

  @TearDown
  public void tearDown() {
    context.close();
    SecurityContextHolder.clearContext();
  }

  @Benchmark
  public int noAdvice() {
    return plain.read(order);
  }

  @Benchmark
  public int requiresAccess() {
    return guarded.read(order);
  }

  @Benchmark
  public int requiresAccessWithExpression() {
    return guarded.readOne(7);
  }

  @Benchmark
  public int preAuthorize() {
    return secured.read(order);
  }
}
