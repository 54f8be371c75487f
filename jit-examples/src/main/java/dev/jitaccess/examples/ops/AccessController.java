package dev.jitaccess.examples.ops;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.Grant;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.RequestRecord;
import dev.jitaccess.Subject;
import dev.jitaccess.spring.SubjectResolver;
import java.util.List;
import java.util.Set;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Self-service access over HTTP: ask, see what waits for you, approve or deny, list and give back your grants.
 * The caller is whoever the {@link SubjectResolver} says (here Spring Security's authentication), with the
 * groups it reports.
 */
@RestController
@RequestMapping("/access")
public class AccessController {

  private final JitAccessManager jit;
  private final SubjectResolver subjects;

  public AccessController(JitAccessManager jit, SubjectResolver subjects) {
    this.jit = jit;
    this.subjects = subjects;
  }

  /** What a caller asks for; {@code duration} like {@code 15m} or {@code PT15M}. */
  public record NewRequest(String resource, List<String> actions, String duration, String justification,
      String reference, boolean breakGlass) {}

  /** What became of a request. */
  public record Outcome(String status, String requestId, String grantId, String expiresAt, Integer approvalsNeeded,
      String reason) {

    static Outcome of(RequestOutcome outcome) {
      if (outcome instanceof RequestOutcome.Granted granted) {
        Grant g = granted.grant();
        return new Outcome("granted", g.requestId(), g.id(), g.expiresAt().toString(), null, null);
      }
      if (outcome instanceof RequestOutcome.Pending pending) {
        return new Outcome("pending", pending.requestId(), null, null, pending.approvalsNeeded(), null);
      }
      RequestOutcome.Denied denied = (RequestOutcome.Denied) outcome;
      return new Outcome("denied", denied.requestId(), null, null, null, denied.reason());
    }
  }

  /** A request waiting for the caller's approval. */
  public record Waiting(String requestId, String requester, String resource, Set<String> actions, String duration,
      String justification, int approvalsNeeded) {

    static Waiting of(RequestRecord r) {
      return new Waiting(r.id(), r.requester().toString(), r.request().resource(), r.request().actions(),
          r.duration().toString(), r.request().justification(), r.approvalsNeeded());
    }
  }

  /** One of the caller's grants. */
  public record Held(String grantId, String resource, Set<String> actions, String expiresAt, boolean breakGlass) {

    static Held of(Grant g) {
      return new Held(g.id(), g.resource(), g.actions(), g.expiresAt().toString(), g.breakGlass());
    }
  }

  /** An approver's words. */
  public record Decision(String comment) {}

  @PostMapping("/requests")
  public ResponseEntity<Outcome> request(@RequestBody NewRequest body) {
    AccessRequest request = AccessRequest.builder()
        .subject(me())
        .groups(subjects.currentGroups())
        .resource(body.resource())
        .actions(body.actions() == null ? List.of() : body.actions())
        .duration(DurationStyle.detectAndParse(body.duration() == null ? "15m" : body.duration()))
        .justification(body.justification())
        .reference(body.reference())
        .breakGlass(body.breakGlass())
        .build();
    Outcome outcome = Outcome.of(jit.request(request));
    HttpStatus status = switch (outcome.status()) {
      case "granted" -> HttpStatus.CREATED;
      case "pending" -> HttpStatus.ACCEPTED;
      default -> HttpStatus.FORBIDDEN;
    };
    return ResponseEntity.status(status).body(outcome);
  }

  @GetMapping("/requests/pending")
  public List<Waiting> waitingForMe() {
    return jit.pendingRequestsFor(me()).stream().map(Waiting::of).toList();
  }

  @PostMapping("/requests/{id}/approve")
  public Outcome approve(@PathVariable("id") String id, @RequestBody(required = false) Decision decision) {
    return Outcome.of(jit.approve(id, me(), decision == null ? null : decision.comment()));
  }

  @PostMapping("/requests/{id}/deny")
  public Outcome deny(@PathVariable("id") String id, @RequestBody(required = false) Decision decision) {
    String reason = decision == null || decision.comment() == null ? "denied" : decision.comment();
    return Outcome.of(jit.deny(id, me(), reason));
  }

  @GetMapping("/grants")
  public List<Held> myGrants() {
    return jit.activeGrants(me()).stream().map(Held::of).toList();
  }

  @DeleteMapping("/grants/{id}")
  public ResponseEntity<Void> release(@PathVariable("id") String id) {
    boolean mine = jit.grant(id).map(g -> g.subject().equals(me())).orElse(false);
    if (!mine) {
      return ResponseEntity.notFound().build();
    }
    jit.release(id);
    return ResponseEntity.noContent().build();
  }

  private Subject me() {
    Subject subject = subjects.currentSubject();
    if (subject == null) {
      throw new IllegalStateException("not authenticated");
    }
    return subject;
  }

  @ExceptionHandler(IllegalArgumentException.class)
  public ProblemDetail badRequest(IllegalArgumentException e) {
    return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
  }

  @ExceptionHandler(IllegalStateException.class)
  public ProblemDetail conflict(IllegalStateException e) {
    return ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage());
  }
}
