package dev.jitaccess.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.JitAccessManager;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * Annotated methods a Spring AOP proxy cannot intercept: private, static and final ones fail when the proxy is
 * made, naming the method; a class calling its own annotated method is warned about.
 */
class ProxyReachTest {

  private final Fixture fx = new Fixture();

  @AfterEach
  void tearDown() {
    fx.close();
  }

  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.METHOD)
  @RequiresAccess(resource = "prod/db/orders", action = "write")
  @interface ProdDbWrite {}

  public static class PrivateMethod {
    public String open() {
      return secret();
    }

    @RequiresAccess(resource = "prod/db/orders", action = "read")
    private String secret() {
      return "secret";
    }
  }

  public static class FinalMethod {
    @RequiresAccess(resource = "prod/db/orders", action = "write")
    public final String purge() {
      return "purged";
    }
  }

  public static class StaticMethod {
    @RequiresAccess(resource = "prod/db/orders", action = "read")
    public static String report() {
      return "report";
    }
  }

  public static class MetaAnnotatedPrivate {
    @ProdDbWrite
    private void run() {}
  }

  public static class ElevatedPrivate {
    @ElevatedAccess(resource = "jobs/1", action = "run", justification = "JOB-1")
    private void run() {}
  }

  @RequiresAccess(resource = "prod/db/reports", action = "read")
  public static class TypeLevelWithFinal {
    public String daily() {
      return "daily";
    }

    public final String weekly() {
      return "weekly";
    }
  }

  public interface Counts {
    @RequiresAccess(resource = "prod/db/orders", action = "read")
    String count();
  }

  public static class FinalImplementation implements Counts {
    @Override
    public final String count() {
      return "1";
    }
  }

  public static class Reachable {
    @RequiresAccess(resource = "prod/db/orders", action = "read")
    public String a() {
      return "a";
    }

    @RequiresAccess(resource = "prod/db/orders", action = "read")
    protected String b() {
      return "b";
    }

    private String helper() {
      return "helper";
    }

    public static Reachable create() {
      return new Reachable();
    }
  }

  @Test
  void privateStaticAndFinalAnnotatedMethodsFailWhenTheProxyIsMade() {
    assertThatThrownBy(() -> AopUtils.canApply(fx.interceptor, PrivateMethod.class))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("private").hasMessageContaining("PrivateMethod.secret()");
    assertThatThrownBy(() -> AopUtils.canApply(fx.interceptor, FinalMethod.class))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("final").hasMessageContaining("FinalMethod.purge()");
    assertThatThrownBy(() -> AopUtils.canApply(fx.interceptor, StaticMethod.class))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("static").hasMessageContaining("StaticMethod.report()");
    assertThatThrownBy(() -> AopUtils.canApply(fx.interceptor, MetaAnnotatedPrivate.class))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("MetaAnnotatedPrivate.run()");
    assertThatThrownBy(() -> AopUtils.canApply(fx.interceptor, ElevatedPrivate.class))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("ElevatedPrivate.run()");
    assertThatThrownBy(() -> AopUtils.canApply(fx.interceptor, TypeLevelWithFinal.class))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("TypeLevelWithFinal.weekly()");
    assertThatThrownBy(() -> AopUtils.canApply(fx.interceptor, FinalImplementation.class))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("FinalImplementation.count()");
  }

  @Test
  void aClassBasedProxyOfSuchAClassIsCheckedAsTheClassItself() {
    ProxyFactory factory = new ProxyFactory(new FinalMethod());
    factory.setProxyTargetClass(true);
    Class<?> subclass = factory.getProxy().getClass();
    assertThat(subclass).isNotEqualTo(FinalMethod.class);
    assertThatThrownBy(() -> AopUtils.canApply(fx.interceptor, subclass))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("FinalMethod.purge()");
  }

  @Test
  void nonPrivateInstanceMethodsAndUnannotatedHelpersAreFine() {
    assertThat(AopUtils.canApply(fx.interceptor, Reachable.class)).isTrue();
    assertThat(ProxyReach.check(Reachable.class, new AccessAttributeSource())).isEmpty();
  }

  @Configuration(proxyBeanMethods = false)
  @EnableJitAccess
  static class WithPrivateMethod {
    @org.springframework.context.annotation.Bean
    PrivateMethod privateMethod() {
      return new PrivateMethod();
    }
  }

  @Test
  void theApplicationDoesNotStartWithAnUnreachableAnnotatedMethod() {
    try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
      context.registerBean(JitAccessManager.class, () -> fx.jit);
      context.register(WithPrivateMethod.class);
      assertThatThrownBy(context::refresh).isInstanceOf(BeanCreationException.class)
          .rootCause().hasMessageContaining("PrivateMethod.secret()");
    }
  }

  // ---------------------------------------------------------------- self-invocation

  public static class SelfCalling {
    public String list() {
      return this.count() + count();
    }

    public Supplier<String> later() {
      return () -> count();
    }

    @RequiresAccess(resource = "prod/db/orders", action = "read")
    public String count() {
      return "1";
    }
  }

  public static class CallsAnother {
    private final SelfCalling other;

    CallsAnother(SelfCalling other) {
      this.other = other;
    }

    public String list() {
      return other.count();
    }

    @RequiresAccess(resource = "prod/db/orders", action = "read")
    public String count() {
      return "2";
    }
  }

  @Test
  void aClassCallingItsOwnAnnotatedMethodIsWarnedAbout() {
    assertThat(ProxyReach.check(SelfCalling.class, new AccessAttributeSource()))
        .anySatisfy(warning -> assertThat(warning)
            .contains("SelfCalling.list()").contains("SelfCalling.count()").contains("bypasses the proxy"))
        .anySatisfy(warning -> assertThat(warning).contains("SelfCalling.later()").contains("SelfCalling.count()"));
    assertThat(ProxyReach.check(CallsAnother.class, new AccessAttributeSource())).isEmpty();
    assertThat(AopUtils.canApply(fx.interceptor, SelfCalling.class)).isTrue();
  }
}
