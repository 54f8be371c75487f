package dev.jitaccess.store.jdbc;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.Approval;
import dev.jitaccess.BreakGlassReview;
import dev.jitaccess.Grant;
import dev.jitaccess.GrantState;
import dev.jitaccess.RequestRecord;
import dev.jitaccess.RequestState;
import dev.jitaccess.Subject;
import dev.jitaccess.internal.json.JsonReader;
import dev.jitaccess.internal.json.JsonWriter;
import dev.jitaccess.internal.json.LoneSurrogates;
import dev.jitaccess.internal.json.MalformedJsonException;
import dev.jitaccess.policy.ApprovalRequirement;
import jakarta.annotation.Nullable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How the JDBC store writes values into its text columns, and reads them back exactly. Not API.
 *
 * <ul>
 *   <li>A subject is {@code kind:id} with the kind in lower case ({@code user:alice}, {@code service:ci});
 *       the kind never contains a colon, so the first one splits.</li>
 *   <li>Actions are the sorted action words separated by one space (actions are {@code [a-z][a-z0-9_-]*}).</li>
 *   <li>Instants and durations are ISO-8601 text ({@link Instant#toString()}, {@link Duration#toString()}), exact
 *       to the nanosecond. The grant table's time columns are epoch milliseconds instead, the resolution of
 *       grants.</li>
 *   <li>Approvals are a JSON array of {@code {"approver":"user:bob","at":"...","comment":"..."}}, in order.</li>
 *   <li>A request record's details are a JSON object: {@code request} (the request as made: subject, resource,
 *       actions, duration, justification, reference, startAt, breakGlass, groups, attributes), {@code rule},
 *       {@code duration}, {@code requirement} (approvals, approvers, approverGroups, selfApprovalAllowed,
 *       reviewWindow), {@code approvals}, {@code createdAt}, {@code reviewDeadline}.</li>
 *   <li>A review's details are a JSON object: {@code grant} (every field of the grant as given), {@code reviewer},
 *       {@code reviewedAt}, {@code comment}.</li>
 * </ul>
 *
 * Absent optional values are left out of the JSON objects. The JSON is {@link JsonWriter}'s; rows written before
 * it escaped fewer characters (backspace and form feed as {@code \}{@code u} escapes; DEL, C1 controls,
 * U+2028/U+2029 and lone surrogates raw), which {@link JsonReader} reads the same.
 */
final class Codec {

  private Codec() {}

  // ------------------------------------------------------------------------------------------- small values

  static String subject(Subject subject) {
    return subject.kind().name().toLowerCase(Locale.ROOT) + ":" + subject.id();
  }

  static Subject subject(String text) {
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("malformed subject: no kind");
    }
    return new Subject(Subject.Kind.valueOf(text.substring(0, colon).toUpperCase(Locale.ROOT)),
        text.substring(colon + 1));
  }

  static String actions(Set<String> actions) {
    return String.join(" ", actions);
  }

  static Set<String> actions(String text) {
    return new LinkedHashSet<>(Arrays.asList(text.split(" ")));
  }

  /**
   * Epoch milliseconds of a grant instant.
   *
   * @throws IllegalArgumentException if it has a fraction of a millisecond (grants never do: the engine's
   *     clock counts milliseconds), so nothing is silently rounded
   */
  static long millis(String field, Instant instant) {
    if (instant.getNano() % 1_000_000 != 0) {
      throw new IllegalArgumentException(field + " must be whole milliseconds for the JDBC grant store, got "
          + instant);
    }
    try {
      return instant.toEpochMilli();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(field + " is out of range for the JDBC grant store, got " + instant);
    }
  }

  @Nullable
  private static String text(@Nullable Object value) {
    return value == null ? null : value.toString();
  }

  @Nullable
  private static Instant instant(@Nullable Object text) {
    return text == null ? null : Instant.parse((String) text);
  }

  /** The JSON text of a value made of maps, lists, strings, numbers and booleans (see {@link JsonWriter#value}). */
  private static String writeJson(Object value) {
    return new JsonWriter().value(value).text();
  }

  /** Reads what {@link #writeJson} wrote. */
  @Nullable
  private static Object parseJson(String text) {
    try {
      return JsonReader.parse(text, LoneSurrogates.ESCAPE);
    } catch (MalformedJsonException e) {
      throw new IllegalArgumentException("malformed JSON: " + e.getMessage());
    }
  }

  // -------------------------------------------------------------------------------------------- approvals

  static String approvals(List<Approval> approvals) {
    return writeJson(approvalList(approvals));
  }

  static List<Approval> approvals(String json) {
    return approvalList(parseJson(json));
  }

  private static List<Object> approvalList(List<Approval> approvals) {
    List<Object> list = new ArrayList<>(approvals.size());
    for (Approval a : approvals) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("approver", subject(a.approver()));
      m.put("at", a.at().toString());
      m.put("comment", a.comment());
      list.add(m);
    }
    return list;
  }

  private static List<Approval> approvalList(Object json) {
    List<Approval> approvals = new ArrayList<>();
    for (Object item : (List<?>) json) {
      Map<?, ?> m = (Map<?, ?>) item;
      approvals.add(new Approval(subject((String) m.get("approver")), instant(m.get("at")),
          (String) m.get("comment")));
    }
    return approvals;
  }

  // ------------------------------------------------------------------------------------------------ grants

  static Map<String, Object> grantJson(Grant g) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", g.id());
    m.put("requestId", g.requestId());
    m.put("subject", subject(g.subject()));
    m.put("resource", g.resource());
    m.put("actions", new ArrayList<>(g.actions()));
    m.put("notBefore", g.notBefore().toString());
    m.put("expiresAt", g.expiresAt().toString());
    m.put("state", g.state().name());
    m.put("justification", g.justification());
    m.put("reference", g.reference());
    m.put("approvals", approvalList(g.approvals()));
    m.put("breakGlass", g.breakGlass());
    m.put("rule", g.rule());
    m.put("version", g.version());
    m.put("endedAt", text(g.endedAt()));
    m.put("endReason", g.endReason());
    if (g.bound()) {
      m.put("bound", true);
    }
    return m;
  }

  static Grant grant(Map<?, ?> m) {
    return new Grant((String) m.get("id"), (String) m.get("requestId"), subject((String) m.get("subject")),
        (String) m.get("resource"), strings(m.get("actions")), instant(m.get("notBefore")),
        instant(m.get("expiresAt")), GrantState.valueOf((String) m.get("state")), (String) m.get("justification"),
        (String) m.get("reference"), approvalList(m.get("approvals")), (Boolean) m.get("breakGlass"),
        (String) m.get("rule"), (Long) m.get("version"), instant(m.get("endedAt")), (String) m.get("endReason"),
        Boolean.TRUE.equals(m.get("bound")));
  }

  private static Set<String> strings(Object json) {
    Set<String> set = new LinkedHashSet<>();
    for (Object item : (List<?>) json) {
      set.add((String) item);
    }
    return set;
  }

  // ---------------------------------------------------------------------------------------------- requests

  /** Everything of a request record but its id, state, grant id, end reason and version (those are columns). */
  static String requestDetails(RequestRecord r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("request", accessRequest(r.request()));
    m.put("rule", r.rule());
    m.put("duration", r.duration().toString());
    ApprovalRequirement req = r.requirement();
    if (req != null) {
      Map<String, Object> q = new LinkedHashMap<>();
      q.put("approvals", req.approvals());
      List<Object> approvers = new ArrayList<>();
      req.approvers().forEach(s -> approvers.add(subject(s)));
      q.put("approvers", approvers);
      q.put("approverGroups", new ArrayList<>(req.approverGroups()));
      q.put("selfApprovalAllowed", req.selfApprovalAllowed());
      q.put("reviewWindow", req.reviewWindow().toString());
      m.put("requirement", q);
    }
    m.put("approvals", approvalList(r.approvals()));
    m.put("createdAt", r.createdAt().toString());
    m.put("reviewDeadline", text(r.reviewDeadline()));
    return writeJson(m);
  }

  static RequestRecord request(String id, RequestState state, @Nullable String grantId, @Nullable String endReason,
      long version, String details) {
    Map<?, ?> m = (Map<?, ?>) parseJson(details);
    ApprovalRequirement requirement = null;
    if (m.get("requirement") instanceof Map<?, ?> q) {
      Set<Subject> approvers = new LinkedHashSet<>();
      for (Object s : (List<?>) q.get("approvers")) {
        approvers.add(subject((String) s));
      }
      requirement = new ApprovalRequirement(Math.toIntExact((Long) q.get("approvals")), approvers,
          strings(q.get("approverGroups")), (Boolean) q.get("selfApprovalAllowed"),
          Duration.parse((String) q.get("reviewWindow")));
    }
    return new RequestRecord(id, accessRequest((Map<?, ?>) m.get("request")), (String) m.get("rule"),
        Duration.parse((String) m.get("duration")), requirement, approvalList(m.get("approvals")),
        instant(m.get("createdAt")), instant(m.get("reviewDeadline")), state, grantId, endReason, version);
  }

  private static Map<String, Object> accessRequest(AccessRequest r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("subject", subject(r.subject()));
    m.put("resource", r.resource());
    m.put("actions", new ArrayList<>(r.actions()));
    m.put("duration", r.duration().toString());
    m.put("justification", r.justification());
    m.put("reference", r.reference());
    m.put("startAt", text(r.startAt()));
    m.put("breakGlass", r.breakGlass());
    m.put("groups", new ArrayList<>(r.groups()));
    m.put("attributes", new LinkedHashMap<>(r.attributes()));
    return m;
  }

  private static AccessRequest accessRequest(Map<?, ?> m) {
    Map<String, String> attributes = new LinkedHashMap<>();
    ((Map<?, ?>) m.get("attributes")).forEach((k, v) -> attributes.put((String) k, (String) v));
    return new AccessRequest(subject((String) m.get("subject")), (String) m.get("resource"),
        strings(m.get("actions")), Duration.parse((String) m.get("duration")), (String) m.get("justification"),
        (String) m.get("reference"), instant(m.get("startAt")), (Boolean) m.get("breakGlass"),
        strings(m.get("groups")), attributes);
  }

  // ----------------------------------------------------------------------------------------------- reviews

  /** Everything of a review but its grant id, incident, acknowledgement flag and version (those are columns). */
  static String reviewDetails(BreakGlassReview r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("grant", grantJson(r.grant()));
    m.put("reviewer", r.reviewer() == null ? null : subject(r.reviewer()));
    m.put("reviewedAt", text(r.reviewedAt()));
    m.put("comment", r.comment());
    return writeJson(m);
  }

  static BreakGlassReview review(String incident, long version, String details) {
    Map<?, ?> m = (Map<?, ?>) parseJson(details);
    Object reviewer = m.get("reviewer");
    return new BreakGlassReview(grant((Map<?, ?>) m.get("grant")), incident,
        reviewer == null ? null : subject((String) reviewer), instant(m.get("reviewedAt")),
        (String) m.get("comment"), version);
  }
}
