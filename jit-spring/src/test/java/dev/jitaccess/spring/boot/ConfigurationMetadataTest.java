package dev.jitaccess.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.springframework.beans.BeanUtils;
import org.springframework.beans.BeanWrapperImpl;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.json.JsonParserFactory;

/**
 * The shipped {@code META-INF/spring-configuration-metadata.json}, as an IDE reads it: every property under
 * {@code jit.access} (the engine's, the database credentials' and the HTTP API's properties) has a description
 * and, where the code has a default, that very default; the rules' {@code rules[n].*} keys are documented.
 */
class ConfigurationMetadataTest {

  private static final String PREFIX = "jit.access.";
  private static final String DATABASE_CREDENTIALS_PREFIX = "jit.access.credentials.database.";
  private static final String NOTIFY_PREFIX = "jit.access.notify.";
  private static final String WEB_PREFIX = "jit.access.web.";

  @Test
  void everyPropertyHasADescriptionAndTheDefaultTheCodeHas() {
    BeanWrapperImpl engineDefaults = new BeanWrapperImpl(new JitAccessProperties());
    BeanWrapperImpl databaseCredentialDefaults = new BeanWrapperImpl(new JitAccessDatabaseCredentialsProperties());
    BeanWrapperImpl notifyDefaults = new BeanWrapperImpl(new JitAccessNotifyProperties());
    BeanWrapperImpl webDefaults = new BeanWrapperImpl(new JitAccessWebProperties());
    List<String> problems = new ArrayList<>();
    List<Map<String, Object>> properties = properties();
    assertThat(properties).extracting(p -> p.get("name")).contains("jit.access.tick", "jit.access.policy.rules",
        "jit.access.web.enabled", "jit.access.web.path", "jit.access.web.admin-authority");
    for (Map<String, Object> property : properties) {
      String name = (String) property.get("name");
      Object description = property.get("description");
      if (description == null || description.toString().isBlank()) {
        problems.add(name + ": no description");
      }
      if (!name.startsWith(PREFIX)) {
        continue;
      }
      Object actual = name.startsWith(DATABASE_CREDENTIALS_PREFIX)
          ? databaseCredentialDefaults.getPropertyValue(camelCase(name.substring(DATABASE_CREDENTIALS_PREFIX.length())))
          : name.startsWith(NOTIFY_PREFIX)
          ? notifyDefaults.getPropertyValue(camelCase(name.substring(NOTIFY_PREFIX.length())))
          : name.startsWith(WEB_PREFIX)
          ? webDefaults.getPropertyValue(camelCase(name.substring(WEB_PREFIX.length())))
          : engineDefaults.getPropertyValue(camelCase(name.substring(PREFIX.length())));
      boolean hasDefault = actual != null && !(actual instanceof Collection<?> c && c.isEmpty())
          && !(actual instanceof Map<?, ?> m && m.isEmpty());
      Object documented = property.get("defaultValue");
      if (hasDefault && documented == null) {
        problems.add(name + ": default " + actual + " not in the metadata");
      } else if (!hasDefault && documented != null) {
        problems.add(name + ": metadata says default " + documented + ", the code has none");
      } else if (hasDefault && !Objects.equals(
          ApplicationConversionService.getSharedInstance().convert(documented.toString(), actual.getClass()),
          actual)) {
        problems.add(name + ": metadata says default " + documented + ", the code has " + actual);
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void theRevocationOfTheEndpointIsOffByDefault() {
    assertThat(properties()).filteredOn(p -> "management.endpoint.jitaccess.access".equals(p.get("name")))
        .singleElement().satisfies(p -> assertThat(p.get("defaultValue")).isEqualTo("read_only"));
  }

  @Test
  void everyKeyOfARuleIsDocumented() {
    Map<String, Object> rules = properties().stream()
        .filter(p -> "jit.access.policy.rules".equals(p.get("name"))).findFirst().orElseThrow();
    String description = (String) rules.get("description");
    List<String> keys = new ArrayList<>();
    for (PropertyDescriptor field : BeanUtils.getPropertyDescriptors(JitAccessProperties.Rule.class)) {
      if (field.getName().equals("class")) {
        continue;
      }
      if (field.getPropertyType() == JitAccessProperties.BreakGlass.class) {
        for (PropertyDescriptor nested : BeanUtils.getPropertyDescriptors(JitAccessProperties.BreakGlass.class)) {
          if (nested.getWriteMethod() != null) {
            keys.add(kebabCase(field.getName()) + "." + kebabCase(nested.getName()));
          }
        }
      } else if (field.getWriteMethod() != null) {
        keys.add(kebabCase(field.getName()));
      }
    }
    assertThat(keys).contains("name", "max-duration", "break-glass.incident-pattern");
    assertThat(keys).allSatisfy(key -> assertThat(description).contains("rules[n]." + key));
  }

  /** A webhook's keys are no metadata properties of their own (they sit under a name): the map's text names each. */
  @Test
  void everyKeyOfAWebhookIsDocumentedWithItsDefault() {
    String description = (String) properties().stream()
        .filter(p -> "jit.access.notify.webhooks".equals(p.get("name"))).findFirst().orElseThrow().get("description");
    BeanWrapperImpl defaults = new BeanWrapperImpl(new JitAccessNotifyProperties.Webhook());
    List<String> keys = new ArrayList<>();
    for (PropertyDescriptor field : defaults.getPropertyDescriptors()) {
      if (field.getPropertyType() == JitAccessNotifyProperties.Backoff.class) {
        for (PropertyDescriptor nested : BeanUtils.getPropertyDescriptors(JitAccessNotifyProperties.Backoff.class)) {
          if (nested.getWriteMethod() != null) {
            keys.add(field.getName() + "." + nested.getName());
          }
        }
      } else if (field.getWriteMethod() != null) {
        keys.add(field.getName());
      }
    }
    assertThat(keys).contains("url", "secret", "backoff.max", "allowInsecureHttp");
    List<String> problems = new ArrayList<>();
    for (String key : keys) {
      String documented = "webhooks.NAME." + kebabCase(key);
      int at = Math.max(description.indexOf(documented + " "), description.indexOf(documented + ".")); // a map: .KEY
      if (at < 0) {
        problems.add(key + ": not in the description");
        continue;
      }
      String text = description.substring(at, description.indexOf(')', at) + 1);
      Object actual = defaults.getPropertyValue(key);
      if (actual == null || actual instanceof Map<?, ?> m && m.isEmpty()) {
        continue;
      }
      int value = text.indexOf("default ");
      String shown = value < 0 ? null : text.substring(value + "default ".length()).split("[,)]")[0];
      if (shown == null || !Objects.equals(
          ApplicationConversionService.getSharedInstance().convert(shown, actual.getClass()), actual)) {
        problems.add(key + ": the code's default " + actual + " is not the one in \"" + text + "\"");
      }
    }
    assertThat(problems).isEmpty();
  }

  /** Every property of jit-spring's metadata (the jar's own file, not those of Boot's modules). */
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> properties() {
    try {
      for (URL url : Collections.list(ConfigurationMetadataTest.class.getClassLoader()
          .getResources("META-INF/spring-configuration-metadata.json"))) {
        String json;
        try (InputStream in = url.openStream()) {
          json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, Object> metadata = JsonParserFactory.getJsonParser().parseMap(json);
        List<Map<String, Object>> groups = (List<Map<String, Object>>) metadata.get("groups");
        if (groups != null && groups.stream().anyMatch(g -> "jit.access".equals(g.get("name")))) {
          return (List<Map<String, Object>>) metadata.get("properties");
        }
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("no spring-configuration-metadata.json with the group jit.access on the classpath");
  }

  private static String camelCase(String kebab) {
    StringBuilder out = new StringBuilder(kebab.length());
    boolean upper = false;
    for (char c : kebab.toCharArray()) {
      if (c == '-') {
        upper = true;
      } else {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return out.toString();
  }

  private static String kebabCase(String camel) {
    StringBuilder out = new StringBuilder(camel.length() + 4);
    for (char c : camel.toCharArray()) {
      if (Character.isUpperCase(c)) {
        out.append('-').append(Character.toLowerCase(c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
