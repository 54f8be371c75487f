package dev.jitaccess.audit;

/** An audit event could not be recorded. When it was a grant's, nothing was granted. */
public class AuditException extends RuntimeException {
  public AuditException(String message) {
    super(message);
  }

  public AuditException(String message, Throwable cause) {
    super(message, cause);
  }
}
