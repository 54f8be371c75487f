package dev.jitaccess;

import dev.jitaccess.internal.Validate;

/**
 * Who holds or asks for access: a person ({@link Kind#USER}) or a workload ({@link Kind#SERVICE}).
 *
 * <p>Identity is the kind and the id only. Group memberships and other attributes are facts about a request,
 * not about identity, so they travel on {@link AccessRequest}.
 *
 * @param kind a person or a workload
 * @param id the identifier in the application's identity system; printable, at most 256 characters
 */
public record Subject(Kind kind, String id) {

  /** The two kinds of subject. */
  public enum Kind {
    USER,
    SERVICE
  }

  public Subject {
    Validate.notNull("subject.kind", kind);
    Validate.id("subject.id", id);
  }

  public static Subject user(String id) {
    return new Subject(Kind.USER, id);
  }

  public static Subject service(String id) {
    return new Subject(Kind.SERVICE, id);
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(java.util.Locale.ROOT) + ":" + id;
  }
}
