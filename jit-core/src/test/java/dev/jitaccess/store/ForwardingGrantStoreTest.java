package dev.jitaccess.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

/** A store that only forwards is as good a store as its delegate. */
class ForwardingGrantStoreTest extends GrantStoreContract {

  @Override
  protected GrantStore createStore() {
    return new ForwardingGrantStore(new InMemoryGrantStore()) {};
  }

  @Test
  void forwardsEveryMethodOfTheInterface() throws NoSuchMethodException {
    for (Method method : GrantStore.class.getMethods()) {
      if (!Modifier.isStatic(method.getModifiers())) {
        Method own = ForwardingGrantStore.class.getDeclaredMethod(method.getName(), method.getParameterTypes());
        assertThat(Modifier.isFinal(own.getModifiers())).as(method.getName()).isFalse();
      }
    }
  }

  @Test
  void needsADelegateAndNamesIt() {
    assertThatThrownBy(() -> new ForwardingGrantStore(null) {}).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("delegate");
    GrantStore inner = new InMemoryGrantStore();
    class Metered extends ForwardingGrantStore {
      Metered() {
        super(inner);
      }
    }
    assertThat(new Metered()).hasToString("Metered[" + inner + "]");
    assertThat(new Metered().delegate()).isSameAs(inner);
  }
}
