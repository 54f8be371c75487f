package dev.jitaccess.spring;

import static dev.jitaccess.spring.Fixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.JitAccessManager;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.spring.boot.JitAccessAutoConfiguration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;
import org.springframework.data.annotation.Id;
import org.springframework.data.map.repository.config.EnableMapRepositories;
import org.springframework.data.repository.CrudRepository;

/**
 * A real Spring Data repository, itself a proxy over {@code SimpleKeyValueRepository}, annotated on its interface:
 * every method the pointcut matches is enforced, the inherited CRUD methods as much as those declared on it.
 */
class SpringDataRepositoryTest {

  private final Fixture fx = new Fixture();

  @AfterEach
  void tearDown() {
    fx.close();
  }

  public record Order(@Id String id, String customer) {}

  @RequiresAccess(resource = "prod/db/orders", action = "write")
  public interface OrderRepository extends CrudRepository<Order, String> {
    List<Order> findByCustomer(String customer);
  }

  @Configuration(proxyBeanMethods = false)
  @EnableMapRepositories(considerNestedRepositories = true, basePackageClasses = SpringDataRepositoryTest.class,
      includeFilters = @ComponentScan.Filter(type = FilterType.ASSIGNABLE_TYPE, classes = OrderRepository.class))
  static class Repositories {}

  @Configuration(proxyBeanMethods = false)
  @EnableJitAccess
  static class PlainSpring {}

  /** Each inherited and declared method the repository offers, called once. */
  private static final List<Consumer<OrderRepository>> EVERY_METHOD = List.of(
      repository -> repository.save(new Order("1", "acme")),
      repository -> repository.findById("1"),
      repository -> repository.findAll(),
      repository -> repository.count(),
      repository -> repository.existsById("1"),
      repository -> repository.findByCustomer("acme"),
      repository -> repository.deleteById("1"),
      OrderRepository::deleteAll);

  private void everyMethodIsDeniedWithoutAGrantAndAllowedWithOne(OrderRepository repository) {
    assertThat(AopUtils.isAopProxy(repository)).isTrue();
    for (Consumer<OrderRepository> call : EVERY_METHOD) {
      assertThatThrownBy(() -> call.accept(repository)).isInstanceOf(JitAccessDeniedException.class);
    }
    assertThat(fx.events(AuditEventType.ACCESS_DENIED)).isEqualTo(EVERY_METHOD.size());

    fx.grant(ALICE, "prod/db/orders", "write");
    repository.save(new Order("1", "acme"));
    assertThat(repository.count()).isEqualTo(1);
    assertThat(repository.findByCustomer("acme")).containsExactly(new Order("1", "acme"));
    EVERY_METHOD.forEach(call -> call.accept(repository));
    assertThat(repository.count()).isZero();
  }

  @Test
  void underEnableJitAccessEveryRepositoryMethodNeedsTheGrant() {
    try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
      context.registerBean(JitAccessManager.class, () -> fx.jit);
      context.registerBean(SubjectResolver.class, () -> fx.subjects);
      context.registerBean(DenialExceptionFactory.class, () -> DenialExceptionFactory.PLAIN);
      context.register(PlainSpring.class, Repositories.class);
      context.refresh();
      everyMethodIsDeniedWithoutAGrantAndAllowedWithOne(context.getBean(OrderRepository.class));
    }
  }

  @Test
  void underTheBootAutoConfigurationEveryRepositoryMethodNeedsTheGrant() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(JitAccessAutoConfiguration.class))
        .withUserConfiguration(Repositories.class)
        .withBean(JitAccessManager.class, () -> fx.jit)
        .withBean(SubjectResolver.class, () -> fx.subjects)
        .withBean(DenialExceptionFactory.class, () -> DenialExceptionFactory.PLAIN)
        .run(context -> {
          assertThat(context).hasNotFailed();
          everyMethodIsDeniedWithoutAGrantAndAllowedWithOne(context.getBean(OrderRepository.class));
        });
  }
}
