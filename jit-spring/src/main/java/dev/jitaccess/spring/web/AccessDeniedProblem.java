package dev.jitaccess.spring.web;

import dev.jitaccess.AccessDecision;
import dev.jitaccess.spring.JitAccessDenial;
import jakarta.annotation.Nullable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The RFC 9457 problem that tells an HTTP client a just-in-time grant is missing: status 403, what it needs
 * ({@code resource}, {@code action}) and a fixed public explanation of the decision's
 * {@linkplain AccessDecision#code() reason code}, and nothing about grants (no ids, no holders, no expiry) or the
 * service's insides: the engine's full reason (a store whose change feed is down, a policy that failed) is for the
 * audit and the log, where the exception's message carries it. Failures to decide all read alike, so a client
 * cannot probe which part is down. Shared by {@link JitAccessProblemDetailsAdvice} and the Spring Security handler.
 */
public final class AccessDeniedProblem {

  /** The problem's title. */
  public static final String TITLE = "Just-in-time access required";
  /** The media type of the body. */
  public static final String MEDIA_TYPE = "application/problem+json";

  private AccessDeniedProblem() {}

  /** The human-readable explanation: what is refused and the public reason of its code. */
  public static String detail(JitAccessDenial denial) {
    return "No active just-in-time grant allows '" + denial.action() + "' on "
        + (denial.resource() == null ? "the requested resource" : denial.resource()) + ": "
        + publicReason(denial.decision().code());
  }

  /** What a client is told for a denial of this code; the same words for every failure to decide. */
  static String publicReason(AccessDecision.Code code) {
    return switch (code) {
      case NO_SUBJECT -> "the caller is not identified";
      case INVALID_RESOURCE -> "the resource is not a valid name";
      case INVALID_ACTION -> "the action is not valid";
      case NO_GRANT -> "no active grant covers this resource and action";
      case INVALID_REQUEST -> "the access request made for this call is not valid";
      case NOT_GRANTED -> "the access requested for this call was not granted";
      case UNRESOLVED -> "the access this call needs could not be determined";
      case CLOSED, USE_NOT_AUDITED, STALE, FAILED -> "access could not be decided now; try again later";
    };
  }

  /** The problem's members, in order: type, title, status, detail, instance, resource, action. */
  public static Map<String, Object> members(JitAccessDenial denial, @Nullable String instance) {
    Map<String, Object> members = new LinkedHashMap<>();
    members.put("type", "about:blank");
    members.put("title", TITLE);
    members.put("status", 403);
    members.put("detail", detail(denial));
    if (instance != null) {
      members.put("instance", instance);
    }
    if (denial.resource() != null) {
      members.put("resource", denial.resource());
    }
    members.put("action", denial.action());
    return members;
  }

  /** The problem as a JSON object, for writers without a message converter. */
  public static String json(JitAccessDenial denial, @Nullable String instance) {
    StringBuilder out = new StringBuilder("{");
    members(denial, instance).forEach((name, value) -> {
      if (out.length() > 1) {
        out.append(',');
      }
      quote(out, name).append(':');
      if (value instanceof Number) {
        out.append(value);
      } else {
        quote(out, String.valueOf(value));
      }
    });
    return out.append('}').toString();
  }

  private static StringBuilder quote(StringBuilder out, String text) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029 || c == '<' || c == '>') {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"');
  }
}
