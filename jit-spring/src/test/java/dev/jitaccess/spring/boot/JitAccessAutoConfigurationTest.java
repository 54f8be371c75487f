package dev.jitaccess.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.ApproverDirectory;
import dev.jitaccess.ForwardingJitAccessManager;
import dev.jitaccess.Grant;
import dev.jitaccess.JitAccessListener;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.PersonKey;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.Subject;
import dev.jitaccess.UsageAudit;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.InMemoryAuditSink;
import dev.jitaccess.audit.Slf4jAuditSink;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.AccessRule;
import dev.jitaccess.policy.ApprovalRequirement;
import dev.jitaccess.policy.PolicyDecision;
import dev.jitaccess.policy.RulePolicy;
import dev.jitaccess.spring.DenialExceptionFactory;
import dev.jitaccess.spring.JitAccessDeniedException;
import dev.jitaccess.spring.JitAccessInterceptor;
import dev.jitaccess.spring.RequiresAccess;
import dev.jitaccess.spring.SubjectResolver;
import dev.jitaccess.spring.actuate.JitAccessEndpoint;
import dev.jitaccess.spring.actuate.JitAccessEndpointWebExtension;
import dev.jitaccess.spring.metrics.JitAccessMetrics;
import dev.jitaccess.spring.security.JitAccessDeniedSecurityException;
import dev.jitaccess.spring.security.SecurityContextSubjectResolver;
import dev.jitaccess.spring.web.JitAccessProblemDetailsAdvice;
import dev.jitaccess.store.GrantStore;
import dev.jitaccess.store.InMemoryGrantStore;
import dev.jitaccess.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.servlet.DispatcherServlet;

/** Every condition of the auto-configuration, with an ApplicationContextRunner. */
class JitAccessAutoConfigurationTest {

  private static final Subject ALICE = Subject.user("alice");

  private static final AutoConfigurations JIT = AutoConfigurations.of(JitAccessAutoConfiguration.class,
      JitAccessMetricsAutoConfiguration.class, JitAccessEndpointAutoConfiguration.class);

  private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(JIT);

  @AfterEach
  void clearSecurityContext() {
    SecurityContextHolder.clearContext();
  }

  /** A bean whose method needs a grant. */
  public static class Guarded {
    @RequiresAccess(resource = "prod/db/orders", action = "read")
    public String read() {
      return "read";
    }
  }

  public static class Ambiguous {
    @RequiresAccess(resource = "prod/db/orders", action = "read")
    @Admin
    public void run() {}
  }

  @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
  @RequiresAccess(resource = "prod/db/orders", action = "admin")
  @interface Admin {}

  private static RulePolicy ordersPolicy() {
    return RulePolicy.builder()
        .rule(AccessRule.builder("orders").resources("prod/db/**").actions("read").maxDuration(Duration.ofHours(1))
            .autoApprove().build())
        .build();
  }

  private static RequestOutcome request(JitAccessManager jit, Subject subject, String resource, String action) {
    return jit.request(AccessRequest.builder().subject(subject).resource(resource).actions(action)
        .duration(Duration.ofMinutes(10)).justification("CHG-1 test").build());
  }

  // ---------------------------------------------------------------- defaults

  @Test
  void defaultsWithSpringSecurityMicrometerAndActuatorOnTheClasspath() {
    runner.run(context -> {
      assertThat(context).hasSingleBean(JitAccessManager.class);
      assertThat(context.getBean(AccessPolicy.class)).isSameAs(ConfiguredPolicy.NO_RULES);
      assertThat(context).getBean(GrantStore.class).isInstanceOf(InMemoryGrantStore.class);
      assertThat(context).getBean("jitAccessAuditSink").isInstanceOf(Slf4jAuditSink.class);
      assertThat(context).hasSingleBean(JitAccessInterceptor.class);
      assertThat(context).getBean(SubjectResolver.class).isInstanceOf(SecurityContextSubjectResolver.class);
      assertThat(context.getBean(DenialExceptionFactory.class)).isSameAs(JitAccessDeniedSecurityException.FACTORY);
      assertThat(context).hasSingleBean(JitAccessMetrics.class);
      assertThat(context).doesNotHaveBean(JitAccessProblemDetailsAdvice.class);
      assertThat(context).doesNotHaveBean(JitAccessEndpoint.class);
      assertThat(context.getBeanFactory().getBeanDefinition("jitAccessInterceptor").getRole()).isEqualTo(2);
    });
  }

