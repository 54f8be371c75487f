package dev.jitaccess.spring;

import static dev.jitaccess.spring.Fixture.ALICE;
import static dev.jitaccess.spring.Fixture.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.AccessDecision;
import dev.jitaccess.Grant;
import dev.jitaccess.audit.AuditEventType;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.target.HotSwappableTargetSource;

/** The interceptor built directly, on proxies made by a ProxyFactory: no application context. */
class JitAccessInterceptorTest {

  private final Fixture fx = new Fixture();

  @AfterEach
  void tearDown() {
    fx.close();
    MDC.clear();
  }

  // ---------------------------------------------------------------- targets

  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.METHOD, ElementType.TYPE})
  @RequiresAccess(resource = "prod/db/orders", action = "write")
  @interface ProdDbWrite {}

  public static class Orders {
    final AtomicInteger calls = new AtomicInteger();

    @RequiresAccess(resource = "prod/db/orders", action = "write")
    public String cancel(String id) {
      calls.incrementAndGet();
      return "cancelled " + id + " under " + MDC.get("jit.grantId") + "/" + MDC.get("jit.requestId");
    }

    @RequiresAccess(resource = "'orders/' + #orderId", action = "read")
    public String show(String orderId) {
      calls.incrementAndGet();
      return "order " + orderId;
    }

    @RequiresAccess(resource = "'orders/' + #p0", action = "read")
    public String showByPosition(String orderId) {
      calls.incrementAndGet();
      return "order " + orderId;
    }

    @RequiresAccess(resource = "'orders/1' == 'x' ? 'orders/1' : null", action = "read")
    public String nothing() {
      calls.incrementAndGet();
      return "nothing";
    }

    @RequiresAccess(resource = "'orders/' + #orderId.noSuchProperty", action = "read")
    public String broken(String orderId) {
      calls.incrementAndGet();
      return "broken";
    }

    @ProdDbWrite
    public String purge() {
      calls.incrementAndGet();
      return "purged";
    }

    @RequiresAccess(resource = "prod/db/orders", action = "write")
    public void fail() {
      calls.incrementAndGet();
      throw new IllegalStateException("boom");
    }

    public String open() {
      return "open";
    }
  }

  @RequiresAccess(resource = "prod/db/reports", action = "read")
  public static class Reports {
    public String daily() {
      return "daily";
    }

    @RequiresAccess(resource = "prod/db/orders", action = "write")
    public String rebuild() {
      return "rebuilt";
    }

    @Override
    public String toString() {
      return "reports";
    }
  }

  public interface Inventory {
    @RequiresAccess(resource = "prod/db/inventory", action = "read")
    String count();
  }

  public static class InventoryImpl implements Inventory {
    @Override
    public String count() {
      return "42";
    }
  }

  @ProdDbWrite
  public interface Ledger {
    String post();
  }

  public static class LedgerImpl implements Ledger {
    @Override
    public String post() {
      return "posted";
    }
  }

  // ---------------------------------------------------------------- basics

  @Test
  void allowedWithAGrantDeniedWithout() {
    Orders target = new Orders();
    Orders orders = fx.proxy(target);
    assertThatThrownBy(() -> orders.cancel("7"))
        .isInstanceOf(JitAccessDeniedException.class)
        .hasMessageContaining("write on prod/db/orders")
        .hasMessageContaining("no active grant");
    assertThat(target.calls).hasValue(0);

    Grant grant = fx.grant(ALICE, "prod/db/**", "write");
    assertThat(orders.cancel("7")).isEqualTo("cancelled 7 under " + grant.id() + "/" + grant.requestId());
    assertThat(target.calls).hasValue(1);
  }

  @Test
  void denialCarriesTheDecisionAndIsAuditedOnceByTheEngine() {
    Orders orders = fx.proxy(new Orders());
    JitAccessDeniedException denied = catchDenied(() -> orders.cancel("7"));
    assertThat(denied.decision().allowed()).isFalse();
    assertThat(denied.decision().reason()).contains("no active grant");
    assertThat(denied.resource()).isEqualTo("prod/db/orders");
    assertThat(denied.action()).isEqualTo("write");
    assertThat(JitAccessDenial.find(new RuntimeException(denied))).containsSame(denied);
    assertThat(fx.audit.events(AuditEventType.ACCESS_DENIED)).singleElement()
        .satisfies(e -> {
          assertThat(e.subject()).isEqualTo(ALICE);
          assertThat(e.resource()).isEqualTo("prod/db/orders");
        });
  }

  @Test
  void noSubjectIsDenied() {
    fx.grant(ALICE, "prod/db/orders", "write");
    fx.caller.set(null);
    Orders target = new Orders();
    Orders orders = fx.proxy(target);
    assertThat(catchDenied(() -> orders.cancel("7")).decision().reason()).isEqualTo("no subject");
    assertThat(target.calls).hasValue(0);
    assertThat(fx.events(AuditEventType.ACCESS_DENIED)).isEqualTo(1);
  }

  @Test
  void aThrowingSubjectResolverCountsAsNoSubject() {
    fx.grant(ALICE, "prod/db/orders", "write");
    JitAccessInterceptor interceptor = JitAccessInterceptor.of(fx.jit, () -> {
      throw new IllegalStateException("directory down");
    });
    Orders orders = proxy(new Orders(), interceptor);
    assertThat(catchDenied(() -> orders.cancel("7")).decision().reason()).isEqualTo("no subject");
  }

  @Test
  void anotherSubjectsGrantDoesNotCount() {
    fx.grant(BOB, "prod/db/orders", "write");
    assertThatThrownBy(() -> fx.proxy(new Orders()).cancel("7")).isInstanceOf(JitAccessDeniedException.class);
  }

  @Test
  void unannotatedMethodsRunWithoutACheck() {
    fx.caller.set(null);
    assertThat(fx.proxy(new Orders()).open()).isEqualTo("open");
    assertThat(fx.audit.events()).isEmpty();
  }

  // ---------------------------------------------------------------- resource expressions

  @Test
  void spelResourceOverArgumentNames() {
    fx.grant(ALICE, "orders/42", "read");
    Orders target = new Orders();
    Orders orders = fx.proxy(target);
    assertThat(orders.show("42")).isEqualTo("order 42");
    JitAccessDeniedException denied = catchDenied(() -> orders.show("43"));
    assertThat(denied.resource()).isEqualTo("orders/43");
    assertThat(target.calls).hasValue(1);
  }

  @Test
  void spelResourceByPosition() {
    fx.grant(ALICE, "orders/42", "read");
    Orders orders = fx.proxy(new Orders());
    assertThat(orders.showByPosition("42")).isEqualTo("order 42");
    assertThatThrownBy(() -> orders.showByPosition("43")).isInstanceOf(JitAccessDeniedException.class);
  }

  @Test
  void anExpressionThatYieldsNothingOrFailsDenies() {
    fx.grant(ALICE, "orders/**", "read");
    Orders target = new Orders();
    Orders orders = fx.proxy(target);
    assertThat(catchDenied(orders::nothing).decision().reason()).isEqualTo("invalid resource name");
    assertThat(catchDenied(() -> orders.broken("1")).resource()).isNull();
    assertThat(target.calls).hasValue(0);
    assertThat(fx.events(AuditEventType.ACCESS_DENIED)).isEqualTo(2);
  }

  public record Order(String id, String customer) {
    public String ref() {
      return id;
    }
  }

  public static class NullOperands {
    final AtomicInteger calls = new AtomicInteger();

    @RequiresAccess(resource = "'orders/' + #orderId", action = "read")
    public String byArgument(String orderId) {
      calls.incrementAndGet();
      return "order " + orderId;
    }

    @RequiresAccess(resource = "'orders/' + #order.id", action = "read")
    public String byProperty(Order order) {
      calls.incrementAndGet();
      return "order " + order;
    }

    @RequiresAccess(resource = "'orders/' + #order.ref()", action = "read")
    public String byMethod(Order order) {
      calls.incrementAndGet();
      return "order " + order;
    }
  }

  @Test
  void aNullOperandDeniesAndNeverBecomesTheSegmentNull() {
    fx.grant(ALICE, "orders/*", "read");
    NullOperands target = new NullOperands();
    NullOperands orders = fx.proxy(target);
    assertThat(orders.byArgument("7")).isEqualTo("order 7");
    assertThat(orders.byProperty(new Order("8", "acme"))).startsWith("order ");
    assertThat(orders.byMethod(new Order("9", "acme"))).startsWith("order ");
    assertThat(catchDenied(() -> orders.byArgument(null)).resource()).isNull();
    assertThat(catchDenied(() -> orders.byProperty(new Order(null, "acme"))).resource()).isNull();
    assertThat(catchDenied(() -> orders.byMethod(new Order(null, "acme"))).resource()).isNull();
    assertThat(catchDenied(() -> orders.byProperty(null)).resource()).isNull();
    assertThat(target.calls).hasValue(3);
    assertThat(fx.events(AuditEventType.ACCESS_DENIED)).isEqualTo(4);
  }

  public static class UndefinedVariable {
    @RequiresAccess(resource = "'orders/' + #missing", action = "read")
    public void run(String orderId) {}
  }

  public static class MisspelledParameter {
    @RequiresAccess(resource = "'orders/' + #orderid", action = "read")
    public void run(String orderId) {}
  }

  public static class PositionOutOfRange {
    @RequiresAccess(resource = "'orders/' + #p0 + '/' + #a1", action = "read")
    public void run(String orderId) {}
  }

  public static class UndefinedFunction {
    @RequiresAccess(resource = "'orders/' + #lookup(#p0)", action = "read")
    public void run(String orderId) {}
  }

  public static class KnownVariables {
    @RequiresAccess(resource = "'orders/' + #orderId + '/' + #p1 + '/' + #a1 + '/' + #root", action = "read")
    public void run(String orderId, String line) {}
  }

  @Test
  void anUndefinedVariableFailsWhenTheProxyIsMade() {
    assertThatThrownBy(() -> AopUtils.canApply(fx.interceptor, UndefinedVariable.class))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("#missing").hasMessageContaining("UndefinedVariable.run")
        .hasMessageContaining("#orderId, #p0, #a0");
    assertThatThrownBy(() -> AopUtils.canApply(fx.interceptor, MisspelledParameter.class))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("#orderid");
    assertThatThrownBy(() -> AopUtils.canApply(fx.interceptor, PositionOutOfRange.class))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("#a1");
    assertThatThrownBy(() -> AopUtils.canApply(fx.interceptor, UndefinedFunction.class))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("#lookup");
    assertThat(AopUtils.canApply(fx.interceptor, KnownVariables.class)).isTrue();
  }

  @Test
  void anExpressionYieldingAPatternIsDenied() {
    fx.grant(ALICE, "orders/**", "read");
    Orders orders = fx.proxy(new Orders());
    assertThat(catchDenied(() -> orders.show("**")).decision().reason()).isEqualTo("invalid resource name");
  }

  // ---------------------------------------------------------------- where the annotation is found

  @Test
  void metaAnnotation() {
    Orders orders = fx.proxy(new Orders());
    assertThatThrownBy(orders::purge).isInstanceOf(JitAccessDeniedException.class)
        .hasMessageContaining("write on prod/db/orders");
    fx.grant(ALICE, "prod/db/orders", "write");
    assertThat(orders.purge()).isEqualTo("purged");
  }

  @Test
  void typeLevelAppliesToPublicMethodsAndMethodLevelWins() {
    Reports reports = fx.proxy(new Reports());
    assertThat(reports.toString()).isEqualTo("reports");
    assertThat(catchDenied(reports::daily).resource()).isEqualTo("prod/db/reports");
    assertThat(catchDenied(reports::rebuild).resource()).isEqualTo("prod/db/orders");

    fx.grant(ALICE, "prod/db/reports", "read");
    assertThat(reports.daily()).isEqualTo("daily");
    assertThatThrownBy(reports::rebuild).isInstanceOf(JitAccessDeniedException.class);
    fx.grant(ALICE, "prod/db/orders", "write");
    assertThat(reports.rebuild()).isEqualTo("rebuilt");
  }

  @Test
  void annotationOnAnInterfaceMethodWithInterfaceAndClassProxies() {
    Inventory byInterface = fx.proxy(new InventoryImpl(), false);
    Inventory bySubclass = fx.proxy(new InventoryImpl(), true);
    assertThat(AopUtils.isJdkDynamicProxy(byInterface)).isTrue();
    assertThat(AopUtils.isCglibProxy(bySubclass)).isTrue();
    assertThatThrownBy(byInterface::count).isInstanceOf(JitAccessDeniedException.class);
    assertThatThrownBy(bySubclass::count).isInstanceOf(JitAccessDeniedException.class);
    fx.grant(ALICE, "prod/db/inventory", "read");
    assertThat(byInterface.count()).isEqualTo("42");
    assertThat(bySubclass.count()).isEqualTo("42");
  }

  @Test
  void metaAnnotationOnAnInterfaceType() {
    Ledger ledger = fx.proxy(new LedgerImpl(), false);
    assertThatThrownBy(ledger::post).isInstanceOf(JitAccessDeniedException.class);
    fx.grant(ALICE, "prod/db/orders", "write");
    assertThat(ledger.post()).isEqualTo("posted");
  }

  public interface Counter {
    String count();
  }

  public static class GuardedCounter implements Counter {
    @Override
    @RequiresAccess(resource = "prod/db/inventory", action = "read")
    public String count() {
      return "guarded";
    }
  }

  public static class OpenCounter implements Counter {
    @Override
    public String count() {
      return "open";
    }
  }

  @Test
  void aMatchedMethodWhoseAttributeCannotBeResolvedForTheCurrentTargetIsDenied() {
    HotSwappableTargetSource targets = new HotSwappableTargetSource(new GuardedCounter());
    ProxyFactory factory = new ProxyFactory();
    factory.setTargetSource(targets);
    factory.addInterface(Counter.class);
    factory.addAdvisor(fx.interceptor);
    Counter counter = (Counter) factory.getProxy();
    assertThatThrownBy(counter::count).isInstanceOf(JitAccessDeniedException.class);

    // The proxy keeps the advice it matched for count(); the new target's class carries no annotation.
    targets.swap(new OpenCounter());
    JitAccessDeniedException denied = catchDenied(counter::count);
    assertThat(denied.decision().code()).isEqualTo(AccessDecision.Code.UNRESOLVED);
    assertThat(denied.decision().reason()).contains("no @RequiresAccess or @ElevatedAccess").contains("count");
  }

  // ---------------------------------------------------------------- exceptions and the MDC

  @Test
  void anExceptionFromTheMethodPropagatesAndTheMdcIsCleared() {
    fx.grant(ALICE, "prod/db/orders", "write");
    Orders target = new Orders();
    Orders orders = fx.proxy(target);
    assertThatThrownBy(orders::fail).isInstanceOf(IllegalStateException.class).hasMessage("boom");
    assertThat(target.calls).hasValue(1);
    assertThat(MDC.get("jit.grantId")).isNull();
    assertThat(MDC.get("jit.requestId")).isNull();
  }

  @Test
  void theMdcHoldsTheGrantDuringTheCallOnly() {
    Grant grant = fx.grant(ALICE, "prod/db/orders", "write");
    String result = fx.proxy(new Orders()).cancel("1");
    assertThat(result).endsWith(grant.id() + "/" + grant.requestId());
    assertThat(MDC.get("jit.grantId")).isNull();
    assertThat(MDC.get("jit.requestId")).isNull();
  }

  public static class Outer {
    final Orders inner;
    final AtomicReference<String> seenAfterInner = new AtomicReference<>();

    Outer(Orders inner) {
      this.inner = inner;
    }

    @RequiresAccess(resource = "prod/db/orders", action = "write")
    public String run() {
      String before = MDC.get("jit.grantId");
      String innerResult = inner.show("5");
      seenAfterInner.set(MDC.get("jit.grantId"));
      return before + " " + innerResult;
    }
  }

  @Test
  void nestedCallsRestoreTheEnclosingGrant() {
    Grant outerGrant = fx.grant(ALICE, "prod/db/orders", "write");
    fx.grant(ALICE, "orders/5", "read");
    Outer outer = new Outer(fx.proxy(new Orders()));
    Outer proxied = fx.proxy(outer);
    assertThat(proxied.run()).isEqualTo(outerGrant.id() + " order 5");
    assertThat(outer.seenAfterInner).hasValue(outerGrant.id());
    assertThat(MDC.get("jit.grantId")).isNull();
  }

  @Test
  void anEnclosingMdcValueOfTheApplicationIsRestored() {
    fx.grant(ALICE, "prod/db/orders", "write");
    MDC.put("jit.grantId", "outer-value");
    fx.proxy(new Orders()).cancel("1");
    assertThat(MDC.get("jit.grantId")).isEqualTo("outer-value");
    assertThat(MDC.get("jit.requestId")).isNull();
  }

  // ---------------------------------------------------------------- expiry and revocation

  @Test
  void accessEndsWithTheGrant() {
    Grant grant = fx.grant(ALICE, "prod/db/orders", "write");
    Orders orders = fx.proxy(new Orders());
    orders.cancel("1");
    fx.clock.advance(Duration.ofMinutes(31));
    assertThatThrownBy(() -> orders.cancel("2")).isInstanceOf(JitAccessDeniedException.class);

    Grant second = fx.grant(ALICE, "prod/db/orders", "write");
    orders.cancel("3");
    fx.jit.revoke(second.id(), BOB, "done");
    assertThatThrownBy(() -> orders.cancel("4")).isInstanceOf(JitAccessDeniedException.class);
    assertThat(grant.id()).isNotEqualTo(second.id());
  }

  // ---------------------------------------------------------------- denial exceptions

  static final class CustomDenied extends RuntimeException {
    CustomDenied(AccessDecision decision) {
      super(decision.reason());
    }
  }

  @Test
  void aDenialExceptionFactoryDecidesWhatIsThrown() {
    JitAccessInterceptor interceptor = JitAccessInterceptor.builder(() -> fx.jit)
        .subjectResolver(fx.subjects)
        .denialExceptionFactory((decision, resource, action) -> new CustomDenied(decision))
        .order(5)
        .build();
    assertThat(interceptor.getOrder()).isEqualTo(5);
    Orders orders = proxy(new Orders(), interceptor);
    assertThatThrownBy(() -> orders.cancel("1")).isInstanceOf(CustomDenied.class).hasMessageContaining("no active");
  }

  @Test
  void theDefaultOrderComesAfterSpringSecurityAndBeforeTransactions() {
    assertThat(fx.interceptor.getOrder()).isEqualTo(JitAccessInterceptor.DEFAULT_ORDER).isGreaterThan(600);
    assertThat(fx.interceptor.getAdvice()).isSameAs(fx.interceptor);
  }

  // ---------------------------------------------------------------- startup errors

  public static class TwoDifferent {
    @RequiresAccess(resource = "orders/1", action = "read")
    @ProdDbWrite
    public void run() {}
  }

  public interface ReadsOrders {
    @RequiresAccess(resource = "orders/1", action = "read")
    void run();
  }

  public interface WritesOrders {
    @RequiresAccess(resource = "orders/1", action = "write")
    void run();
  }

  public static class InheritsTwo implements ReadsOrders, WritesOrders {
    @Override
    public void run() {}
  }

  public static class OverridesTwo implements ReadsOrders, WritesOrders {
    @Override
    @RequiresAccess(resource = "orders/2", action = "read")
    public void run() {}
  }

  public static class BothKinds {
    @RequiresAccess(resource = "jobs/1", action = "run")
    @ElevatedAccess(resource = "jobs/1", action = "run", justification = "JOB-1")
    public void run() {}
  }

  public static class SameTwice {
    @RequiresAccess(resource = "prod/db/orders", action = "write")
    @ProdDbWrite
    public String run() {
      return "ran";
    }
  }

  public static class WildcardResource {
    @RequiresAccess(resource = "orders/**", action = "read")
    public void run() {}
  }

  public static class BadAction {
    @RequiresAccess(resource = "orders/1", action = "Read")
    public void run() {}
  }

  public static class BadExpression {
    @RequiresAccess(resource = "'orders/' + ", action = "read")
    public void run() {}
  }

  public static class BadDuration {
    @ElevatedAccess(resource = "jobs/1", action = "run", justification = "JOB-1", duration = "soon")
    public void run() {}
  }

  @Test
  void ambiguousAnnotationsFailWhenTheProxyIsMade() {
    assertThatThrownBy(() -> AopUtils.canApply(fx.interceptor, TwoDifferent.class))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("Ambiguous");
    assertThatThrownBy(() -> AopUtils.canApply(fx.interceptor, InheritsTwo.class))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("disagree");
    assertThatThrownBy(() -> AopUtils.canApply(fx.interceptor, BothKinds.class))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("Ambiguous");
  }

  @Test
  void theSameAnnotationTwiceIsNotAmbiguousAndAnOwnDeclarationWins() {
    assertThat(AopUtils.canApply(fx.interceptor, SameTwice.class)).isTrue();
    fx.grant(ALICE, "prod/db/orders", "write");
    assertThat(fx.proxy(new SameTwice()).run()).isEqualTo("ran");

    OverridesTwo overrides = fx.proxy(new OverridesTwo());
    assertThat(catchDenied(overrides::run).resource()).isEqualTo("orders/2");
  }

  @Test
  void invalidAnnotationsFailWhenTheProxyIsMade() {
    assertThatThrownBy(() -> AopUtils.canApply(fx.interceptor, WildcardResource.class))
        .hasMessageContaining("concrete resource name");
    assertThatThrownBy(() -> AopUtils.canApply(fx.interceptor, BadAction.class))
        .hasMessageContaining("Invalid action 'Read'");
    assertThatThrownBy(() -> AopUtils.canApply(fx.interceptor, BadExpression.class))
        .hasMessageContaining("Invalid resource expression");
    assertThatThrownBy(() -> AopUtils.canApply(fx.interceptor, BadDuration.class))
        .hasMessageContaining("Invalid duration 'soon'");
  }

  @Test
  void classesWithoutAnnotationsAreNotProxied() {
    assertThat(AopUtils.canApply(fx.interceptor, String.class)).isFalse();
    assertThat(AopUtils.canApply(fx.interceptor, Fixture.class)).isFalse();
    assertThat(AopUtils.canApply(fx.interceptor, Orders.class)).isTrue();
  }

  // ---------------------------------------------------------------- durations

  @Nested
  class Durations {
    @Test
    void isoAndShortForms() {
      assertThat(AccessAttributeSource.duration("PT5M", "x")).isEqualTo(Duration.ofMinutes(5));
      assertThat(AccessAttributeSource.duration("5m", "x")).isEqualTo(Duration.ofMinutes(5));
      assertThat(AccessAttributeSource.duration("250ms", "x")).isEqualTo(Duration.ofMillis(250));
      assertThat(AccessAttributeSource.duration("30s", "x")).isEqualTo(Duration.ofSeconds(30));
      assertThat(AccessAttributeSource.duration("2h", "x")).isEqualTo(Duration.ofHours(2));
      assertThat(AccessAttributeSource.duration("1d", "x")).isEqualTo(Duration.ofDays(1));
      assertThatThrownBy(() -> AccessAttributeSource.duration("0s", "x")).hasMessageContaining("positive");
      assertThatThrownBy(() -> AccessAttributeSource.duration("-PT1M", "x")).hasMessageContaining("positive");
    }
  }

  // ---------------------------------------------------------------- helpers

  static <T> T proxy(T target, JitAccessInterceptor interceptor) {
    ProxyFactory factory = new ProxyFactory(target);
    factory.setProxyTargetClass(true);
    factory.addAdvisor(interceptor);
    @SuppressWarnings("unchecked")
    T proxy = (T) factory.getProxy();
    return proxy;
  }

  static JitAccessDeniedException catchDenied(Runnable call) {
    try {
      call.run();
    } catch (JitAccessDeniedException e) {
      return e;
    }
    throw new AssertionError("expected a denial");
  }
}
