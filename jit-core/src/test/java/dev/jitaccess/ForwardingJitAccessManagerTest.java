package dev.jitaccess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.policy.PolicyDecision;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardingJitAccessManagerTest {

  @Test
  void forwardsEveryAbstractMethodAndLeavesTheDefaultsToGoThroughIt() throws NoSuchMethodException {
    for (Method method : JitAccessManager.class.getMethods()) {
      if (Modifier.isStatic(method.getModifiers())) {
        continue;
      }
      Method own = ForwardingJitAccessManager.class.getMethod(method.getName(), method.getParameterTypes());
      assertThat(own.getDeclaringClass()).as(method.getName())
          .isEqualTo(method.isDefault() ? JitAccessManager.class : ForwardingJitAccessManager.class);
    }
  }

  @Test
  void aDecoratorSeesTheCallsItOverridesAndTheRestGoesOn() {
    List<String> heard = new ArrayList<>();
    try (JitAccessManager inner = JitAccessManager.builder().policy(request -> PolicyDecision.deny("no")).build();
        JitAccessManager outer = new ForwardingJitAccessManager(inner) {
          @Override
          public AccessDecision check(Subject subject, String resource, String action) {
            heard.add(action);
            return super.check(subject, resource, action);
          }
        }) {
      assertThat(outer.isAllowed(Subject.user("alice"), "prod/db", "read")).isFalse();
      assertThat(heard).containsExactly("read");
      assertThat(outer.activeGrants(Subject.user("alice"))).isEmpty();
      assertThat(outer.toString()).endsWith("[" + inner + "]");
    }
    assertThatThrownBy(() -> new ForwardingJitAccessManager(null) {}).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("delegate");
  }
}
