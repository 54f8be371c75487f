package dev.jitaccess.spring.web;

import dev.jitaccess.spring.SubjectResolver;
import jakarta.annotation.Nullable;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Objects;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Serves the console, static files shipped in the jar under {@value #LOCATION}: {@code index.html} at the base path
 * with a trailing slash (the base path without it redirects there) and the files of {@code assets/} below it
 * ({@code css}, {@code js}, {@code svg} and {@code png} files with lower-case names). Every answer says
 * {@code Cache-Control: no-store} (a page with someone's grants must not be kept) and a
 * {@code Content-Security-Policy} of {@code default-src 'self'} (no inline script or style, no other origin). Like
 * the API, it answers only an identified caller.
 *
 * <p>Thread-safe: stateless apart from final fields; Spring MVC calls it from request threads.
 */
@RestController
@RequestMapping("${jit.access.web.path:/jit}")
public final class JitAccessConsoleController {

  /** Where in the classpath the console's files are. */
  public static final String LOCATION = "META-INF/jit-access/console/";
  /** The console's content security policy. */
  public static final String CONTENT_SECURITY_POLICY = "default-src 'self'";

  private static final Map<String, MediaType> TYPES = Map.of(
      "css", MediaType.parseMediaType("text/css;charset=UTF-8"),
      "js", MediaType.parseMediaType("text/javascript;charset=UTF-8"),
      "svg", MediaType.parseMediaType("image/svg+xml"),
      "png", MediaType.IMAGE_PNG);

  private final SubjectResolver subjects;

  public JitAccessConsoleController(SubjectResolver subjects) {
    this.subjects = Objects.requireNonNull(subjects, "subjects");
  }

  /**
   * The base path without its slash redirects to the base path with it, so that the page's relative links
   * ({@code assets/console.js}) resolve below the base path whatever it is configured to.
   */
  @GetMapping("")
  ResponseEntity<byte[]> base(HttpServletRequest http) {
    ResponseEntity<byte[]> unauthenticated = unauthenticated();
    if (unauthenticated != null) {
      return unauthenticated;
    }
    return ResponseEntity.status(HttpStatus.FOUND).header("Location", http.getRequestURI() + "/")
        .header("Cache-Control", "no-store").build();
  }

  @GetMapping("/")
  ResponseEntity<byte[]> index() {
    return serve("index.html", MediaType.parseMediaType("text/html;charset=UTF-8"));
  }

  /** Only plain lower-case file names with a known extension: nothing outside {@code assets/} can be named. */
  @GetMapping("/assets/{name:[a-z0-9][a-z0-9-]*\\.(?:css|js|svg|png)}")
  ResponseEntity<byte[]> asset(@PathVariable("name") String name) {
    return serve("assets/" + name, TYPES.get(name.substring(name.lastIndexOf('.') + 1)));
  }

  /** The 401 for a caller the resolver does not know, else {@code null}. */
  @Nullable
  private ResponseEntity<byte[]> unauthenticated() {
    try {
      JitAccessApiController.callerOf(subjects);
      return null;
    } catch (ApiProblem unauthenticated) {
      return unauthenticated.response();
    }
  }

  private ResponseEntity<byte[]> serve(String path, MediaType type) {
    ResponseEntity<byte[]> unauthenticated = unauthenticated();
    if (unauthenticated != null) {
      return unauthenticated;
    }
    ClassPathResource resource = new ClassPathResource(LOCATION + path, JitAccessConsoleController.class.getClassLoader());
    byte[] bytes;
    try (InputStream in = resource.getInputStream()) {
      bytes = in.readAllBytes();
    } catch (IOException missing) {
      return new ApiProblem(ApiProblem.Code.NOT_FOUND, "no console file " + path).response();
    }
    return ResponseEntity.status(HttpStatus.OK).contentType(type)
        .header("Cache-Control", "no-store")
        .header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .header("X-Content-Type-Options", "nosniff")
        .body(bytes);
  }
}
