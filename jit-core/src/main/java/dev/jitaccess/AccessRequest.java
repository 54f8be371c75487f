package dev.jitaccess;

import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A subject's ask for access to one resource (or a pattern of resources), for some actions, for a while.
 *
 * <p>Build one with {@link #builder()}; every setter checks its argument at once and names the field when it
 * rejects it, and {@link Builder#build()} checks that the required fields are present.
 *
 * @param subject who asks
 * @param resource the resource name, or a pattern ({@link ResourcePattern})
 * @param actions the actions asked for, sorted; at least one
 * @param duration how long the access should last once it starts
 * @param justification why, in the requester's words; policies may require it or a pattern in it
 * @param reference a ticket or incident id, if any
 * @param startAt when the access should start, for scheduled access; {@code null} means now
 * @param breakGlass emergency access that bypasses approvals where policy allows it
 * @param groups the requester's group memberships as the application knows them, for the policy to read
 * @param attributes other facts about the request for the policy to read (small, printable)
 */
public record AccessRequest(
    Subject subject,
    String resource,
    Set<String> actions,
    Duration duration,
    @Nullable String justification,
    @Nullable String reference,
    @Nullable Instant startAt,
    boolean breakGlass,
    Set<String> groups,
    Map<String, String> attributes) {

  /** Most actions on one request or grant. */
  public static final int MAX_ACTIONS = 16;
  /** Most groups or attributes on one request. */
  public static final int MAX_ENTRIES = 64;

  public AccessRequest {
    Validate.notNull("subject", subject);
    ResourcePattern.parse("resource", resource);
    actions = checkedActions(actions);
    Validate.duration("duration", duration);
    Validate.text("justification", justification);
    if (reference != null) {
      Validate.id("reference", reference);
    }
    checkStart(startAt);
    groups = checkedGroups(groups);
    attributes = checkedAttributes(attributes);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder seeded with this request, to change a field or two. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.subject = subject;
    b.resource = resource;
    b.actions = actions;
    b.duration = duration;
    b.justification = justification;
    b.reference = reference;
    b.startAt = startAt;
    b.breakGlass = breakGlass;
    b.groups = groups;
    b.attributes = attributes;
    return b;
  }

  /** The widest window a start may fall in; the engine further limits it to a year ahead of now. */
  private static final Instant EARLIEST_START = Instant.parse("2000-01-01T00:00:00Z");
  private static final Instant LATEST_START = Instant.parse("3000-01-01T00:00:00Z");

  @Nullable
  private static Instant checkStart(@Nullable Instant startAt) {
    if (startAt != null && (startAt.isBefore(EARLIEST_START) || startAt.isAfter(LATEST_START))) {
      throw Validate.bad("startAt", startAt.toString(), "must be between " + EARLIEST_START + " and " + LATEST_START);
    }
    return startAt;
  }

  /** The checked, sorted, immutable actions: see {@link ActionSet}, which equal sets share. */
  static Set<String> checkedActions(@Nullable Collection<String> actions) {
    return ActionSet.of(actions);
  }

  private static Set<String> checkedGroups(@Nullable Set<String> groups) {
    if (groups == null || groups.isEmpty()) {
      return Set.of();
    }
    if (groups.size() > MAX_ENTRIES) {
      throw new IllegalArgumentException("groups must have at most " + MAX_ENTRIES + ", got " + groups.size());
    }
    for (String group : groups) {
      Validate.id("group", group);
    }
    return Collections.unmodifiableSet(new TreeSet<>(groups));
  }

  private static Map<String, String> checkedAttributes(@Nullable Map<String, String> attributes) {
    if (attributes == null || attributes.isEmpty()) {
      return Map.of();
    }
    if (attributes.size() > MAX_ENTRIES) {
      throw new IllegalArgumentException(
          "attributes must have at most " + MAX_ENTRIES + ", got " + attributes.size());
    }
    Map<String, String> copy = new LinkedHashMap<>();
    attributes.forEach((k, v) -> copy.put(Validate.id("attribute name", k), Validate.requiredText("attribute " + k, v)));
    return Collections.unmodifiableMap(copy);
  }

  /** Builds an {@link AccessRequest}; each setter validates its argument immediately. Not thread-safe. */
  public static final class Builder {
    private Subject subject;
    private String resource;
    private Set<String> actions;
    private Duration duration;
    private String justification;
    private String reference;
    private Instant startAt;
    private boolean breakGlass;
    private Set<String> groups = Set.of();
    private Map<String, String> attributes = Map.of();

    private Builder() {}

    public Builder subject(Subject subject) {
      this.subject = Validate.notNull("subject", subject);
      return this;
    }

    public Builder resource(String resource) {
      this.resource = ResourcePattern.parse("resource", resource).text();
      return this;
    }

    public Builder actions(String... actions) {
      Validate.notNull("actions", actions);
      return actions(Arrays.asList(actions.clone()));
    }

    public Builder actions(Collection<String> actions) {
      this.actions = checkedActions(actions);
      return this;
    }

    public Builder duration(Duration duration) {
      this.duration = Validate.duration("duration", duration);
      return this;
    }

    public Builder justification(@Nullable String justification) {
      this.justification = Validate.text("justification", justification);
      return this;
    }

    /** A ticket or incident id. */
    public Builder reference(@Nullable String reference) {
      this.reference = reference == null ? null : Validate.id("reference", reference);
      return this;
    }

    /** Scheduled access: start later than now. */
    public Builder startAt(@Nullable Instant startAt) {
      this.startAt = checkStart(startAt);
      return this;
    }

    public Builder breakGlass(boolean breakGlass) {
      this.breakGlass = breakGlass;
      return this;
    }

    public Builder groups(Set<String> groups) {
      this.groups = checkedGroups(Validate.notNull("groups", groups));
      return this;
    }

    public Builder attributes(Map<String, String> attributes) {
      this.attributes = checkedAttributes(Validate.notNull("attributes", attributes));
      return this;
    }

    public AccessRequest build() {
      return new AccessRequest(subject, resource, actions, duration, justification, reference, startAt,
          breakGlass, groups, attributes);
    }
  }
}
