package dev.jitaccess.internal.json;

/** Input that is not the JSON a {@link JsonReader} accepts; the message names a rule and a position, never the input. */
public final class MalformedJsonException extends Exception {
  private static final long serialVersionUID = 1L;

  public MalformedJsonException(String message) {
    super(message, null, false, false);
  }
}
