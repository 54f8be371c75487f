package dev.jitaccess.spring.boot;

import dev.jitaccess.credential.SignedTokenVerifier;
import dev.jitaccess.spring.security.JitAccessJwtDecoder;
import java.util.Base64;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.Grant;
import dev.jitaccess.GrantState;
import dev.jitaccess.Subject;
import dev.jitaccess.credential.SignedTokenIssuer;
import dev.jitaccess.credential.SigningKeys;
import dev.jitaccess.credential.SigningKeys.Algorithm;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Our JWKS endpoint as a Spring Boot resource server uses it: one application serves
 * {@code /.well-known/jwks.json} from its {@link SigningKeys} bean, another (spring-boot-starter-oauth2-resource-server,
 * Spring Security's Nimbus decoder, {@code jwk-set-uri} pointed at the first) guards an endpoint with our tokens.
 */
class JwksResourceServerInteropTest {

  private static final HttpClient http = HttpClient.newHttpClient();
  private static final KeyPair EC = SigningKeys.generateKeyPair(Algorithm.ES256);
  private static final KeyPair ED = SigningKeys.generateKeyPair(Algorithm.EDDSA);
  /** What the issuing application holds: both key pairs and an HMAC key, ES256 active. */
  private static final SigningKeys KEYS = SigningKeys.builder()
      .key("hmac-1", "0123456789abcdefghijklmnopqrstuv-secret".getBytes(StandardCharsets.UTF_8))
      .keyPair("ed-1", ED).keyPair("ec-1", EC).active("ec-1").build();
  /** The same Ed25519 key pair, active, to sign the EdDSA token. */
  private static final SigningKeys ED_ACTIVE = SigningKeys.builder().keyPair("ed-1", ED).build();

  private static ConfigurableApplicationContext issuerApp;
  private static ConfigurableApplicationContext resourceServer;
  private static int issuerPort;
  private static int resourceServerPort;
  private static ConfigurableApplicationContext ourDecoderResourceServer;
  private static int ourDecoderPort;

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class IssuerApp {

    @Bean
    SigningKeys signingKeys() {
      return KEYS;
    }

    /** The application opens the key set itself, and only it. */
    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
      http.authorizeHttpRequests(requests -> requests
          .requestMatchers("/.well-known/jwks.json").permitAll()
          .anyRequest().authenticated());
      return http.build();
    }
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(ProtectedController.class)
  static class ResourceServerApp {
  }

  /** A resource server that takes EdDSA too: it declares our decoder over the same key set. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(ProtectedController.class)
  static class OurDecoderResourceServerApp {

    @Bean
    JwtDecoder jwtDecoder(@Value("${test.jwk-set-uri}") String jwkSetUri) {
      return new JitAccessJwtDecoder(SignedTokenVerifier.fromJwks(URI.create(jwkSetUri), Duration.ofMinutes(5))
          .allowUnrevocableTokens().build());
    }
  }

  @RestController
  public static class ProtectedController {
    @GetMapping("/protected")
    public String show(@AuthenticationPrincipal Jwt jwt) {
      return "hello " + jwt.getSubject() + " on " + jwt.getClaimAsString("resource");
    }
  }

  @BeforeAll
  static void start() {
    issuerApp = new SpringApplicationBuilder(IssuerApp.class).properties(
        "server.port=0",
        "jit.access.tokens.jwks-endpoint.enabled=true").run();
    issuerPort = issuerApp.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    resourceServer = new SpringApplicationBuilder(ResourceServerApp.class).properties(
        "server.port=0",
        "jit.access.enabled=false",
        "spring.security.oauth2.resourceserver.jwt.jwk-set-uri=http://127.0.0.1:" + issuerPort
            + "/.well-known/jwks.json",
        "spring.security.oauth2.resourceserver.jwt.jws-algorithms=ES256").run();
    resourceServerPort = resourceServer.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    ourDecoderResourceServer = new SpringApplicationBuilder(OurDecoderResourceServerApp.class).properties(
        "server.port=0",
        "jit.access.enabled=false",
        "test.jwk-set-uri=http://127.0.0.1:" + issuerPort + "/.well-known/jwks.json").run();
    ourDecoderPort = ourDecoderResourceServer.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
  }

  @AfterAll
  static void stop() {
    if (ourDecoderResourceServer != null) {
      ourDecoderResourceServer.close();
    }
    if (resourceServer != null) {
      resourceServer.close();
    }
    if (issuerApp != null) {
      issuerApp.close();
    }
  }

  @Test
  void theKeySetIsServedWithoutAuthenticationWhenTheApplicationPermitsItWithPublicKeysOnly() throws Exception {
    HttpResponse<String> response = get(issuerPort, "/.well-known/jwks.json", null);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/jwk-set+json"));
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("max-age=300");
    assertThat(response.body()).isEqualTo(KEYS.publicJwks())
        .contains("\"ec-1\"", "\"ed-1\"").doesNotContain("hmac-1", "\"d\"");
  }

  @Test
  void theRestOfTheIssuingApplicationStaysBehindItsSecurity() throws Exception {
    // No login is configured, so Spring Security's default entry point answers 403.
    assertThat(get(issuerPort, "/actuator/health", null).statusCode()).isEqualTo(403);
  }

  @Test
  void theResourceServerAcceptsOurEs256Token() throws Exception {
    HttpResponse<String> response = get(resourceServerPort, "/protected", token(KEYS));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("hello alice on prod/orders");
  }

  @Test
  void theResourceServerRefusesATamperedEs256Token() throws Exception {
    String token = token(KEYS);
    String[] parts = token.split("\\.");
    String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(
        new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
            .replace("prod/orders", "prod/payroll").getBytes(StandardCharsets.UTF_8));

    HttpResponse<String> response = get(resourceServerPort, "/protected", parts[0] + "." + forged + "." + parts[2]);

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        challenge -> assertThat(challenge).contains("invalid_token"));
    assertThat(get(resourceServerPort, "/protected", null).statusCode()).isEqualTo(401);
  }

  /**
   * Spring Security (6.5 and 7.0) has no EdDSA: its {@code SignatureAlgorithm}, which Boot's {@code jws-algorithms}
   * maps to, lists RS, ES and PS algorithms only, and Nimbus verifies Ed25519 only with Google Tink. The resource
   * server therefore refuses our EdDSA token although the key set holds its key: EdDSA is for our own verifier.
   */
  @Test
  void theResourceServerRefusesOurEdDsaTokenAsSpringSecurityHasNoEdDsa() throws Exception {
    HttpResponse<String> response = get(resourceServerPort, "/protected", token(ED_ACTIVE));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(challenge -> assertThat(challenge)
        .contains("invalid_token", "Another algorithm expected, or no matching key(s) found"));
  }

  @Test
  void withOurDecoderTheResourceServerAcceptsOurEdDsaAndEs256TokensAndRefusesTamperedOnes() throws Exception {
    String edDsa = token(ED_ACTIVE);
    String es256 = token(KEYS);

    HttpResponse<String> accepted = get(ourDecoderPort, "/protected", edDsa);
    assertThat(accepted.statusCode()).as("%s", accepted.headers().map()).isEqualTo(200);
    assertThat(accepted.body()).isEqualTo("hello alice on prod/orders");
    assertThat(get(ourDecoderPort, "/protected", es256).statusCode()).isEqualTo(200);
    for (String token : List.of(edDsa, es256)) {
      String[] parts = token.split("\\.");
      String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
          new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
              .replace("prod/orders", "prod/payments").getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
      HttpResponse<String> refused = get(ourDecoderPort, "/protected", tampered);
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
          challenge -> assertThat(challenge).contains("invalid_token"));
    }
  }

  private static String token(SigningKeys keys) {
    Instant now = Instant.now();
    Grant grant = new Grant("g-" + keys.activeKeyId(), "r-1", Subject.user("alice"), "prod/orders", Set.of("read"),
        now.minusSeconds(5), now.plus(Duration.ofMinutes(10)), GrantState.ACTIVE, null, null, List.of(), false,
        "orders-read", 1, null, null);
    return SignedTokenIssuer.builder().keys(keys).build().issue(grant).secret();
  }

  private static HttpResponse<String> get(int port, String path, String bearer) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET();
    if (bearer != null) {
      request.header("Authorization", "Bearer " + bearer);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
