package dev.jitaccess.credential.database;

import dev.jitaccess.Grant;
import dev.jitaccess.ResourcePattern;
import dev.jitaccess.internal.Validate;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which privilege statements a grant's login gets: for a resource pattern and an action, statements such as
 * {@code GRANT SELECT ON orders TO {{name}}}. Immutable and thread-safe.
 *
 * <p>The only placeholder is <code>{{name}}</code>, the login as the dialect quotes it for privilege statements,
 * and each statement must use it: a statement naming nobody (or {@code PUBLIC}) would give the privilege to
 * others. A template may hold one statement, no comment and no quote of any kind: the statements are the
 * operator's, but a template read from configuration must not be able to smuggle in a second statement or quote
 * the login itself. Objects are therefore named unquoted ({@code orders}, {@code app.orders}).
 *
 * <p>A grant of a concrete resource uses the first entry per action whose pattern matches it; a grant of a
 * pattern uses the first entry whose pattern is the same text. Every action of a grant must be mapped, or no
 * login is made: a login with less than the grant says would be a surprise, one with more a leak.
 */
public final class PrivilegeMapping {

  /** The placeholder for the login in a template. */
  public static final String NAME = "{{name}}";
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([^{}]*)}}");
  private static final int MAX_TEMPLATE_LENGTH = 1024;

  private final List<Entry> entries;

  private PrivilegeMapping(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The statements that give the grant's login what the grant allows, the login quoted as {@code grantee}.
   *
   * @throws IllegalStateException naming the resource and action when an action of the grant is not mapped
   */
  List<String> statementsFor(Grant grant, String grantee) {
    List<String> statements = new ArrayList<>();
    for (String action : grant.actions()) {
      Entry entry = entryFor(grant.resource(), action);
      if (entry == null) {
        throw new IllegalStateException("no privilege mapping for " + grant.resource() + ":" + action
            + "; no database login was made for grant " + grant.id());
      }
      for (String template : entry.templates) {
        statements.add(template.replace(NAME, grantee));
      }
    }
    return statements;
  }

  private Entry entryFor(String resource, String action) {
    boolean concrete = ResourcePattern.isName(resource);
    for (Entry entry : entries) {
      if (entry.action.equals(action)
          && (concrete ? entry.pattern.matches(resource) : entry.pattern.text().equals(resource))) {
        return entry;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return "PrivilegeMapping" + entries;
  }

  private record Entry(ResourcePattern pattern, String action, List<String> templates) {
    @Override
    public String toString() {
      return pattern.text() + ":" + action + " -> " + templates;
    }
  }

  /** Collects entries; each is checked when it is added. Not thread-safe. */
  public static final class Builder {
    private final List<Entry> entries = new ArrayList<>();

    private Builder() {}

    /**
     * Maps an action on a resource pattern to statements.
     *
     * @throws IllegalArgumentException naming the field for a bad pattern, action or template
     */
    public Builder map(String resourcePattern, String action, String... templates) {
      ResourcePattern pattern = ResourcePattern.parse("resourcePattern", resourcePattern);
      Validate.action("action", action);
      Validate.notNull("templates", templates);
      Validate.requireArgument(templates.length > 0, "templates", "none", "must name at least one statement");
      List<String> checked = new ArrayList<>();
      for (String template : templates) {
        checked.add(checkTemplate(template));
      }
      entries.add(new Entry(pattern, action, List.copyOf(checked)));
      return this;
    }

    public PrivilegeMapping build() {
      Validate.requireArgument(!entries.isEmpty(), "privileges", "empty", "must map at least one action");
      return new PrivilegeMapping(entries);
    }

    private static String checkTemplate(String template) {
      String field = "template";
      Validate.notNull(field, template);
      if (template.isBlank()) {
        throw new IllegalArgumentException(field + " must not be blank");
      }
      if (template.length() > MAX_TEMPLATE_LENGTH) {
        throw Validate.bad(field, template, "must be at most " + MAX_TEMPLATE_LENGTH + " characters");
      }
      for (int i = 0; i < template.length(); i++) {
        char c = template.charAt(i);
        if (c == '\'' || c == '"' || c == '`') {
          throw Validate.bad(field, template, "must not contain a quote (name objects unquoted; the login is "
              + NAME + ", quoted by the dialect)");
        }
        if (c == ';' || c == '\\' || Character.isISOControl(c) && !Character.isWhitespace(c)) {
          throw Validate.bad(field, template, "must be a single statement without ';', '\\' or control characters");
        }
      }
      if (template.contains("--") || template.contains("/*") || template.contains("#")) {
        throw Validate.bad(field, template, "must not contain a comment");
      }
      Matcher m = PLACEHOLDER.matcher(template);
      int names = 0;
      while (m.find()) {
        if (!m.group().equals(NAME)) {
          throw Validate.bad(field, template, "may use only the placeholder " + NAME + ", not " + m.group());
        }
        names++;
      }
      String rest = template.replace(NAME, "");
      if (rest.contains("{") || rest.contains("}")) {
        throw Validate.bad(field, template, "may use only the placeholder " + NAME + " (a stray brace)");
      }
      if (names == 0) {
        throw Validate.bad(field, template, "must name the login as " + NAME);
      }
      return template;
    }
  }
}
