package dev.jitaccess.notify;

import dev.jitaccess.notify.WebhookNotifier.Audience;
import java.util.Set;

/** The {@code type} member of the schema, one per listener callback, with the audiences it goes to. */
enum EventType {
  PENDING_APPROVAL("request.pending_approval", "Access request waiting for approval", Set.of(Audience.APPROVERS)),
  // The approvers' queue loses the request: they are the ones to tell.
  REQUEST_CANCELLED("request.cancelled", "Access request cancelled", Set.of(Audience.APPROVERS)),
  REQUEST_REJECTED("request.rejected", "Access request rejected", Set.of(Audience.REQUESTER)),
  REQUEST_EXPIRED("request.expired", "Access request expired before enough approvals", Set.of(Audience.REQUESTER)),
  GRANTED("grant.granted", "Access granted", Set.of(Audience.GENERAL)),
  BREAK_GLASS("grant.break_glass", "Break-glass access granted, to be reviewed", Set.of(Audience.SECURITY)),
  EXPIRING_SOON("grant.expiring_soon", "Access expiring soon", Set.of(Audience.REQUESTER)),
  EXTENDED("grant.extended", "Access extended", Set.of(Audience.GENERAL)),
  RELEASED("grant.released", "Access released", Set.of(Audience.GENERAL)),
  REVOKED("grant.revoked", "Access revoked", Set.of(Audience.GENERAL)),
  EXPIRED("grant.expired", "Access expired", Set.of(Audience.GENERAL));

  private final String wire;
  private final String title;
  private final Set<Audience> audiences;

  EventType(String wire, String title, Set<Audience> audiences) {
    this.wire = wire;
    this.title = title;
    this.audiences = audiences;
  }

  String wire() {
    return wire;
  }

  String title() {
    return title;
  }

  Set<Audience> audiences() {
    return audiences;
  }
}
