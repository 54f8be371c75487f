package dev.jitaccess.spring.web;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.Approval;
import dev.jitaccess.BreakGlassReview;
import dev.jitaccess.Grant;
import dev.jitaccess.RequestRecord;
import dev.jitaccess.Subject;
import dev.jitaccess.internal.Validate;
import dev.jitaccess.internal.json.JsonReader;
import dev.jitaccess.internal.json.JsonWriter;
import dev.jitaccess.internal.json.LoneSurrogates;
import dev.jitaccess.internal.json.MalformedJsonException;
import dev.jitaccess.policy.RequestableAccess;
import jakarta.annotation.Nullable;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The HTTP API's JSON: the documents it writes (plain strings, numbers, booleans and arrays, members always in the
 * same order, so the bytes are the same whatever JSON library the application has) and the checks of the bodies
 * it reads. Stateless.
 */
final class ApiJson {

  /** The largest request body read; a request form's body is far smaller. */
  static final int MAX_BODY_BYTES = 16 * 1024;

  /** The fields whose values a message never repeats. */
  private static final List<String> FREE_TEXT = List.of("justification", "reason", "comment");

  private ApiJson() {}

  static byte[] bytes(Object document) {
    return new JsonWriter().value(document).toByteArray();
  }

  static Map<String, Object> subject(Subject subject) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("kind", subject.kind().name().toLowerCase(Locale.ROOT)); // as webhook documents spell it
    out.put("id", subject.id());
    return out;
  }

  static Map<String, Object> requestable(RequestableAccess access) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("rule", access.rule());
    out.put("resources", access.resources());
    out.put("actions", List.copyOf(new java.util.TreeSet<>(access.actions())));
    out.put("maxDuration", access.maxDuration().toString());
    out.put("maxDurationSeconds", access.maxDuration().toSeconds());
    out.put("approvalsRequired", access.approvalsRequired());
    out.put("autoApprove", access.autoApprove());
    out.put("justificationRequired", access.justificationRequired());
    out.put("justificationPattern", orNull(access.justificationPattern()));
    out.put("breakGlass", access.breakGlass());
    Duration breakGlass = access.breakGlassMaxDuration();
    out.put("breakGlassMaxDuration", breakGlass == null ? JsonWriter.NULL : breakGlass.toString());
    out.put("breakGlassMaxDurationSeconds", breakGlass == null ? JsonWriter.NULL : breakGlass.toSeconds());
    out.put("incidentPattern", orNull(access.incidentPattern()));
    return out;
  }

  static Map<String, Object> grant(Grant grant, Instant now) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", grant.id());
    out.put("subject", subject(grant.subject()));
    out.put("resource", grant.resource());
    out.put("actions", List.copyOf(grant.actions()));
    out.put("grantedAt", grant.notBefore().toString());
    out.put("expiresAt", grant.expiresAt().toString());
    out.put("remainingSeconds", grant.state().isTerminal() || !now.isBefore(grant.expiresAt()) ? 0L
        : Duration.between(now, grant.expiresAt()).toSeconds());
    out.put("state", grant.state().name());
    out.put("breakGlass", grant.breakGlass());
    out.put("incidentId", grant.breakGlass() ? orNull(grant.reference()) : JsonWriter.NULL);
    out.put("requestId", grant.requestId());
    out.put("rule", grant.rule());
    out.put("justification", orNull(grant.justification()));
    return out;
  }

  /**
   * A request the store keeps (one that waited for approvals).
   *
   * @param canApprove whether the caller may approve it now
   * @param canCancel whether the caller may withdraw it now
   */
  static Map<String, Object> request(RequestRecord record, boolean canApprove, boolean canCancel) {
    Map<String, Object> out = request(record.id(), record.request(), record.duration(), record.state().name(),
        record.createdAt(), record.rule(), record.requirement() == null ? 0 : record.requirement().approvals(),
        record.approvals());
    if (record.endReason() != null) {
      out.put("reason", record.endReason());
    }
    out.put("canApprove", canApprove);
    out.put("canCancel", canCancel);
    return out;
  }

  /** A request granted at once, which the store keeps no record of: its grant tells the rest. */
  static Map<String, Object> grantedAtOnce(AccessRequest request, Grant grant) {
    Map<String, Object> out = request(grant.requestId(), request, request.duration(), "GRANTED", grant.notBefore(),
        grant.rule(), 0, List.of());
    out.put("canApprove", false);
    out.put("canCancel", false);
    return out;
  }

  private static Map<String, Object> request(String id, AccessRequest request, Duration duration, String state,
      Instant createdAt, String rule, int requiredApprovals, List<Approval> approvals) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", id);
    out.put("requester", subject(request.subject()));
    out.put("resource", request.resource());
    out.put("actions", List.copyOf(request.actions()));
    out.put("duration", duration.toString());
    out.put("durationSeconds", duration.toSeconds());
    out.put("justification", orNull(request.justification()));
    out.put("state", state);
    out.put("createdAt", createdAt.toString());
    out.put("rule", rule);
    out.put("requiredApprovals", requiredApprovals);
    List<Object> given = new ArrayList<>(approvals.size());
    for (Approval approval : approvals) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("approver", subject(approval.approver()));
      one.put("comment", orNull(approval.comment()));
      one.put("at", approval.at().toString());
      given.add(one);
    }
    out.put("approvals", given);
    return out;
  }

  /** @param current the grant as it is now, when the store still has it */
  static Map<String, Object> review(BreakGlassReview review, @Nullable Grant current) {
    Grant grant = current != null ? current : review.grant();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("grantId", review.grantId());
    out.put("subject", subject(grant.subject()));
    out.put("resource", grant.resource());
    out.put("incidentId", review.incident());
    out.put("grantedAt", grant.notBefore().toString());
    out.put("endedAt", grant.endedAt() == null ? JsonWriter.NULL : grant.endedAt().toString());
    out.put("acknowledged", review.isAcknowledged());
    return out;
  }

  private static Object orNull(@Nullable Object value) {
    return value == null ? JsonWriter.NULL : value;
  }

  // ---- reading bodies ---------------------------------------------------------------------------------------

  /**
   * The members of a request body, which must be a JSON object with no member outside {@code allowed}; an empty
   * body is an empty object.
   *
   * @throws ApiProblem {@code INVALID_INPUT} naming what is wrong
   */
  static Map<String, Object> body(byte[] body, Set<String> allowed) {
    if (body.length == 0) {
      return Map.of();
    }
    Map<String, Object> members;
    try {
      members = JsonReader.parseObject(body, 0, body.length, LoneSurrogates.REJECT);
    } catch (MalformedJsonException e) {
      throw invalid("body must be a JSON object: " + e.getMessage());
    }
    for (String name : members.keySet()) {
      if (!allowed.contains(name)) {
        throw invalid("body has an unknown field " + Validate.show(name) + "; known fields are " + allowed);
      }
    }
    return members;
  }

  /** A string member, or {@code null} when it is missing or JSON null. */
  @Nullable
  static String string(Map<String, Object> body, String field) {
    Object value = body.get(field);
    if (value == null || value instanceof String) {
      return (String) value;
    }
    throw invalid(field + " must be a string, got " + kind(value));
  }

  static String requiredString(Map<String, Object> body, String field) {
    String value = string(body, field);
    if (value == null || value.isBlank()) {
      throw invalid(field + " is required");
    }
    return value;
  }

  /** An array of strings, required. */
  static List<String> strings(Map<String, Object> body, String field) {
    Object value = body.get(field);
    if (value == null) {
      throw invalid(field + " is required");
    }
    if (!(value instanceof List<?> list)) {
      throw invalid(field + " must be an array of strings, got " + kind(value));
    }
    List<String> out = new ArrayList<>(list.size());
    for (Object item : list) {
      if (!(item instanceof String s)) {
        throw invalid(field + " must be an array of strings, got an element that is " + kind(item));
      }
      out.add(s);
    }
    return out;
  }

  /** An ISO-8601 duration such as {@code PT30M}, required. */
  static Duration duration(Map<String, Object> body, String field) {
    String text = requiredString(body, field);
    try {
      return Duration.parse(text);
    } catch (DateTimeParseException e) {
      throw invalid(field + " must be an ISO-8601 duration such as PT30M, got " + Validate.show(text));
    }
  }

  /**
   * Free text the caller wrote (a justification, a comment, a reason): a message about it never repeats it, since
   * a justification may be secret.
   */
  @Nullable
  static String text(Map<String, Object> body, String field) {
    String value = string(body, field);
    try {
      return Validate.text(field, value);
    } catch (IllegalArgumentException e) {
      throw invalid(withoutFreeText(e.getMessage()));
    }
  }

  /**
   * A refusal of bad input without the value it quotes when the value is free text (the engine's messages end
   * {@code ", got <value>"}): only the rule broken is left.
   */
  static String withoutFreeText(String message) {
    for (String field : FREE_TEXT) {
      if (message.startsWith(field + " ")) {
        int got = message.indexOf(", got ");
        return got < 0 ? message : message.substring(0, got);
      }
    }
    return message;
  }

  static ApiProblem invalid(String detail) {
    return new ApiProblem(ApiProblem.Code.INVALID_INPUT, detail);
  }

  private static String kind(@Nullable Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof Map) {
      return "an object";
    }
    if (value instanceof List) {
      return "an array";
    }
    if (value instanceof Boolean) {
      return "a boolean";
    }
    return value instanceof String ? "a string" : "a number";
  }
}
