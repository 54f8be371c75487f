package dev.jitaccess.spring.boot;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.Subject;
import dev.jitaccess.UsageAudit;
import dev.jitaccess.audit.JsonLinesAuditSink;
import dev.jitaccess.store.jdbc.JdbcGrantStore;
import dev.jitaccess.spring.JitAccessInterceptor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of jit-access under {@code jit.access}: the engine's settings and, for applications that need no
 * Java policy code, the policy rules.
 *
 * <pre>
 * jit:
 *   access:
 *     tick: 10ms
 *     expiry-warning: 5m
 *     policy:
 *       rules:
 *         - name: orders-read
 *           resources: prod/db/orders/**
 *           actions: read
 *           requester-groups: sre
 *           max-duration: 30m
 *           justification-pattern: "^(INC|CHG)-\\d+"
 *         - name: orders-write
 *           resources: prod/db/orders/**
 *           actions: write
 *           max-duration: 15m
 *           approvals: 1
 *           approver-groups: dba-leads
 * </pre>
 */
@ConfigurationProperties(prefix = "jit.access")
public class JitAccessProperties {

  /** Whether jit-access is on: the manager, the enforcement of @RequiresAccess, metrics and the endpoint. */
  private boolean enabled = true;

  /** Resolution of the expiry timer, from 1 ms to 1 s. */
  private Duration tick = JitAccessManager.Builder.DEFAULT_TICK;

  /** How much allowed use is audited: FIRST_USE (per grant, resource and action), EVERY_USE or NONE. */
  private UsageAudit usageAudit = UsageAudit.FIRST_USE;

  /** How long before a grant ends listeners are told it expires soon; 0 for no warning. */
  private Duration expiryWarning = Duration.ZERO;

  /** How many ACCESS_DENIED audit events one subject may cause per minute; the rest are counted. */
  private int deniedEventsPerMinute = JitAccessManager.Builder.DEFAULT_DENIED_EVENTS_PER_MINUTE;

  /**
   * Order of the advisor that enforces @RequiresAccess among other advice: by default after Spring Security's
   * method security and before transactions.
   */
  private int order = JitAccessInterceptor.DEFAULT_ORDER;

  /**
   * With a grant store shared by several instances (one that publishes a change feed): how long checks trust
   * this instance's copy of the grants after the feed went silent; past it every check is denied.
   */
  private Duration stalenessBound = JitAccessManager.Builder.DEFAULT_STALENESS_BOUND;

  private final Limits limits = new Limits();

  private final Audit audit = new Audit();

  private final Store store = new Store();

  private final Policy policy = new Policy();

  private final Actuator actuator = new Actuator();

  private final Tokens tokens = new Tokens();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public Duration getTick() {
    return tick;
  }

  public void setTick(Duration tick) {
    this.tick = tick;
  }

  public UsageAudit getUsageAudit() {
    return usageAudit;
  }

  public void setUsageAudit(UsageAudit usageAudit) {
    this.usageAudit = usageAudit;
  }

  public Duration getExpiryWarning() {
    return expiryWarning;
  }

  public void setExpiryWarning(Duration expiryWarning) {
    this.expiryWarning = expiryWarning;
  }

  public int getDeniedEventsPerMinute() {
    return deniedEventsPerMinute;
  }

  public void setDeniedEventsPerMinute(int deniedEventsPerMinute) {
    this.deniedEventsPerMinute = deniedEventsPerMinute;
  }

  public int getOrder() {
    return order;
  }

  public void setOrder(int order) {
    this.order = order;
  }

  public Duration getStalenessBound() {
    return stalenessBound;
  }

  public void setStalenessBound(Duration stalenessBound) {
    this.stalenessBound = stalenessBound;
  }

  public Limits getLimits() {
    return limits;
  }

  public Audit getAudit() {
    return audit;
  }

  public Store getStore() {
    return store;
  }

  public Policy getPolicy() {
    return policy;
  }

  public Actuator getActuator() {
    return actuator;
  }

  public Tokens getTokens() {
    return tokens;
  }

  /** Signed tokens: what the application's SigningKeys bean publishes. */
  public static class Tokens {

    private final JwksEndpoint jwksEndpoint = new JwksEndpoint();

    public JwksEndpoint getJwksEndpoint() {
      return jwksEndpoint;
    }
  }

  /** The public keys of the SigningKeys bean as a JSON Web Key Set at /.well-known/jwks.json. */
  public static class JwksEndpoint {

    /**
     * Whether to serve the public keys of the application's SigningKeys bean (its ES256 and EdDSA key pairs, never
     * HMAC keys) at /.well-known/jwks.json, in a servlet Spring MVC application. Under Spring Security the
     * application must permit that path itself.
     */
    private boolean enabled = false;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }

