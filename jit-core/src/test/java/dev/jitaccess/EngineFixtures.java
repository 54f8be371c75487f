package dev.jitaccess;

import dev.jitaccess.store.GrantStore;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Creates {@link EngineFixture}s for a test and closes them after it: {@code @RegisterExtension}. */
final class EngineFixtures implements AfterEachCallback {

  private final List<EngineFixture> open = new ArrayList<>();

  EngineFixture create() {
    return create(b -> {});
  }

  EngineFixture create(Consumer<JitAccessManager.Builder> customizer) {
    return track(new EngineFixture(customizer));
  }

  EngineFixture create(GrantStore store, Consumer<JitAccessManager.Builder> customizer) {
    return track(new EngineFixture(store, customizer));
  }

  private EngineFixture track(EngineFixture fixture) {
    open.add(fixture);
    return fixture;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    open.forEach(EngineFixture::close);
    open.clear();
  }
}
