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
 *   <li>{@code resources}: {@link ResourcePattern} texts; the rule decides every request that <em>touches</em>
 *       it: one of them shares a name with the requested resource and one of the requested actions is the
 *       rule's (see {@link RulePolicy}, also for requests that are themselves patterns).
 *   <li>{@code actions}: the actions the rule may grant. A request that touches the rule and also asks for
 *       another action is denied by this rule; it does not fall through to a later rule.
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
 *   <li>approval mode, exactly one of:
 *       <ul>
 *         <li>{@link Builder#autoApprove()}: a request that passes the checks is granted at once;
 *         <li>{@link Builder#requireApprovals(int) requireApprovals(n)}: a request that passes the checks waits
 *             for {@code n} distinct approvals (see {@link ApprovalRequirement}) from the listed
 *             {@link Builder#approvers approvers} and/or members of the listed
 *             {@link Builder#approverGroups approverGroups} (at least one of the two). The requester never
 *             approves its own request unless {@link Builder#selfApproval selfApproval(true)}. The request
 *             waits at most {@link Builder#reviewWindow reviewWindow} (default
 *             {@link ApprovalRequirement#DEFAULT_REVIEW_WINDOW}). The rule builds its {@link ApprovalRequirement}
 *             once; the engine enforces it (who is eligible, counting, the review window).
 *       </ul>
 *       The approval settings only make sense with {@code requireApprovals}, so setting one of them with
 *       {@code autoApprove()} is rejected. Separation of duties is checked when the rule is built: with no
 *       approver groups, {@code n} must not exceed the listed approvers, and, unless self-approval is allowed,
 *       a listed requester who is also a listed approver must still find {@code n} approvers besides itself.
 *   <li>break-glass (emergency access, {@link dev.jitaccess.AccessRequest#breakGlass()}): off unless
 *       {@link Builder#breakGlass(Duration) breakGlass(maxDuration)}. A break-glass request must name an
 *       incident id ({@link dev.jitaccess.AccessRequest#reference()}), which must contain
 *       {@link Builder#incidentPattern incidentPattern} when one is set, and may last at most the break-glass
 *       max duration (the normal {@code maxDuration} does not apply to it). It needs no ticket: the
 *       justification pattern does not apply, though a justification is still required when the rule requires
 *       one. It needs no approver, even on a rule that requires approvals. It cannot be extended.
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
  @Nullable private final ApprovalRequirement approvalRequirement;
  /**
   * Approvers who, as requesters, could never be approved (self-approval excluded, no approver groups, and
   * {@code n} equal to the listed approvers); empty when there is no such case.
   */
  private final Set<Subject> stuckRequesters;
  @Nullable private final Duration breakGlassMaxDuration;
  @Nullable private final Pattern incidentPattern;

  private AccessRule(Builder b, Duration maxLifetime, boolean justificationRequired,
      @Nullable ApprovalRequirement approvalRequirement) {
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
    this.approvalRequirement = approvalRequirement;
    this.stuckRequesters = approvalRequirement != null && approvalRequirement.approverGroups().isEmpty()
        && !approvalRequirement.selfApprovalAllowed()
        && approvalRequirement.approvals() >= approvalRequirement.approvers().size()
        ? approvalRequirement.approvers() : Set.of();
    this.breakGlassMaxDuration = b.breakGlassMaxDuration;
    this.incidentPattern = b.incidentPattern;
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

  /** What a request must gather before it is granted, when the rule requires approvals; empty for auto-approve. */
  public Optional<ApprovalRequirement> approvalRequirement() {
    return Optional.ofNullable(approvalRequirement);
  }

  /** Whether the rule allows break-glass requests. */
  public boolean allowsBreakGlass() {
    return breakGlassMaxDuration != null;
  }

  /** The longest duration of a break-glass request, when the rule allows break-glass. */
  public Optional<Duration> breakGlassMaxDuration() {
    return Optional.ofNullable(breakGlassMaxDuration);
  }

  /** The regular expression the incident id of a break-glass request must contain, if any. */
  public Optional<String> incidentPattern() {
    return incidentPattern == null ? Optional.empty() : Optional.of(incidentPattern.pattern());
  }

  // ---- used by RulePolicy -------------------------------------------------------------------------------

  /**
   * Whether a request for {@code actions} on {@code requested} (a concrete name or a pattern) touches this rule:
   * one of its patterns shares a name with {@code requested} and one of {@code actions} is the rule's. Such a
   * request is the rule's to decide, also for the part of it the rule does not cover.
   */
  boolean touches(ResourcePattern requested, Set<String> actions) {
    if (!intersectsActions(actions)) {
      return false;
    }
    for (ResourcePattern p : resources) {
      if (p.intersects(requested)) {
        return true;
      }
    }
    return false;
  }

  private boolean intersectsActions(Set<String> requested) {
    for (String action : requested) {
      if (actions.contains(action)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether one of the rule's patterns covers every name of {@code requested} ({@link ResourcePattern#covers}:
   * sound, so a request that only the rule's patterns together would cover is not covered).
   */
  boolean covers(ResourcePattern requested) {
    for (ResourcePattern p : resources) {
      if (p.covers(requested)) {
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
    return justificationProblem(justification, true);
  }

  /**
   * Why {@code justification} does not satisfy the rule for a break-glass request, or {@code null} when it
   * does: it must be present when the rule requires one, but the pattern (a ticket) does not apply.
   */
  @Nullable
  String breakGlassJustificationProblem(@Nullable String justification) {
    return justificationProblem(justification, false);
  }

  @Nullable
  private String justificationProblem(@Nullable String justification, boolean applyPattern) {
    if (!justificationRequired) {
      return null;
    }
    boolean pattern = applyPattern && justificationPattern != null;
    if (justification == null || justification.isBlank()) {
      return pattern
          ? "rule " + name + " requires a justification matching " + shown(justificationPattern)
          : "rule " + name + " requires a justification";
    }
    if (pattern) {
      try {
        if (!justificationPattern.matcher(new BoundedCharSequence(justification)).find()) {
          return "justification must match " + shown(justificationPattern) + " (rule " + name + ")";
        }
      } catch (BoundedCharSequence.BudgetExceeded e) {
        return "justification could not be checked against the pattern of rule " + name;
      }
    }
    return null;
  }

  /**
   * Why the incident id {@code reference} of a break-glass request does not satisfy the rule, or {@code null}
   * when it does. The reason never repeats the incident id.
   */
  @Nullable
  String incidentProblem(@Nullable String reference) {
    if (reference == null || reference.isBlank()) {
      return "rule " + name + " requires an incident id (the request's reference) for break-glass";
    }
    if (incidentPattern != null) {
      try {
        if (!incidentPattern.matcher(new BoundedCharSequence(reference)).find()) {
          return "incident id must match " + shown(incidentPattern) + " (rule " + name + ")";
        }
      } catch (BoundedCharSequence.BudgetExceeded e) {
        return "incident id could not be checked against the incident pattern of rule " + name;
      }
    }
    return null;
  }

  /**
   * Whether a request of {@code requester} could never gather its approvals: it is one of the listed approvers,
   * self-approval is excluded, there are no approver groups, and the other listed approvers are too few.
   */
  boolean cannotBeApprovedFor(Subject requester) {
    return stuckRequesters.contains(requester);
  }

  private static String shown(Pattern pattern) {
    String p = pattern.pattern();
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
        + " maxLifetime=" + maxLifetime
        + (approvalRequirement == null ? " autoApprove" : " approvals=" + approvalRequirement.approvals())
        + (breakGlassMaxDuration == null ? "" : " breakGlass=" + breakGlassMaxDuration) + "]";
  }

  /**
   * A justification (or incident id) as the regex engine sees it, with a budget of character reads, so that an
   * unlucky pattern (catastrophic backtracking) on a hostile justification fails in bounded time instead of
   * holding a request thread. Justifications are at most {@value Validate#MAX_TEXT_LENGTH} characters, so even a
   * pattern that is quadratic on a failing search ({@code .*INC-\\d+}) reads about a million characters, well
   * within it.
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
        super("pattern took too long", null, false, false);
      }
    }
  }

  /**
   * Builds an {@link AccessRule}. Setters validate at once and name the field they reject; each field may be set
   * once. Not thread-safe.
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
    private Integer requiredApprovals;
    private Set<Subject> approvers;
    private Set<String> approverGroups;
    private Boolean selfApproval;
    private Duration reviewWindow;
    private Duration breakGlassMaxDuration;
    private Pattern incidentPattern;

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
      this.justificationPattern = compile("justificationPattern", regex);
      return this;
    }

    /**
     * Approval mode: requests the rule allows are granted at once, without approvals. The alternative to
     * {@link #requireApprovals(int)}.
     */
    public Builder autoApprove() {
      if (autoApprove) {
        throw new IllegalStateException("approval mode was already set to auto-approve");
      }
      this.autoApprove = true;
      return this;
    }

    /**
     * Approval mode: requests the rule allows wait for {@code approvals} distinct approvals, 1 to
     * {@value ApprovalRequirement#MAX_APPROVALS}, from the {@link #approvers} and/or members of the
     * {@link #approverGroups} (at least one of the two must be set). The alternative to {@link #autoApprove()}.
     */
    public Builder requireApprovals(int approvals) {
      requireUnset("requireApprovals", requiredApprovals);
      Validate.requireArgument(approvals >= 1 && approvals <= ApprovalRequirement.MAX_APPROVALS, "requireApprovals",
          approvals, "must be between 1 and " + ApprovalRequirement.MAX_APPROVALS);
      this.requiredApprovals = approvals;
      return this;
    }

    /** Subjects who may approve; only with {@link #requireApprovals}. Combined with approverGroups by "or". */
    public Builder approvers(Subject... subjects) {
      Validate.notNull("approvers", subjects);
      return approvers(Arrays.asList(subjects.clone()));
    }

    /** Subjects who may approve; only with {@link #requireApprovals}. Combined with approverGroups by "or". */
    public Builder approvers(Collection<Subject> subjects) {
      requireUnset("approvers", approvers);
      Validate.notNull("approvers", subjects);
      Validate.requireArgument(!subjects.isEmpty(), "approvers", subjects, "must name at least one subject");
      LinkedHashSet<Subject> set = new LinkedHashSet<>();
      for (Subject s : subjects) {
        set.add(Validate.notNull("approvers", s));
      }
      this.approvers = Collections.unmodifiableSet(set);
      return this;
    }

    /**
     * Groups whose members may approve requests (membership as the application tells the engine); only with
     * {@link #requireApprovals}. Combined with {@link #approvers} by "or".
     */
    public Builder approverGroups(String... groups) {
      Validate.notNull("approverGroups", groups);
      return approverGroups(Arrays.asList(groups.clone()));
    }

    /**
     * Groups whose members may approve requests (membership as the application tells the engine); only with
     * {@link #requireApprovals}. Combined with {@link #approvers} by "or".
     */
    public Builder approverGroups(Collection<String> groups) {
      requireUnset("approverGroups", approverGroups);
      Validate.notNull("approverGroups", groups);
      Validate.requireArgument(!groups.isEmpty(), "approverGroups", groups, "must name at least one group");
      TreeSet<String> sorted = new TreeSet<>();
      for (String g : groups) {
        sorted.add(Validate.id("approverGroups", g));
      }
      this.approverGroups = Collections.unmodifiableSet(sorted);
      return this;
    }

    /** Whether the requester may approve its own request; default {@code false}. Only with requireApprovals. */
    public Builder selfApproval(boolean allowed) {
      requireUnset("selfApproval", selfApproval);
      this.selfApproval = allowed;
      return this;
    }

    /**
     * How long a request waits for its approvals before it expires; default
     * {@link ApprovalRequirement#DEFAULT_REVIEW_WINDOW}. Only with {@link #requireApprovals}.
     */
    public Builder reviewWindow(Duration reviewWindow) {
      requireUnset("reviewWindow", this.reviewWindow);
      this.reviewWindow = Validate.duration("reviewWindow", reviewWindow);
      return this;
    }

    /**
     * Allows break-glass requests on this rule, each for at most {@code maxDuration} (the normal
     * {@link #maxDuration} does not apply to them). They need an incident id, no approver, and no ticket.
     */
    public Builder breakGlass(Duration maxDuration) {
      requireUnset("breakGlass", breakGlassMaxDuration);
      this.breakGlassMaxDuration = Validate.duration("breakGlass", maxDuration);
      return this;
    }

    /**
     * A Java regular expression that must be found in the incident id of a break-glass request; only with
     * {@link #breakGlass}. Trusted configuration; its text may appear in deny reasons.
     */
    public Builder incidentPattern(String regex) {
      requireUnset("incidentPattern", incidentPattern);
      this.incidentPattern = compile("incidentPattern", regex);
      return this;
    }

    /**
     * Builds the rule.
     *
     * @throws IllegalArgumentException naming the field when a required field is missing ({@code resources},
     *     {@code actions}, {@code maxDuration}, exactly one approval mode, approvers or approver groups when
     *     approvals are required) or settings contradict each other (approval settings without
     *     {@code requireApprovals}, an incident pattern without break-glass, approvals that could never be met)
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
      ApprovalRequirement requirement = approvalRequirement(prefix);
      if (incidentPattern != null && breakGlassMaxDuration == null) {
        throw new IllegalArgumentException(prefix + "incidentPattern applies only to break-glass requests, "
            + "which the rule does not allow: set breakGlass(maxDuration) too");
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
      return new AccessRule(this, lifetime, required, requirement);
    }

    /** The approval mode checked for consistency: {@code null} for auto-approve, else what a request must gather. */
    @Nullable
    private ApprovalRequirement approvalRequirement(String prefix) {
      boolean approvals = requiredApprovals != null;
      if (autoApprove && approvals) {
        throw new IllegalArgumentException(prefix
            + "choose one approval mode, autoApprove() or requireApprovals(n), not both");
      }
      if (!autoApprove && !approvals) {
        throw new IllegalArgumentException(prefix
            + "an approval mode must be chosen: autoApprove() or requireApprovals(n)");
      }
      if (!approvals) {
        String stray = approvers != null ? "approvers" : approverGroups != null ? "approverGroups"
            : selfApproval != null ? "selfApproval" : reviewWindow != null ? "reviewWindow" : null;
        if (stray != null) {
          throw new IllegalArgumentException(prefix + stray
              + " applies only with requireApprovals(n), not with autoApprove()");
        }
        return null;
      }
      if (approvers == null && approverGroups == null) {
        throw new IllegalArgumentException(prefix
            + "requireApprovals(n) needs approvers or approverGroups to name who can approve");
      }
      int n = requiredApprovals;
      Set<Subject> listed = approvers == null ? Set.of() : approvers;
      boolean self = Boolean.TRUE.equals(selfApproval);
      if (approverGroups == null) {
        if (n > listed.size()) {
          throw new IllegalArgumentException(prefix + "requireApprovals " + n + " can never be met: only "
              + approvers(listed.size(), "") + " listed and no approverGroups");
        }
        if (!self && requesters != null) {
          for (Subject requester : requesters) {
            if (listed.contains(requester) && n > listed.size() - 1) {
              throw new IllegalArgumentException(prefix + "requireApprovals " + n
                  + " can never be met for requester " + requester + ", who is a listed approver: self-approval is"
                  + " excluded and only " + approvers(listed.size() - 1, "other ") + " listed");
            }
          }
        }
      }
      return new ApprovalRequirement(n, listed, approverGroups == null ? Set.of() : approverGroups, self,
          reviewWindow == null ? ApprovalRequirement.DEFAULT_REVIEW_WINDOW : reviewWindow);
    }

    private static String approvers(int count, String other) {
      return count + " " + other + (count == 1 ? "approver is" : "approvers are");
    }

    private static Pattern compile(String field, String regex) {
      Validate.requiredText(field, regex);
      try {
        return Pattern.compile(regex);
      } catch (PatternSyntaxException e) {
        throw Validate.bad(field, regex,
            "must be a valid regular expression (" + e.getDescription() + " at index " + e.getIndex() + ")");
      }
    }

    private static void requireUnset(String field, @Nullable Object current) {
      if (current != null) {
        throw new IllegalStateException(field + " was already set to " + current);
      }
    }
  }
}
