package dev.jitaccess.spring.security;

import dev.jitaccess.spring.JitAccessDenial;
import dev.jitaccess.spring.web.AccessDeniedProblem;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.access.AccessDeniedHandlerImpl;

/**
 * A Spring Security {@link AccessDeniedHandler} that answers a jit-access refusal with 403 and the RFC 9457
 * problem body of {@link AccessDeniedProblem}, and hands every other denial to a delegate (by default
 * Security's own {@link AccessDeniedHandlerImpl}). Plug it into your filter chain:
 *
 * <pre>{@code
 * http.exceptionHandling(e -> e.accessDeniedHandler(new JitAccessDeniedHandler()));
 * }</pre>
 */
public final class JitAccessDeniedHandler implements AccessDeniedHandler {

  private final AccessDeniedHandler delegate;

  /** Delegates other denials to Security's default handler. */
  public JitAccessDeniedHandler() {
    this(new AccessDeniedHandlerImpl());
  }

  /** Delegates other denials to {@code delegate}. */
  public JitAccessDeniedHandler(AccessDeniedHandler delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  @Override
  public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException denied)
      throws IOException, ServletException {
    Optional<JitAccessDenial> denial = JitAccessDenial.find(denied);
    if (denial.isEmpty() || response.isCommitted()) {
      delegate.handle(request, response, denied);
      return;
    }
    byte[] body = AccessDeniedProblem.json(denial.get(), request.getRequestURI()).getBytes(StandardCharsets.UTF_8);
    response.setStatus(HttpServletResponse.SC_FORBIDDEN);
    response.setContentType(AccessDeniedProblem.MEDIA_TYPE);
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
    response.flushBuffer();
  }
}
