package dev.jitaccess.audit;

import dev.jitaccess.JitAccessException;

/** An audit event could not be recorded. When it was a grant's, nothing was granted. */
public class AuditException extends JitAccessException {
  public AuditException(String message) {
    super(message);
  }

  public AuditException(String message, Throwable cause) {
    super(message, cause);
  }
}
