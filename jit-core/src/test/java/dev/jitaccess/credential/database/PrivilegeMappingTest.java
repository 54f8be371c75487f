package dev.jitaccess.credential.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.Grant;
import dev.jitaccess.GrantState;
import dev.jitaccess.Subject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Templates are the operator's, but one read from configuration must not smuggle in more than it says. */
class PrivilegeMappingTest {

  private static Grant grant(String resource, String... actions) {
    Instant now = Instant.parse("2026-12-03T10:00:00Z");
    return new Grant("g-1", "r-1", Subject.user("alice"), resource, Set.of(actions), now,
        now.plus(Duration.ofMinutes(5)), GrantState.ACTIVE, "why", null, List.of(), false, "rule", 0, null, null);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "GRANT SELECT ON orders TO {{name}}; DROP TABLE orders",
      "GRANT SELECT ON orders TO {{name}} -- and more",
      "GRANT SELECT ON orders TO {{name}} /* hidden */",
      "GRANT SELECT ON orders TO {{name}} # mysql comment",
      "GRANT SELECT ON orders TO '{{name}}'",
      "GRANT SELECT ON \"orders\" TO {{name}}",
      "GRANT SELECT ON `orders` TO {{name}}",
      "GRANT SELECT ON orders TO {{name}} \\g",
      "GRANT SELECT ON orders TO {{user}}",
      "GRANT SELECT ON orders TO {{ name }}",
      "GRANT SELECT ON orders TO {{name}",
      "GRANT SELECT ON orders TO {{name}}}",
      "GRANT SELECT ON orders TO PUBLIC",
      "GRANT SELECT ON orders TO {{name}}\u0000",
      "   "})
  void aHostileOrMalformedTemplateIsRefusedAtBuildTimeNamingTheField(String template) {
    assertThatThrownBy(() -> PrivilegeMapping.builder().map("db/orders", "read", template))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("template");
  }

  @Test
  void aBadPatternOrActionIsRefusedNamingTheField() {
    assertThatThrownBy(() -> PrivilegeMapping.builder().map("db//orders", "read", "GRANT SELECT ON o TO {{name}}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("resourcePattern");
    assertThatThrownBy(() -> PrivilegeMapping.builder().map("db/orders", "Read;", "GRANT SELECT ON o TO {{name}}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("action");
    assertThatThrownBy(() -> PrivilegeMapping.builder().map("db/orders", "read"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("templates");
    assertThatThrownBy(() -> PrivilegeMapping.builder().build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("privileges");
  }

  @Test
  void aConcreteGrantUsesTheFirstMatchingEntryPerAction() {
    PrivilegeMapping mapping = PrivilegeMapping.builder()
        .map("db/orders", "read", "GRANT SELECT ON orders TO {{name}}")
        .map("db/*", "read", "GRANT SELECT ON everything TO {{name}}")
        .map("db/*", "write", "GRANT INSERT ON orders TO {{name}}", "GRANT UPDATE ON orders TO {{name}}")
        .build();

    assertThat(mapping.statementsFor(grant("db/orders", "read"), "\"jit_x\""))
        .containsExactly("GRANT SELECT ON orders TO \"jit_x\"");
    assertThat(mapping.statementsFor(grant("db/orders", "write"), "\"jit_x\""))
        .containsExactly("GRANT INSERT ON orders TO \"jit_x\"", "GRANT UPDATE ON orders TO \"jit_x\"");
    assertThat(mapping.statementsFor(grant("db/items", "read"), "\"jit_x\""))
        .containsExactly("GRANT SELECT ON everything TO \"jit_x\"");
  }

  @Test
  void aPatternGrantNeedsAnEntryForTheSamePatternNotOneThatMerelyMatchesSomeOfIt() {
    PrivilegeMapping mapping = PrivilegeMapping.builder()
        .map("db/orders", "read", "GRANT SELECT ON orders TO {{name}}")
        .map("db/**", "read", "GRANT SELECT ON ALL TABLES IN SCHEMA app TO {{name}}")
        .build();

    assertThat(mapping.statementsFor(grant("db/**", "read"), "x")).containsExactly(
        "GRANT SELECT ON ALL TABLES IN SCHEMA app TO x");
    assertThatThrownBy(() -> mapping.statementsFor(grant("db/*", "read"), "x"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("db/*:read");
  }

  @Test
  void anUnmappedActionOfTheGrantIsAnError() {
    PrivilegeMapping mapping = PrivilegeMapping.builder()
        .map("db/orders", "read", "GRANT SELECT ON orders TO {{name}}")
        .build();

    assertThatThrownBy(() -> mapping.statementsFor(grant("db/orders", "read", "write"), "x"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("db/orders:write");
  }

  @Test
  void loginNamesComeFromTheGrantIdAndFitEveryDatabase() {
    String login = LoginNames.loginFor("jit_", "grant-1");

    assertThat(login).matches("jit_[0-9a-f]{20}").isEqualTo(LoginNames.loginFor("jit_", "grant-1"));
    assertThat(LoginNames.loginFor("jit_", "grant-2")).isNotEqualTo(login);
    assertThat(LoginNames.isOurs("jit_", login)).isTrue();
    assertThat(LoginNames.isOurs("jit_", "jit_admin")).isFalse();
    assertThat(LoginNames.loginFor("abcdefghijkl", "g").length()).isLessThanOrEqualTo(32);
  }

  @Test
  void passwordsAreLongRandomAndNeedNoQuoting() {
    String a = LoginNames.newPassword();

    assertThat(a).matches("[A-Za-z0-9]{32}").isNotEqualTo(LoginNames.newPassword());
  }

  @Test
  void aBadPrefixIsRefusedNamingTheField() {
    assertThatThrownBy(() -> DatabaseCredentialIssuer.builder().loginPrefix("Jit\"; DROP"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("loginPrefix");
    assertThatThrownBy(() -> DatabaseCredentialIssuer.builder().loginPrefix("much_too_long_prefix_"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("loginPrefix");
    assertThatThrownBy(() -> DatabaseCredentialIssuer.builder().jdbcUrl("jdbc:postgresql://db/app?password=x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("jdbcUrl")
        .hasMessageNotContaining("password=x");
    assertThatThrownBy(() -> DatabaseCredentialIssuer.builder().build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("adminDataSource");
  }

  @Test
  void dialectsQuoteIdentifiers() {
    assertThat(DatabaseDialect.postgresql().quoteIdentifier("a\"b")).isEqualTo("\"a\"\"b\"");
    assertThat(DatabaseDialect.mariadb().quoteIdentifier("a`b")).isEqualTo("`a``b`");
    assertThat(DatabaseDialect.mariadb().grantee("jit_x")).isEqualTo("'jit_x'@'%'");
    assertThatThrownBy(() -> DatabaseDialect.mariadb().grantee("x'@'%' IDENTIFIED BY 'y"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
