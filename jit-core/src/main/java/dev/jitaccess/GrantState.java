package dev.jitaccess;

/**
 * The life of a grant. It only moves forward: {@code ACTIVE} to one of the two terminal states, once.
 * A release is a revocation by the holder, recorded with the reason {@value Grant#RELEASED_REASON}.
 */
public enum GrantState {
  ACTIVE,
  EXPIRED,
  REVOKED;

  public boolean isTerminal() {
    return this != ACTIVE;
  }
}
