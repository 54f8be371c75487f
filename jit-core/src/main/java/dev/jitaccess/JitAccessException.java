package dev.jitaccess;

/** Something the engine was asked could not be done; the message says what, and nothing was changed. */
public class JitAccessException extends RuntimeException {
  public JitAccessException(String message) {
    super(message);
  }

  public JitAccessException(String message, Throwable cause) {
    super(message, cause);
  }
}
