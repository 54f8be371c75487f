package dev.jitaccess.spring;

import static dev.jitaccess.spring.Fixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.JitAccessManager;
import dev.jitaccess.spring.security.JitAccessDeniedSecurityException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.context.SecurityContextHolder;

/** Plain Spring, no Boot: {@code @EnableJitAccess}. */
class EnableJitAccessTest {

  private final Fixture fx = new Fixture();

  @AfterEach
  void tearDown() {
    fx.close();
    SecurityContextHolder.clearContext();
  }

  public interface Reports {
    String daily();
  }

  public static class ReportsImpl implements Reports {
    @Override
    @RequiresAccess(resource = "'prod/db/' + @reportNames.daily()", action = "read")
    public String daily() {
      return "daily";
    }
  }

  public static class ReportNames {
    public String daily() {
      return "reports";
    }
  }

  public static class TwoAnnotations {
    @RequiresAccess(resource = "prod/db/a", action = "read")
    @ElevatedAccess(resource = "prod/db/a", action = "read", justification = "x")
    public void run() {}
  }

  @Configuration(proxyBeanMethods = false)
  @EnableJitAccess(order = 123)
  static class WithResolver {
    @Bean
    ReportsImpl reports() {
      return new ReportsImpl();
    }

    @Bean
    ReportNames reportNames() {
      return new ReportNames();
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableJitAccess(proxyTargetClass = true)
  static class ByClass {
    @Bean
    ReportsImpl reports() {
      return new ReportsImpl();
    }

    @Bean
    ReportNames reportNames() {
      return new ReportNames();
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableJitAccess
  static class Broken {
    @Bean
    TwoAnnotations twoAnnotations() {
      return new TwoAnnotations();
    }
  }

  private AnnotationConfigApplicationContext context(Class<?> config, boolean withResolver) {
    AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
    context.registerBean(JitAccessManager.class, () -> fx.jit, d -> d.setDestroyMethodName(""));
    if (withResolver) {
      context.registerBean(SubjectResolver.class, () -> fx.subjects);
    }
    context.register(config);
    context.refresh();
    return context;
  }

  @Test
  void enforcesWithTheResolverBeanAndBeanReferencesInExpressions() {
    try (AnnotationConfigApplicationContext context = context(WithResolver.class, true)) {
      Reports reports = context.getBean(Reports.class);
      assertThat(AopUtils.isJdkDynamicProxy(reports)).isTrue();
      assertThat(context.getBean(JitAccessInterceptor.class).getOrder()).isEqualTo(123);
      assertThatThrownBy(reports::daily).isInstanceOf(JitAccessDeniedSecurityException.class)
          .hasMessageContaining("read on prod/db/reports");
      fx.grant(ALICE, "prod/db/reports", "read");
      assertThat(reports.daily()).isEqualTo("daily");
    }
  }

  @Test
  void withoutAResolverBeanSpringSecurityTellsWho() {
    fx.grant(ALICE, "prod/db/reports", "read");
    try (AnnotationConfigApplicationContext context = context(ByClass.class, false)) {
      ReportsImpl reports = context.getBean(ReportsImpl.class);
      assertThat(AopUtils.isCglibProxy(reports)).isTrue();
      assertThatThrownBy(reports::daily).isInstanceOf(JitAccessDeniedSecurityException.class)
          .hasMessageContaining("no subject");
      SecurityContextHolder.getContext().setAuthentication(
          UsernamePasswordAuthenticationToken.authenticated("alice", null, List.of()));
      assertThat(reports.daily()).isEqualTo("daily");
    }
  }

  @Test
  void ambiguousAnnotationsFailTheStartup() {
    assertThatThrownBy(() -> context(Broken.class, true).close())
        .isInstanceOf(BeanCreationException.class)
        .hasStackTraceContaining("Ambiguous just-in-time access annotations on method")
        .hasStackTraceContaining("TwoAnnotations.run()");
  }
}
