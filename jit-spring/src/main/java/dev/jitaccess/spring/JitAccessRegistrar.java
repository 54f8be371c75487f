package dev.jitaccess.spring;

import dev.jitaccess.JitAccessManager;
import java.util.Map;
import org.springframework.aop.config.AopConfigUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.type.AnnotationMetadata;

/** What {@link EnableJitAccess} registers: an auto-proxy creator if needed, and the interceptor. */
final class JitAccessRegistrar implements ImportBeanDefinitionRegistrar, BeanFactoryAware {

  /** The interceptor's bean name. */
  static final String INTERCEPTOR_BEAN_NAME = "jitAccessInterceptor";

  private BeanFactory beanFactory;

  @Override
  public void setBeanFactory(BeanFactory beanFactory) {
    this.beanFactory = beanFactory;
  }

  @Override
  public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
    Map<String, Object> attributes = metadata.getAnnotationAttributes(EnableJitAccess.class.getName());
    boolean proxyTargetClass = attributes != null && Boolean.TRUE.equals(attributes.get("proxyTargetClass"));
    int order = attributes == null ? JitAccessInterceptor.DEFAULT_ORDER : (Integer) attributes.get("order");
    AopConfigUtils.registerAutoProxyCreatorIfNecessary(registry);
    if (proxyTargetClass) {
      AopConfigUtils.forceAutoProxyCreatorToUseClassProxying(registry);
    }
    if (registry.containsBeanDefinition(INTERCEPTOR_BEAN_NAME)) {
      return;
    }
    BeanFactory beans = beanFactory;
    RootBeanDefinition definition = new RootBeanDefinition(JitAccessInterceptor.class,
        () -> JitAccessDefaults.interceptor(beans.getBeanProvider(JitAccessManager.class),
            beans.getBeanProvider(SubjectResolver.class), beans.getBeanProvider(DenialExceptionFactory.class), order));
    definition.setRole(BeanDefinition.ROLE_INFRASTRUCTURE);
    registry.registerBeanDefinition(INTERCEPTOR_BEAN_NAME, definition);
  }
}
