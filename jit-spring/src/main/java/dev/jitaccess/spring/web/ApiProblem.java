package dev.jitaccess.spring.web;

import dev.jitaccess.internal.json.JsonWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * An RFC 9457 problem the HTTP API answers with: {@code type}, {@code title}, {@code status}, {@code detail} and the
 * API's own {@code code}. Thrown by {@link JitAccessApiController}'s handlers and written by its exception handler.
 * The detail is for the caller: it names the bad field or the policy's reason, never a secret or the service's
 * insides.
 */
final class ApiProblem extends RuntimeException {

  /** The API's problem codes, each with its status and title. */
  enum Code {
    INVALID_INPUT(HttpStatus.BAD_REQUEST, "Invalid input"),
    UNAUTHENTICATED(HttpStatus.UNAUTHORIZED, "Authentication required"),
    FORBIDDEN(HttpStatus.FORBIDDEN, "Forbidden"),
    REQUEST_DENIED(HttpStatus.FORBIDDEN, "Request denied"),
    NOT_FOUND(HttpStatus.NOT_FOUND, "Not found"),
    CONFLICT(HttpStatus.CONFLICT, "Conflict"),
    LIMIT_REACHED(HttpStatus.TOO_MANY_REQUESTS, "Limit reached"),
    UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "Unavailable");

    final HttpStatus status;
    final String title;

    Code(HttpStatus status, String title) {
      this.status = status;
      this.title = title;
    }

    String type() {
      return "https://jitaccess.dev/problems/" + name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** What a caller is told when the store or the audit trail fails: the same words whatever failed. */
  static final String UNAVAILABLE_DETAIL = "access cannot be managed now; try again later";

  private final Code code;

  ApiProblem(Code code, String detail) {
    super(detail, null, false, false);
    this.code = code;
  }

  Code code() {
    return code;
  }

  ResponseEntity<byte[]> response() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", code.type());
    body.put("title", code.title);
    body.put("status", code.status.value());
    body.put("detail", getMessage());
    body.put("code", code.name());
    return ResponseEntity.status(code.status).contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(new JsonWriter().value(body).toByteArray());
  }
}
