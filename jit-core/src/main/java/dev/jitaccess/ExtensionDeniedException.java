package dev.jitaccess;

/** The policy refused to extend a grant; the grant is unchanged. */
public class ExtensionDeniedException extends JitAccessException {
  public ExtensionDeniedException(String message) {
    super(message);
  }
}
