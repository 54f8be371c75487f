package dev.jitaccess.policy;

import dev.jitaccess.ResourcePattern;
import dev.jitaccess.Subject;
import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One rule of a {@link RulePolicy}: which resources it covers, who may ask, for which actions, for how long,
 * with what justification, and how a request is approved. Immutable and thread-safe.
 *
 * <p>Build one with {@link #builder(String)}. Each setter checks its argument at once and names the field when
 * it rejects it ({@link IllegalArgumentException}); setting a field twice is an {@link IllegalStateException};
 * {@link Builder#build()} rejects missing required fields and contradictory settings.
 *
 * <h2>Meaning of the fields</h2>
 * <ul>
 *   <li>{@code resources}: {@link ResourcePattern} texts; the rule <em>matches</em> a request when one of them
 *       covers the requested resource (see {@link RulePolicy} for requests that are themselves patterns).
 *   <li>{@code actions}: the actions the rule may grant. A request that asks for any other action is denied
 *       by this rule; it does not fall through to a later rule.
 *   <li>{@code requesters}, {@code requesterGroups}: a requester is eligible when it is listed, or when one of
 *       the request's {@link dev.jitaccess.AccessRequest#groups() groups} is listed. With neither set, anyone
 *       is eligible. {@code requesterKinds} further limits eligibility to users or services.
 *   <li>{@code maxDuration}: the longest duration one request may ask for. A longer request is denied, never
 *       silently shortened.
 *   <li>{@code maxLifetime}: the longest total lifetime of a grant, extensions included, measured from the
 *       grant's {@code notBefore}. Defaults to {@code maxDuration}, that is, no extension beyond it.
 *   <li>{@code justificationRequired}, {@code justificationPattern}: a non-blank justification is required;
 *       a pattern (a {@link Pattern Java regular expression} that must be <em>found</em> in the justification,
 *       so anchor it with {@code ^} to demand a prefix) implies that it is required.
 *   <li>approval mode: {@link Builder#autoApprove()} is the only mode so far, and choosing one is required.
 * </ul>
 */
public final class AccessRule {

  /** Longest justification pattern shown in a deny reason; longer ones are cut. */
  private static final int SHOWN_PATTERN_CHARS = 200;

  private final String name;
  private final List<ResourcePattern> resources;
  private final Set<String> actions;
  private final Set<Subject> requesters;
  private final Set<String> requesterGroups;
  private final Set<Subject.Kind> requesterKinds;
  private final Duration maxDuration;
  private final Duration maxLifetime;
  private final boolean justificationRequired;
  @Nullable private final Pattern justificationPattern;
  private final boolean autoApprove;

  private AccessRule(Builder b, Duration maxLifetime, boolean justificationRequired) {
    this.name = b.name;
    this.resources = b.resources;
    this.actions = b.actions;
    this.requesters = b.requesters == null ? Set.of() : b.requesters;
    this.requesterGroups = b.requesterGroups == null ? Set.of() : b.requesterGroups;
    this.requesterKinds = b.requesterKinds == null ? Set.of() : b.requesterKinds;
    this.maxDuration = b.maxDuration;
    this.maxLifetime = maxLifetime;
    this.justificationRequired = justificationRequired;
    this.justificationPattern = b.justificationPattern;
    this.autoApprove = b.autoApprove;
  }

  /** Starts a rule called {@code name}, which must be a valid id and unique within its policy. */
  public static Builder builder(String name) {
    return new Builder(Validate.id("name", name));
  }

  /** The rule's name, recorded on every grant it allows. */
  public String name() {
    return name;
  }

  /** The resource patterns, in the order given. */
  public List<String> resources() {
    List<String> texts = new ArrayList<>(resources.size());
    for (ResourcePattern p : resources) {
      texts.add(p.text());
    }
    return Collections.unmodifiableList(texts);
  }

  /** The actions the rule may grant, sorted. */
  public Set<String> actions() {
    return actions;
  }

  /** The listed requesters; empty when not restricted by subject. */
  public Set<Subject> requesters() {
    return requesters;
  }

  /** The listed requester groups, sorted; empty when not restricted by group. */
  public Set<String> requesterGroups() {
    return requesterGroups;
  }

  /** The kinds of subject that may ask; empty means both. */
  public Set<Subject.Kind> requesterKinds() {
    return requesterKinds;
  }

  public Duration maxDuration() {
    return maxDuration;
  }

  public Duration maxLifetime() {
    return maxLifetime;
  }

  /** Whether a non-blank justification is required (always so when a pattern is set). */
  public boolean justificationRequired() {
    return justificationRequired;
  }

  /** The regular expression a justification must contain, if any. */
  public Optional<String> justificationPattern() {
    return justificationPattern == null ? Optional.empty() : Optional.of(justificationPattern.pattern());
  }

  /** Whether requests this rule allows are granted without approvals. */
  public boolean autoApprove() {
    return autoApprove;
  }

  // ---- used by RulePolicy -------------------------------------------------------------------------------

  /** Whether one of the rule's patterns covers {@code resource}, a concrete name or a pattern. */
  boolean covers(String resource) {
    if (ResourcePattern.isName(resource)) {
      for (ResourcePattern p : resources) {
        if (p.matches(resource)) {
          return true;
        }
      }
      return false;
    }
    ResourcePattern requested = ResourcePattern.of(resource);
    for (ResourcePattern p : resources) {
      if (RulePolicy.patternCovers(p, requested)) {
        return true;
      }
    }
    return false;
  }

  /** Eligibility of a requester of a new request: kind, then listed subject or listed group. */
  boolean admits(Subject subject, Set<String> groups) {
    if (!kindAdmits(subject)) {
      return false;
    }
    if (requesters.isEmpty() && requesterGroups.isEmpty()) {
      return true;
    }
    if (requesters.contains(subject)) {
      return true;
    }
    for (String group : groups) {
      if (requesterGroups.contains(group)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Eligibility of the holder of a grant, as far as the grant can tell: its kind, and whether it is listed
   * when the rule admits listed subjects only. Groups are not recorded on a grant, so when the rule admits
   * groups, a holder that is not listed may have qualified through one and is not rejected here.
   */
  boolean stillAdmits(Subject subject) {
    if (!kindAdmits(subject)) {
      return false;
    }
    return requesters.isEmpty() || !requesterGroups.isEmpty() || requesters.contains(subject);
  }

  private boolean kindAdmits(Subject subject) {
    return requesterKinds.isEmpty() || requesterKinds.contains(subject.kind());
  }

  /**
   * Why {@code justification} does not satisfy the rule, or {@code null} when it does. The reason says what is
   * expected and never repeats the justification.
   */
  @Nullable
  String justificationProblem(@Nullable String justification) {
    if (!justificationRequired) {
      return null;
    }
    if (justification == null || justification.isBlank()) {
      return justificationPattern == null
          ? "rule " + name + " requires a justification"
          : "rule " + name + " requires a justification matching " + shownPattern();
    }
    if (justificationPattern != null) {
      try {
        if (!justificationPattern.matcher(new BoundedCharSequence(justification)).find()) {
          return "justification must match " + shownPattern() + " (rule " + name + ")";
        }
      } catch (BoundedCharSequence.BudgetExceeded e) {
        return "justification could not be checked against the pattern of rule " + name;
      }
    }
    return null;
  }

  private String shownPattern() {
    String p = justificationPattern.pattern();
    if (p.length() <= SHOWN_PATTERN_CHARS) {
      return p;
    }
    int end = SHOWN_PATTERN_CHARS;
    if (Character.isHighSurrogate(p.charAt(end - 1))) {
      end--;
    }
    return p.substring(0, end) + "...";
  }

  @Override
  public String toString() {
    return "AccessRule[" + name + " " + resources + " " + actions + " maxDuration=" + maxDuration
        + " maxLifetime=" + maxLifetime + "]";
  }

  /**
   * A justification as the regex engine sees it, with a budget of character reads, so that an unlucky pattern
   * (catastrophic backtracking) on a hostile justification fails in bounded time instead of holding a request
   * thread. Justifications are at most {@value Validate#MAX_TEXT_LENGTH} characters, so even a pattern that
   * is quadratic on a failing search ({@code .*INC-\\d+}) reads about a million characters, well within it.
   */
  private static final class BoundedCharSequence implements CharSequence {
    private static final long BUDGET = 20_000_000;

    private final String text;
    private final long[] reads;

    BoundedCharSequence(String text) {
      this(text, new long[1]);
    }

    private BoundedCharSequence(String text, long[] reads) {
      this.text = text;
      this.reads = reads;
    }

    @Override
    public char charAt(int index) {
      if (++reads[0] > BUDGET) {
        throw new BudgetExceeded();
      }
      return text.charAt(index);
    }

    @Override
    public int length() {
      return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new BoundedCharSequence(text.substring(start, end), reads);
    }

    @Override
    public String toString() {
      return text;
    }

    static final class BudgetExceeded extends RuntimeException {
      private static final long serialVersionUID = 1L;

      BudgetExceeded() {
        super("justification pattern took too long", null, false, false);
      }
    }
  }

  /**
   * Builds an {@link AccessRule}. Setters validate at once; each field may be set once. Not thread-safe.
   */
  public static final class Builder {
    private final String name;
    private List<ResourcePattern> resources;
    private Set<String> actions;
    private Set<Subject> requesters;
    private Set<String> requesterGroups;
    private Set<Subject.Kind> requesterKinds;
    private Duration maxDuration;
    private Duration maxLifetime;
    private Boolean justificationRequired;
    private Pattern justificationPattern;
    private boolean autoApprove;

    private Builder(String name) {
      this.name = name;
    }

    /** The resource patterns the rule covers; at least one. */
    public Builder resources(String... patterns) {
      Validate.notNull("resources", patterns);
      return resources(Arrays.asList(patterns.clone()));
    }

    /** The resource patterns the rule covers; at least one. */
    public Builder resources(Collection<String> patterns) {
      requireUnset("resources", resources);
      Validate.notNull("resources", patterns);
      Validate.requireArgument(!patterns.isEmpty(), "resources", patterns, "must name at least one pattern");
      LinkedHashSet<ResourcePattern> parsed = new LinkedHashSet<>();
      for (String p : patterns) {
        parsed.add(ResourcePattern.parse("resources", p));
      }
      this.resources = List.copyOf(parsed);
      return this;
    }

    /** The actions the rule may grant; at least one. */
    public Builder actions(String... actions) {
      Validate.notNull("actions", actions);
      return actions(Arrays.asList(actions.clone()));
    }

    /** The actions the rule may grant; at least one. */
    public Builder actions(Collection<String> actions) {
      requireUnset("actions", this.actions);
      Validate.notNull("actions", actions);
      Validate.requireArgument(!actions.isEmpty(), "actions", actions, "must name at least one action");
      TreeSet<String> sorted = new TreeSet<>();
      for (String action : actions) {
        sorted.add(Validate.action("actions", action));
      }
      this.actions = Collections.unmodifiableSet(sorted);
      return this;
    }

    /** Subjects that may ask. Combined with {@link #requesterGroups} by "or". */
    public Builder requesters(Subject... subjects) {
      Validate.notNull("requesters", subjects);
      return requesters(Arrays.asList(subjects.clone()));
    }

    /** Subjects that may ask. Combined with {@link #requesterGroups} by "or". */
    public Builder requesters(Collection<Subject> subjects) {
      requireUnset("requesters", requesters);
      Validate.notNull("requesters", subjects);
      Validate.requireArgument(!subjects.isEmpty(), "requesters", subjects, "must name at least one subject");
      LinkedHashSet<Subject> set = new LinkedHashSet<>();
      for (Subject s : subjects) {
        set.add(Validate.notNull("requesters", s));
      }
      this.requesters = Collections.unmodifiableSet(set);
      return this;
    }

    /** Groups whose members may ask (as listed in the request's groups). Combined with {@link #requesters} by "or". */
    public Builder requesterGroups(String... groups) {
      Validate.notNull("requesterGroups", groups);
      return requesterGroups(Arrays.asList(groups.clone()));
    }

    /** Groups whose members may ask (as listed in the request's groups). Combined with {@link #requesters} by "or". */
    public Builder requesterGroups(Collection<String> groups) {
      requireUnset("requesterGroups", requesterGroups);
      Validate.notNull("requesterGroups", groups);
      Validate.requireArgument(!groups.isEmpty(), "requesterGroups", groups, "must name at least one group");
      TreeSet<String> sorted = new TreeSet<>();
      for (String g : groups) {
        sorted.add(Validate.id("requesterGroups", g));
      }
      this.requesterGroups = Collections.unmodifiableSet(sorted);
      return this;
    }

    /** Only these kinds of subject may ask; by default both. */
    public Builder requesterKinds(Subject.Kind... kinds) {
      requireUnset("requesterKinds", requesterKinds);
      Validate.notNull("requesterKinds", kinds);
      Validate.requireArgument(kinds.length > 0, "requesterKinds", "[]", "must name at least one kind");
      EnumSet<Subject.Kind> set = EnumSet.noneOf(Subject.Kind.class);
      for (Subject.Kind k : kinds) {
        set.add(Validate.notNull("requesterKinds", k));
      }
      this.requesterKinds = Collections.unmodifiableSet(set);
      return this;
    }

    /** The longest duration one request may ask for. Required. */
    public Builder maxDuration(Duration maxDuration) {
      requireUnset("maxDuration", this.maxDuration);
      this.maxDuration = Validate.duration("maxDuration", maxDuration);
      return this;
    }

    /** The longest total lifetime from {@code notBefore}, extensions included; default {@code maxDuration}. */
    public Builder maxLifetime(Duration maxLifetime) {
      requireUnset("maxLifetime", this.maxLifetime);
      this.maxLifetime = Validate.duration("maxLifetime", maxLifetime);
      return this;
    }

    /** Whether a non-blank justification is required; default {@code false}, or {@code true} with a pattern. */
    public Builder justificationRequired(boolean required) {
      requireUnset("justificationRequired", justificationRequired);
      this.justificationRequired = required;
      return this;
    }

    /**
     * A Java regular expression that must be found in the justification; implies that one is required. The
     * pattern comes from configuration and is trusted; its text may appear in deny reasons.
     */
    public Builder justificationPattern(String regex) {
      requireUnset("justificationPattern", justificationPattern);
      Validate.requiredText("justificationPattern", regex);
      try {
        this.justificationPattern = Pattern.compile(regex);
      } catch (PatternSyntaxException e) {
        throw Validate.bad("justificationPattern", regex,
            "must be a valid regular expression (" + e.getDescription() + " at index " + e.getIndex() + ")");
      }
      return this;
    }

    /** Requests the rule allows are granted at once, without approvals. */
    public Builder autoApprove() {
      if (autoApprove) {
        throw new IllegalStateException("approval mode was already set to auto-approve");
      }
      this.autoApprove = true;
      return this;
    }

    /**
     * Builds the rule.
     *
     * @throws IllegalArgumentException naming the field when a required field is missing ({@code resources},
     *     {@code actions}, {@code maxDuration}, an approval mode) or settings contradict each other
     */
    public AccessRule build() {
      String prefix = "rule " + name + ": ";
      if (resources == null) {
        throw new IllegalArgumentException(prefix + "resources must be set");
      }
      if (actions == null) {
        throw new IllegalArgumentException(prefix + "actions must be set");
      }
      if (maxDuration == null) {
        throw new IllegalArgumentException(prefix + "maxDuration must be set");
      }
      if (!autoApprove) {
        throw new IllegalArgumentException(prefix + "an approval mode must be chosen, such as autoApprove()");
      }
      Duration lifetime = maxLifetime == null ? maxDuration : maxLifetime;
      if (lifetime.compareTo(maxDuration) < 0) {
        throw new IllegalArgumentException(prefix + "maxLifetime " + lifetime
            + " must not be shorter than maxDuration " + maxDuration);
      }
      if (justificationPattern != null && Boolean.FALSE.equals(justificationRequired)) {
        throw new IllegalArgumentException(prefix
            + "justificationRequired(false) contradicts justificationPattern, which implies a justification");
      }
      if (requesters != null && requesterKinds != null) {
        for (Subject s : requesters) {
          if (!requesterKinds.contains(s.kind())) {
            throw new IllegalArgumentException(prefix + "requesters lists " + s
                + ", whom requesterKinds " + requesterKinds + " would never admit");
          }
        }
      }
      boolean required = justificationPattern != null || Boolean.TRUE.equals(justificationRequired);
      return new AccessRule(this, lifetime, required);
    }

    private static void requireUnset(String field, @Nullable Object current) {
      if (current != null) {
        throw new IllegalStateException(field + " was already set to " + current);
      }
    }
  }
}
