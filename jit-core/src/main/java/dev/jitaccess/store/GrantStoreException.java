package dev.jitaccess.store;

/** A grant store could not do what it was asked; the engine fails closed on it. */
public class GrantStoreException extends RuntimeException {
  public GrantStoreException(String message) {
    super(message);
  }

  public GrantStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
