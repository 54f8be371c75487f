package dev.jitaccess.spring.boot;

import dev.jitaccess.JitAccessManager;

/**
 * Wraps the auto-configured {@link JitAccessManager} before it becomes a bean, for example to instrument it (the
 * Micrometer support is one). Decorator beans are applied in their order; the outermost is the bean.
 */
@FunctionalInterface
public interface JitAccessManagerDecorator {

  /** The manager to expose instead of {@code manager}; it must delegate to it. */
  JitAccessManager decorate(JitAccessManager manager);
}
