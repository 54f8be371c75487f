package dev.jitaccess;

import java.util.Set;

/**
 * Tells which groups an approver belongs to, as the application knows them (an identity provider, LDAP, a
 * static map), so rules can name approver groups. Called on the thread that approves or lists pending
 * requests; must be thread-safe. A directory that throws counts as "no groups": the approver is then eligible
 * only if listed by name.
 *
 * <p>Look an approver up under its exact kind and id: a lookup more lenient than the login (case-insensitive,
 * blind to the kind) lets another account, {@code BOB} or {@code service:bob}, borrow bob's groups. A directory that knows each person's stable id can also tell the engine who is
 * who, as its {@link PersonKey}, so that aliases of one person count once.
 */
@FunctionalInterface
public interface ApproverDirectory {

  /** The directory of an application that names approvers individually only. */
  ApproverDirectory NONE = subject -> Set.of();

  Set<String> groupsOf(Subject approver);
}