  @Test
  void noRulesMeansEveryRequestIsDenied() {
    runner.run(context -> assertThat(request(context.getBean(JitAccessManager.class), ALICE, "prod/db/orders", "read"))
        .isInstanceOf(RequestOutcome.Denied.class));
  }

  @Test
  void disabledByProperty() {
    runner.withPropertyValues("jit.access.enabled=false").withBean(Guarded.class).run(context -> {
      assertThat(context).doesNotHaveBean(JitAccessManager.class);
      assertThat(context).doesNotHaveBean(JitAccessInterceptor.class);
      assertThat(context).doesNotHaveBean(JitAccessMetrics.class);
      assertThat(context).doesNotHaveBean(AccessPolicy.class);
      assertThat(AopUtils.isAopProxy(context.getBean(Guarded.class))).isFalse();
    });
  }

  // ---------------------------------------------------------------- policy from properties

  @Test
  void rulesDeclaredInConfiguration() {
    runner.withPropertyValues(
        "jit.access.policy.rules[0].name=orders-read",
        "jit.access.policy.rules[0].resources=prod/db/orders/**",
        "jit.access.policy.rules[0].actions=read",
        "jit.access.policy.rules[0].requester-groups=sre",
        "jit.access.policy.rules[0].requesters=user:carol,service:ci",
        "jit.access.policy.rules[0].max-duration=30m",
        "jit.access.policy.rules[0].justification-pattern=^(INC|CHG)-\\d+",
        "jit.access.policy.rules[1].name=orders-write",
        "jit.access.policy.rules[1].resources=prod/db/payments/**",
        "jit.access.policy.rules[1].actions=write",
        "jit.access.policy.rules[1].max-duration=15m",
        "jit.access.policy.rules[1].max-lifetime=1h",
        "jit.access.policy.rules[1].approvals=1",
        "jit.access.policy.rules[1].approvers=bob",
        "jit.access.policy.rules[1].review-window=20m",
        "jit.access.policy.rules[1].break-glass.max-duration=10m",
        "jit.access.policy.rules[1].break-glass.incident-pattern=^INC-\\d+$").run(context -> {
          assertThat(context).hasNotFailed();
          RulePolicy policy = context.getBean(RulePolicy.class);
          assertThat(policy.rules()).extracting(AccessRule::name).containsExactly("orders-read", "orders-write");
          AccessRule read = policy.rules().get(0);
          assertThat(read.requesters()).containsExactlyInAnyOrder(Subject.user("carol"), Subject.service("ci"));
          assertThat(read.requesterGroups()).containsExactly("sre");
          assertThat(read.autoApprove()).isTrue();
          AccessRule write = policy.rules().get(1);
          assertThat(write.maxLifetime()).isEqualTo(Duration.ofHours(1));
          assertThat(write.approvalRequirement()).hasValueSatisfying(r -> assertThat(r.approvals()).isEqualTo(1));
          assertThat(write.breakGlassMaxDuration()).contains(Duration.ofMinutes(10));
          assertThat(write.incidentPattern()).contains("^INC-\\d+$");

          JitAccessManager jit = context.getBean(JitAccessManager.class);
          assertThat(request(jit, Subject.user("carol"), "prod/db/orders/1", "read"))
              .isInstanceOf(RequestOutcome.Granted.class);
          assertThat(request(jit, ALICE, "prod/db/orders/1", "read")).isInstanceOf(RequestOutcome.Denied.class);
          assertThat(request(jit, ALICE, "prod/db/orders/1", "write")).isInstanceOf(RequestOutcome.Denied.class);
          assertThat(request(jit, ALICE, "prod/db/payments/1", "write")).isInstanceOf(RequestOutcome.Pending.class);
        });
  }