  /** The actuator endpoint jitaccess, read-only unless management.endpoint.jitaccess.access=unrestricted. */
  public static class Actuator {

    /**
     * Authority a caller's Spring Security authentication must hold to revoke grants through the endpoint (once
     * revocation is allowed); without Spring Security nobody may.
     */
    private String revokeAuthority = "ROLE_JIT_ADMIN";

    public String getRevokeAuthority() {
      return revokeAuthority;
    }

    public void setRevokeAuthority(String revokeAuthority) {
      this.revokeAuthority = revokeAuthority;
    }
  }

  /** Where audit events go, besides any AuditSink beans of the application. */
  public static class Audit {

    private final Slf4j slf4j = new Slf4j();

    private final File file = new File();

    public Slf4j getSlf4j() {
      return slf4j;
    }

    public File getFile() {
      return file;
    }
  }

  /** The SLF4J audit sink (logger dev.jitaccess.audit), on unless the application declares its own AuditSink. */
  public static class Slf4j {

    /** Whether to log audit events through SLF4J. */
    private boolean enabled = true;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }

  /** The tamper-evident audit log: hash-chained JSON Lines files, on when a directory is set. */
  public static class File {

    /** Directory of the audit log; setting it turns the file sink on. */
    private Path directory;

    /** File name pattern: {index} (required) and {date}; must end with .jsonl. */
    private String fileName = JsonLinesAuditSink.DEFAULT_FILE_NAME;

    /** How durable an event is when the write returns: FSYNC_EACH, GROUP_COMMIT or OS_BUFFERED. */
    private JsonLinesAuditSink.Durability durability = JsonLinesAuditSink.Durability.GROUP_COMMIT;

    /** Size at which a file is closed and the next one started. */
    private DataSize maxFileSize = DataSize.ofBytes(JsonLinesAuditSink.DEFAULT_MAX_FILE_SIZE);

    /** Age at which a file is closed and the next one started; none by default. */
    private Duration rotateEvery;

    /**
     * Base64 key (at least 16 bytes): reasons and justifications are written as keyed hashes instead of text, in
     * this file, in the SLF4J audit log and in the actuator endpoint alike. A secret: supply it from the
     * environment or a vault, never from a committed file.
     */
    private String hmacKey;

    public Path getDirectory() {
      return directory;
    }

    public void setDirectory(Path directory) {
      this.directory = directory;
    }

    public String getFileName() {
      return fileName;
    }

    public void setFileName(String fileName) {
      this.fileName = fileName;
    }

    public JsonLinesAuditSink.Durability getDurability() {
      return durability;
    }

    public void setDurability(JsonLinesAuditSink.Durability durability) {
      this.durability = durability;
    }

    public DataSize getMaxFileSize() {
      return maxFileSize;
    }

    public void setMaxFileSize(DataSize maxFileSize) {
      this.maxFileSize = maxFileSize;
    }

    public Duration getRotateEvery() {
      return rotateEvery;
    }

    public void setRotateEvery(Duration rotateEvery) {
      this.rotateEvery = rotateEvery;
    }

    public String getHmacKey() {
      return hmacKey;
    }

    public void setHmacKey(String hmacKey) {
      this.hmacKey = hmacKey;
    }
  }

  /** Where grants live, unless the application declares a GrantStore bean. */
  public static class Store {

    /** MEMORY (this instance only) or JDBC (the application's DataSource, shareable by several instances). */
    private Type type = Type.MEMORY;

    private final Jdbc jdbc = new Jdbc();

    public Type getType() {
      return type;
    }

    public void setType(Type type) {
      this.type = type;
    }

    public Jdbc getJdbc() {
      return jdbc;
    }

    /** The built-in stores. */
    public enum Type {
      MEMORY,
      JDBC
    }
  }

  /** The JDBC store (PostgreSQL or H2) over the application's DataSource. */
  public static class Jdbc {

    /** Prefix of the four table names. */
    private String tablePrefix = JdbcGrantStore.DEFAULT_TABLE_PREFIX;

    /** Whether to create the tables on start (idempotent); otherwise a migration tool creates them. */
    private boolean createSchema;

    /** Whether to follow the changes other instances make; turn off for a single instance. */
    private boolean changeFeed = true;

    /** How the change feed follows other instances: AUTO, LISTEN_NOTIFY (PostgreSQL) or POLLING. */
    private JdbcGrantStore.FeedMode feedMode = JdbcGrantStore.FeedMode.AUTO;

    /** How often a polling feed reads the change log. */
    private Duration pollInterval = Duration.ofMillis(JdbcGrantStore.DEFAULT_POLL_INTERVAL_MILLIS);

    /** How often the feed proves its connection; jit.access.staleness-bound must be larger than twice it. */
    private Duration heartbeat = Duration.ofMillis(JdbcGrantStore.DEFAULT_HEARTBEAT_MILLIS);

