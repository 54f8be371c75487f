package dev.jitaccess.spring.web;

import dev.jitaccess.spring.JitAccessDeniedException;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;

/**
 * Turns a {@link JitAccessDeniedException} thrown by a Spring MVC handler into HTTP 403 with an RFC 9457
 * problem body ({@link AccessDeniedProblem}). The Boot auto-configuration registers it in servlet web
 * applications; in plain Spring MVC declare it as a bean.
 *
 * <p>With Spring Security the interceptor throws a Security exception instead, which this advice leaves to
 * Security's access-denied handling (see {@code JitAccessDeniedSecurityException}).
 */
@ControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
public class JitAccessProblemDetailsAdvice {

  @ExceptionHandler(JitAccessDeniedException.class)
  public ResponseEntity<ProblemDetail> accessDenied(JitAccessDeniedException denied, HttpServletRequest request) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, AccessDeniedProblem.detail(denied));
    problem.setTitle(AccessDeniedProblem.TITLE);
    problem.setInstance(URI.create(request.getRequestURI()));
    if (denied.resource() != null) {
      problem.setProperty("resource", denied.resource());
    }
    problem.setProperty("action", denied.action());
    return ResponseEntity.status(HttpStatus.FORBIDDEN)
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(problem);
  }
}
