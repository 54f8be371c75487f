package dev.jitaccess.spring.web;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.BreakGlassReview;
import dev.jitaccess.ExtensionDeniedException;
import dev.jitaccess.Grant;
import dev.jitaccess.JitAccessException;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.RequestRecord;
import dev.jitaccess.RequestState;
import dev.jitaccess.Subject;
import dev.jitaccess.internal.Validate;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.RequestableAccess;
import dev.jitaccess.spring.SubjectResolver;
import dev.jitaccess.store.GrantStore;
import jakarta.annotation.Nullable;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.security.Principal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The self-service HTTP API of jit-access under {@code jit.access.web.path} (default {@code /jit}): what the caller
 * may request, its requests and grants, the requests it may review, break-glass, and for an administrator every
 * active grant and the break-glass reviews. The contract (paths, JSON documents, RFC 9457 problems with a
 * {@code code}) is in the README. The Boot auto-configuration registers it with {@code jit.access.web.enabled=true}
 * in a servlet application with Spring Security.
 *
 * <p>It is a thin layer over the {@link JitAccessManager}: the caller is the {@link SubjectResolver}'s subject (none:
 * 401), and every rule is the engine's (the policy, separation of duties, limits); the API only maps the engine's
 * answers to HTTP. Another subject's request or grant is "not found", so its existence is not revealed. Bodies are
 * JSON objects of at most {@value ApiJson#MAX_BODY_BYTES} bytes with known fields only. CSRF protection is the
 * application's Spring Security configuration; {@code GET session} hands the console its token.
 *
 * <p>Thread-safe: Spring MVC calls it from request threads concurrently; its fields are final and thread-safe.
 */
@RestController
@RequestMapping("${jit.access.web.path:/jit}")
public final class JitAccessApiController {

  private static final Logger log = LoggerFactory.getLogger(JitAccessApiController.class);

  private static final Set<String> REQUEST_FIELDS = Set.of("resource", "actions", "duration", "justification");
  private static final Set<String> BREAK_GLASS_FIELDS =
      Set.of("resource", "actions", "duration", "incidentId", "justification");
  private static final Set<String> EXTEND_FIELDS = Set.of("duration", "justification");
  private static final Set<String> COMMENT = Set.of("comment");
  private static final Set<String> REASON = Set.of("reason");

  private final JitAccessManager jit;
  private final Supplier<AccessPolicy> policy;
  private final SubjectResolver subjects;
  private final Supplier<GrantStore> store;
  private final Clock clock;
  private final Predicate<Principal> isAdministrator;
  private final RecentRequests recent = new RecentRequests();

  /**
   * @param jit the manager every call goes to
   * @param policy the policy {@code GET requestable} asks; may supply {@code null} (then nothing is offered)
   * @param subjects who the caller is
   * @param store lists every active grant for an administrator; may supply {@code null} (then none are listed)
   * @param clock the clock of the manager, for remaining times
   * @param isAdministrator whether the caller's principal may use the administrator endpoints
   */
  public JitAccessApiController(JitAccessManager jit, Supplier<AccessPolicy> policy, SubjectResolver subjects,
      Supplier<GrantStore> store, Clock clock, Predicate<Principal> isAdministrator) {
    this.jit = Objects.requireNonNull(jit, "jit");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.subjects = Objects.requireNonNull(subjects, "subjects");
    this.store = Objects.requireNonNull(store, "store");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.isAdministrator = Objects.requireNonNull(isAdministrator, "isAdministrator");
  }

  // ---- the caller ---------------------------------------------------------------------------------------------

  @GetMapping("/session")
  ResponseEntity<byte[]> session(HttpServletRequest http) {
    Subject me = caller();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("subject", ApiJson.subject(me));
    out.put("display", me.id());
    out.put("groups", List.copyOf(new java.util.TreeSet<>(groups())));
    out.put("admin", isAdministrator.test(http.getUserPrincipal()));
    out.put("serverTime", clock.instant().toString());
    Object token = http.getAttribute(CsrfToken.class.getName());
    if (token instanceof CsrfToken csrf) {
      Map<String, Object> csrfOut = new LinkedHashMap<>();
      csrfOut.put("headerName", csrf.getHeaderName());
      csrfOut.put("token", csrf.getToken());
      out.put("csrf", csrfOut);
    } else {
      out.put("csrf", dev.jitaccess.internal.json.JsonWriter.NULL); // the application turned CSRF protection off
    }
    return ok(out);
  }

  @GetMapping("/requestable")
  ResponseEntity<byte[]> requestable() {
    Subject me = caller();
    AccessPolicy rules = policy.get();
    List<Object> out = new ArrayList<>();
    if (rules != null) {
      for (RequestableAccess access : rules.requestable(me, groups())) {
        out.add(ApiJson.requestable(access));
      }
    }
    return ok(out);
  }

  // ---- requests -----------------------------------------------------------------------------------------------

  @PostMapping("/requests")
  ResponseEntity<byte[]> request(HttpServletRequest http) {
    Subject me = caller();
    Map<String, Object> body = body(http, REQUEST_FIELDS);
    AccessRequest request = accessRequest(me, body).build();
    RequestOutcome outcome = jit.request(request);
    if (outcome instanceof RequestOutcome.Granted granted) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("status", "GRANTED");
      out.put("request", ApiJson.grantedAtOnce(request, granted.grant()));
      out.put("grant", ApiJson.grant(granted.grant(), clock.instant()));
      return respond(HttpStatus.CREATED, out);
    }
    if (outcome instanceof RequestOutcome.Pending pending) {
      recent.add(me, pending.requestId());
      RequestRecord record = jit.requestRecord(pending.requestId()).orElseThrow(
          () -> new JitAccessException("request " + pending.requestId() + " is pending but cannot be read"));
      return respond(HttpStatus.ACCEPTED, document("status", "PENDING", "request", mine(record, me)));
    }
    throw refusal((RequestOutcome.Denied) outcome);
  }

  @GetMapping("/requests/mine")
  ResponseEntity<byte[]> myRequests() {
    Subject me = caller();
    Map<String, RequestRecord> byId = new LinkedHashMap<>();
    for (RequestRecord record : jit.pendingRequests()) {
      if (record.requester().equals(me)) {
        byId.put(record.id(), record);
      }
    }
    for (String id : recent.of(me)) {
      if (!byId.containsKey(id)) {
        jit.requestRecord(id).filter(r -> r.requester().equals(me)).ifPresent(r -> byId.put(id, r));
      }
    }
    Set<String> reviewable = reviewableBy(me);
    List<Object> out = new ArrayList<>();
    byId.values().stream().sorted(Comparator.comparing(RequestRecord::createdAt).reversed())
        .forEach(r -> out.add(ApiJson.request(r, reviewable.contains(r.id()), r.state() == RequestState.PENDING)));
    return ok(out);
  }

  @GetMapping("/requests/to-review")
  ResponseEntity<byte[]> toReview() {
    Subject me = caller();
    List<Object> out = new ArrayList<>();
    for (RequestRecord record : jit.pendingRequestsFor(me)) {
      // The engine leaves the requester's own out unless its rule allows self-approval; the queue never shows it.
      if (!record.requester().equals(me)) {
        out.add(ApiJson.request(record, true, false));
      }
    }
    return ok(out);
  }

  @PostMapping("/requests/{id}/approve")
  ResponseEntity<byte[]> approve(@PathVariable("id") String id, HttpServletRequest http) {
    Subject me = caller();
    String comment = ApiJson.text(body(http, COMMENT), "comment");
    existingRequest(id);
    RequestOutcome outcome;
    try {
      outcome = jit.approve(id, me, comment);
    } catch (IllegalArgumentException notEligible) {
      throw new ApiProblem(ApiProblem.Code.FORBIDDEN, notEligible.getMessage());
    } catch (IllegalStateException decided) {
      throw new ApiProblem(ApiProblem.Code.CONFLICT, decided.getMessage());
    }
    Map<String, Object> out = new LinkedHashMap<>();
    RequestRecord record = existingRequest(id);
    if (outcome instanceof RequestOutcome.Granted granted) {
      out.put("status", "GRANTED");
      out.put("request", ApiJson.request(record, false, false));
      out.put("grant", ApiJson.grant(granted.grant(), clock.instant()));
    } else {
      out.put("status", outcome instanceof RequestOutcome.Pending ? "PENDING" : "DENIED");
      out.put("request", ApiJson.request(record, false, false));
    }
    return ok(out);
  }

  @PostMapping("/requests/{id}/deny")
  ResponseEntity<byte[]> deny(@PathVariable("id") String id, HttpServletRequest http) {
    Subject me = caller();
    String reason = ApiJson.text(body(http, REASON), "reason");
    if (reason == null || reason.isBlank()) {
      throw ApiJson.invalid("reason is required");
    }
    existingRequest(id);
    try {
      jit.deny(id, me, reason);
    } catch (IllegalArgumentException notEligible) {
      throw new ApiProblem(ApiProblem.Code.FORBIDDEN, notEligible.getMessage());
    } catch (IllegalStateException decided) {
      throw new ApiProblem(ApiProblem.Code.CONFLICT, decided.getMessage());
    }
    Map<String, Object> request = ApiJson.request(existingRequest(id), false, false);
    request.put("decidedBy", ApiJson.subject(me));
    return ok(document("status", "DENIED", "request", request));
  }

  @PostMapping("/requests/{id}/cancel")
  ResponseEntity<byte[]> cancel(@PathVariable("id") String id, HttpServletRequest http) {
    Subject me = caller();
    body(http, Set.of());
    RequestRecord record = existingRequest(id);
    if (!record.requester().equals(me)) {
      throw notFound("request", id);
    }
    if (!jit.cancel(id, me)) {
      throw new ApiProblem(ApiProblem.Code.CONFLICT,
          "request " + id + " is no longer pending: " + existingRequest(id).state());
    }
    return ok(document("status", "CANCELLED", "request", ApiJson.request(existingRequest(id), false, false)));
  }

  // ---- grants -------------------------------------------------------------------------------------------------

  @GetMapping("/grants/mine")
  ResponseEntity<byte[]> myGrants() {
    Subject me = caller();
    Instant now = clock.instant();
    List<Object> out = new ArrayList<>();
    jit.activeGrants(me).stream().sorted(Comparator.comparing(Grant::expiresAt))
        .forEach(g -> out.add(ApiJson.grant(g, now)));
    return ok(out);
  }

  @PostMapping("/grants/{id}/extend")
  ResponseEntity<byte[]> extend(@PathVariable("id") String id, HttpServletRequest http) {
    Subject me = caller();
    Map<String, Object> body = body(http, EXTEND_FIELDS);
    ownGrant(id, me);
    Grant extended;
    try {
      extended = jit.extend(id, ApiJson.duration(body, "duration"), ApiJson.text(body, "justification"), me);
    } catch (ExtensionDeniedException denied) {
      throw new ApiProblem(ApiProblem.Code.REQUEST_DENIED, denied.getMessage());
    } catch (IllegalStateException ended) {
      throw new ApiProblem(ApiProblem.Code.CONFLICT, ended.getMessage());
    }
    return ok(ApiJson.grant(extended, clock.instant()));
  }

  @PostMapping("/grants/{id}/release")
  ResponseEntity<byte[]> release(@PathVariable("id") String id, HttpServletRequest http) {
    Subject me = caller();
    body(http, Set.of());
    ownGrant(id, me);
    if (!jit.release(id, me)) {
      throw new ApiProblem(ApiProblem.Code.CONFLICT, "grant " + id + " has already ended");
    }
    return ResponseEntity.noContent().build();
  }

  @PostMapping("/break-glass")
  ResponseEntity<byte[]> breakGlass(HttpServletRequest http) {
    Subject me = caller();
    Map<String, Object> body = body(http, BREAK_GLASS_FIELDS);
    AccessRequest request = accessRequest(me, body).breakGlass(true)
        .reference(ApiJson.requiredString(body, "incidentId")).build();
    RequestOutcome outcome = jit.request(request);
    if (outcome instanceof RequestOutcome.Granted granted) {
      return respond(HttpStatus.CREATED,
          document("status", "GRANTED", "grant", ApiJson.grant(granted.grant(), clock.instant())));
    }
    // The built-in engine never lets break-glass wait; another JitAccessManager might.
    throw outcome instanceof RequestOutcome.Denied denied ? refusal(denied)
        : new ApiProblem(ApiProblem.Code.REQUEST_DENIED, "break-glass access cannot wait for approvals");
  }

  // ---- administration -----------------------------------------------------------------------------------------

  @GetMapping("/grants")
  ResponseEntity<byte[]> allGrants(HttpServletRequest http) {
    caller();
    requireAdministrator(http);
    GrantStore grants = store.get();
    Instant now = clock.instant();
    List<Object> out = new ArrayList<>();
    if (grants != null) {
      grants.findActive().stream().sorted(Comparator.comparing(Grant::expiresAt))
          .forEach(g -> out.add(ApiJson.grant(g, now)));
    }
    return ok(out);
  }

  @DeleteMapping("/grants/{id}")
  ResponseEntity<byte[]> revoke(@PathVariable("id") String id, HttpServletRequest http) {
    Subject me = caller();
    requireAdministrator(http);
    String reason = http.getParameter("reason");
    if (reason == null) {
      reason = ApiJson.text(body(http, REASON), "reason");
    }
    if (reason == null || reason.isBlank()) {
      throw ApiJson.invalid("reason is required");
    }
    if (!Validate.isId(id) || jit.grant(id).isEmpty()) {
      throw notFound("grant", id);
    }
    if (!jit.revoke(id, me, reason)) {
      throw new ApiProblem(ApiProblem.Code.CONFLICT, "grant " + id + " has already ended");
    }
    return ResponseEntity.noContent().build();
  }

  @GetMapping("/reviews")
  ResponseEntity<byte[]> reviews(HttpServletRequest http) {
    caller();
    requireAdministrator(http);
    List<Object> out = new ArrayList<>();
    for (BreakGlassReview review : jit.breakGlassReviews()) {
      out.add(ApiJson.review(review, jit.grant(review.grantId()).orElse(null)));
    }
    return ok(out);
  }

  @PostMapping("/reviews/{grantId}/acknowledge")
  ResponseEntity<byte[]> acknowledge(@PathVariable("grantId") String grantId, HttpServletRequest http) {
    Subject me = caller();
    requireAdministrator(http);
    String comment = ApiJson.text(body(http, COMMENT), "comment");
    if (!Validate.isId(grantId) || jit.grant(grantId).filter(Grant::breakGlass).isEmpty()) {
      throw notFound("break-glass grant", grantId);
    }
    boolean acknowledged;
    try {
      acknowledged = jit.acknowledgeReview(grantId, me, comment);
    } catch (IllegalArgumentException ownGrant) {
      throw new ApiProblem(ApiProblem.Code.FORBIDDEN, ownGrant.getMessage());
    }
    if (!acknowledged) {
      throw new ApiProblem(ApiProblem.Code.CONFLICT, "the review of grant " + grantId + " was acknowledged already");
    }
    return ResponseEntity.noContent().build();
  }

  // ---- errors -------------------------------------------------------------------------------------------------

  @ExceptionHandler(ApiProblem.class)
  ResponseEntity<byte[]> problem(ApiProblem problem) {
    return problem.response();
  }

  /** Bad input the engine refused: its message names the field; a value that may be secret is cut off. */
  @ExceptionHandler(IllegalArgumentException.class)
  ResponseEntity<byte[]> invalid(IllegalArgumentException e) {
    return ApiJson.invalid(ApiJson.withoutFreeText(String.valueOf(e.getMessage()))).response();
  }

  @ExceptionHandler(IllegalStateException.class)
  ResponseEntity<byte[]> conflict(IllegalStateException e) {
    return new ApiProblem(ApiProblem.Code.CONFLICT, String.valueOf(e.getMessage())).response();
  }

  /** The store or the audit trail failed: the log has why, the caller the same words whatever failed. */
  @ExceptionHandler(JitAccessException.class)
  ResponseEntity<byte[]> unavailable(JitAccessException e) {
    log.warn("jit-access HTTP API: the engine could not complete the call", e);
    return new ApiProblem(ApiProblem.Code.UNAVAILABLE, ApiProblem.UNAVAILABLE_DETAIL).response();
  }

  // ---- helpers ------------------------------------------------------------------------------------------------

  private Subject caller() {
    return callerOf(subjects);
  }

  /** The resolver's subject; a resolver that fails or knows nobody is a 401. */
  static Subject callerOf(SubjectResolver subjects) {
    Subject me;
    try {
      me = subjects.currentSubject();
    } catch (RuntimeException e) {
      log.warn("the subject resolver failed; the caller is treated as unauthenticated", e);
      me = null;
    }
    if (me == null) {
      throw new ApiProblem(ApiProblem.Code.UNAUTHENTICATED, "the caller is not authenticated");
    }
    return me;
  }

  private Set<String> groups() {
    Set<String> groups = subjects.currentGroups();
    return groups == null ? Set.of() : groups;
  }

  private void requireAdministrator(HttpServletRequest http) {
    if (!isAdministrator.test(http.getUserPrincipal())) {
      throw new ApiProblem(ApiProblem.Code.FORBIDDEN, "this needs the jit-access administrator authority");
    }
  }

  private AccessRequest.Builder accessRequest(Subject me, Map<String, Object> body) {
    return AccessRequest.builder()
        .subject(me)
        .groups(groups())
        .resource(ApiJson.requiredString(body, "resource"))
        .actions(ApiJson.strings(body, "actions"))
        .duration(ApiJson.duration(body, "duration"))
        .justification(ApiJson.text(body, "justification"));
  }

  /** A denial of the engine: its limits are 429, the policy's reasons (written for requesters) 403. */
  private static ApiProblem refusal(RequestOutcome.Denied denied) {
    return new ApiProblem(denied.limitReached() ? ApiProblem.Code.LIMIT_REACHED : ApiProblem.Code.REQUEST_DENIED,
        denied.reason());
  }

  private RequestRecord existingRequest(String id) {
    if (!Validate.isId(id)) {
      throw notFound("request", id);
    }
    return jit.requestRecord(id).orElseThrow(() -> notFound("request", id));
  }

  private Grant ownGrant(String id, Subject me) {
    if (!Validate.isId(id)) {
      throw notFound("grant", id);
    }
    return jit.grant(id).filter(g -> g.subject().equals(me)).orElseThrow(() -> notFound("grant", id));
  }

  private Map<String, Object> mine(RequestRecord record, Subject me) {
    return ApiJson.request(record, reviewableBy(me).contains(record.id()), record.state() == RequestState.PENDING);
  }

  private Set<String> reviewableBy(Subject me) {
    Set<String> ids = new HashSet<>();
    for (RequestRecord record : jit.pendingRequestsFor(me)) {
      ids.add(record.id());
    }
    return ids;
  }

  private static ApiProblem notFound(String what, String id) {
    return new ApiProblem(ApiProblem.Code.NOT_FOUND, "no " + what + " " + Validate.show(id));
  }

  private static Map<String, Object> body(HttpServletRequest http, Set<String> allowed) {
    return ApiJson.body(read(http), allowed);
  }

  private static byte[] read(HttpServletRequest http) {
    long declared = http.getContentLengthLong();
    if (declared > ApiJson.MAX_BODY_BYTES) {
      throw tooLarge(declared);
    }
    byte[] bytes;
    try (InputStream in = http.getInputStream()) {
      bytes = in.readNBytes(ApiJson.MAX_BODY_BYTES + 1);
    } catch (IOException e) {
      throw ApiJson.invalid("body could not be read");
    }
    if (bytes.length > ApiJson.MAX_BODY_BYTES) {
      throw tooLarge(bytes.length);
    }
    if (bytes.length > 0 && !isJson(http.getContentType())) {
      throw ApiJson.invalid("Content-Type must be application/json, got " + Validate.show(http.getContentType()));
    }
    return bytes;
  }

  private static ApiProblem tooLarge(long size) {
    return ApiJson.invalid("body must be at most " + ApiJson.MAX_BODY_BYTES + " bytes, got " + size);
  }

  private static boolean isJson(@Nullable String contentType) {
    if (contentType == null) {
      return false;
    }
    try {
      return MediaType.APPLICATION_JSON.isCompatibleWith(MediaType.parseMediaType(contentType));
    } catch (InvalidMediaTypeException e) {
      return false;
    }
  }

  /** A status and a request or grant, in this order. */
  private static Map<String, Object> document(String statusName, Object status, String name, Object value) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(statusName, status);
    out.put(name, value);
    return out;
  }

  private static ResponseEntity<byte[]> ok(Object document) {
    return respond(HttpStatus.OK, document);
  }

  private static ResponseEntity<byte[]> respond(HttpStatus status, Object document) {
    return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON)
        .header("Cache-Control", "no-store").body(ApiJson.bytes(document));
  }
}