    /** How long change log rows are kept. */
    private Duration changeLogRetention = JdbcGrantStore.DEFAULT_CHANGE_LOG_RETENTION;

    public String getTablePrefix() {
      return tablePrefix;
    }

    public void setTablePrefix(String tablePrefix) {
      this.tablePrefix = tablePrefix;
    }

    public boolean isCreateSchema() {
      return createSchema;
    }

    public void setCreateSchema(boolean createSchema) {
      this.createSchema = createSchema;
    }

    public boolean isChangeFeed() {
      return changeFeed;
    }

    public void setChangeFeed(boolean changeFeed) {
      this.changeFeed = changeFeed;
    }

    public JdbcGrantStore.FeedMode getFeedMode() {
      return feedMode;
    }

    public void setFeedMode(JdbcGrantStore.FeedMode feedMode) {
      this.feedMode = feedMode;
    }

    public Duration getPollInterval() {
      return pollInterval;
    }

    public void setPollInterval(Duration pollInterval) {
      this.pollInterval = pollInterval;
    }

    public Duration getHeartbeat() {
      return heartbeat;
    }

    public void setHeartbeat(Duration heartbeat) {
      this.heartbeat = heartbeat;
    }

    public Duration getChangeLogRetention() {
      return changeLogRetention;
    }

    public void setChangeLogRetention(Duration changeLogRetention) {
      this.changeLogRetention = changeLogRetention;
    }
  }

  /** Bounds on what one subject or one request may make the engine keep. */
  public static class Limits {

    /** Most grants one subject may hold at once (started or scheduled); a request beyond it is denied. */
    private int maxActiveGrantsPerSubject = JitAccessManager.Builder.DEFAULT_MAX_ACTIVE_GRANTS_PER_SUBJECT;

    /** Most requests of one subject that may wait for approval at once; a request beyond it is denied. */
    private int maxPendingRequestsPerSubject = JitAccessManager.Builder.DEFAULT_MAX_PENDING_REQUESTS_PER_SUBJECT;

    /** Longest justification a request may carry, 1 to 1024 characters. */
    private int maxJustificationLength = 1024;

    /** Most actions one request may ask for, 1 to 16. */
    private int maxActionsPerRequest = AccessRequest.MAX_ACTIONS;

    public int getMaxActiveGrantsPerSubject() {
      return maxActiveGrantsPerSubject;
    }

    public void setMaxActiveGrantsPerSubject(int maxActiveGrantsPerSubject) {
      this.maxActiveGrantsPerSubject = maxActiveGrantsPerSubject;
    }

    public int getMaxPendingRequestsPerSubject() {
      return maxPendingRequestsPerSubject;
    }

    public void setMaxPendingRequestsPerSubject(int maxPendingRequestsPerSubject) {
      this.maxPendingRequestsPerSubject = maxPendingRequestsPerSubject;
    }

    public int getMaxJustificationLength() {
      return maxJustificationLength;
    }

    public void setMaxJustificationLength(int maxJustificationLength) {
      this.maxJustificationLength = maxJustificationLength;
    }

    public int getMaxActionsPerRequest() {
      return maxActionsPerRequest;
    }

    public void setMaxActionsPerRequest(int maxActionsPerRequest) {
      this.maxActionsPerRequest = maxActionsPerRequest;
    }
  }

  /** The policy declared in configuration; ignored when the application declares an AccessPolicy bean. */
  public static class Policy {

    /**
     * The rules, consulted in order: the first whose resources and actions a request touches (shares a name and
     * an action with) decides it, and denies what it does not cover; none denies. Keys of
     * each rule: rules[n].name (required, unique), rules[n].resources (required), rules[n].actions (required),
     * rules[n].requesters and rules[n].requester-groups (neither: anyone), rules[n].requester-kinds (none: both
     * kinds), rules[n].max-duration (required), rules[n].max-lifetime (default max-duration),
     * rules[n].justification-required (default false), rules[n].justification-pattern (none),
     * rules[n].approvals (default 0: auto-approve), rules[n].approvers and rules[n].approver-groups (one of them
     * with approvals), rules[n].self-approval (default false), rules[n].review-window (default 1h),
     * rules[n].break-glass.max-duration (none: no break-glass) and rules[n].break-glass.incident-pattern (none).
     */
    private List<Rule> rules = new ArrayList<>();

    public List<Rule> getRules() {
      return rules;
    }

    public void setRules(List<Rule> rules) {
      this.rules = rules;
    }
  }

  /** One rule of the configured policy; see AccessRule for the meaning of each field. */
  public static class Rule {

    /** Unique name of the rule, recorded on the grants it allows. */
    private String name;

    /** Resource patterns the rule covers ('*' one segment, '**' any number). */
    private List<String> resources = new ArrayList<>();

