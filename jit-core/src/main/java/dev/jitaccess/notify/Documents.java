package dev.jitaccess.notify;

import dev.jitaccess.Approval;
import dev.jitaccess.Grant;
import dev.jitaccess.RequestRecord;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditHmac;
import dev.jitaccess.internal.json.JsonWriter;
import jakarta.annotation.Nullable;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns one event into the bytes posted: the {@value #SCHEMA} document, or a Slack message. Immutable and
 * thread-safe; every call writes with a writer of its own.
 */
final class Documents {

  static final String SCHEMA = "jit-access.webhook/v1";

  /** One event as the schema sees it: about a request (grant null) or about a grant. */
  record Event(String id, EventType type, Instant occurredAt, @Nullable RequestRecord request,
      @Nullable Grant grant, @Nullable Subject actor) {

    String requestId() {
      return grant != null ? grant.requestId() : request.id();
    }
  }

  private final WebhookNotifier.Format format;
  private final @Nullable String consoleBaseUrl;
  private final @Nullable AuditHmac hmac;

  Documents(WebhookNotifier.Format format, @Nullable URI consoleBaseUrl, @Nullable AuditHmac hmac) {
    this.format = format;
    String base = consoleBaseUrl == null ? null : consoleBaseUrl.toString();
    this.consoleBaseUrl = base == null ? null : base.replaceAll("/+$", "");
    this.hmac = hmac;
  }

  byte[] body(Event event) {
    Map<String, Object> doc = format == WebhookNotifier.Format.SLACK ? slack(event) : json(event);
    return new JsonWriter().value(doc).toByteArray();
  }

  /** The {@value #SCHEMA} document; members without a value are left out. */
  Map<String, Object> json(Event e) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("schema", SCHEMA);
    doc.put("id", e.id());
    doc.put("type", e.type().wire());
    doc.put("occurredAt", e.occurredAt().toString());
    doc.put("requestId", e.requestId());
    if (e.grant() != null) {
      Grant g = e.grant();
      doc.put("grantId", g.id());
      doc.put("subject", subject(g.subject()));
      doc.put("resource", g.resource());
      doc.put("actions", List.copyOf(g.actions()));
      doc.put("breakGlass", g.breakGlass());
      doc.put("state", g.state().name());
      doc.put("notBefore", g.notBefore().toString());
      doc.put("expiresAt", g.expiresAt().toString());
      doc.put("endedAt", g.endedAt() == null ? null : g.endedAt().toString());
      doc.put("justification", text(g.justification()));
      doc.put("reference", g.reference());
      doc.put("approvals", approvals(g.approvals()));
      doc.put("actor", e.actor() == null ? null : subject(e.actor()));
      doc.put("reason", text(g.endReason()));
    } else {
      RequestRecord r = e.request();
      doc.put("grantId", r.grantId());
      doc.put("subject", subject(r.requester()));
      doc.put("resource", r.request().resource());
      doc.put("actions", List.copyOf(r.request().actions()));
      doc.put("breakGlass", r.request().breakGlass());
      doc.put("state", r.state().name());
      doc.put("duration", r.duration().toString());
      doc.put("createdAt", r.createdAt().toString());
      doc.put("reviewDeadline", r.reviewDeadline() == null ? null : r.reviewDeadline().toString());
      doc.put("approvalsNeeded", r.approvalsNeeded());
      doc.put("justification", text(r.request().justification()));
      doc.put("reference", r.request().reference());
      doc.put("approvals", approvals(r.approvals()));
      doc.put("reason", text(r.endReason()));
    }
    doc.put("consoleUrl", consoleUrl(e.requestId()));
    return doc;
  }

  /** A Slack message: {@code text} for notifications, {@code blocks} for the channel. */
  private Map<String, Object> slack(Event e) {
    Map<String, Object> doc = json(e);
    StringBuilder summary = new StringBuilder("*").append(e.type().title()).append("*\n")
        .append(escape(subjectOf(e).toString()))
        .append(": `").append(String.join(",", actionsOf(doc))).append("` on `")
        .append(escape((String) doc.get("resource"))).append('`');
    line(summary, "Justification", (String) doc.get("justification"));
    line(summary, "Reference", (String) doc.get("reference"));
    line(summary, "Reason", (String) doc.get("reason"));
    line(summary, "Expires", (String) doc.get("expiresAt"));
    if (e.actor() != null) {
      line(summary, "By", e.actor().toString());
    }
    List<Object> blocks = new ArrayList<>();
    blocks.add(Map.of("type", "section", "text", mrkdwn(summary.toString())));
    String url = (String) doc.get("consoleUrl");
    if (url != null) {
      blocks.add(Map.of("type", "section", "text", mrkdwn("<" + url + "|Open the request in the console>")));
    }
    blocks.add(Map.of("type", "context", "elements", List.of(mrkdwn("request " + escape(e.requestId())
        + (e.grant() == null ? "" : " · grant " + escape(e.grant().id())) + " · " + e.type().wire()))));
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("text", e.type().title() + ": " + escape(subjectOf(e).toString()) + " on "
        + escape((String) doc.get("resource")));
    message.put("blocks", blocks);
    return message;
  }

  private static Subject subjectOf(Event e) {
    return e.grant() != null ? e.grant().subject() : e.request().requester();
  }

  @SuppressWarnings("unchecked")
  private static List<String> actionsOf(Map<String, Object> doc) {
    return (List<String>) doc.get("actions");
  }

  private static void line(StringBuilder out, String label, @Nullable String value) {
    if (value != null) {
      out.append('\n').append(label).append(": ").append(escape(value));
    }
  }

  private static Map<String, Object> mrkdwn(String text) {
    return Map.of("type", "mrkdwn", "text", text);
  }

  /** Slack's three control characters, so that user text can neither link, mention nor format a channel. */
  static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private @Nullable String text(@Nullable String value) {
    return value == null || hmac == null ? value : hmac.hash(value);
  }

  private List<Object> approvals(List<Approval> approvals) {
    List<Object> out = new ArrayList<>();
    for (Approval a : approvals) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("approver", subject(a.approver()));
      one.put("at", a.at().toString());
      one.put("comment", text(a.comment()));
      out.add(one);
    }
    return out;
  }

  private static Map<String, Object> subject(Subject s) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("kind", s.kind().name().toLowerCase(Locale.ROOT));
    out.put("id", s.id());
    return out;
  }

  private @Nullable String consoleUrl(String requestId) {
    return consoleBaseUrl == null ? null : consoleBaseUrl + "/#request-" + pathSegment(requestId);
  }

  /** Percent-encodes all but RFC 3986's unreserved characters, so an id can neither leave the path nor break a link. */
  static String pathSegment(String id) {
    StringBuilder out = new StringBuilder();
    for (byte b : JsonWriter.utf8(id)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", (int) c));
      }
    }
    return out.toString();
  }
}
