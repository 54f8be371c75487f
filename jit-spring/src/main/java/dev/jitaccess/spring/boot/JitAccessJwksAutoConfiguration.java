package dev.jitaccess.spring.boot;

import dev.jitaccess.credential.SigningKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * Serves the public keys of the application's {@link SigningKeys} bean at {@value #PATH} (RFC 7517 JSON Web Key
 * Set, {@code application/jwk-set+json}, cacheable for five minutes), once
 * {@code jit.access.tokens.jwks-endpoint.enabled=true}, in a servlet Spring MVC application. Only
 * {@link SigningKeys#publicJwks()} is served: public halves of ES256 and EdDSA key pairs, never an HMAC key.
 *
 * <p>Security is the application's: this adds a route, no filter and no exception. Under Spring Security the path
 * stays behind whatever the application's filter chain demands until it permits it, e.g.
 * {@code requests.requestMatchers("/.well-known/jwks.json").permitAll()}.
 *
 * <p>{@code SigningKeys} is immutable, so the set is rendered once at startup and the same bytes are served to
 * every request thread.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(name = "org.springframework.web.servlet.function.RouterFunction")
@ConditionalOnBean(SigningKeys.class)
@ConditionalOnProperty(prefix = "jit.access", name = "enabled", havingValue = "true", matchIfMissing = true)
public class JitAccessJwksAutoConfiguration {

  /** Where verifiers (and Spring's {@code jwk-set-uri}) fetch the keys. */
  public static final String PATH = "/.well-known/jwks.json";

  /** RFC 7517's media type of a key set. */
  static final MediaType JWK_SET = MediaType.parseMediaType("application/jwk-set+json");

  private static final Duration MAX_AGE = Duration.ofMinutes(5);

  /**
   * The route of {@value #PATH}.
   *
   * @throws IllegalStateException when the keys hold no key pair: the endpoint was asked for, and an empty set
   *     would only make every verifier refuse every token
   */
  @Bean
  @ConditionalOnProperty(prefix = "jit.access.tokens.jwks-endpoint", name = "enabled", havingValue = "true")
  @ConditionalOnMissingBean(name = "jitAccessJwksRoute")
  public RouterFunction<ServerResponse> jitAccessJwksRoute(SigningKeys keys) {
    if (keys.keyIds().stream().allMatch(kid -> keys.algorithm(kid) == SigningKeys.Algorithm.HS256)) {
      throw new IllegalStateException("jit.access.tokens.jwks-endpoint.enabled=true but the SigningKeys bean " + keys
          + " holds no ES256 or EdDSA key pair: there is no public key to publish");
    }
    byte[] body = keys.publicJwks().getBytes(StandardCharsets.UTF_8);
    return RouterFunctions.route().GET(PATH, request -> ServerResponse.ok()
        .contentType(JWK_SET)
        .cacheControl(CacheControl.maxAge(MAX_AGE))
        .body(body)).build();
  }
}