    /** Actions the rule may grant. */
    private List<String> actions = new ArrayList<>();

    /** Subjects who may ask, as 'user:alice', 'service:ci' or 'alice' (a user); with neither these nor groups, anyone. */
    private List<String> requesters = new ArrayList<>();

    /** Groups whose members may ask (the groups the request carries). */
    private List<String> requesterGroups = new ArrayList<>();

    /** Kinds of subject that may ask (USER, SERVICE); empty for both. */
    private List<Subject.Kind> requesterKinds = new ArrayList<>();

    /** Longest duration one request may ask for. */
    private Duration maxDuration;

    /** Longest total lifetime of a grant, extensions included; default max-duration. */
    private Duration maxLifetime;

    /** Whether a non-blank justification is required (implied by a justification pattern). */
    private Boolean justificationRequired;

    /** Regular expression the justification must contain, for example a ticket id '^(INC|CHG)-\\d+'. */
    private String justificationPattern;

    /** Approvals a request needs from distinct approvers; 0 (the default) auto-approves. */
    private int approvals;

    /** Subjects who may approve ('user:bob' or 'bob'). */
    private List<String> approvers = new ArrayList<>();

    /** Groups whose members may approve, as the application's ApproverDirectory tells. */
    private List<String> approverGroups = new ArrayList<>();

    /** Whether requesters may approve their own requests. */
    private Boolean selfApproval;

    /** How long a request waits for approvals before it expires. */
    private Duration reviewWindow;

    private final BreakGlass breakGlass = new BreakGlass();

    public String getName() {
      return name;
    }

    public void setName(String name) {
      this.name = name;
    }

    public List<String> getResources() {
      return resources;
    }

    public void setResources(List<String> resources) {
      this.resources = resources;
    }

    public List<String> getActions() {
      return actions;
    }

    public void setActions(List<String> actions) {
      this.actions = actions;
    }

    public List<String> getRequesters() {
      return requesters;
    }

    public void setRequesters(List<String> requesters) {
      this.requesters = requesters;
    }

    public List<String> getRequesterGroups() {
      return requesterGroups;
    }

    public void setRequesterGroups(List<String> requesterGroups) {
      this.requesterGroups = requesterGroups;
    }

    public List<Subject.Kind> getRequesterKinds() {
      return requesterKinds;
    }

    public void setRequesterKinds(List<Subject.Kind> requesterKinds) {
      this.requesterKinds = requesterKinds;
    }

    public Duration getMaxDuration() {
      return maxDuration;
    }

    public void setMaxDuration(Duration maxDuration) {
      this.maxDuration = maxDuration;
    }

    public Duration getMaxLifetime() {
      return maxLifetime;
    }

    public void setMaxLifetime(Duration maxLifetime) {
      this.maxLifetime = maxLifetime;
    }

    public Boolean getJustificationRequired() {
      return justificationRequired;
    }

    public void setJustificationRequired(Boolean justificationRequired) {
      this.justificationRequired = justificationRequired;
    }

    public String getJustificationPattern() {
      return justificationPattern;
    }

    public void setJustificationPattern(String justificationPattern) {
      this.justificationPattern = justificationPattern;
    }

    public int getApprovals() {
      return approvals;
    }

    public void setApprovals(int approvals) {
      this.approvals = approvals;
    }

    public List<String> getApprovers() {
      return approvers;
    }

    public void setApprovers(List<String> approvers) {
      this.approvers = approvers;
    }

    public List<String> getApproverGroups() {
      return approverGroups;
    }

    public void setApproverGroups(List<String> approverGroups) {
      this.approverGroups = approverGroups;
    }

    public Boolean getSelfApproval() {
      return selfApproval;
    }

    public void setSelfApproval(Boolean selfApproval) {
      this.selfApproval = selfApproval;
    }

    public Duration getReviewWindow() {
      return reviewWindow;
    }

    public void setReviewWindow(Duration reviewWindow) {
      this.reviewWindow = reviewWindow;
    }

    public BreakGlass getBreakGlass() {
      return breakGlass;
    }
  }

  /** Emergency access under a rule; off unless max-duration is set. */
  public static class BreakGlass {

    /** Longest break-glass grant; setting it allows break-glass requests under the rule. */
    private Duration maxDuration;

    /** Regular expression the incident id of a break-glass request must contain, for example '^INC-\\d+$'. */
    private String incidentPattern;

    public Duration getMaxDuration() {
      return maxDuration;
    }

    public void setMaxDuration(Duration maxDuration) {
      this.maxDuration = maxDuration;
    }

    public String getIncidentPattern() {
      return incidentPattern;
    }

    public void setIncidentPattern(String incidentPattern) {
      this.incidentPattern = incidentPattern;
    }
  }
}
