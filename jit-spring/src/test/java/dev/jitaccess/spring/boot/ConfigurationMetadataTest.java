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
  private static final String WEB_PREFIX = "jit.access.web.";

  @Test
  void everyPropertyHasADescriptionAndTheDefaultTheCodeHas() {
    BeanWrapperImpl engineDefaults = new BeanWrapperImpl(new JitAccessProperties());
    BeanWrapperImpl databaseCredentialDefaults = new BeanWrapperImpl(new JitAccessDatabaseCredentialsProperties());
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
          : name.startsWith(WEB_PREFIX)
          ? webDefaults.getPropertyValue(camelCase(name.substring(WEB_PREFIX.length())))
          : engineDefaults.getPropertyValue(camelCase(name.substring(PREFIX.length())));
      boolean hasDefault = actual != null && !(actual instanceof Collection<?> c && c.isEmpty());
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
