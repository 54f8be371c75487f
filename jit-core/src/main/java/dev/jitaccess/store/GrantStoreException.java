package dev.jitaccess.store;

import dev.jitaccess.JitAccessException;

/** A grant store could not do what it was asked; the engine fails closed on it. */
public class GrantStoreException extends JitAccessException {
  public GrantStoreException(String message) {
    super(message);
  }

  public GrantStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
