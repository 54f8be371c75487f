package dev.jitaccess.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.credential.SigningKeys;
import dev.jitaccess.credential.SigningKeys.Algorithm;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/** When the JWKS route exists: opted in, a servlet application, a SigningKeys bean with a key pair. */
class JwksEndpointAutoConfigurationTest {

  private static final String ROUTE = "jitAccessJwksRoute";
  private static final String ENABLED = "jit.access.tokens.jwks-endpoint.enabled=true";

  private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(JitAccessJwksAutoConfiguration.class))
      .withBean(SigningKeys.class, () -> SigningKeys.generate("ec-1", Algorithm.ES256));

  @Test
  void theKeySetIsNotServedUnlessTheApplicationOptsIn() {
    runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ROUTE));
    runner.withPropertyValues(ENABLED)
        .run(context -> assertThat(context).hasBean(ROUTE));
    runner.withPropertyValues(ENABLED, "jit.access.enabled=false")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ROUTE));
  }

  @Test
  void withoutSigningKeysOrOutsideAServletApplicationThereIsNoRoute() {
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(JitAccessJwksAutoConfiguration.class))
        .withPropertyValues(ENABLED)
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ROUTE));
    new ReactiveWebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(JitAccessJwksAutoConfiguration.class))
        .withBean(SigningKeys.class, () -> SigningKeys.generate("ec-1", Algorithm.ES256))
        .withPropertyValues(ENABLED)
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ROUTE));
  }

  @Test
  void optingInWithOnlyHmacKeysFailsTheStartupInsteadOfPublishingAnEmptySet() {
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(JitAccessJwksAutoConfiguration.class))
        .withBean(SigningKeys.class, () -> SigningKeys.generate("hmac-1"))
        .withPropertyValues(ENABLED)
        .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
            .hasMessageContaining("jit.access.tokens.jwks-endpoint.enabled=true")
            .hasMessageContaining("no ES256 or EdDSA key pair"));
  }
}