  @Test
  void anInvalidRuleFailsStartupNamingTheProperty() {
    runner.withPropertyValues(
        "jit.access.policy.rules[0].name=broken",
        "jit.access.policy.rules[0].resources=prod/../x",
        "jit.access.policy.rules[0].actions=read",
        "jit.access.policy.rules[0].max-duration=30m").run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("resources");
          assertThat(context.getStartupFailure()).hasStackTraceContaining("jit.access.policy.rules[0] (broken)");
        });
    runner.withPropertyValues("jit.access.policy.rules[0].resources=prod/x").run(context ->
        assertThat(context.getStartupFailure()).hasStackTraceContaining("name is required"));
  }

  // ---------------------------------------------------------------- engine properties and user parts

  @Test
  void engineSettingsFromProperties() {
    runner.withBean(AccessPolicy.class, JitAccessAutoConfigurationTest::ordersPolicy)
        .withBean(InMemoryAuditSink.class, InMemoryAuditSink::new)
        .withPropertyValues("jit.access.usage-audit=every-use", "jit.access.tick=5ms",
            "jit.access.expiry-warning=1m", "jit.access.denied-events-per-minute=1",
            "jit.access.staleness-bound=2s", "jit.access.limits.max-active-grants-per-subject=1",
            "jit.access.limits.max-justification-length=20")
        .run(context -> {
          JitAccessProperties properties = context.getBean(JitAccessProperties.class);
          assertThat(properties.getUsageAudit()).isEqualTo(UsageAudit.EVERY_USE);
          assertThat(properties.getTick()).isEqualTo(Duration.ofMillis(5));
          JitAccessManager jit = context.getBean(JitAccessManager.class);
          InMemoryAuditSink audit = context.getBean(InMemoryAuditSink.class);
          request(jit, ALICE, "prod/db/orders", "read");
          jit.check(ALICE, "prod/db/orders", "read");
          jit.check(ALICE, "prod/db/orders", "read");
          assertThat(audit.events(AuditEventType.ACCESS_USED)).hasSize(2);
          jit.check(ALICE, "prod/db/other", "write");
          jit.check(ALICE, "prod/db/other", "write");
          assertThat(audit.events(AuditEventType.ACCESS_DENIED)).hasSize(1);
          assertThat(request(jit, Subject.user("bob"), "prod/db/orders", "read"))
              .isInstanceOf(RequestOutcome.Granted.class);
          assertThat(request(jit, Subject.user("bob"), "prod/db/orders/2", "read"))
              .isInstanceOf(RequestOutcome.Denied.class);
        });
  }

  @Test
  void userPartsReplaceTheDefaults() {
    InMemoryGrantStore store = new InMemoryGrantStore();
    InMemoryAuditSink sink = new InMemoryAuditSink();
    SubjectResolver resolver = () -> ALICE;
    DenialExceptionFactory factory = DenialExceptionFactory.PLAIN;
    runner.withBean(AccessPolicy.class, JitAccessAutoConfigurationTest::ordersPolicy)
        .withBean(GrantStore.class, () -> store)
        .withBean(InMemoryAuditSink.class, () -> sink)
        .withBean(SubjectResolver.class, () -> resolver)
        .withBean(DenialExceptionFactory.class, () -> factory)
        .run(context -> {
          assertThat(context).doesNotHaveBean(ConfiguredPolicy.NO_RULES.getClass());
          assertThat(context.getBean(GrantStore.class)).isSameAs(store);
          assertThat(context).doesNotHaveBean("jitAccessAuditSink");
          assertThat(context.getBean(SubjectResolver.class)).isSameAs(resolver);
          assertThat(context.getBean(DenialExceptionFactory.class)).isSameAs(factory);
          Grant grant = ((RequestOutcome.Granted) request(context.getBean(JitAccessManager.class), ALICE,
              "prod/db/orders", "read")).grant();
          assertThat(store.findById(grant.id())).isPresent();
          assertThat(sink.events(AuditEventType.GRANTED)).hasSize(1);
        });
  }

  @Test
  void aUserManagerReplacesOursAndIsUsedByTheInterceptor() {
    runner.withBean(JitAccessManager.class, () -> JitAccessManager.builder().policy(ordersPolicy()).build())
        .withBean(SubjectResolver.class, () -> () -> ALICE)
        .withBean(Guarded.class)
        .run(context -> {
          assertThat(context).hasSingleBean(JitAccessManager.class);
          assertThat(context).doesNotHaveBean(AccessPolicy.class.getName());
          JitAccessManager jit = context.getBean(JitAccessManager.class);
          assertThat(jit.getClass().getSimpleName()).isEqualTo("DefaultJitAccessManager");
          request(jit, ALICE, "prod/db/orders", "read");
          assertThat(context.getBean(Guarded.class).read()).isEqualTo("read");
        });
  }

  @Test
  void severalAuditSinksAreAllWrittenTo() {
    InMemoryAuditSink first = new InMemoryAuditSink();
    InMemoryAuditSink second = new InMemoryAuditSink();
    runner.withBean(AccessPolicy.class, JitAccessAutoConfigurationTest::ordersPolicy)
        .withBean("first", InMemoryAuditSink.class, () -> first)
        .withBean("second", InMemoryAuditSink.class, () -> second)
        .run(context -> {
          request(context.getBean(JitAccessManager.class), ALICE, "prod/db/orders", "read");
          assertThat(first.events(AuditEventType.GRANTED)).hasSize(1);
          assertThat(second.events(AuditEventType.GRANTED)).hasSize(1);
        });
  }

  @Test
  void theManagerTakesTheApproverDirectoryAndThePersonKey() {
    ApprovalRequirement dba = new ApprovalRequirement(1, Set.of(), Set.of("dba"), false, Duration.ofMinutes(30));
    ApplicationContextRunner approvals = runner
        .withBean(AccessPolicy.class, () -> r -> PolicyDecision.requireApprovals("dba", r.duration(), dba))
        .withBean(ApproverDirectory.class, () -> s -> Set.of("dba"));
    Subject bob = Subject.user("bob");
    approvals.run(context -> {
      JitAccessManager jit = context.getBean(JitAccessManager.class);
      String requestId = request(jit, ALICE, "prod/db/orders", "read").requestId();
      assertThat(jit.approve(requestId, bob, "ok")).isInstanceOf(RequestOutcome.Granted.class);
    });
    approvals.withBean(PersonKey.class, () -> s -> "one-team").run(context -> {
      JitAccessManager jit = context.getBean(JitAccessManager.class);
      String requestId = request(jit, ALICE, "prod/db/orders", "read").requestId();
      assertThatThrownBy(() -> jit.approve(requestId, bob, "ok")).hasMessageContaining("its own request");
    });
  }

  @Test
  void theManagerTakesTheClockListenersAndDecorators() {
    ManualClock clock = new ManualClock();
    List<String> heard = new CopyOnWriteArrayList<>();
    JitAccessListener listener = new JitAccessListener() {
      @Override
      public void onGranted(Grant grant) {
        heard.add("granted " + grant.resource());
      }
    };
    runner.withBean(AccessPolicy.class, JitAccessAutoConfigurationTest::ordersPolicy)
        .withBean(Clock.class, () -> clock)
        .withBean(JitAccessListener.class, () -> listener)
        .withBean(JitAccessManagerDecorator.class, () -> manager -> new ForwardingManager(manager, heard))
        .run(context -> {
          JitAccessManager jit = context.getBean(JitAccessManager.class);
          assertThat(jit.toString()).contains("ForwardingManager");
          request(jit, ALICE, "prod/db/orders", "read");
          org.awaitility.Awaitility.await().untilAsserted(
              () -> assertThat(heard).contains("granted prod/db/orders", "request prod/db/orders"));
          assertThat(jit.isAllowed(ALICE, "prod/db/orders", "read")).isTrue();
          clock.advance(Duration.ofMinutes(11));
          assertThat(jit.isAllowed(ALICE, "prod/db/orders", "read")).isFalse();
        });
  }

  @Test
  void theAdvisorOrderComesFromProperties() {
    runner.withPropertyValues("jit.access.order=42")
        .run(context -> assertThat(context.getBean(JitAccessInterceptor.class).getOrder()).isEqualTo(42));
  }

  @Test
  void aUserInterceptorReplacesOurs() {
    runner.withBean("myInterceptor", JitAccessInterceptor.class,
            () -> JitAccessInterceptor.builder(() -> null).order(1).build())
        .run(context -> {
          assertThat(context).hasSingleBean(JitAccessInterceptor.class);
          assertThat(context.getBean(JitAccessInterceptor.class).getOrder()).isEqualTo(1);
        });
  }

  // ---------------------------------------------------------------- enforcement in the context

  @Test
  void annotatedBeansAreProxiedAndCheckedAgainstTheAuthentication() {
    runner.withBean(AccessPolicy.class, JitAccessAutoConfigurationTest::ordersPolicy).withBean(Guarded.class)
        .run(context -> {
          Guarded guarded = context.getBean(Guarded.class);
          assertThat(AopUtils.isAopProxy(guarded)).isTrue();
          assertThatThrownBy(guarded::read).isInstanceOf(JitAccessDeniedSecurityException.class)
              .hasMessageContaining("no subject");
          SecurityContextHolder.getContext().setAuthentication(
              UsernamePasswordAuthenticationToken.authenticated("alice", null, List.of()));
          assertThatThrownBy(guarded::read).isInstanceOf(JitAccessDeniedSecurityException.class)
              .hasMessageContaining("no active grant");
          request(context.getBean(JitAccessManager.class), ALICE, "prod/db/orders", "read");
          assertThat(guarded.read()).isEqualTo("read");
        });
  }

  @Test
  void ambiguousAnnotationsFailStartup() {
    runner.withBean(Ambiguous.class).run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).hasStackTraceContaining("Ambiguous just-in-time access annotations");
    });
  }

  @Test
  void withoutSpringSecurityNobodyIsKnownAndDenialsArePlain() {
    runner.withClassLoader(new FilteredClassLoader("org.springframework.security"))
        .withBean(AccessPolicy.class, JitAccessAutoConfigurationTest::ordersPolicy)
        .withBean(Guarded.class)
        .run(context -> {
          assertThat(context).doesNotHaveBean(SubjectResolver.class);
          assertThat(context).doesNotHaveBean(DenialExceptionFactory.class);
          assertThatThrownBy(context.getBean(Guarded.class)::read).isExactlyInstanceOf(JitAccessDeniedException.class)
              .hasMessageContaining("no subject");
        });
  }

  @Test
  void withoutSpringSecurityAResolverBeanIsUsed() {
    runner.withClassLoader(new FilteredClassLoader("org.springframework.security"))
        .withBean(AccessPolicy.class, JitAccessAutoConfigurationTest::ordersPolicy)
        .withBean(SubjectResolver.class, () -> SubjectResolver.fixed(ALICE))
        .withBean(Guarded.class)
        .run(context -> {
          request(context.getBean(JitAccessManager.class), ALICE, "prod/db/orders", "read");
          assertThat(context.getBean(Guarded.class).read()).isEqualTo("read");
        });
  }

  // ---------------------------------------------------------------- web

  @Test
  void theProblemDetailsAdviceOnlyInServletWebApplications() {
    new WebApplicationContextRunner().withConfiguration(JIT)
        .run(context -> assertThat(context).hasSingleBean(JitAccessProblemDetailsAdvice.class));
    new ReactiveWebApplicationContextRunner().withConfiguration(JIT)
        .run(context -> assertThat(context).doesNotHaveBean(JitAccessProblemDetailsAdvice.class));
    new WebApplicationContextRunner().withConfiguration(JIT)
        .withClassLoader(new FilteredClassLoader(DispatcherServlet.class))
        .run(context -> assertThat(context).doesNotHaveBean(JitAccessProblemDetailsAdvice.class));
    JitAccessProblemDetailsAdvice mine = new JitAccessProblemDetailsAdvice();
    new WebApplicationContextRunner().withConfiguration(JIT)
        .withBean(JitAccessProblemDetailsAdvice.class, () -> mine)
        .run(context -> assertThat(context.getBean(JitAccessProblemDetailsAdvice.class)).isSameAs(mine));
  }

  // ---------------------------------------------------------------- metrics

  @Test
  void metricsCountRequestsAndChecksWithBoundedTags() {
    runner.withBean(AccessPolicy.class, JitAccessAutoConfigurationTest::ordersPolicy).run(context -> {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      context.getBean(JitAccessMetrics.class).bindTo(registry);
      JitAccessManager jit = context.getBean(JitAccessManager.class);
      request(jit, ALICE, "prod/db/orders", "read");
      request(jit, ALICE, "prod/db/orders", "write");
      jit.check(ALICE, "prod/db/orders", "read");
      jit.check(ALICE, "prod/db/orders", "write");
      jit.check(ALICE, "prod/db/orders", "write");
      assertThat(registry.get("jit.requests").tag("outcome", "granted").counter().count()).isEqualTo(1);
      assertThat(registry.get("jit.requests").tag("outcome", "denied").counter().count()).isEqualTo(1);
      assertThat(registry.get("jit.requests").tag("outcome", "pending").counter().count()).isZero();
      assertThat(registry.get("jit.checks").tag("result", "allowed").counter().count()).isEqualTo(1);
      assertThat(registry.get("jit.checks").tag("result", "denied").counter().count()).isEqualTo(2);
      assertThat(registry.get("jit.grants.active").gauge().value()).isEqualTo(1);
      assertThat(registry.get("jit.expiry.lag").timer()).isNotNull();
      assertThat(registry.get("jit.store.malformed.records").gauge().value()).isZero();
      Set<String> tagKeys = new java.util.TreeSet<>();
      registry.getMeters().forEach(m -> m.getId().getTags().forEach(t -> tagKeys.add(t.getKey())));
      assertThat(tagKeys).containsExactlyInAnyOrder("outcome", "result");
    });
  }

  @Test
  void aBoundAcquireIsCountedAsARequest() {
    runner.withBean(AccessPolicy.class, JitAccessAutoConfigurationTest::ordersPolicy).run(context -> {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      context.getBean(JitAccessMetrics.class).bindTo(registry);
      JitAccessManager jit = context.getBean(JitAccessManager.class);
      jit.acquireBound(dev.jitaccess.AccessRequest.builder().subject(ALICE).resource("prod/db/orders")
          .actions("read").duration(Duration.ofMinutes(5)).justification("INC-1: test").build()).close();
      assertThat(registry.get("jit.requests").tag("outcome", "granted").counter().count()).isEqualTo(1);
    });
  }

  @Test
  void expiryLagIsRecorded() {
    ManualClock clock = new ManualClock();
    runner.withBean(AccessPolicy.class, JitAccessAutoConfigurationTest::ordersPolicy)
        .withBean(Clock.class, () -> clock)
        .run(context -> {
          SimpleMeterRegistry registry = new SimpleMeterRegistry();
          context.getBean(JitAccessMetrics.class).bindTo(registry);
          request(context.getBean(JitAccessManager.class), ALICE, "prod/db/orders", "read");
          clock.advance(Duration.ofMinutes(11));
          org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
              .until(() -> registry.get("jit.expiry.lag").timer().count() == 1);
          assertThat(registry.get("jit.grants.active").gauge().value()).isZero();
        });
  }

  @Test
  void aUserMetricsBeanReplacesOurs() {
    JitAccessMetrics mine = new JitAccessMetrics(() -> null, Clock::systemUTC);
    runner.withBean(JitAccessMetrics.class, () -> mine)
        .run(context -> assertThat(context.getBean(JitAccessMetrics.class)).isSameAs(mine));
  }

  @Test
  void noMetricsWithoutMicrometer() {
    runner.withClassLoader(new FilteredClassLoader("io.micrometer")).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).doesNotHaveBean(JitAccessMetricsAutoConfiguration.class);
      assertThat(context).doesNotHaveBean(JitAccessManagerDecorator.class);
      assertThat(context.getBean(JitAccessManager.class).getClass().getSimpleName())
          .isEqualTo("DefaultJitAccessManager");
    });
  }

  // ---------------------------------------------------------------- actuator endpoint

  @Test
  void theEndpointWhenExposed() {
    runner.withPropertyValues("management.endpoints.web.exposure.include=jitaccess").run(context -> {
      assertThat(context).hasSingleBean(JitAccessEndpoint.class);
      assertThat(context).hasSingleBean(JitAccessEndpointWebExtension.class);
    });
    runner.withPropertyValues("management.endpoints.web.exposure.include=health")
        .run(context -> assertThat(context).doesNotHaveBean(JitAccessEndpoint.class));
    JitAccessEndpoint mine = new JitAccessEndpoint(JitAccessManager.builder().policy(ordersPolicy()).build(),
        () -> null, Clock::systemUTC, principal -> false, null);
    runner.withPropertyValues("management.endpoints.web.exposure.include=jitaccess")
        .withBean(JitAccessEndpoint.class, () -> mine)
        .run(context -> assertThat(context.getBean(JitAccessEndpoint.class)).isSameAs(mine));
  }

  @Test
  void noEndpointWithoutActuatorOrWithoutManager() {
    runner.withPropertyValues("management.endpoints.web.exposure.include=jitaccess")
        .withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate"))
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).doesNotHaveBean(JitAccessEndpoint.class);
        });
    runner.withPropertyValues("management.endpoints.web.exposure.include=jitaccess", "jit.access.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(JitAccessEndpoint.class));
  }

  @Test
  void theEndpointListsAndRevokes() {
    runner.withPropertyValues("management.endpoints.web.exposure.include=jitaccess")
        .withBean(AccessPolicy.class, JitAccessAutoConfigurationTest::ordersPolicy)
        .withBean(InMemoryAuditSink.class, InMemoryAuditSink::new)
        .run(context -> {
          JitAccessEndpoint endpoint = context.getBean(JitAccessEndpoint.class);
          JitAccessManager jit = context.getBean(JitAccessManager.class);
          Grant grant = ((RequestOutcome.Granted) request(jit, ALICE, "prod/db/orders", "read")).grant();
          assertThat(endpoint.report().activeGrants()).singleElement().satisfies(view -> {
            assertThat(view.id()).isEqualTo(grant.id());
            assertThat(view.subject()).isEqualTo("user:alice");
            assertThat(view.effective()).isTrue();
          });
          assertThat(endpoint.grant("nope")).isNull();
          assertThat(endpoint.revoke("nope", revoker("admin", "ROLE_JIT_ADMIN"), null)).isNull();
          JitAccessEndpoint.RevokeResult result =
              endpoint.revoke(grant.id(), revoker("admin", "ROLE_JIT_ADMIN"), "incident over");
          assertThat(result.revoked()).isTrue();
          assertThat(result.actor()).isEqualTo("user:admin");
          assertThat(endpoint.revoke(grant.id(), revoker("admin", "ROLE_JIT_ADMIN"), null).revoked()).isFalse();
          assertThat(endpoint.report().activeGrants()).isEmpty();
          assertThat(context.getBean(InMemoryAuditSink.class).events(AuditEventType.REVOKED)).singleElement()
              .satisfies(e -> {
                assertThat(e.actor()).isEqualTo(Subject.user("admin"));
                assertThat(e.reason()).isEqualTo("incident over");
              });
        });
  }

  @Test
  void theEndpointRevokesOnlyForANamedCallerWithTheRevokeAuthorityNeverAsAStandIn() {
    runner.withPropertyValues("management.endpoints.web.exposure.include=jitaccess")
        .withBean(AccessPolicy.class, JitAccessAutoConfigurationTest::ordersPolicy)
        .withBean(InMemoryAuditSink.class, InMemoryAuditSink::new)
        .run(context -> {
          JitAccessEndpoint endpoint = context.getBean(JitAccessEndpoint.class);
          JitAccessEndpointWebExtension web = context.getBean(JitAccessEndpointWebExtension.class);
          JitAccessManager jit = context.getBean(JitAccessManager.class);
          Grant grant = ((RequestOutcome.Granted) request(jit, ALICE, "prod/db/orders", "read")).grant();
          List<java.security.Principal> refused = List.of(
              () -> "admin",                                  // a principal without authorities
              revoker("admin", "ROLE_ADMIN", "ROLE_USER"),    // authenticated, without the revoke authority
              revoker(" admin", "ROLE_JIT_ADMIN"),            // the authority, but no valid subject id
              revoker("ad\u0000min", "ROLE_JIT_ADMIN"));
          for (java.security.Principal principal : refused) {
            assertThatThrownBy(() -> endpoint.revoke(grant.id(), principal, "because"))
                .as(principal.getName()).isInstanceOf(JitAccessEndpoint.RevocationRefusedException.class);
            assertThat(web.revoke(grant.id(), principal, "because").getStatus()).isEqualTo(403);
            assertThat(web.revoke("no-such-grant", principal, "because").getStatus()).isEqualTo(403);
          }
          assertThatThrownBy(() -> endpoint.revoke(grant.id(), null, "because"))
              .isInstanceOf(JitAccessEndpoint.RevocationRefusedException.class);
          assertThat(web.revoke(grant.id(), null, "because").getStatus()).isEqualTo(403);
          assertThat(jit.isAllowed(ALICE, "prod/db/orders", "read")).isTrue();
          assertThat(context.getBean(InMemoryAuditSink.class).events(AuditEventType.REVOKED)).isEmpty();
        });
    runner.withPropertyValues("management.endpoints.web.exposure.include=jitaccess",
            "jit.access.actuator.revoke-authority=SCOPE_jit.revoke")
        .withBean(AccessPolicy.class, JitAccessAutoConfigurationTest::ordersPolicy)
        .run(context -> {
          JitAccessEndpoint endpoint = context.getBean(JitAccessEndpoint.class);
          Grant grant = ((RequestOutcome.Granted) request(context.getBean(JitAccessManager.class), ALICE,
              "prod/db/orders", "read")).grant();
          assertThatThrownBy(() -> endpoint.revoke(grant.id(), revoker("admin", "ROLE_JIT_ADMIN"), null))
              .isInstanceOf(JitAccessEndpoint.RevocationRefusedException.class);
          assertThat(endpoint.revoke(grant.id(), revoker("admin", "SCOPE_jit.revoke"), null).revoked()).isTrue();
        });
  }

  private static UsernamePasswordAuthenticationToken revoker(String name, String... authorities) {
    return UsernamePasswordAuthenticationToken.authenticated(name, null,
        java.util.Arrays.stream(authorities)
            .map(org.springframework.security.core.authority.SimpleGrantedAuthority::new).toList());
  }

  /** A decorator for the test: records requests, delegates everything. */
  static final class ForwardingManager extends ForwardingJitAccessManager {
    private final List<String> heard;

    ForwardingManager(JitAccessManager delegate, List<String> heard) {
      super(delegate);
      this.heard = heard;
    }

    @Override
    public RequestOutcome request(AccessRequest request) {
      heard.add("request " + request.resource());
      return super.request(request);
    }
  }
}
